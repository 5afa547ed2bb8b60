"""亩均论英雄 pages: rankings by track, the workflow's notices, objections and their decisions.

Rankings are the published rows (rank within track and region, as the method assigns them);
the notices come from the mujun workflow; the city decides objections.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from zhizao import clock
from zhizao.mujun.profile import CLASS_HEX, mujun_labels
from zhizao.store import publish
from zhizao.store.accounts import labels
from zhizao.store.models import Objection
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit, verify_csrf
from zhizao.web.objections import decide
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    PAGE_SIZE,
    WAREHOUSE_BUSY,
    PageError,
    Sort,
    Sorts,
    audit_page_read,
    busy,
    distribution,
    filters,
    forbid,
    listing,
    not_found,
    outcome_series,
    pick_year,
    pie_option,
    region_name,
    region_scope,
    scope_of,
    sort_rows,
    stacked_bar_option,
)

router = APIRouter(include_in_schema=False)

STATUS_NAMES = {"pending": "待处理", "accepted": "已采纳", "rejected": "未采纳"}


def track_names(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Track id → its Chinese title as the methodology names it (carried in each result row)."""
    return {str(r.get("track")): str(r.get("track_title") or r.get("track")) for r in rows if r.get("track")}


def _round(settings: Any, year: int) -> dict[str, Any] | None:
    """The year's workflow round (stage, notices, objection window, steps), or None when the
    year was published without one."""
    from zhizao.mujun import workflow

    try:
        st = workflow.status(settings, year)
    except workflow.WorkflowError:
        return None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    opens, closes = st.get("objections_open_at"), st.get("objections_close_at")
    st["window_open"] = bool(opens and closes and opens <= now <= closes)
    st["land_notice_open"] = bool(st.get("land_notice_until") and now <= st["land_notice_until"]
                                  and st.get("stage") == "land_notice")
    return st


_ROWS: LRUCache[tuple[Any, ...], list[dict[str, Any]]] = LRUCache(maxsize=64)
_ROWS_LOCK = threading.Lock()


