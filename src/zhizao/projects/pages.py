"""投资项目 pages: the district board (双进双产 lists and ranking, 破五未 account), the stalled
list the bureau works from (filters, sorting and paging in the query, export), one project's
timeline (planned vs actual, stalls shaded) with its edits and issue log, the meeting agenda.

Scope: the city and the auditor (every read audited) see every project, a district user its
district's (and edits them), a firm its own projects read-only (from its profile).
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from zhizao.projects import edits, issues, labels, lifecycle, query
from zhizao.projects.codes import MILESTONE_NAMES, MILESTONE_ORDER, OUTCOMES
from zhizao.projects.methodology import STALL_CODES, TARGETS, load
from zhizao.projects.models import ISSUE_STAGE_NAMES, ISSUE_STAGES, PARTIES, PARTY_NAMES
from zhizao.store import accounts
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit, verify_csrf
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    PAGE_SIZE,
    WAREHOUSE_BUSY,
    PageError,
    audit_page_read,
    bar_option,
    busy,
    forbid,
    not_found,
    pages_of,
    query_string,
    region_scope,
    stacked_bar_option,
)

router = APIRouter(include_in_schema=False)

READERS = ("city", "district", "auditor")
SORTS = {"overdue": ("overdue_days", True), "since": ("since", False), "region": ("region_code", False),
         "investment": ("total_investment", True), "project": ("project_id", False)}
#: rows of the board's 双进双产 list (the most days ahead first)
EARLY_LIMIT = 30
STATE_COLOURS = {"on_track": "#38a169", "stalled": "#d62828", "disposed": "#718096", "done": "#0b5cad"}


def _latest_day(settings: Any) -> dt.date:
    """The default as-of day: the latest milestone or disposal on record (a book handed over at
    the end of a period is read as of then), never after today."""
    today = dt.date.today()
    if not settings.warehouse_path.exists():
        return today
    from zhizao.engine.warehouse import connect

    try:
        con = connect(settings.warehouse_path, read_only=True)
    except WAREHOUSE_BUSY:
        return today
    try:
        row = con.execute("SELECT greatest((SELECT max(actual_on) FROM project_milestones), "
                          "(SELECT max(disposed_on) FROM project_disposals))").fetchall()[0][0]
    except duckdb.CatalogException:
        row = None
    finally:
        con.close()
    return min(row, today) if row else today


def _day(text: str | None, default: dt.date | None = None) -> dt.date:
    if text:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise PageError(status_code=400, detail=f"日期格式不正确：{text}（应为 2024-06-30）") from None
    return default or dt.date.today()


def _region(user: Any, requested: str) -> str | None:
    fixed = region_scope(user)
    if fixed:
        return str(fixed)
    r = requested.strip()
    return r if (len(r) == 6 and r.isdigit()) else None


def _engine(settings: Any) -> Any:
    """A read-only DuckDB engine over the warehouse (None before anything was imported)."""
    from zhizao.engine import connect

    if not settings.warehouse_path.exists():
        return None
    try:
        return connect(settings, "duckdb", read_only=True)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc


@contextmanager
def _projects_engine(settings: Any) -> Iterator[Any]:
    """A read-only engine over the warehouse while it holds projects, else None (nothing
    imported yet, or a warehouse written before the room existed); closed afterwards."""
    eng = _engine(settings)
    try:
        yield eng if eng is not None and _has_projects(eng) else None
    finally:
        if eng is not None:
            eng.close()


def _has_projects(eng: Any) -> bool:
    try:
        return bool(eng.raw.execute("SELECT count(*) FROM projects").fetchall()[0][0])
    except duckdb.CatalogException:  # a warehouse written before the room existed
        return False


def _regions(eng: Any, region: str | None) -> list[tuple[str, str]]:
    sql = "SELECT DISTINCT region_code FROM projects ORDER BY 1"
    codes = [r[0] for r in eng.raw.execute(sql).fetchall()]
    if region:
        codes = [c for c in codes if c == region or (region.endswith("00") and c.startswith(region[:4]))]
    return [(c, labels.region_label(c)) for c in codes]


def prepared_pages(settings: Any) -> list[tuple[str, str, list[Any]]]:
    """The board's figures and the stalled list as of the default day, the city's and each
    district's, and every project's state today (the firm profile's), as the pages read them
    (``Room.prepared_pages``)."""
    from zhizao import prepared

    day = _latest_day(settings).isoformat()
    out: list[tuple[str, str, list[Any]]] = []
    for region in prepared.scopes(settings):
        scoped = region is not None
        out += [("projects", "zhizao.projects.pages:board_figures", [day, int(day[:4]), region, scoped]),
                ("projects", "zhizao.projects.pages:stalled_all", [day, region, scoped])]
    out.append(("projects", "zhizao.projects.hooks:statuses", [dt.date.today().isoformat()]))
    out.append(("projects", "zhizao.projects.pages:all_cases", []))
    return out


def warm_up(settings: Any) -> None:
    """The city's board on a day before the default one computed once in a web process before its
    first visit (and not kept): a board of a day not seen before took 0.5-0.7 s as the first of a
    process against 0.2-0.3 s after (the engine's first reads, Ibis's first compiles of the board's
    steps) (``Room.warm_up``)."""
    day = _latest_day(settings) - dt.timedelta(days=31)
    board_figures(settings, day.isoformat(), day.year, None, False)


# ----------------------------------------------------------------------------- board
@router.get("/projects", response_class=HTMLResponse)
def board(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, as_of: str = "",
          region: str = "", year: int | None = None) -> Response:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#projects", status_code=303)
    forbid(user, *READERS)
    day = _day(as_of) if as_of else _latest_day(settings)
    y = year or day.year
    reg = _region(user, region)
    audit_page_read(session, user, "read.projects_board", f"projects:{reg or 'city'}", request)
    # the year's figures stop at the day (the account, 双进双产): said when the day ends them early
    through = f"截至{day.month}月{day.day}日" if dt.date(y, 1, 1) <= day < dt.date(y, 12, 31) else ""
    ctx: dict[str, Any] = {"breadcrumbs": [("项目推进", None)], "as_of": day, "year": y, "through": through,
                           "region": reg or "",
                           "fixed_region": region_scope(user) is not None, "empty": True}
    from zhizao import prepared

    # the board's figures: read as prepared (recomputed in the background after each import)
    figures = prepared.page_value(settings, "projects", "zhizao.projects.pages:board_figures",
                                  [day.isoformat(), y, reg, region_scope(user) is not None]).value
    if figures is None:
        return render(request, "projects/board.html", ctx, user=user)
    counts, acc, dr, early, regions = copy.deepcopy(figures)
    total = {s: sum(c["n"] for c in counts if c["state"] == s) for s in lifecycle.STATES}
    red = sum(c["n"] for c in counts if c["state"] == "stalled" and c["colour"] == "red")
    acc_by_region = {r["region_code"]: r for r in acc["by_region"]}
    ranking = []
    for r in dr:
        a = acc_by_region.get(r["region_code"], {})
        open_now = sum(c["n"] for c in counts if c["region_code"] == r["region_code"] and c["state"] == "stalled")
        ranking.append({**r, "name": labels.region_label(r["region_code"]),
                        "on_time_rate": (r["on_time"] / r["due"]) if r["due"] else None,
                        "stalled": open_now, "resolution_rate": a.get("resolution_rate"),
                        "new": a.get("new", 0), "resolved": a.get("resolved", 0)})
    ranking.sort(key=lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0), -(r["resolution_rate"] or 0)))
    for i, r in enumerate(ranking, 1):
        r["rank"] = i
    names = [r["name"] for r in ranking]
    charts = {
        "states": stacked_bar_option("各区县项目状态", names, {
            lifecycle.STATE_NAMES[s]: [sum(c["n"] for c in counts if c["region_code"] == r["region_code"] and c["state"] == s)
                                       for r in ranking] for s in lifecycle.STATES}, {
            lifecycle.STATE_NAMES[s]: STATE_COLOURS[s] for s in lifecycle.STATES}),
        "stalls": bar_option(f"{y}年“破五未”案件数（期初存量与新增，按类型）", [s["label"] for s in acc["by_stall"]],
                             [s["new"] + s["stock_at_start"] for s in acc["by_stall"]], "个", "#d62828"),
    }
    for e in early:
        e["region_name"] = labels.region_label(e["region_code"])
        e["milestone_name"] = MILESTONE_NAMES[e["milestone"]]
    ctx.update(empty=False, total=total, red=red, n_projects=sum(total.values()), account=acc, ranking=ranking,
               charts=charts, early=early, regions=regions, percent=labels.percent)
    return render(request, "projects/board.html", ctx, user=user)


def board_figures(settings: Any, day: str, y: int, reg: str | None, fixed: bool) -> list[Any] | None:
    """The board's figures on ``day`` (kept per home by :func:`zhizao.prepared.page_value`); None
    before any project was imported."""
    with _projects_engine(settings) as eng:
        return None if eng is None else list(_board_figures(eng, dt.date.fromisoformat(day), y, reg, fixed))


def _board_figures(eng: Any, day: dt.date, y: int, reg: str | None, fixed: bool) -> tuple[Any, ...]:
    meth = load()
    t = query.inputs(eng)
    if reg:
        t["projects"] = t["projects"].filter(query.region_filter(t["projects"].region_code, reg))
    st = query.status_expr(t, meth, day)
    counts = eng.to_pyarrow(st.group_by(["region_code", "state", "colour"]).aggregate(n=st.count())).to_pylist()
    acc = query.account(t, meth, dt.date(y, 1, 1), min(dt.date(y, 12, 31), day), eng)
    # the year's figures up to the day, as the account (nothing reached after the day counts)
    first, last = dt.date(y, 1, 1), min(dt.date(y, 12, 31), day)
    dr = eng.to_pyarrow(query.drive_expr(t, first, last)).to_pylist()
    early = eng.to_pyarrow(query.ahead_expr(t, first, last, EARLY_LIMIT)).to_pylist()
    regions = _regions(eng, reg if fixed else None)
    return counts, acc, dr, early, regions


# ----------------------------------------------------------------------------- stalled list
def stalled_all(settings: Any, day: str, reg: str | None, scoped: bool) -> dict[str, Any] | None:
    """Every stalled project of ``reg`` (None: the city) on ``day`` by project id, their owners and
    the region choices: what the stalled list filters, sorts and pages (kept per home by
    :func:`zhizao.prepared.page_value`). None before any project was imported."""
    with _projects_engine(settings) as eng:
        if eng is None:
            return None
        t = query.inputs(eng)
        if reg:
            t["projects"] = t["projects"].filter(query.region_filter(t["projects"].region_code, reg))
        st = query.status_expr(t, load(), dt.date.fromisoformat(day))
        st = st.filter(st.state == "stalled")
        rows = eng.to_pyarrow(st.order_by("project_id")).to_pylist()
        regions = _regions(eng, reg if scoped else None)
    owners = sorted({r["owner"] for r in rows if r["owner"]})
    return {"rows": rows, "owners": owners, "regions": regions}


def _stalled(settings: Any, user: Any, day: dt.date, reg: str | None, stall: str, min_days: int, owner: str,
             sort: str, page: int | None) -> tuple[int, list[dict[str, Any]], list[tuple[str, str]], list[str]]:
    from zhizao import prepared

    found = prepared.page_value(settings, "projects", "zhizao.projects.pages:stalled_all",
                                [day.isoformat(), reg, region_scope(user) is not None]).value
    if found is None:
        return 0, [], [], []
    st = found["rows"]
    if stall in STALL_CODES.values():
        st = [r for r in st if r["stall"] == stall]
    if min_days > 0:
        st = [r for r in st if r["overdue_days"] is not None and r["overdue_days"] >= min_days]
    if owner:
        st = [r for r in st if r["owner"] == owner]
    col, desc = SORTS.get(sort, SORTS["overdue"])
    # as ORDER BY col [DESC], project_id: the rows come by project id; nulls last either way
    known = sorted((r for r in st if r[col] is not None), key=lambda r: r[col], reverse=desc)
    ordered = known + [r for r in st if r[col] is None]
    total = len(ordered)
    rows = [dict(r) for r in (ordered if page is None else ordered[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])]
    for r in rows:
        r["region_name"] = labels.region_label(r["region_code"])
        r["stall_name"] = labels.stall_name(r["stall"])
        r["land_name"] = labels.LAND_WARNINGS.get(r["land_warning"] or "", "")
    return total, rows, [tuple(x) for x in found["regions"]], found["owners"]


@router.get("/projects/stalls", response_class=HTMLResponse)
def stalled_list(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, as_of: str = "",
                 region: str = "", stall: str = "", min_days: int = 0, owner: str = "", sort: str = "overdue",
                 page: int = 1) -> Response:
    forbid(user, *READERS)
    day = _day(as_of) if as_of else _latest_day(settings)
    reg = _region(user, region)
    audit_page_read(session, user, "read.projects_stalls", f"projects:{reg or 'city'}", request)
    page = max(1, page)
    total, rows, regions, owners = _stalled(settings, user, day, reg, stall, max(0, min_days), owner.strip(), sort, page)
    params = query_string(as_of=day.isoformat(), region=reg if not region_scope(user) else "", stall=stall,
                          min_days=min_days or "", owner=owner, sort=sort)
    return render(request, "projects/stalls.html", {
        "breadcrumbs": [("项目推进", "/projects"), ("未按期项目", None)], "as_of": day, "region": reg or "",
        "fixed_region": region_scope(user) is not None, "stall": stall, "min_days": min_days, "owner": owner,
        "sort": sort, "rows": rows, "total": total, "page": min(page, pages_of(total)), "pages": pages_of(total),
        "params": params, "regions": regions, "owners": owners,
        "stalls": [(c, labels.stall_name(c)) for c in STALL_CODES.values()],
        "sorts": [("overdue", "逾期天数（多→少）"), ("since", "起始日（早→晚）"), ("region", "区县"),
                  ("investment", "计划总投资（大→小）"), ("project", "项目编号")],
        "milestone_name": labels.milestone_name}, user=user)


@router.get("/projects/stalls.xlsx")
def stalled_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, as_of: str = "",
                   region: str = "", stall: str = "", min_days: int = 0, owner: str = "",
                   sort: str = "overdue") -> Response:
    forbid(user, *READERS)
    from zhizao.reports.xlsx import Sheet, write_workbook

    day = _day(as_of)
    reg = _region(user, region)
    total, rows, _, _ = _stalled(settings, user, day, reg, stall, max(0, min_days), owner.strip(), sort, None)
    audit(session, user, "export.projects_stalls", f"projects:{reg or 'city'}", request=request,
          detail={"rows": total, "as_of": day.isoformat(), "stall": stall, "owner": owner})
    for r in rows:
        r["reached_name"] = labels.milestone_name(r["reached"])
        r["colour_name"] = labels.COLOUR_NAMES.get(r["colour"], "")
    cols = [("region_name", "区县", None), ("project_id", "项目编号", None), ("name", "项目名称", None),
            ("credit_code", "统一社会信用代码", None), ("reached_name", "已完成节点", None), ("stall_name", "未按期类型", None),
            ("since", "未按期起始日", None), ("overdue_days", "逾期天数", "#,##0"), ("colour_name", "预警等级", None),
            ("next_planned_on", "现行计划日期", None), ("owner", "责任单位", None), ("facilitator", "代办员", None),
            ("total_investment", "计划总投资（万元）", "#,##0"), ("land_name", "用地预警", None)]
    folder = Path(tempfile.mkdtemp())
    out = write_workbook(folder / "stalls.xlsx", [Sheet("未按期项目", cols, rows, title=f"未按期项目清单（截至 {day}）")])
    return FileResponse(out, filename=f"未按期项目清单{day:%Y%m%d}.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


# ----------------------------------------------------------------------------- one project
def all_cases(settings: Any) -> dict[str, list[dict[str, Any]]] | None:
    """Every stall case ever opened, by project id, each project's by the day it opened (the
    project pages'; kept per home by :func:`zhizao.prepared.page_value`). None before any project
    was imported."""
    with _projects_engine(settings) as eng:
        if eng is None:
            return None
        rows = eng.to_pyarrow(query.cases_expr(query.inputs(eng), load()).order_by(["project_id", "since", "target"])).to_pylist()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["project_id"], []).append(r)
    return out


def _project_or_404(settings: Any, user: Any, project_id: str) -> dict[str, Any]:
    try:
        p = edits.project(settings, project_id)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    if p is None or not edits.can_see(user, p):
        raise not_found()
    return p


def timeline_option(p: dict[str, Any], cases: list[dict[str, Any]], day: dt.date) -> dict[str, Any]:
    """ECharts: the six milestones (y) against time (x): current plan, original plan, actual; each
    stall case shaded from its first day to its resolution (or the as-of day)."""
    names = [MILESTONE_NAMES[m] for m in MILESTONE_ORDER]
    ms = p["milestones"]
    orig: dict[str, dt.date] = {}
    for h in p["plan_history"]:
        orig.setdefault(h["milestone"], h["planned_on"])
    plan = [[ms[m]["planned_on"].isoformat(), MILESTONE_NAMES[m]] for m in MILESTONE_ORDER if m in ms]
    first = [[orig[m].isoformat(), MILESTONE_NAMES[m]] for m in MILESTONE_ORDER
             if m in orig and m in ms and orig[m] != ms[m]["planned_on"]]
    actual = [[ms[m]["actual_on"].isoformat(), MILESTONE_NAMES[m]] for m in MILESTONE_ORDER
              if m in ms and ms[m]["actual_on"]]
    areas = [[{"name": labels.stall_name(c["stall"]), "xAxis": c["since"].isoformat()},
              {"xAxis": (c["resolved_on"] or day).isoformat()}] for c in cases if c["since"] <= day]
    days = [dt.date.fromisoformat(x[0]) for x in plan + first + actual]
    if any(c["since"] <= day for c in cases):
        days.append(day)  # an open stall runs to the as-of day: show it
    lo = (min(days) - dt.timedelta(days=30)).isoformat() if days else None
    hi = (max(days) + dt.timedelta(days=30)).isoformat() if days else None
    return {
        "title": {"text": "节点计划与实际", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "data": ["现行计划", "原计划", "实际完成"]},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 50},
        "xAxis": {"type": "time", "min": lo, "max": hi},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [
            {"name": "现行计划", "type": "scatter", "symbol": "diamond", "symbolSize": 12, "data": plan,
             "itemStyle": {"color": "#0b5cad"},
             "markArea": {"itemStyle": {"color": "rgba(214,40,40,0.12)"}, "label": {"color": "#822727"},
                          "data": areas}},
            {"name": "原计划", "type": "scatter", "symbol": "emptyDiamond", "symbolSize": 12, "data": first,
             "itemStyle": {"color": "#718096"}},
            {"name": "实际完成", "type": "scatter", "symbol": "circle", "symbolSize": 12, "data": actual,
             "itemStyle": {"color": "#38a169"}},
        ],
    }


@router.get("/projects/p/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: str, user: PageUser, session: SessionDep, settings: SettingsDep,
                 as_of: str = "") -> Response:
    from zhizao import prepared

    p = _project_or_404(settings, user, project_id)
    day = _day(as_of)
    audit_page_read(session, user, "read.project", f"project:{project_id}", request)
    # every project's state today and every stall case, read as prepared (recomputed in the
    # background after each import): the project's own rows taken from them. Filtering the inputs
    # by the project instead made a new expression for every project, compiled at its first visit
    # (0.3–0.6 s on the demo city). Prepared values of an earlier state are not shown here: the page
    # of a project just edited must show the edit (computed then, as for another day)
    st: dict[str, Any] | None = None
    if day == dt.date.today():
        states = prepared.page_value(settings, "projects", "zhizao.projects.hooks:statuses", [day.isoformat()])
        if states.current:
            st = next((r for r in states.value or [] if r["project_id"] == project_id), None)
    every_case = prepared.page_value(settings, "projects", "zhizao.projects.pages:all_cases", [])
    cases = every_case.value.get(project_id, []) if every_case.current and every_case.value is not None else None
    eng = _engine(settings)
    if eng is None:
        raise not_found()
    try:
        if st is None or cases is None:
            t, meth = query.inputs(eng), load()
        if st is None:  # that day's states (compiled once per day), this project's row
            every = query.status_expr(t, meth, day)
            st = eng.to_pyarrow(every.filter(every.project_id == project_id)).to_pylist()[0]
        if cases is None:  # every stall case (compiled once), this project's
            c = query.cases_expr(t, meth)
            cases = eng.to_pyarrow(c.filter(c.project_id == project_id).order_by(["since", "target"])).to_pylist()
        inv = eng.raw.execute("SELECT sum(invested) FROM project_investment WHERE project_id = ? AND month <= ?",
                              [project_id, day]).fetchall()[0][0]
    finally:
        eng.close()
    cases = [dict(c) for c in cases if c["since"] <= day]  # copies: the prepared value is shared
    for c in cases:
        c["stall_name"] = labels.stall_name(c["stall"])
        c["how_name"] = (lifecycle.OUTCOME_NAMES.get(c["outcome"] or "", "") if c["how"] == "disposal"
                         else "节点完成") if c["resolved_on"] and c["resolved_on"] <= day else "未化解"
    rows = []
    for m in MILESTONE_ORDER:
        cur = p["milestones"].get(m)
        hist = [h for h in p["plan_history"] if h["milestone"] == m]
        plans: list[dict[str, Any]] = []
        for h in hist:
            if not plans or plans[-1]["planned_on"] != h["planned_on"]:
                plans.append(h)
        rows.append({"id": m, "name": MILESTONE_NAMES[m], "cur": cur, "plans": plans,
                     "late": bool(cur and cur["actual_on"] and cur["actual_on"] > cur["planned_on"])})
    can_edit = edits.can_edit(user, p["region_code"]) and st["state"] != "disposed"
    flashes = [("error", request.query_params["err"])] if request.query_params.get("err") else []
    if request.query_params.get("ok"):
        flashes.append(("success", request.query_params["ok"]))
    history, found = edits.history(session, project_id), issues.for_project(session, project_id)
    ctx = {"flashes": flashes,"breadcrumbs": [("项目推进", "/projects" if user_attr(user, "role") != "enterprise" else None),
                           (p["name"], None)],
           "p": p, "st": st, "as_of": day, "rows": rows, "cases": cases, "invested": inv,
           "charts": {"timeline": timeline_option(p, cases, day)}, "can_edit": can_edit,
           "history": history, "issues": found, "people": accounts.labels(
               session, [e.by for e in history] + [step.by for i in found for step in i.steps]),
           "stage_names": ISSUE_STAGE_NAMES, "stages": ISSUE_STAGES, "party_names": PARTY_NAMES, "parties": PARTIES,
           "outcomes": [(k, v[0]) for k, v in OUTCOMES.items()], "milestones": list(MILESTONE_NAMES.items()),
           "targets": TARGETS, "labels": labels, "today": dt.date.today(),
           "region_name": labels.region_label(p["region_code"]), "kind_name": labels.KIND_NAMES.get(p["kind"], ""),
           "edit_names": {"reached": "节点完成", "replan": "调整计划", "disposal": "处置"}}
    return render(request, "projects/project.html", ctx, user=user)


def _form_day(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise edits.EditError(f"{what}格式不正确：{text}") from None


def _after_post(project_id: str, error: str | None, ok: str) -> RedirectResponse:
    from urllib.parse import quote

    q = f"?err={quote(error)}" if error else f"?ok={quote(ok)}"
    return RedirectResponse(f"/projects/p/{quote(project_id)}{q}#edit", status_code=303)


@router.post("/projects/p/{project_id}/edit")
def project_edit(request: Request, project_id: str, user: PageUser, session: SessionDep, settings: SettingsDep,
                 action: str = Form(...), milestone: str = Form(""), on: str = Form(""), planned: str = Form(""),
                 outcome: str = Form(""), reason: str = Form(""), csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    p = _project_or_404(settings, user, project_id)
    if not edits.can_edit(user, p["region_code"]):
        raise PageError(status_code=403, detail="只有项目所在区县（或市局）可以修改该项目。")
    try:
        if action == "reached":
            edits.reached(settings, session, user, project_id, milestone, _form_day(on, "完成日期"), reason)
            ok = f"已记录“{MILESTONE_NAMES.get(milestone, milestone)}”完成"
        elif action == "replan":
            edits.replan(settings, session, user, project_id, milestone, _form_day(planned, "新计划日期"), reason)
            ok = f"已调整“{MILESTONE_NAMES.get(milestone, milestone)}”计划日期（原计划保留）"
        elif action == "dispose":
            edits.dispose(settings, session, user, project_id, _form_day(on, "处置日期"), outcome, reason)
            ok = "已记录处置"
        else:
            raise edits.EditError("未知操作")
    except edits.EditError as exc:
        return _after_post(project_id, str(exc), "")
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    return _after_post(project_id, None, ok)


@router.post("/projects/p/{project_id}/issues")
def issue_new(request: Request, project_id: str, user: PageUser, session: SessionDep, settings: SettingsDep,
              title: str = Form(""), waiting: str = Form(""), waiting_on: str = Form(""), assignee: str = Form(""),
              due_on: str = Form(""), csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    p = _project_or_404(settings, user, project_id)
    if not edits.can_edit(user, p["region_code"]):
        raise PageError(status_code=403, detail="只有项目所在区县（或市局）可以登记协调事项。")
    try:
        issues.open_issue(session, user, p, title, waiting, waiting_on, _form_day(due_on, "办结时限"), assignee)
    except edits.EditError as exc:
        return _after_post(project_id, str(exc), "")
    return _after_post(project_id, None, "已登记协调事项")


@router.post("/projects/p/{project_id}/issues/{issue_id}")
def issue_step(request: Request, project_id: str, issue_id: int, user: PageUser, session: SessionDep,
               settings: SettingsDep, stage: str = Form(""), note: str = Form(""), due_on: str = Form(""),
               close: str = Form(""), csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    p = _project_or_404(settings, user, project_id)
    issue = issues.get(session, issue_id)
    if issue is None or issue.project_id != p["project_id"]:
        raise not_found()
    if not edits.can_edit(user, p["region_code"]):
        raise PageError(status_code=403, detail="只有项目所在区县（或市局）可以处理协调事项。")
    try:
        if close:
            issues.close(session, user, issue, note)
        else:
            issues.advance(session, user, issue, stage, note, _form_day(due_on, "办结时限") if due_on.strip() else None)
    except edits.EditError as exc:
        return _after_post(project_id, str(exc), "")
    return _after_post(project_id, None, "已更新协调事项")


# ----------------------------------------------------------------------------- agenda
@router.get("/projects/agenda.{fmt}")
def agenda_file(request: Request, fmt: str, user: PageUser, session: SessionDep, settings: SettingsDep,
                as_of: str = "", region: str = "") -> Response:
    forbid(user, *READERS)
    if fmt not in ("xlsx", "pdf"):
        raise not_found()
    from zhizao.projects import agenda

    day = _day(as_of)
    reg = _region(user, region)
    try:
        data = agenda.build(settings, day, reg)
    except query.ProjectsError:
        raise not_found() from None
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    audit(session, user, f"export.projects_agenda_{fmt}", f"projects:{reg or 'city'}", request=request,
          detail={"as_of": day.isoformat(), "stalls": len(data["stalls"]), "issues": len(data["issues"])})
    folder = Path(tempfile.mkdtemp())
    out = agenda.write(data, folder / f"agenda.{fmt}")
    media = "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(out, filename=f"项目推进月度例会议程{day:%Y%m%d}.{fmt}", media_type=media,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
