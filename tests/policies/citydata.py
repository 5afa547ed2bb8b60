"""The matching tests' firms: the shared builder's :class:`city.Firm` with a year's revenue, plus
what matching reads beside the contract's firm tables: water use, the published 亩均 classes and
carbon grades, projects and their milestones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import city
import pandas as pd
from city import credit_code, frame

YEAR = 2024


def code(i: int) -> str:
    return credit_code(i)


@dataclass
class Firm(city.Firm):
    """``revenue`` None: no statistics that year; ``kwh``: the year's electricity; ``land_mu``:
    one owned parcel."""

    industry: str = "3670"
    founded: str | dt.date = "2010-01-01"
    revenue: float | None = 5000.0
    #: the revenue of the year before (the highest so far)
    revenue_prev_max: float | None = None
    kwh: float | None = None
    water_m3: float | None = None
    land_mu: float | None = None
    mujun_class: str | None = None
    carbon_grade: int | None = None
    projects: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.revenue is None:
            self.above = None
        if self.kwh is not None:
            self.energy = {"electricity": self.kwh}
        if self.land_mu is not None:
            self.parcels = [(f"L{self.code[-6:-1]}", self.land_mu, "owned")]


def tables(firms: Iterable[Firm], year: int = YEAR) -> dict[str, pd.DataFrame]:
    firms = list(firms)
    earlier = [city.Firm(f.code, year=year - 1, above=f.above, revenue=f.revenue_prev_max)
               for f in firms if f.revenue_prev_max is not None]
    out = city.tables([*firms, *earlier], year, ("enterprises", "statistics_annual", "energy", "land"))
    out["water_use"] = frame("water_use", ({"credit_code": f.code, "year": year, "water_m3": f.water_m3}
                                           for f in firms if f.water_m3 is not None))
    out["mujun_classes"] = pd.DataFrame({"credit_code": [f.code for f in firms if f.mujun_class],
                                         "class": [f.mujun_class for f in firms if f.mujun_class]}, dtype="string")
    out["carbon_grades"] = pd.DataFrame({"credit_code": pd.Series([f.code for f in firms if f.carbon_grade is not None],
                                                                  dtype="string"),
                                         "grade": pd.Series([f.carbon_grade for f in firms if f.carbon_grade is not None],
                                                            dtype="int64")})
    projects = [(f.code, p) for f in firms for p in f.projects]
    out["projects"] = frame("projects", (
        {"project_id": p["id"], "credit_code": cc, "kind": p.get("kind", "upgrade"),
         "industry_code": p.get("industry_code", "3670"), "equipment_investment": p.get("equipment")}
        for cc, p in projects))
    out["project_milestones"] = frame("project_milestones", (
        {"project_id": p["id"], "milestone": m, "actual_on": d}
        for _, p in projects for m, d in p.get("milestones", {}).items()))
    return out


def register(engine: Any, data: dict[str, pd.DataFrame]) -> dict[str, Any]:
    return {name: engine.register(f"t_{name}", t) for name, t in data.items()}


def upgrade_project(pid: str, equipment: float | None, *, done: dt.date | None = dt.date(YEAR, 6, 30),
                    kind: str = "upgrade") -> dict[str, Any]:
    return {"id": pid, "kind": kind, "equipment": equipment, "milestones": {"completed": done} if done else {}}
