"""一指减负 pages, scoped by role like the other rooms.

- A firm (``enterprise``): my policies for the year — what I get (免申即享, with the amount and
  the notice), what I can claim (快申快享, one tap), what I miss and why (the reason and gaps);
  my applications with their working-day clock, my ledger, my consents per purpose, my
  questions and complaints (with a satisfaction rating).
- The bureau (``city``; ``district`` for its own firms; ``auditor`` read-only): items with their
  match counts, an item's matched firms, notices and payouts, applications, complaints, the
  ledger by kind, district and policy.

Pages read the prepared matches (``zhizao policies match --save``) and the store; only the
ledger reads the warehouse's ``benefits``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao.policies import prepared
from zhizao.policies import workflow as wf
from zhizao.policies.catalogue import KINDS, MODES, Catalogue, describe
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    WAREHOUSE_BUSY,
    audit_page_read,
    busy,
    forbid,
    not_found,
    pages_of,
    query_string,
    region_name,
    region_scope,
)

router = APIRouter(include_in_schema=False)

BUREAU = ("city", "district", "auditor")
PAGE = 50
DONE = {
    "claimed": ("success", "申请已受理，我们将在60个工作日内办结兑现。"),
    "consent": ("success", "授权已更新。"),
    "ticket": ("success", "已收到您的诉求，将按时限答复。"),
    "rated": ("success", "感谢您的评价。"),
    "objection": ("success", "异议已提交。"),
    "notice": ("success", "公示已更新。"),
    "decided": ("success", "已处理。"),
    "answered": ("success", "已答复。"),
    "escalated": ("success", "超时事项已升级督办。"),
    "paid": ("success", "兑现记录已登记。"),
}
ELIGIBLE_LABELS = {"true": "符合", "false": "不符合", "unknown": "待申报或数据不全"}


def _flashes(request: Request, error: str | None = None) -> list[tuple[str, str]]:
    out = []
    done = request.query_params.get("done")
    if done in DONE:
        out.append(DONE[done])
    if error or request.query_params.get("error"):
        out.append(("error", error or request.query_params.get("error", "")))
    return out


def _back(path: str, **params: Any) -> RedirectResponse:
    q = query_string(**{k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(f"{path}{'?' + q if q else ''}", status_code=303)


def _year(session: Any, year: int | None) -> tuple[int | None, list[int]]:
    years = prepared.years(session)
    if year in years:
        return year, years
    return (years[0] if years else None), years


def _titles() -> dict[str, str]:
    return {it.id: it.title for it in Catalogue().items}


def _today() -> dt.date:
    return dt.date.today()


def _figures(settings: Any, year: int) -> Any:
    """The year's prepared figures (:func:`zhizao.policies.prepared.figures`)."""
    try:
        return prepared.figures(settings, year)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc


def _ledger(settings: Any, year: int, region: str | None = None, credit_code: str | None = None,
            found: Any = None) -> tuple[dict[str, Any], str | None]:
    """The year's ledger in the scope, read from its prepared figures, and the note to show when
    they are of an earlier data state (new ones being computed)."""
    found = found if found is not None else _figures(settings, year)
    led, _ = prepared.ledger_view(settings, year, region=region, credit_code=credit_code, found=found)
    note = None if found.current else f"数据已更新，新的台账正在计算；以下为 {found.built_label()} 的台账。"
    return led, note


