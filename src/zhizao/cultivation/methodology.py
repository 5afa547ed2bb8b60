"""A tier's rule set as a methodology file (``method: tiers``).

The criteria are the criteria engine's nodes (:mod:`zhizao.criteria`); the file adds what the
platform needs around them: the tier it screens for (a title id of the ``titles`` table) and its
level, the exact dates the rules are in force (``effective_from`` / ``effective_to``, beside the
years every methodology has), the day of the data year on which titles must be valid, and how
long a granted title lasts and when its renewal window opens.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from zhizao.criteria import Node, RuleSet, check_nodes
from zhizao.cultivation.codes import TITLES
from zhizao.methodology.models import Methodology, Sourced


class TierMethodology(Methodology):
    method: Literal["tiers"] = "tiers"
    #: the title this rule set screens for (a ``titles`` id) and at which level it is granted
    tier: str
    level: Literal["county", "city", "provincial", "national"]
    effective_from: dt.date
    effective_to: dt.date | None = None
    #: titles must be valid on this day of the data year (MM-DD); DEFAULT year end
    evaluation_day: str = Field(default="12-31", pattern=r"^\d\d-\d\d$")
    #: years a granted title is valid, and the months before expiry the renewal window opens
    validity_years: Sourced
    renewal_months: Sourced
    #: the tier below (whose holders are this tier's next candidates), if any
    lower_tier: str | None = None
    criteria: list[Node]
    #: a template a city fills in (no criteria yet): evaluating it is refused
    template: bool = False

    @model_validator(mode="after")
    def _tier(self) -> TierMethodology:
        if self.tier not in TITLES:
            raise ValueError(f"未知称号: {self.tier}（可用: {', '.join(TITLES)}）")
        if self.lower_tier is not None and self.lower_tier not in TITLES:
            raise ValueError(f"未知称号: {self.lower_tier}")
        if not self.criteria and not self.template:
            raise ValueError("规则集没有任何标准（空模板请标明 template: true）")
        check_nodes(self.criteria, self.sources)
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to 早于 effective_from")
        return self

    def as_of(self, year: int) -> dt.date:
        """The evaluation day for data year ``year``."""
        m, d = (int(x) for x in self.evaluation_day.split("-"))
        return dt.date(year, m, d)

    def ruleset(self) -> RuleSet:
        return RuleSet(
            name=self.name, version=self.version, title=self.title, subject=self.tier, level=self.level,
            valid_from=self.effective_from, valid_to=self.effective_to, sources=self.sources,
            criteria=self.criteria, notes=self.notes,
        )

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "title": self.title, "tier": self.tier,
                "level": self.level, "effective_from": self.effective_from.isoformat(),
                "effective_to": self.effective_to.isoformat() if self.effective_to else None}
