"""Tiny in-memory inputs for matching tests: firms, their year's statistics and energy, projects
and milestones, published classes and grades, as Arrow tables registered on an engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from zhizao.codes.credit_code import make

YEAR = 2024


def code(i: int) -> str:
    return make("9", "1", "330502", f"MA{i:07d}")


@dataclass
class Firm:
    i: int
    region_code: str = "330502"
    industry_code: str = "3670"
    above_scale: bool | None = True
    revenue: float | None = 5000.0
    revenue_prev_max: float | None = None
    kwh: float | None = None
    water_m3: float | None = None
    land_mu: float | None = None
    emissions_t: float | None = None
    mujun_class: str | None = None
    carbon_grade: int | None = None
    projects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return code(self.i)


def S(values: list[Any]) -> pa.Array:
    return pa.array(values, pa.string())


def tables(firms: list[Firm], year: int = YEAR) -> dict[str, pa.Table]:
    ent = pa.table({"credit_code": [f.code for f in firms], "name": [f"测试企业{f.i}" for f in firms],
                    "region_code": [f.region_code for f in firms], "industry_code": [f.industry_code for f in firms],
                    "founded_on": [dt.date(2010, 1, 1)] * len(firms)})
    stats_rows = [(f.code, year, f.above_scale, f.revenue) for f in firms if f.revenue is not None]
    stats_rows += [(f.code, year - 1, f.above_scale, f.revenue_prev_max) for f in firms
                   if f.revenue_prev_max is not None]
    stats = pa.table({"credit_code": S([r[0] for r in stats_rows]), "year": pa.array([r[1] for r in stats_rows], pa.int64()),
                      "above_scale": pa.array([r[2] for r in stats_rows], pa.bool_()),
                      "revenue": pa.array([r[3] for r in stats_rows], pa.float64()),
                      "value_added": pa.array([None] * len(stats_rows), pa.float64())})
    energy = pa.table({"credit_code": S([f.code for f in firms if f.kwh is not None]),
                       "month": pa.array([dt.date(year, 6, 1) for f in firms if f.kwh is not None], pa.date32()),
                       "energy_type": S(["electricity" for f in firms if f.kwh is not None]),
                       "quantity": pa.array([f.kwh for f in firms if f.kwh is not None], pa.float64())})
    water = pa.table({"credit_code": S([f.code for f in firms if f.water_m3 is not None]),
                      "year": pa.array([year for f in firms if f.water_m3 is not None], pa.int64()),
                      "water_m3": pa.array([f.water_m3 for f in firms if f.water_m3 is not None], pa.float64())})
    land = pa.table({"credit_code": S([f.code for f in firms if f.land_mu is not None]),
                     "year": pa.array([year for f in firms if f.land_mu is not None], pa.int64()),
                     "parcel_id": S([f"L{f.i}" for f in firms if f.land_mu is not None]),
                     "area_mu": pa.array([f.land_mu for f in firms if f.land_mu is not None], pa.float64()),
                     "tenure": S(["owned" for f in firms if f.land_mu is not None])})
    mj = pa.table({"credit_code": S([f.code for f in firms if f.mujun_class]),
                   "class": S([f.mujun_class for f in firms if f.mujun_class])})
    cb = pa.table({"credit_code": S([f.code for f in firms if f.carbon_grade is not None]),
                   "grade": pa.array([f.carbon_grade for f in firms if f.carbon_grade is not None], pa.int64())})
    projects = [(f.code, p) for f in firms for p in f.projects]
    proj = pa.table({"project_id": S([p["id"] for _, p in projects]), "credit_code": S([c for c, _ in projects]),
                     "kind": S([p.get("kind", "upgrade") for _, p in projects]),
                     "industry_code": S([p.get("industry_code", "3670") for _, p in projects]),
                     "equipment_investment": pa.array([p.get("equipment") for _, p in projects], pa.float64())})
    ms = [(p["id"], m, d) for _, p in projects for m, d in p.get("milestones", {}).items()]
    miles = pa.table({"project_id": S([m[0] for m in ms]), "milestone": S([m[1] for m in ms]),
                      "actual_on": pa.array([m[2] for m in ms], pa.date32())})
    return {"enterprises": ent, "statistics_annual": stats, "energy": energy, "water_use": water, "land": land,
            "mujun_classes": mj, "carbon_grades": cb, "projects": proj, "project_milestones": miles}


def register(engine: Any, data: dict[str, pa.Table]) -> dict[str, Any]:
    return {name: engine.register(f"t_{name}", t) for name, t in data.items()}


def upgrade_project(pid: str, equipment: float | None, *, done: dt.date | None = dt.date(YEAR, 6, 30),
                    kind: str = "upgrade") -> dict[str, Any]:
    return {"id": pid, "kind": kind, "equipment": equipment, "milestones": {"completed": done} if done else {}}