def _rows_in_scope(session: Any, year: int, f: Any, key: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The year's published rows in the user's scope (a few thousand at most), kept until the
    next publication (the latest publication id is in the key; ``key`` holds the scope's own,
    ``Scope.key``, and the page's filters)."""
    full = (publish.latest_publication_id(session), year, *key)
    rows = _ROWS.get(full)
    if rows is None:
        rows = publish.list_published(session, "mujun", year, f, limit=1_000_000, order="rank")[1]
        with _ROWS_LOCK:
            _ROWS[full] = rows
    return [dict(r) for r in rows]


def _rows_key(scope: Any, region: str, cls: str = "", q: str = "") -> tuple[Any, ...]:
    """The memo key of a list: the scope's own key (the city and auditors share theirs), then the
    page's region, class and search."""
    return (scope.key("mujun"), region, cls, q)


def warm_up(settings: Any) -> None:
    """The latest published year's rows of the list as each scope first shows it (the whole city:
    the city's and the auditors'; each district account's region), read before the first visit:
    5,000 firms' rows were 0.24–0.38 s of the first visit of a web process (``Room.warm_up``)."""
    from zhizao import prepared
    from zhizao.store.db import session_scope
    from zhizao.web.auth import CurrentUser

    with session_scope(settings) as session:
        y, _ = pick_year(session, "mujun", None)
        if y is None:
            return
        for region in prepared.scopes(settings):
            scope = scope_of(CurrentUser.viewing(region), session)
            _rows_in_scope(session, y, filters(scope, "mujun", region or ""), _rows_key(scope, region or ""))


def _indicator(key: str, row: dict[str, Any]) -> Any:
    return (row.get("indicators") or {}).get(key)


def city_ranks(rows: list[dict[str, Any]]) -> None:
    """Each row's rank in the whole city within its track (by score, highest first; ties share
    a rank), beside the method's rank within its district: ``city_rank`` and ``city_total``."""
    scored = sorted((r for r in rows if r.get("score") is not None), key=lambda r: -float(r["score"]))
    last, rank = None, 0
    for i, r in enumerate(scored, 1):
        if r["score"] != last:
            rank, last = i, r["score"]
        r["city_rank"], r["city_total"] = rank, len(scored)


#: steps that change what firms see or freeze the year's data ask for a confirmation first
CONFIRM = {
    "freeze": "冻结后，本年度评价将使用此刻的数据（之后导入的数据不再计入），确定冻结？",
    "publish": "正式发布后，企业和各区县将看到本年度评价结果，确定发布？",
    "results_notice": "发布结果公示并开启异议期，确定？",
}

#: the bureau's next possible steps per stage: (action, button label)
ACTIONS = {
    None: [("freeze", "冻结数据")],
    "frozen": [("freeze", "重新冻结"), ("land_notice", "发布用地面积公示")],
    "land_notice": [("freeze", "重新冻结"), ("score", "评价计算")],
    "scored": [("results_notice", "发布结果公示（开启异议期）")],
    "results_notice": [("correct", "更正重算"), ("publish", "正式发布")],
    "corrected": [("correct", "再次更正重算"), ("publish", "正式发布")],
    "published": [],
}


def _ordered(rows: list[dict[str, Any]], sort: str) -> tuple[list[dict[str, Any]], Sort, Sorts]:
    """The rows in the order the page shows them (and its export keeps): ranked within region by
    default, else the whole list sorted by the chosen column (an indicator: ``i.<id>``)."""
    from zhizao.mujun.export import rank_order

    rows = sorted(rows, key=rank_order)
    indicator_ids = sorted({k for r in rows for k in (r.get("indicators") or {})})
    sorts = Sorts({"rank": False, "city_rank": False, "name": False, "class": False, "score": True,
                   **{f"i.{k}": True for k in indicator_ids}}, default=Sort("rank"))
    order = sorts.parse(sort)
    if order != sorts.default:  # the whole track's list, then the page
        rows = sort_rows(rows, order, {f"i.{k}": functools.partial(_indicator, k) for k in indicator_ids})
    return rows, order, sorts


@router.get("/mujun", response_class=HTMLResponse)
def mujun_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
               year: int | None = None, track: str = "", region: str = "", cls: str = "", q: str = "",
               page: int = 1, sort: str = "") -> Response:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#mujun", status_code=303)
    forbid(user, "city", "district", "auditor")
    scope = scope_of(user, session)
    region = region_scope(user) or region.strip()
    y, years = pick_year(session, "mujun", year)
    ctx: dict[str, Any] = {"breadcrumbs": [("亩均论英雄", None)], "year": y, "years": years, "track": track,
                           "region": region, "cls": cls, "q": q, "rows": [], "total": 0, "page": 1, "pages": 1,
                           "charts": {}, "tracks": [], "regions": [], "objections": [], "round": None, "actions": ACTIONS, "confirm": CONFIRM,
                           "fixed_region": region_scope(user) is not None, "can_decide": user_attr(user, "role") == "city",
                           "track_names": {}, "firm_names": {}, "indicator_names": mujun_labels()[0], "status_names": STATUS_NAMES}
    if y is not None:
        f = filters(scope, "mujun", region, None, cls.strip(), q.strip())
        # Tracks are in the payload, not a store column: the year's rows in scope are a few
        # thousand at most, so the track filter and ranking order are applied here, on rows
        # kept until the year is published again.
        all_rows = _rows_in_scope(session, y, f, _rows_key(scope, region, cls.strip(), q.strip()))
        names = track_names(all_rows)
        tracks = sorted(names)
        if not track and tracks:
            track = "above_scale" if "above_scale" in tracks else tracks[0]
        rows = [r for r in all_rows if str(r.get("track")) == track] if track else all_rows
        city_ranks(rows)
        rows, order, sorts = _ordered(rows, sort)
        indicator_ids = sorted({k for r in rows for k in (r.get("indicators") or {})})
        total = len(rows)
        lst = listing(page, total, {"year": y, "track": track, "region": region, "cls": cls, "q": q}, order, sorts)
        rows = [dict(r, region_name=region_name(r.get("region_code"))) for r in rows[lst.offset: lst.offset + PAGE_SIZE]]
        base = filters(scope, "mujun")
        by_r = distribution(session, "mujun", y, base, by="region")
        rkeys = sorted(k for k in by_r if k)
        track_counts = Counter((str(r.get("track")), str(r.get("class"))) for r in all_rows)
        charts = {}
        if all_rows:
            sel = Counter(str(r.get("class")) for r in (rows if track else all_rows))
            charts["class_pie"] = pie_option(f"{names.get(track, track)} 分类", {k: v for k, v in sorted(Counter(
                str(r.get("class")) for r in all_rows if str(r.get("track")) == track).items()) if k != "None"} or dict(sel),
                CLASS_HEX)
            charts["class_region"] = stacked_bar_option("各区县亩均分类", [region_name(k) for k in rkeys],
                                                        outcome_series(by_r, rkeys), CLASS_HEX)
            classes = sorted({c for _, c in track_counts if c != "None"})
            charts["class_track"] = stacked_bar_option("各评价组别分类", [names.get(t, t) for t in tracks],
                                                       {c: [track_counts.get((t, c), 0) for t in tracks] for c in classes},
                                                       CLASS_HEX)
        stmt = select(Objection).where(Objection.method == "mujun", Objection.year == y)
        for cond in scope.firm_filter(Objection.credit_code, Objection.region_code, what="mujun"):
            stmt = stmt.where(cond)
        objections = list(session.scalars(stmt.order_by(Objection.status != "pending", Objection.filed_at.desc())))
        audit_page_read(session, user, "page.mujun_list", f"mujun:{y}", request)
        rnd = _round(settings, y)
        ctx.update(track_names=names, rows=rows, total=total, page=lst.page, pages=lst.pages, charts=charts, track=track,
                   tracks=tracks, regions=[(k, region_name(k)) for k in rkeys], objections=objections,
                   params=lst.filters_query, listing=lst, flashes=lst.flashes,
                   firm_names={r["credit_code"]: r.get("name") for r in all_rows},
                   round=rnd, people=labels(session, [step["by"] for step in (rnd or {}).get("steps", [])]),
                   indicator_ids=indicator_ids)
    return render(request, "mujun/index.html", ctx, user=user)


@router.post("/mujun/objections/{objection_id}/decide")
def decide_objection(request: Request, objection_id: int, user: PageUser, session: SessionDep,
                     settings: SettingsDep, csrf_token: str = Form(""), decision: str = Form(""),
                     reason: str = Form("")) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    obj = session.get(Objection, objection_id)
    if obj is None or obj.method != "mujun":
        raise not_found()
    year = obj.year
    try:
        decide(session, settings, user, objection_id, decision, reason, None, request)
    except HTTPException as exc:
        if exc.status_code == 422 or (exc.status_code == 409 and obj.status != "pending"):
            return RedirectResponse(f"/mujun?year={year}&msg=bad_input#objections", status_code=303)
        raise PageError(status_code=exc.status_code, detail=exc.detail) from exc
    session.commit()
    return RedirectResponse(f"/mujun?year={year}&msg=objection_decided#objections", status_code=303)


@router.post("/mujun/workflow")
def workflow_step(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                  csrf_token: str = Form(""), year: int = Form(...), action: str = Form(""),
                  days: int = Form(5)) -> Response:
    """The bureau takes the next step of the year's round (each step is recorded by the workflow)."""
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    from zhizao.mujun import workflow

    who = str(user_attr(user, "username"))
    steps = {
        "freeze": lambda: workflow.freeze(settings, year, who),
        "land_notice": lambda: workflow.land_notice(settings, year, who, days=days),
        "score": lambda: workflow.score(settings, year, who),
        "results_notice": lambda: workflow.results_notice(settings, year, who, days=days),
        "correct": lambda: workflow.correct(settings, year, who),
        "publish": lambda: workflow.publish_final(settings, year, who),
    }
    if action not in steps:
        raise PageError(status_code=400, detail="未知的流程操作")
    session.close()
    try:
        steps[action]()
    except workflow.WorkflowError as exc:
        raise PageError(status_code=409, detail=str(exc)) from exc
    return RedirectResponse(f"/mujun?year={year}&msg=workflow_done#notices", status_code=303)


@router.get("/mujun/land-notice.xlsx")
def land_notice_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                       year: int) -> Response:
    """用地面积公示表 of the year (a district gets its own firms)."""
    forbid(user, "city", "district", "auditor")
    from zhizao.engine import connect
    from zhizao.mujun.export import land_notice, write_land_notice

    try:
        eng = connect(settings, "duckdb", read_only=True)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    try:
        expr = land_notice(eng.tables(("land", "enterprises")), year)
        region = region_scope(user)
        if region:
            expr = expr.filter(expr.region_code == region)
        table = eng.to_pyarrow(expr)
    finally:
        eng.close()
    if table.num_rows == 0:
        raise not_found()
    rnd = _round(settings, year)
    window = ""
    if rnd and rnd.get("land_notice_until"):
        window = f"公示截止：{clock.minutes(rnd['land_notice_until'])}"
    audit(session, user, "export.mujun_land_notice", f"mujun:{year}", request=request,
          detail={"rows": table.num_rows, "region": region})
    folder = Path(tempfile.mkdtemp())
    out = write_land_notice(folder / "land.xlsx", table, year, window)
    return FileResponse(out, filename=f"{year}年度用地面积公示.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/mujun/export.xlsx")
