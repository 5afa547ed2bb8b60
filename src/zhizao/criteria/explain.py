"""Executed screening results → per-criterion rows and plain Chinese sentences."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zhizao.criteria.model import (
    LEVEL_TEXT,
    Comparison,
    Manual,
    Not,
    RuleSet,
    TitleHeld,
    _num,
    children,
)
from zhizao.criteria.outcomes import OUTCOME_TEXT

if TYPE_CHECKING:
    from zhizao.criteria.engine import Measure


def _clean(v: Any) -> Any:
    if v is None:
        return None
    try:
        if isinstance(v, float) and math.isnan(v):
            return None
    except TypeError:
        return None
    if hasattr(v, "item"):
        v = v.item()
    return v


def criteria_rows(row: Mapping[str, Any], criteria: Sequence[Any] | RuleSet) -> list[dict[str, Any]]:
    """One dict per node of the rule set (depth first): ``id, label, kind, depth, outcome,
    value, threshold, gap, unit, rel_gap, source``; ``outcome`` as in CONTRACT.md."""
    nodes = criteria.criteria if isinstance(criteria, RuleSet) else list(criteria)
    out: list[dict[str, Any]] = []

    def visit(n: Any, depth: int) -> None:
        item: dict[str, Any] = {
            "id": n.id,
            "label": n.label,
            "kind": getattr(n, "kind", "comparison"),
            "depth": depth,
            "outcome": row.get(f"{n.id}__outcome"),
            "value": _clean(row.get(f"{n.id}__value")),
            "threshold": None,
            "gap": _clean(row.get(f"{n.id}__gap")),
            "unit": "",
            "rel_gap": _clean(row.get(f"{n.id}__rel_gap")),
            "source": getattr(n, "source", None),
        }
        if isinstance(n, Comparison):
            item["threshold"] = list(n.threshold) if isinstance(n.threshold, tuple) else n.threshold
            item["unit"] = n.unit
            item["op"] = n.op
        elif isinstance(n, TitleHeld):
            item["title"] = n.title
            item["level"] = n.level
        out.append(item)
        for c in children(n):
            visit(c, depth + 1)

    for n in nodes:
        visit(n, 0)
    return out


def sentence(n: Any, row: Mapping[str, Any], measures: Mapping[str, Measure] | None = None,
             title_names: Mapping[str, str] | None = None) -> str:
    """What a criterion's outcome means for one firm, in plain Chinese."""
    outcome = row.get(f"{n.id}__outcome")
    if isinstance(n, Comparison):
        v = _clean(row.get(f"{n.id}__value"))
        if outcome == "unknown" or v is None:
            return f"{n.label}：缺少数据，无法判断（要求{n.threshold_text()}）"
        shown = f"{_num(round(float(v), 2))}{n.unit}"
        if outcome == "met":
            return f"{n.label}：{shown}，满足（要求{n.threshold_text()}）"
        gap = _clean(row.get(f"{n.id}__gap"))
        more = "还差" if n.op in (">=", ">") or (n.op == "between" and float(v) < n.low) else "超出"
        tail = f"，{more} {_num(round(float(gap), 2))}{n.unit}" if gap is not None else ""
        return f"{n.label}：{shown}，未达到要求（{n.threshold_text()}）{tail}"
    if isinstance(n, TitleHeld):
        name = (title_names or {}).get(n.title, n.title)
        level = LEVEL_TEXT[n.level] + ("及以上" if n.level != "national" else "")
        if outcome == "met":
            return f"{n.label}：持有有效的{level}{name}称号，满足"
        return f"{n.label}：评价日未持有有效的{level}{name}称号"
    if isinstance(n, Manual):
        return f"{n.label}：需人工核定"
    if isinstance(n, Not):
        return f"{n.label}：{OUTCOME_TEXT.get(str(outcome), '')}"
    return f"{n.label}：{OUTCOME_TEXT.get(str(outcome), '')}"
