"""The room's contributions to the core: the investment rows of ``zhizao indicators``, a section
of the five-year review, and the firm's projects on its profile (一企一档)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from zhizao.projects import labels
from zhizao.projects.investment import CATALOGUE
from zhizao.projects.methodology import load
from zhizao.settings import Settings


def _values(settings: Settings, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    from zhizao.projects import query

    try:
        ctx = query.engine(settings, "duckdb")
        eng = ctx.__enter__()
    except query.ProjectsError:
        return []
    try:
        try:
            t = query.inputs(eng)
        except KeyError:  # a warehouse written before the room existed
            return []
        if not eng.raw.execute("SELECT count(*) FROM projects").fetchall()[0][0]:
            return []
        rows: list[dict[str, Any]] = []
        for city in (True, False):
            x = query.yearly_expr(t, load(), y_from, y_to, city)
            if region:
                x = x.filter(x.region == region)
            rows += eng.to_pyarrow(x.order_by(["region", "id", "year"])).to_pylist()
        return rows
    finally:
        ctx.__exit__(None, None, None)


def indicators(settings: Settings, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    """Rows for ``zhizao indicators`` (same fields as the economy's: id, name, region, year, value,
    unit, basis)."""
    out = []
    for r in _values(settings, y_from, y_to, region):
        name, unit, basis = CATALOGUE[r["id"]]
        v = float(r["value"])
        value: float | int = round(v) if unit in ("个", "家") else round(v, 1 if unit == "%" else 0)
        out.append({"id": r["id"], "name": name, "region": r["region"], "year": int(r["year"]), "value": value,
                    "exact": v, "unit": unit, "basis": basis})
    return out


def review_section(settings: Settings, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    """The review's section on projects (title, paragraphs, a year table), in the economy's shape."""
    rows = indicators(settings, y_from, y_to, region)
    if not rows:
        return []
    where = region or next((r["region"] for r in rows if r["region"].endswith("00")), rows[0]["region"])
    mine = [r for r in rows if r["region"] == where]
    by = {(r["id"], r["year"]): r["value"] for r in mine}
    years = list(range(y_from, y_to + 1))

    def f(i: str, y: int) -> str:
        v = by.get((i, y))
        return "—" if v is None else (f"{v:,.1f}" if CATALOGUE[i][1] == "%" else f"{v:,}")

    paras = [f"{y_from}年以来，累计开工亿元以上项目{f('projects_started_100m_cum', y_to)}个、3亿元以上项目"
             f"{f('projects_started_300m_cum', y_to)}个，累计竣工亿元以上项目{f('projects_completed_100m_cum', y_to)}个、"
             f"3亿元以上项目{f('projects_completed_300m_cum', y_to)}个。"]
    if by.get(("industrial_investment_growth", y_to)) is not None:
        paras.append(f"{y_to}年工业项目完成投资{f('industrial_investment', y_to)}万元，比上年增长"
                     f"{f('industrial_investment_growth', y_to)}%；其中技改项目完成投资{f('upgrade_investment', y_to)}万元。")
    n_above = sum(int(by.get(("firms_above_scale_from_projects", y), 0) or 0) for y in years)
    paras.append(f"{y_from}–{y_to}年，项目投产后新增规上工业企业{n_above:,}家。")
    ids = ["projects_started_100m", "projects_started_300m", "projects_completed_100m", "projects_completed_300m",
           "industrial_investment", "industrial_investment_growth", "manufacturing_investment", "upgrade_investment",
           "firms_above_scale_from_projects", "standard_land_completed"]
    table = {"head": ["指标", "单位", *[str(y) for y in years]],
             "rows": [[CATALOGUE[i][0], CATALOGUE[i][1], *[f(i, y) for y in years]] for i in ids]}
    return [{"title": "项目攻坚：三端六环全生命周期管理", "paras": paras, "table": table}]


def statuses(settings: Any, day: str) -> list[dict[str, Any]] | None:
    """Every project's state on ``day`` by project id (the profile section's rows, kept per home
    by :func:`zhizao.prepared.page_value`); None before the room's tables exist."""
    from zhizao.projects import query

    with query.engine(settings, "duckdb") as eng:
        try:
            t = query.inputs(eng)
            return list(eng.to_pyarrow(query.status_expr(t, load(), dt.date.fromisoformat(day))
                                       .order_by("project_id")).to_pylist())
        except (KeyError, duckdb.CatalogException):  # a warehouse written before the room existed
            return None


def profile_section(ctx: Any) -> Any:
    """The firm's projects (state, last milestone reached, stall) on its profile, read-only."""
    from zhizao.projects import query
    from zhizao.web.ui import Section

    role = ctx.role
    if role not in ("city", "district", "auditor", "enterprise"):
        return None
    from zhizao import prepared

    # every project's state today, read as prepared (recomputed in the background after each
    # import; an Ibis evaluation of ~0.5 s per profile before); the firm's rows taken from it
    try:
        every = prepared.page_value(ctx.settings, "projects", "zhizao.projects.hooks:statuses",
                                    [dt.date.today().isoformat()]).value
    except query.ProjectsError:
        return None
    if every is None:
        return None
    rows = [dict(r) for r in every if r["credit_code"] == ctx.credit_code]
    if not rows:
        return None
    if role == "district":
        rows = [r for r in rows if r["region_code"] == getattr(ctx.user, "region_code", None)]
        if not rows:
            return None
    for r in rows:
        r["state_name"] = labels.STATE_NAMES[r["state"]]
        r["stall_name"] = labels.stall_name(r["stall"])
        r["reached_name"] = labels.milestone_name(r["reached"])
    return Section(title="投资项目", template="projects/profile.html", context={"rows": rows}, order=30,
                   anchor="projects")

