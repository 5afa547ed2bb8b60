"""The projects methodology: when a late milestone becomes a stall, amber before red, and the
legal anchors of idle land (METHODS.md §4).

One YAML file per version in ``methodologies/``; every number carries its ``source`` and
``default: true`` where no official value was found. Example (abridged)::

    name: huzhou-projects
    version: "2021"
    method: projects
    stall:
      started: {grace_days: {value: 0, source: contract}, red_days: {value: 90, source: bureau, default: true}}
    land:
      idle_fee_days: {value: 365, source: idle-land-measures}

``grace_days``: a stall opens on the first day the milestone is more than this many days past its
planned date (0 = the day after the planned date, CONTRACT.md's rule; a plan equal to the as-of
date is never overdue). ``red_days``: a stall more than this many days overdue is red, before
that amber.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhizao import yamltext
from zhizao.methodology.models import Methodology, Sourced
from zhizao.projects.codes import MILESTONE_ORDER

#: the milestones a stall can wait for (the five gaps' second ends)
TARGETS: tuple[str, ...] = MILESTONE_ORDER[1:]
DEFAULT_FILE = "huzhou-projects-2021.yaml"


class StallRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the stall's name ("签约未开工"); configurable, METHODS.md §4
    label: str
    grace_days: Sourced
    red_days: Sourced

    @model_validator(mode="after")
    def _whole_days(self) -> StallRule:
        for f in (self.grace_days, self.red_days):
            if f.value < 0 or f.value != int(f.value):
                raise ValueError("天数应为非负整数")
        return self


class LandRule(BaseModel):
    """The legal anchors of idle land, a second, land-based warning beside the stall."""

    model_config = ConfigDict(extra="forbid")

    idle_fee_days: Sourced = Field(description="days past the contracted start: idle, 20 % idle-land fee")
    idle_fee_rate: Sourced
    reclaim_days: Sourced = Field(description="days past the contracted start: the land may be recovered")
    built_share: Sourced = Field(description="under this share of the area built counts as idle")
    invested_share: Sourced = Field(description="under this share of the investment, work stopped a year: idle")
    stopped_days: Sourced = Field(description="no investment for this long = work stopped")


class ProjectsMethodology(Methodology):
    method: str = "projects"
    #: target milestone (started … full_production) → its stall rule
    stall: dict[str, StallRule]
    land: LandRule
    #: 亿元 thresholds of the started / completed counts, in 万元
    large_thresholds: list[Sourced]

    @model_validator(mode="after")
    def _all_gaps(self) -> ProjectsMethodology:
        if set(self.stall) != set(TARGETS):
            raise ValueError(f"stall 应恰好包含 {', '.join(TARGETS)}")
        return self

    def grace(self, target: str) -> int:
        return int(self.stall[target].grace_days.value)

    def red(self, target: str) -> int:
        return int(self.stall[target].red_days.value)

    def label(self, target: str) -> str:
        return self.stall[target].label


#: stall code (the gap) by its target milestone: signed_not_started, …
STALL_CODES: dict[str, str] = {
    "started": "signed_not_started",
    "completed": "started_not_completed",
    "in_production": "completed_not_in_production",
    "above_scale": "in_production_not_above_scale",
    "full_production": "above_scale_not_full_production",
}


def load(path: str | Path | None = None) -> ProjectsMethodology:
    """The shipped methodology, or a user's file (``--methodology FILE``)."""
    if path is None:
        return _shipped()
    p = Path(path)
    if not p.exists():
        raise ValueError(f"找不到方法论文件：{p}")
    return ProjectsMethodology.model_validate(yamltext.load(p.read_text(encoding="utf-8")))


@cache
def _shipped() -> ProjectsMethodology:
    text = (resources.files("zhizao.projects.methodologies") / DEFAULT_FILE).read_text(encoding="utf-8")
    return ProjectsMethodology.model_validate(yamltext.load(text))
