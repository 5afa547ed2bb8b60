"""五企培育 pages: each tier's list with its notice (公示), objections and announcement (通知).

The city drafts, notices, records and decides objections and announces; a district and auditors
read (a district sees its own firms on each list); a firm and a bank have no access here (a firm's
tier card is on its profile).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao.cultivation import publishing as pb
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import audit_page_read, forbid, not_found, region_name, region_scope

router = APIRouter(include_in_schema=False)
READERS = ("city", "district", "auditor")
#: what the last step did, shown once after the redirect (codes only: no text from the query string)
DONE = {"draft": "名单已拟定。", "notice": "公示已开始。", "objection": "异议已登记。", "decision": "异议已处理。",
        "announce": "名单已发文公布。", "withdraw": "名单已撤回。"}


def _guard(user: Any) -> Response | None:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#cultivation", status_code=303)
    forbid(user, *READERS)
    return None


def _years(settings: Any, session: Any) -> list[int]:
    """Years with published screening runs (a list is drafted from them), latest first."""
    from zhizao.cultivation.lists import published_tiers

    return sorted(published_tiers(settings, session), reverse=True)


def _entry_rows(d: dict[str, Any]) -> dict[str, Any]:
    for e in d["entries"]:
        e["region_name"] = region_name(e.get("region_code"))
    return d


@router.get("/cultivation/lists", response_class=HTMLResponse)
def lists_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
               year: int | None = None, done: str | None = None) -> Response:
    if (r := _guard(user)) is not None:
        return r
    region = region_scope(user)
    rows = [pb.summary(session, rec, region) for rec in pb.all_lists(session, year)]
    audit_page_read(session, user, "page.cultivation_lists", f"lists:{year or 'all'}", request)
    return render(request, "cultivation/lists.html", {
        "breadcrumbs": [("五企培育", "/cultivation"), ("名单公示与公布", None)], "rows": rows,
        "kinds": [(k, v.name, v.act) for k, v in pb.LISTS.items()], "draft_years": _years(settings, session),
        "region_label": region_name(region) if region else "全市",
        "flashes": [("success", DONE[done])] if done in DONE else []}, user=user)


def _detail(request: Request, user: Any, session: Any, settings: Any, list_id: int, region: str | None,
            flashes: list[tuple[str, str]], status_code: int = 200) -> Response:
    from zhizao import runs

    try:
        rec = pb.get(session, list_id)
    except pb.ListError:
        raise not_found() from None
    d = _entry_rows(pb.summary(session, rec, region))
    by_tier: dict[str, list[dict[str, Any]]] = {}
    for e in d["entries"]:
        by_tier.setdefault(e["tier_name"], []).append(e)
    today = dt.date.today()
    rulesets = []
    for run_id in d["runs"].values():
        try:
            rulesets.append(str(runs.get(settings, run_id).methodology.get("title")))
        except runs.RunError:
            continue
    return render(request, "cultivation/list.html", {
        "breadcrumbs": [("五企培育", "/cultivation"), ("名单公示与公布", "/cultivation/lists"), (d["notice"], None)],
        "d": d, "by_tier": by_tier, "rulesets": rulesets, "today": today, "can_act": user_attr(user, "role") == "city",
        "notice_until_default": today + dt.timedelta(days=pb.DEFAULT_NOTICE_DAYS - 1),
        "default_days": pb.DEFAULT_NOTICE_DAYS, "min_days": pb.MIN_NOTICE_DAYS, "max_days": pb.MAX_NOTICE_DAYS,
        "region_label": region_name(region) if region else "全市", "flashes": flashes}, user=user,
        status_code=status_code)


@router.get("/cultivation/lists/{list_id}", response_class=HTMLResponse)
def list_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, list_id: int,
              done: str | None = None) -> Response:
    if (r := _guard(user)) is not None:
        return r
    audit_page_read(session, user, "page.cultivation_list", f"list:{list_id}", request)
    return _detail(request, user, session, settings, list_id, region_scope(user),
                   [("success", DONE[done])] if done in DONE else [])


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else dt.date.today()
    except ValueError:
        return None


@router.post("/cultivation/lists/draft")
def draft_post(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
               csrf_token: str = Form(""), key: str = Form(""), year: int = Form(...),
               confirm: str = Form("")) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    codes = tuple(c.strip() for c in confirm.replace("，", ",").replace("\n", ",").split(",") if c.strip())
    try:
        rec = pb.draft(settings, session, key, year, user, confirmed=codes)
    except pb.ListError as exc:
        session.rollback()
        rows = [pb.summary(session, r) for r in pb.all_lists(session)]
        return render(request, "cultivation/lists.html", {
            "breadcrumbs": [("五企培育", "/cultivation"), ("名单公示与公布", None)], "rows": rows,
            "kinds": [(k, v.name, v.act) for k, v in pb.LISTS.items()],
            "draft_years": _years(settings, session), "region_label": "全市",
            "flashes": [("error", str(exc))]}, user=user, status_code=409)
    session.commit()
    return RedirectResponse(f"/cultivation/lists/{rec.id}?done=draft", status_code=303)


@router.post("/cultivation/lists/{list_id}/step")
def step_post(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, list_id: int,
              csrf_token: str = Form(""),
              action: str = Form(""), start: str = Form(""), days: int = Form(pb.DEFAULT_NOTICE_DAYS),
              contact: str = Form(""), credit_code: str = Form(""), content: str = Form(""),
              received_on: str = Form(""), objection_id: int = Form(0), decision: str = Form(""),
              reason: str = Form(""), doc_number: str = Form(""), on: str = Form("")) -> Response:
    """One step of the list's publication, taken by the city."""
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    steps = {
        "notice": lambda: pb.open_notice(session, list_id, _need(_date(start)), user, days=days, contact=contact),
        "objection": lambda: pb.receive_objection(session, list_id, credit_code, content, _need(_date(received_on)),
                                                  user),
        "decision": lambda: pb.decide(session, objection_id, decision == "upheld", reason, user),
        "announce": lambda: pb.announce(session, list_id, doc_number, _need(_date(on)), user),
        "withdraw": lambda: pb.withdraw(session, list_id, reason, user),
    }
    try:
        if action not in steps:
            raise pb.ListError("未知的操作")
        steps[action]()
    except pb.ListError as exc:
        session.rollback()
        return _detail(request, user, session, settings, list_id, None, [("error", str(exc))], status_code=409)
    session.commit()
    return RedirectResponse(f"/cultivation/lists/{list_id}?done={action}", status_code=303)


def _need(day: dt.date | None) -> dt.date:
    if day is None:
        raise pb.ListError("日期格式应为 年-月-日，如 2025-03-01")
    return day