def _firm_context(settings: Any, session: Any, code: str, year: int | None) -> dict[str, Any]:
    cat = Catalogue()
    rows = prepared.for_firm(session, year, code) if year is not None else []
    for r in rows:
        it = cat.item(r["item_id"])
        r["title"], r["type"], r["kind_label"] = it.title, it.type, KINDS.get(it.kind or "", "")
        r["summary"], r["office"], r["hotline"] = it.summary, it.office, it.hotline
        r["mode_label"] = MODES[r["mode"]]
        r["money"] = it.benefit.formula != "none"
    get = [r for r in rows if r["eligible"] is True and (r["expected_benefit"] or 0) >= 0]
    burdens = [r for r in rows if r["eligible"] is True and (r["expected_benefit"] or 0) < 0]
    apps = wf.applications(settings, year, code) if year is not None else []
    applied = {(a["item_id"], a["subject"] or "") for a in apps}
    claim = [r for r in rows if r["eligible"] == "unknown" and r["mode"] == "fast_application"]
    for r in claim:
        r["applied"] = (r["item_id"], r["subject"] or "") in applied
    miss = [r for r in rows if r["eligible"] is False]
    unknown = [r for r in rows if r["eligible"] == "unknown" and r["mode"] == "no_application"]
    led: dict[str, Any] | None = None
    note: str | None = None
    if year is not None:
        led, note = _ledger(settings, year, credit_code=code)
    titles = _titles()
    for a in apps:
        a["title"] = titles.get(a["item_id"], a["item_id"])
    tickets = wf.tickets(settings, credit_code=code)
    for t in tickets:
        t["title"] = titles.get(t["item_id"] or "", "")
    return {"get": get, "burdens": burdens, "claim": claim, "miss": miss, "unknown": unknown, "apps": apps,
            "ledger": (led or {}).get("firms", [None])[0] if led and led["firms"] else None, "note": note,
            "tickets": tickets, "consents": wf.list_consents(settings, code), "purposes": wf.PURPOSES,
            "items": [(it.id, it.title) for it in cat.items], "titles": titles,
            "total_get": sum(r["expected_benefit"] or 0 for r in get),
            "total_claim": sum(r["expected_benefit"] or 0 for r in claim if not r["applied"])}


@router.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                  year: int | None = None, region: str = "") -> Response:
    role = user_attr(user, "role")
    y, years = _year(session, year)
    if role == "enterprise":
        code = str(user_attr(user, "credit_code"))
        firm = _firm_context(settings, session, code, y)
        ctx = {"breadcrumbs": [("我的政策", None)], "year": y, "years": years, "code": code,
               "today": _today().isoformat(), "next_year": (_today() + dt.timedelta(days=365)).isoformat(),
               "flashes": _flashes(request) + ([("info", firm["note"])] if firm["note"] else []), **firm}
        return render(request, "policies/firm.html", ctx, user=user)
    forbid(user, *BUREAU)
    fixed = region_scope(user)
    region = fixed or region.strip()
    titles = _titles()
    cat = Catalogue()
    items = [describe(it, cat.document_of(it.id)) for it in (cat.for_year(y) if y else cat.items)]
    led: dict[str, Any] | None = None
    note: str | None = None
    summ: dict[str, dict[str, Any]] = {}
    if y is not None:
        found = _figures(settings, y)
        led, note = _ledger(settings, y, region=region or None, found=found)
        summ = {s["item_id"]: s for s in prepared.summary_view(found, region or None)}
    notices = wf.notices(settings, y) if y else []
    apps = wf.applications(settings, y, region=region or None) if y else []
    tickets = wf.tickets(settings, region=region or None)
    audit_page_read(session, user, "read.policies", f"policies:{y}", request)
    for a in apps + tickets:
        a["title"] = titles.get(a.get("item_id") or "", "")
    for n in notices:
        n["title"] = titles.get(n["item_id"], n["item_id"])
    noticed = {n["item_id"] for n in notices}
    rated = [t["satisfaction"] for t in tickets if t["satisfaction"]]
    ctx = {"breadcrumbs": [("一指减负", None)], "year": y, "years": years, "region": region,
           "fixed_region": fixed is not None, "region_label": region_name(region) if region else "全市",
           "items": items, "summary": summ, "notices": notices, "noticed": noticed, "apps": apps, "tickets": tickets,
           "ledger": led, "kinds": KINDS, "can_act": role == "city", "can_handle": role in ("city", "district"),
           "satisfaction": (sum(rated) / len(rated)) if rated else None,
           "overdue_tickets": sum(1 for t in tickets if t["overdue"]),
           "flashes": _flashes(request) + ([("info", note)] if note else [])}
    return render(request, "policies/bureau.html", ctx, user=user)


