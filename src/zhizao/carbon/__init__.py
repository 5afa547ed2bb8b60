"""工业碳效码: carbon accounting and carbon-efficiency grading (METHODS.md section 1)."""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.carbon.capability import CAPABILITY, HEADERS, CarbonMethodology
    from zhizao.carbon.method import evaluate, to_rows
    from zhizao.carbon.notes import notes_for

__getattr__, __dir__ = exports(__name__, {
    **dict.fromkeys(("CAPABILITY", "HEADERS", "CarbonMethodology"), "zhizao.carbon.capability"),
    "evaluate": "zhizao.carbon.method", "to_rows": "zhizao.carbon.method", "notes_for": "zhizao.carbon.notes"})

__all__ = ['CAPABILITY', 'HEADERS', 'CarbonMethodology', 'evaluate', 'notes_for', 'to_rows']
