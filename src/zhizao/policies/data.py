"""Where matching reads from: the warehouse's contract tables and the published 亩均 classes and
carbon grades (what is published is what counts for differential measures)."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import select

from zhizao.policies.match import INPUT_TABLES
from zhizao.settings import Settings


def published_outcomes(settings: Settings, method: str, year: int) -> pa.Table:
    """(credit_code, outcome) of the run published for ``method`` and ``year`` (empty when none)."""
    from zhizao.store.db import session_scope
    from zhizao.store.models import PublishedResult

    with session_scope(settings) as s:
        rows = s.execute(select(PublishedResult.credit_code, PublishedResult.outcome).where(
            PublishedResult.method == method, PublishedResult.year == year)).all()
    return pa.table({"credit_code": pa.array([r[0] for r in rows], pa.string()),
                     "outcome": pa.array([r[1] for r in rows], pa.string())})


def inputs(settings: Settings, eng: Any, year: int) -> dict[str, ir.Table]:
    """The contract tables matching reads (those declared) and the published classes and grades."""
    from zhizao.contract.tables import TABLES

    out = eng.tables([t for t in INPUT_TABLES if t in TABLES])
    mj = published_outcomes(settings, "mujun", year)
    out["mujun_classes"] = eng.register("_policies_mujun_classes",
                                        pa.table({"credit_code": mj["credit_code"], "class": mj["outcome"]}))
    cb = published_outcomes(settings, "carbon", year)
    grades = pa.array([int(g) if g not in (None, "") and str(g).isdigit() else None for g in cb["outcome"].to_pylist()],
                      pa.int64())
    out["carbon_grades"] = eng.register("_policies_carbon_grades",
                                        pa.table({"credit_code": cb["credit_code"], "grade": grades}))
    return out


def run_match(settings: Settings, year: int, items: list[str] | None = None, engine: str | None = None,
              region: str | None = None, credit_code: str | None = None) -> pa.Table:
    """Execute :func:`zhizao.policies.match.match` on the warehouse (optionally for one district or firm)."""
    from zhizao.engine import connect
    from zhizao.policies.match import match

    eng = connect(settings, engine, read_only=True)
    try:
        t = match(inputs(settings, eng, year), year, items=items)
        if region:
            t = t.filter(t.region_code == region)
        if credit_code:
            t = t.filter(t.credit_code == credit_code)
        return eng.to_pyarrow(t.order_by(["credit_code", "item_id", "subject"]))
    finally:
        eng.close()
