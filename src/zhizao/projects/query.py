"""What the CLI, the pages and the hooks ask of the warehouse: the lifecycle on a date and the
破五未 account of a period, executed on an engine (DuckDB by default).

The Ibis expressions are in :mod:`zhizao.projects.lifecycle`; this module only opens the
engine, gathers the inputs (with the full plan history when the warehouse has it) and turns the
results into plain rows.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import ibis.expr.types as ir

from zhizao.engine.compiled import compiled, compiled_over_days
from zhizao.engine.warehouse import history_name
from zhizao.projects import codes, investment, lifecycle, methodology
from zhizao.projects.methodology import STALL_CODES, ProjectsMethodology, load
from zhizao.settings import Settings

INPUTS = ("projects", "project_milestones", "project_disposals", "project_investment")


class ProjectsError(ValueError):
    """A question that cannot be answered (message in Chinese)."""


@contextmanager
def engine(settings: Settings, engine_name: str | None = None) -> Iterator[Any]:
    from zhizao.engine import connect

    if not settings.warehouse_path.exists() and settings.lake is None:
        raise ProjectsError(f"数据仓库不存在：{settings.warehouse_path}（请先导入项目数据）")
    eng = connect(settings, engine_name, read_only=True)
    try:
        yield eng
    finally:
        eng.close()


def inputs(eng: Any) -> dict[str, ir.Table]:
    """The tables the lifecycle reads, and every plan with the span it was in force (from the
    milestones' history: the warehouse's view, or the lake's copy of it)."""
    t = {n: eng.table(n) for n in INPUTS}
    try:
        history = eng.table(history_name("project_milestones"))
    except KeyError:  # a lake or a warehouse of an earlier version: today's plans alone would judge wrongly
        how = ("请运行 zhizao lake export 重新导出数据湖" if getattr(eng, "lake", None) is not None
               else "请重新启动 zhizao serve 或导入一次数据，以升级数据仓库")
        raise ProjectsError(f"数据中没有项目节点的历次计划，无法按当时的计划判断“五未”：{how}") from None
    # compiled once (a view): every expression over the plans then names it, where its own SQL was
    # compiled again for each key of each page (20-30 ms a day not seen before)
    t["plans"] = compiled(lambda: lifecycle.plan_versions(history), key="projects.plans", inputs={"history": history},
                          code=_CODE)
    return t


#: the code the lifecycle expressions come from (its source is part of the compiled-SQL key)
_CODE = (lifecycle, investment, codes, methodology, sys.modules[__name__])


def _kept(name: str, build: Any, t: dict[str, ir.Table], names: tuple[str, ...], meth: ProjectsMethodology,
          *params: object) -> ir.Table:
    """``build(used)`` over the inputs ``names``: the expression does not depend on the data, so it
    is built and compiled once per methodology, ``params`` and inputs (:func:`zhizao.engine.compiled.compiled`)."""
    used = {k: t[k] for k in names}
    return compiled(lambda: build(used), key=(name, meth.model_dump_json(), *params), inputs=used, code=_CODE)


def status_expr(t: dict[str, ir.Table], meth: ProjectsMethodology, as_of: dt.date) -> ir.Table:
    """Every project's state on ``as_of``, compiled once per methodology and inputs for every day
    (:func:`zhizao.engine.compiled.compiled_over_days`: each build and compile was 0.4–1 s, paid
    again by every page, hook and command asking for a day not asked before)."""
    names = ("projects", "project_milestones", "plans", "project_disposals", "project_investment")
    used = {k: t[k] for k in names}
    return compiled_over_days(lambda day: lifecycle.status(
        used["projects"], used["project_milestones"], used["plans"], used["project_disposals"], meth, day,
        investment=used["project_investment"]), (as_of,), key=("projects.status", meth.model_dump_json()),
        inputs=used, code=_CODE)


def drive_expr(t: dict[str, ir.Table], first: dt.date, last: dt.date) -> ir.Table:
    """双进双产 by district from ``first`` to ``last`` (:func:`zhizao.projects.lifecycle.drive`),
    compiled once for every span of days (a board of another year or day compiled it again)."""
    used = {k: t[k] for k in ("projects", "project_milestones")}
    return compiled_over_days(lambda a, b: lifecycle.drive(used["projects"], used["project_milestones"], a, b),
                              (first, last), key="projects.drive", inputs=used, code=_CODE)


def ahead_expr(t: dict[str, ir.Table], first: dt.date, last: dt.date, limit: int) -> ir.Table:
    """The ``limit`` milestones from ``first`` to ``last`` reached most ahead of plan
    (:func:`zhizao.projects.lifecycle.ahead_of_plan`), compiled once for every span of days."""
    used = {k: t[k] for k in ("projects", "project_milestones")}
    return compiled_over_days(
        lambda a, b: lifecycle.ahead_of_plan(used["projects"], used["project_milestones"], a, b).limit(limit),
        (first, last), key=("projects.early", limit), inputs=used, code=_CODE)


def yearly_expr(t: dict[str, ir.Table], meth: ProjectsMethodology, y_from: int, y_to: int, city: bool) -> ir.Table:
    """The investment figures of the years (:func:`zhizao.projects.investment.yearly`), compiled
    once per methodology, span and level (the indicators and the review ask for them on every
    build: about a second of Ibis each time on the demo city)."""
    return _kept("projects.yearly", lambda u: investment.yearly(
        u["projects"], u["project_milestones"], u["project_investment"], meth, y_from, y_to, city),
        t, ("projects", "project_milestones", "project_investment"), meth, y_from, y_to, city)


def cases_expr(t: dict[str, ir.Table], meth: ProjectsMethodology) -> ir.Table:
    """Every stall case ever opened (:func:`zhizao.projects.lifecycle.cases`), compiled once per
    methodology and inputs."""
    return _kept("projects.cases", lambda u: lifecycle.cases(u["project_milestones"], u["plans"],
                                                             u["project_disposals"], meth),
                 t, ("project_milestones", "plans", "project_disposals"), meth)


def _rows(expr: ir.Table, eng: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = eng.to_pyarrow(expr).to_pylist()
    return out


def status(settings: Settings, as_of: dt.date, region: str | None = None, meth: ProjectsMethodology | None = None,
           engine_name: str | None = None) -> dict[str, Any]:
    """CONTRACT.md ``zhizao projects status``: every project's state on ``as_of``."""
    meth = meth or load()
    with engine(settings, engine_name) as eng:
        expr = status_expr(inputs(eng), meth, as_of)
        if region:
            expr = expr.filter(region_filter(expr.region_code, region))
        rows = _rows(expr.order_by("project_id"), eng)
    return {"as_of": as_of, "methodology": f"{meth.name}@{meth.version}", "projects": rows}


def region_filter(col: ir.Value, region: str) -> ir.Value:
    """A county code matches itself; a city code (``xxxx00``) its counties."""
    if region.endswith("00"):
        return col.startswith(region[:4])
    return col == region


def account(t: dict[str, ir.Table], meth: ProjectsMethodology, d1: dt.date, d2: dt.date, eng: Any,
            region: str | None = None, stall_cases: ir.Table | None = None) -> dict[str, Any]:
    """CONTRACT.md ``zhizao projects stalls``: the 破五未 account of ``[d1, d2]``."""
    if d2 < d1:
        raise ProjectsError(f"起止日期有误：{d1} 晚于 {d2}")
    c = stall_cases if stall_cases is not None else cases_expr(t, meth)
    projects = t["projects"]
    if region:
        projects = projects.filter(region_filter(projects.region_code, region))
    # compiled once for every period (a board on a day not seen before compiled it again)
    rows = compiled_over_days(lambda a, b: lifecycle.account_rows(c, projects, a, b), (d1, d2),
                              key=("projects.account", meth.model_dump_json()),
                              inputs={"cases": c, "projects": projects}, code=_CODE)
    by = _rows(lifecycle.account_summary(rows, ["region_code", "stall"]).order_by(["region_code", "stall"]), eng)
    case_rows = _rows(rows.select("project_id", "region_code", "stall", "since", "breached_on", "resolved_on", "how",
                                  "outcome", "at_start", "new", "resolved", "open_at_end")
                      .order_by(["since", "project_id"]), eng)
    return summarise(by, case_rows, d1, d2, meth)


def summarise(by: list[dict[str, Any]], case_rows: list[dict[str, Any]], d1: dt.date, d2: dt.date,
              meth: ProjectsMethodology) -> dict[str, Any]:
    keys = ("stock_at_start", "new", "resolved", "resolved_by_milestone", "resolved_by_disposal", "open_at_end")

    def total(rows: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {k: int(sum(int(r[k] or 0) for r in rows)) for k in keys}
        rr = lifecycle.rate(out["resolved"], out["stock_at_start"], out["new"])
        out["resolution_rate"] = rr
        return out

    regions = sorted({r["region_code"] for r in by})
    stalls = [s for s in STALL_CODES.values() if any(r["stall"] == s for r in by)]
    by_outcome: dict[str, int] = {}
    for c in case_rows:
        if c["resolved"] and c["how"] == "disposal":
            by_outcome[c["outcome"]] = by_outcome.get(c["outcome"], 0) + 1
    return {
        "from": d1, "to": d2, "methodology": f"{meth.name}@{meth.version}",
        **total(by),
        "resolved_by_outcome": by_outcome,
        "by_region": [{"region_code": g, **total([r for r in by if r["region_code"] == g])} for g in regions],
        "by_stall": [{"stall": s, "label": meth.label(lifecycle.STALL_BY_CODE[s]),
                      **total([r for r in by if r["stall"] == s])} for s in stalls],
        "by_region_stall": [{**r, **{k: int(r[k]) for k in keys}} for r in by],
        "cases": [{"project_id": c["project_id"], "region_code": c["region_code"], "stall": c["stall"],
                   "since": c["since"], "breached_on": c["breached_on"],
                   "resolved_on": c["resolved_on"] if c["resolved"] else None,
                   "how": c["how"] if c["resolved"] else None,
                   "outcome": c["outcome"] if c["resolved"] and c["how"] == "disposal" else None}
                  for c in case_rows],
    }


def stalls(settings: Settings, d1: dt.date, d2: dt.date, region: str | None = None,
           meth: ProjectsMethodology | None = None, engine_name: str | None = None) -> dict[str, Any]:
    meth = meth or load()
    with engine(settings, engine_name) as eng:
        return account(inputs(eng), meth, d1, d2, eng, region)


def literal_date(d: dt.date) -> ir.Value:
    return ibis.literal(d, type="date")
