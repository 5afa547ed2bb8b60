"""异议处理: the bureau's queue of objections to every room's published results — list (by
status, matter, year), decide (accept or reject with a reason), open the evidence — with firm
names, districts and the reply deadline. The city decides; districts (their own) and auditors
read. The actions are :mod:`zhizao.web.objections`' (the API's too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import case, select, tuple_

from zhizao.store.db import page as page_of
from zhizao.store.models import Objection, PublishedResult
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit, verify_csrf
from zhizao.web.objections import decide, procedures, reply_days, reply_deadline
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    PAGE_SIZE,
    READ_ROLES,
    PageError,
    audit_page_read,
    forbid,
    not_found,
    pages_of,
    query_string,
    region_name,
    scope_of,
)

router = APIRouter(include_in_schema=False)

STATUS_NAMES = {"pending": "待处理", "accepted": "已采纳", "rejected": "未采纳"}


def firm_names(session: Any, objections: list[Objection]) -> dict[tuple[str, int, str], str]:
    """(method, year, credit code) → the firm's name as published."""
    keys = {(o.method, o.year, o.credit_code) for o in objections}
    if not keys:
        return {}
    rows = session.execute(select(PublishedResult.method, PublishedResult.year, PublishedResult.credit_code,
                                  PublishedResult.name)
                           .where(tuple_(PublishedResult.method, PublishedResult.year,
                                         PublishedResult.credit_code).in_(sorted(keys))))
    return {(m, y, c): n for m, y, c, n in rows if n}


def _visible(session: Any, user: Any, objection_id: int) -> Objection:
    o = session.get(Objection, objection_id)
    if o is None or not scope_of(user, session).can_see_firm(o.credit_code, o.region_code, "objection"):
        raise not_found()
    return o


@router.get("/objections", response_class=HTMLResponse)
def objections_page(request: Request, user: PageUser, session: SessionDep, status: str = "pending",
                    method: str = "", year: int | None = None, page: int = 1) -> Response:
    forbid(user, *READ_ROLES)
    titles = {m: p.title for m, p in procedures().items()}
    scope = scope_of(user, session)
    q = select(Objection).where(*scope.firm_filter(Objection.credit_code, Objection.region_code, "objection"))
    if status in STATUS_NAMES:
        q = q.where(Objection.status == status)
    if method in titles:
        q = q.where(Objection.method == method)
    if year:
        q = q.where(Objection.year == year)
    total, _ = page_of(session, q, (Objection.id,), 1, 0)
    pages = pages_of(total)
    page = max(1, min(page, pages))
    # pending first, the oldest (nearest its deadline) first; decided ones newest first
    order = (case((Objection.status == "pending", 0), else_=1), case((Objection.status == "pending", Objection.filed_at)),
             Objection.filed_at.desc(), Objection.id)
    _, rows = page_of(session, q, order, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    names = firm_names(session, rows)
    today = dt.date.today()
    items = []
    for o in rows:
        due = reply_deadline(o)
        items.append({"o": o, "name": names.get((o.method, o.year, o.credit_code)) or "（名称未登记）",
                      "region": region_name(o.region_code), "matter": f"{o.year}年 {titles.get(o.method, '评价结果')}",
                      "status": STATUS_NAMES.get(o.status, o.status), "due": due,
                      "overdue": o.status == "pending" and due < today, "days_left": (due - today).days})
    years = sorted(set(session.scalars(select(Objection.year).distinct())), reverse=True)
    audit_page_read(session, user, "page.objections", "objections", request,
                    detail={"status": status, "method": method or None, "year": year, "page": page})
    return render(request, "objections.html", {
        "breadcrumbs": [("异议处理", None)], "items": items, "total": total, "page": page, "pages": pages,
        "status": status, "method": method, "year": year, "titles": titles, "years": years,
        "status_names": STATUS_NAMES, "can_decide": user_attr(user, "role") == "city",
        "params": query_string(status=status, method=method, year=year), "reply_days": reply_days(),
    }, user=user)


@router.post("/objections/{objection_id}/decide")
def decide_form(request: Request, objection_id: int, user: PageUser, session: SessionDep, settings: SettingsDep,
                csrf_token: str = Form(""), decision: str = Form(""), reason: str = Form(""),
                back: str = Form("")) -> Response:
    """The page's way to :func:`zhizao.web.objections.decide` (the API's too)."""
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    _visible(session, user, objection_id)
    target = back if back.startswith("/objections") else "/objections"
    sep = "&" if "?" in target else "?"
    try:
        decide(session, settings, user, objection_id, decision, reason, None, request)
    except HTTPException as exc:
        if exc.status_code == 422:
            return RedirectResponse(f"{target}{sep}msg=bad_input#objection-{objection_id}", status_code=303)
        raise PageError(status_code=exc.status_code, detail=exc.detail) from exc
    session.commit()
    return RedirectResponse(f"{target}{sep}msg=objection_decided", status_code=303)


@router.get("/objections/{objection_id}/evidence")
def evidence_download(request: Request, objection_id: int, user: PageUser, session: SessionDep) -> Response:
    """The evidence file of an objection, for whoever may see the objection (the firm, its
    district, the city, auditors); a bank or another firm gets the same 404 as a missing one."""
    o = _visible(session, user, objection_id)
    if not o.evidence_path:
        raise not_found()
    from pathlib import Path

    path = Path(o.evidence_path)
    if not path.is_file():
        raise not_found()
    audit(session, user, "read.objection.evidence", str(objection_id), {"credit_code": o.credit_code}, request)
    return FileResponse(path, filename=o.evidence_name or path.name)