@router.get("/policies/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: str, user: PageUser, session: SessionDep, settings: SettingsDep,
              year: int | None = None, eligible: str = "", region: str = "", page: int = 1) -> Response:
    cat = Catalogue()
    try:
        it = cat.item(item_id)
    except Exception as exc:
        raise not_found() from exc
    d = describe(it, cat.document_of(item_id))
    y, years = _year(session, year)
    role = user_attr(user, "role")
    ctx: dict[str, Any] = {"breadcrumbs": [("一指减负" if role != "enterprise" else "我的政策", "/policies"),
                                           (it.title, None)],
                           "item": d, "year": y, "years": years, "rows": [], "total": 0, "page": 1, "pages": 1,
                           "eligible": eligible, "region": region, "eligible_labels": ELIGIBLE_LABELS,
                           "mine": [], "params": ""}
    if role == "enterprise":
        if y is not None:
            ctx["mine"] = [r for r in prepared.for_firm(session, y, str(user_attr(user, "credit_code")))
                           if r["item_id"] == item_id]
        return render(request, "policies/item.html", ctx, user=user)
    forbid(user, *BUREAU)
    fixed = region_scope(user)
    region = fixed or region.strip()
    if y is not None:
        page = max(1, page)
        total, rows = prepared.for_item(session, y, item_id, eligible or None, region or None, PAGE, (page - 1) * PAGE)
        for r in rows:
            r["region_name"] = region_name(r["region_code"])
        ctx.update(rows=rows, total=total, page=page, pages=pages_of(total, PAGE), region=region,
                   fixed_region=fixed is not None,
                   params=query_string(year=y, eligible=eligible, region=region))
    audit_page_read(session, user, "read.policies.item", item_id, request)
    return render(request, "policies/item.html", ctx, user=user)


# ---------------------------------------------------------------- firm actions


def _firm(user: Any) -> str:
    forbid(user, "enterprise")
    return str(user_attr(user, "credit_code"))


def _firm_region(session: Any, code: str) -> str | None:
    from sqlalchemy import select

    from zhizao.policies.models import PolicyMatch

    return session.scalar(select(PolicyMatch.region_code).where(PolicyMatch.credit_code == code).limit(1))


@router.post("/policies/claim")
def claim(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
          item_id: str = Form(...), year: int = Form(...), subject: str = Form(""),
          csrf_token: str = Form("")) -> Response:
    """一键申请 (快申快享): the firm supplies nothing the data holds; the amount is the matched one."""
    verify_csrf(request, csrf_token)
    code = _firm(user)
    row = next((r for r in prepared.for_firm(session, year, code)
                if r["item_id"] == item_id and (r["subject"] or "") == subject), None)
    if row is None or row["mode"] != "fast_application":
        raise not_found()
    try:
        wf.apply(settings, year, item_id, code, str(user_attr(user, "username")), region_code=row["region_code"],
                 subject=subject, claimed=row["expected_benefit"], declared={"reason": row["reason"]})
    except wf.WorkflowError as exc:
        return _back("/policies", year=year, error=str(exc))
    prepared.refresh(settings, year)
    return _back("/policies", year=year, done="claimed")


