"""Small hand-made project books, run through the lifecycle expressions on an in-memory DuckDB.

A :class:`Book` holds projects with their milestones (plan, actual), re-plans (a later plan of a
milestone with the day it took effect) and disposals, and gives the Ibis inputs the room's
expressions take, so each test states its case in a few lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from zhizao.engine.duckdb_engine import DuckDBEngine
from zhizao.projects import lifecycle, query
from zhizao.projects.codes import MILESTONE_ORDER
from zhizao.projects.methodology import ProjectsMethodology, load

D = dt.date


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass
class Book:
    projects: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    #: (project_id, milestone, planned_on, eff_from)
    replans: list[tuple[str, str, dt.date, dt.date]] = field(default_factory=list)
    disposals: list[dict[str, Any]] = field(default_factory=list)
    investment: list[dict[str, Any]] = field(default_factory=list)
    #: the original plan of each re-planned (project, milestone)
    originals: dict[tuple[str, str], dt.date] = field(default_factory=dict)

    def add(self, pid: str, plans: list[str], actuals: list[str | None] | None = None, region: str = "330502",
            total: float = 20000.0, land: float | None = None, kind: str = "new") -> Book:
        """A project whose milestones are planned on ``plans`` (in order, as many as given) and
        reached on ``actuals`` (None = not reached)."""
        self.projects.append({"project_id": pid, "name": f"项目{pid}", "credit_code": "91330502MA0000000X",
                              "region_code": region, "park": None, "industry_code": "3011", "kind": kind,
                              "total_investment": total, "equipment_investment": None, "land_area_mu": land,
                              "standard_land": None, "owner": "经信局", "facilitator": "代办员甲"})
        actuals = actuals or []
        for i, p in enumerate(plans):
            a = actuals[i] if i < len(actuals) else None
            self.milestones.append({"project_id": pid, "milestone": MILESTONE_ORDER[i], "planned_on": day(p),
                                    "actual_on": day(a) if a else None})
        return self

    def replan(self, pid: str, milestone: str, planned: str, effective: str) -> Book:
        self.replans.append((pid, milestone, day(planned), day(effective)))
        for m in self.milestones:
            if m["project_id"] == pid and m["milestone"] == milestone:
                self.originals.setdefault((pid, milestone), m["planned_on"])
                m["planned_on"] = day(planned)
        return self

    def dispose(self, pid: str, on: str, outcome: str) -> Book:
        self.disposals.append({"project_id": pid, "disposed_on": day(on), "outcome": outcome, "note": None})
        return self

    def invest(self, pid: str, month: str, amount: float) -> Book:
        self.investment.append({"project_id": pid, "month": day(month + "-01"), "invested": amount})
        return self

    # ---------------------------------------------------------------- inputs
    def plan_rows(self) -> list[dict[str, Any]]:
        """Every plan version with its span: the original (eff_from None), then each re-plan."""
        out = []
        for m in self.milestones:
            key = (m["project_id"], m["milestone"])
            chain = [(p, e) for pid, ms, p, e in self.replans if (pid, ms) == key]
            vs: list[tuple[dt.date, dt.date | None]] = [(self.originals.get(key, m["planned_on"]), None), *chain]
            for i, (p, e) in enumerate(vs):
                out.append({"project_id": key[0], "milestone": key[1], "planned_on": p, "eff_from": e,
                            "eff_to": vs[i + 1][1] if i + 1 < len(vs) else None})
        return out

    def inputs(self, eng: DuckDBEngine) -> dict[str, Any]:
        schema = {
            "projects": [("project_id", pa.string()), ("name", pa.string()), ("credit_code", pa.string()),
                         ("region_code", pa.string()), ("park", pa.string()), ("industry_code", pa.string()),
                         ("kind", pa.string()), ("total_investment", pa.float64()),
                         ("equipment_investment", pa.float64()), ("land_area_mu", pa.float64()),
                         ("standard_land", pa.bool_()), ("owner", pa.string()), ("facilitator", pa.string())],
            "project_milestones": [("project_id", pa.string()), ("milestone", pa.string()),
                                   ("planned_on", pa.date32()), ("actual_on", pa.date32())],
            "plans": [("project_id", pa.string()), ("milestone", pa.string()), ("planned_on", pa.date32()),
                      ("eff_from", pa.date32()), ("eff_to", pa.date32())],
            "project_disposals": [("project_id", pa.string()), ("disposed_on", pa.date32()),
                                  ("outcome", pa.string()), ("note", pa.string())],
            "project_investment": [("project_id", pa.string()), ("month", pa.date32()), ("invested", pa.float64())],
        }
        data = {"projects": self.projects, "project_milestones": self.milestones, "plans": self.plan_rows(),
                "project_disposals": self.disposals, "project_investment": self.investment}
        return {name: eng.register(f"t_{name}", pa.Table.from_pylist(data[name], schema=pa.schema(cols)))
                for name, cols in schema.items()}


def run_status(book: Book, as_of: str, meth: ProjectsMethodology | None = None) -> dict[str, dict[str, Any]]:
    meth = meth or load()
    with DuckDBEngine() as eng:
        t = book.inputs(eng)
        rows = eng.to_pyarrow(query.status_expr(t, meth, day(as_of))).to_pylist()
    return {r["project_id"]: r for r in rows}


def run_cases(book: Book, meth: ProjectsMethodology | None = None) -> list[dict[str, Any]]:
    meth = meth or load()
    with DuckDBEngine() as eng:
        t = book.inputs(eng)
        return eng.to_pyarrow(query.cases_expr(t, meth).order_by(["project_id", "since"])).to_pylist()


def run_account(book: Book, d1: str, d2: str, region: str | None = None,
                meth: ProjectsMethodology | None = None) -> dict[str, Any]:
    meth = meth or load()
    with DuckDBEngine() as eng:
        return query.account(book.inputs(eng), meth, day(d1), day(d2), eng, region)


__all__ = ["Book", "day", "lifecycle", "run_account", "run_cases", "run_status"]
