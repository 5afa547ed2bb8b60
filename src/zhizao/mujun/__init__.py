"""亩均效益综合评价 (per-mu benefit evaluation, "亩均论英雄"): METHODS.md section 2.

The method is :func:`zhizao.mujun.method.evaluate`; its rules are
:class:`zhizao.mujun.methodology.MujunMethodology` files in ``methodologies/``; the publication
workflow (freeze → land notice → scoring → results notice → objections → correction → final
publication) is :mod:`zhizao.mujun.workflow`.
"""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.mujun.capability import CAPABILITY, HEADERS, MujunMethodology
    from zhizao.mujun.method import evaluate, to_rows

__getattr__, __dir__ = exports(__name__, {
    **dict.fromkeys(("CAPABILITY", "HEADERS", "MujunMethodology"), "zhizao.mujun.capability"),
    "evaluate": "zhizao.mujun.method", "to_rows": "zhizao.mujun.method"})

__all__ = ['CAPABILITY', 'HEADERS', 'MujunMethodology', 'evaluate', 'to_rows']