def results_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                   year: int | None = None, track: str = "", region: str = "", cls: str = "",
                   q: str = "", sort: str = "") -> Response:
    """The year's 亩均 results of the page's filters (district, class, firm; the track when one is
    chosen) as the county lists: one sheet per track, indicators with units and points; ranked,
    or in the page's order when the page is sorted by another column."""
    forbid(user, "city", "district", "auditor")
    from zhizao.mujun.explain import methodology_of
    from zhizao.mujun.export import write_county_lists

    y, _ = pick_year(session, "mujun", year)
    pub = publish.published_run(session, "mujun", y) if y is not None else None
    if y is None or pub is None:
        raise not_found()
    region = region_scope(user) or region.strip()
    f = filters(scope_of(user, session), "mujun", region, None, cls.strip(), q.strip())
    rows = _rows_in_scope(session, y, f, (region_scope(user), region, cls.strip(), q.strip(), user_attr(user, "role")))
    if track:
        rows = [r for r in rows if str(r.get("track")) == track]
    for t in {str(r.get("track")) for r in rows}:  # ranks in the city within each track
        city_ranks([r for r in rows if str(r.get("track")) == t])
    rows, _, _ = _ordered(rows, sort)
    m = methodology_of(settings, pub.run_id, y)
    where = region_name(region) if region else "全市"
    audit(session, user, "export.mujun", f"mujun:{y}", request=request,
          detail={"run_id": pub.run_id, "rows": len(rows), "region": region or None, "class": cls or None,
                  "track": track or None})
    folder = Path(tempfile.mkdtemp())
    out = write_county_lists(folder / "mujun.xlsx", rows, m.model_dump(mode="json"), y,
                             title=f"{where}；{m.title}")
    return FileResponse(out, filename=f"{y}年度亩均效益评价结果-{where}.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


# the results notice (结果公示) is its own module; its routes are this room's pages too
from zhizao.mujun.notice import router as _notice_router  # noqa: E402

router.include_router(_notice_router)
