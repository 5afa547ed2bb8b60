"""Chinese names of the room's codes, and the display helpers shared by CLI, pages and exports."""

from __future__ import annotations

from functools import cache

from zhizao.projects.codes import KINDS, MILESTONE_NAMES
from zhizao.projects.lifecycle import HOW_NAMES, OUTCOME_NAMES, STATE_NAMES
from zhizao.projects.methodology import STALL_CODES, load

#: the fields of one ``zhizao projects status`` row (CONTRACT.md)
STATUS_FIELDS = ("project_id", "name", "credit_code", "region_code", "reached", "state", "stall", "overdue_days")
COLOUR_NAMES = {"red": "红色", "amber": "黄色", "green": "绿色", "grey": "—"}
LAND_WARNINGS = {"idle_fee": "闲置满一年（可征收土地闲置费）", "reclaimable": "闲置满两年（可依法收回土地）",
                 "stopped": "投资不足25%且停工满一年（闲置土地）"}
KIND_NAMES = {k: v[0] for k, v in KINDS.items()}

__all__ = ["COLOUR_NAMES", "HOW_NAMES", "KIND_NAMES", "LAND_WARNINGS", "MILESTONE_NAMES", "OUTCOME_NAMES",
           "STATE_NAMES", "STATUS_FIELDS", "milestone_name", "percent", "region_label", "stall_name"]


@cache
def _stall_labels() -> dict[str, str]:
    m = load()
    return {code: m.label(target) for target, code in STALL_CODES.items()}


def stall_name(code: str | None) -> str:
    return _stall_labels().get(code or "", "") if code else ""


def milestone_name(code: str | None) -> str:
    return MILESTONE_NAMES.get(code or "", "未签约") if code else "未签约"


def region_label(code: str | None) -> str:
    from zhizao.codes import regions

    return (regions.name(code) or code or "") if code else ""


def percent(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"