@router.post("/policies/consents")
def grant(request: Request, user: PageUser, settings: SettingsDep, purpose: str = Form(...),
          recipient: str = Form(...), valid_from: str = Form(...), valid_to: str = Form(...),
          csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    code = _firm(user)
    try:
        wf.grant_consent(settings, code, purpose, recipient, dt.date.fromisoformat(valid_from),
                         dt.date.fromisoformat(valid_to), str(user_attr(user, "username")))
    except (wf.WorkflowError, ValueError) as exc:
        return _back("/policies", error=str(exc) if isinstance(exc, wf.WorkflowError) else "日期格式不正确")
    return _back("/policies", done="consent")


@router.post("/policies/consents/{consent_id}/revoke")
def revoke(request: Request, consent_id: int, user: PageUser, settings: SettingsDep,
           csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    code = _firm(user)
    try:
        wf.revoke_consent(settings, consent_id, code, str(user_attr(user, "username")))
    except wf.WorkflowError as exc:
        raise not_found() from exc
    return _back("/policies", done="consent")


@router.post("/policies/tickets")
def file_ticket(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, kind: str = Form(...),
                subject: str = Form(...), content: str = Form(...), item_id: str = Form(""),
                csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    code = _firm(user)
    try:
        wf.file_ticket(settings, kind, code, subject, content, str(user_attr(user, "username")),
                       item_id=item_id or None, region_code=_firm_region(session, code))
    except wf.WorkflowError as exc:
        return _back("/policies", error=str(exc))
    return _back("/policies", done="ticket")


@router.post("/policies/tickets/{ticket_id}/rate")
def rate(request: Request, ticket_id: int, user: PageUser, settings: SettingsDep, satisfaction: int = Form(...),
         csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    code = _firm(user)
    try:
        wf.rate_ticket(settings, ticket_id, code, satisfaction, str(user_attr(user, "username")))
    except wf.WorkflowError as exc:
        return _back("/policies", error=str(exc))
    return _back("/policies", done="rated")


@router.post("/policies/objections")
def object_to(request: Request, user: PageUser, settings: SettingsDep, notice_id: int = Form(...),
              subject: str = Form(...), content: str = Form(...), csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    code = _firm(user)
    try:
        wf.object_to(settings, notice_id, code, str(user_attr(user, "username")), subject, content)
    except wf.WorkflowError as exc:
        return _back("/policies", error=str(exc))
    return _back("/policies", done="objection")


# ---------------------------------------------------------------- bureau actions


@router.post("/policies/notices")
def open_notice(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                item_id: str = Form(...), year: int = Form(...), days: int = Form(5),
                csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    forbid(user, "city")
    _, rows = prepared.for_item(session, year, item_id, "true", None, 10_000_000, 0)
    try:
        wf.open_notice(settings, year, item_id, rows, str(user_attr(user, "username")), days=days)
    except wf.WorkflowError as exc:
        return _back("/policies", year=year, error=str(exc))
    prepared.refresh(settings, year)
    return _back("/policies", year=year, done="notice")


@router.post("/policies/notices/{notice_id}/{action}")
def notice_action(request: Request, notice_id: int, action: str, user: PageUser, settings: SettingsDep,
                  csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    forbid(user, "city")
    who = str(user_attr(user, "username"))
    try:
        if action == "close":
            done = wf.close_notice(settings, notice_id, who)
        elif action == "pay":
            done = wf.pay_notice(settings, notice_id, who)
        else:
            raise not_found()
    except wf.WorkflowError as exc:
        return _back("/policies", error=str(exc))
    prepared.refresh(settings, int(done["year"]))
    return _back("/policies", done="paid" if action == "pay" else "notice")


@router.post("/policies/objections/{objection_id}/decide")
def decide_objection(request: Request, objection_id: int, user: PageUser, settings: SettingsDep,
                     decision: str = Form(...), reason: str = Form(...), amount: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    forbid(user, "city")
    try:
        done = wf.decide(settings, objection_id, decision, reason, str(user_attr(user, "username")),
                         corrected=float(amount) if amount.strip() else None)
    except (wf.WorkflowError, ValueError) as exc:
        return _back("/policies", error=str(exc) if isinstance(exc, wf.WorkflowError) else "金额格式不正确")
    prepared.refresh(settings, int(done["year"]))
    return _back("/policies", done="decided")


def _in_region(user: Any, region: str | None) -> None:
    fixed = region_scope(user)
    if fixed is not None and region != fixed:
        raise not_found()


@router.post("/policies/applications/{application_id}/{action}")
def application_action(request: Request, application_id: int, action: str, user: PageUser, settings: SettingsDep,
                       decision: str = Form(""), reason: str = Form(""), amount: str = Form(""),
                       csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    forbid(user, "city", "district")
    apps = [a for a in wf.applications(settings) if a["id"] == application_id]
    if not apps:
        raise not_found()
    _in_region(user, apps[0]["region_code"])
    who = str(user_attr(user, "username"))
    try:
        if action == "decide":
            wf.decide_application(settings, application_id, decision, reason, who,
                                  approved=float(amount) if amount.strip() else None)
        elif action == "pay":
            forbid(user, "city")
            wf.pay_application(settings, application_id, who)
        else:
            raise not_found()
    except (wf.WorkflowError, ValueError) as exc:
        return _back("/policies", error=str(exc) if isinstance(exc, wf.WorkflowError) else "金额格式不正确")
    prepared.refresh(settings, int(apps[0]["year"]))
    return _back("/policies", done="paid" if action == "pay" else "decided")


@router.post("/policies/tickets/{ticket_id}/answer")
def answer(request: Request, ticket_id: int, user: PageUser, settings: SettingsDep, answer: str = Form(...),
           csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    forbid(user, "city", "district")
    found = [t for t in wf.tickets(settings) if t["id"] == ticket_id]
    if not found:
        raise not_found()
    _in_region(user, found[0]["region_code"])
    try:
        wf.answer_ticket(settings, ticket_id, answer, str(user_attr(user, "username")))
    except wf.WorkflowError as exc:
        return _back("/policies", error=str(exc))
    return _back("/policies", done="answered")


@router.post("/policies/tickets/escalate")
def escalate(request: Request, user: PageUser, settings: SettingsDep, csrf_token: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    forbid(user, "city")
    wf.escalate_overdue(settings, str(user_attr(user, "username")))
    return _back("/policies", done="escalated")
