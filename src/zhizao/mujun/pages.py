"""亩均论英雄 pages: rankings by track, the workflow's notices, objections and their decisions.

Rankings are the published rows (rank within track and region, as the method assigns them);
the notices come from the mujun workflow; the city decides objections.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from zhizao.store import publish
from zhizao.store.models import Objection
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit, verify_csrf
from zhizao.web.pages import (
    CLASS_HEX,
    PAGE_SIZE,
    audit_page_read,
    class_series,
    distribution,
    filters,
    forbid,
    mujun_labels,
    not_found,
    pages_of,
    pick_year,
    pie_option,
    query_string,
    region_name,
    region_scope,
    scope_of,
    stacked_bar_option,
)
from zhizao.web.templating import render, user_attr

router = APIRouter(include_in_schema=False)

STATUS_NAMES = {"pending": "待处理", "accepted": "已采纳", "rejected": "未采纳"}


def track_names(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Track id → its Chinese title as the methodology names it (carried in each result row)."""
    return {str(r.get("track")): str(r.get("track_title") or r.get("track")) for r in rows if r.get("track")}


def _workflow_status(settings: Any, session: Any, year: int) -> list[dict[str, Any]]:
    """The workflow steps for the year (freeze, land notice, results notice, …) when the workflow
    module provides them; rows ``{step, label, at, by, detail}``."""
    try:
        from zhizao.mujun import workflow
    except ImportError:
        return []
    fn = getattr(workflow, "status", None)
    if fn is None:
        return []
    try:
        st = fn(session, year) if "session" in fn.__code__.co_varnames[:1] else fn(settings, year)
    except Exception:  # no round for that year yet
        return []
    steps = st.get("steps", []) if isinstance(st, dict) else st
    return [s if isinstance(s, dict) else dict(s) for s in steps]


@router.get("/mujun", response_class=HTMLResponse)
def mujun_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
               year: int | None = None, track: str = "", region: str = "", cls: str = "", q: str = "",
               page: int = 1) -> Response:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#mujun", status_code=303)
    forbid(user, "city", "district", "auditor")
    scope = scope_of(user, session)
    region = region_scope(user) or region.strip()
    y, years = pick_year(session, "mujun", year)
    ctx: dict[str, Any] = {"breadcrumbs": [("亩均论英雄", None)], "year": y, "years": years, "track": track,
                           "region": region, "cls": cls, "q": q, "rows": [], "total": 0, "page": 1, "pages": 1,
                           "charts": {}, "tracks": [], "regions": [], "objections": [], "steps": [],
                           "fixed_region": region_scope(user) is not None, "can_decide": user_attr(user, "role") == "city",
                           "track_names": {}, "indicator_names": mujun_labels()[0], "status_names": STATUS_NAMES}
    if y is not None:
        f = filters(scope, "mujun", region, None, cls.strip(), q.strip())
        # Tracks are in the payload, not a store column: the year's rows in scope are a few
        # thousand at most, so the track filter and ranking order are applied here.
        _, all_rows = publish.list_published(session, "mujun", y, f, limit=1_000_000, order="rank")
        names = track_names(all_rows)
        tracks = sorted(names)
        if not track and tracks:
            track = "above_scale" if "above_scale" in tracks else tracks[0]
        rows = [r for r in all_rows if str(r.get("track")) == track] if track else all_rows
        rows.sort(key=lambda r: (r.get("region_code") or "", r.get("rank") is None, r.get("rank") or 0, r["credit_code"]))
        total = len(rows)
        page = max(1, min(page, pages_of(total)))
        rows = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        for r in rows:
            r["region_name"] = region_name(r.get("region_code"))
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
                                                        class_series(by_r, rkeys), CLASS_HEX)
            classes = sorted({c for _, c in track_counts if c != "None"})
            charts["class_track"] = stacked_bar_option("各评价组别分类", [names.get(t, t) for t in tracks],
                                                       {c: [track_counts.get((t, c), 0) for t in tracks] for c in classes},
                                                       CLASS_HEX)
        stmt = select(Objection).where(Objection.method == "mujun", Objection.year == y)
        for cond in scope.firm_filter(Objection.credit_code, Objection.region_code, what="mujun"):
            stmt = stmt.where(cond)
        objections = list(session.scalars(stmt.order_by(Objection.status != "pending", Objection.filed_at.desc())))
        audit_page_read(session, user, "page.mujun_list", f"mujun:{y}", request)
        ctx.update(track_names=names, rows=rows, total=total, page=page, pages=pages_of(total), charts=charts, track=track,
                   tracks=tracks, regions=[(k, region_name(k)) for k in rkeys], objections=objections,
                   params=query_string(year=y, track=track, region=region, cls=cls, q=q),
                   steps=_workflow_status(settings, session, y),
                   indicator_ids=sorted({k for r in rows for k in (r.get("indicators") or {})}))
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
    if decision not in ("accepted", "rejected") or not reason.strip() or obj.status != "pending":
        return RedirectResponse(f"/mujun?year={obj.year}&msg=bad_input#objections", status_code=303)
    decided = False
    try:
        from zhizao.mujun import workflow

        fn = getattr(workflow, "decide_objection", None) or getattr(workflow, "decide", None)
    except ImportError:
        fn = None
    if fn is not None:
        session.close()
        fn(settings, objection_id, decision, reason.strip(), user=user_attr(user, "username"))
        decided = True
    if not decided:
        obj.status = decision
        obj.decision_reason = reason.strip()
        obj.decided_by = user_attr(user, "username")
        obj.decided_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        audit(session, user, "objection.decide", f"objection:{obj.id}", request=request,
              detail={"decision": decision, "reason": reason.strip()}, commit=False)
        session.commit()
    return RedirectResponse(f"/mujun?year={obj.year}&msg=objection_decided#objections", status_code=303)
