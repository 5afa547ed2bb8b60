"""星级绿色工厂 (star-rated green factories): METHODS.md section 3.

The scoring is :func:`zhizao.greenfactory.method.evaluate` (one Ibis expression); its rules are
:class:`zhizao.greenfactory.methodology.GreenFactoryMethodology` files in ``methodologies/`` (one
per version of GB/T 36132); the green-factory ladder (titles, candidates, re-review, removal) is
:mod:`zhizao.greenfactory.ladder`. Other rooms use only what this module exports (lazily: importing
the package costs nothing).
"""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.greenfactory.capability import CAPABILITY, HEADERS
    from zhizao.greenfactory.method import STATUS_NOT_ASSESSED, STATUS_RATED, STATUS_VETOED, evaluate, to_rows
    from zhizao.greenfactory.methodology import GreenFactoryMethodology

__getattr__, __dir__ = exports(__name__, {
    "CAPABILITY": "zhizao.greenfactory.capability", "HEADERS": "zhizao.greenfactory.capability",
    "STATUS_NOT_ASSESSED": "zhizao.greenfactory.method", "STATUS_RATED": "zhizao.greenfactory.method",
    "STATUS_VETOED": "zhizao.greenfactory.method", "evaluate": "zhizao.greenfactory.method",
    "to_rows": "zhizao.greenfactory.method", "GreenFactoryMethodology": "zhizao.greenfactory.methodology",
})

__all__ = ["CAPABILITY", "HEADERS", "STATUS_NOT_ASSESSED", "STATUS_RATED", "STATUS_VETOED", "GreenFactoryMethodology",
           "evaluate", "to_rows"]
