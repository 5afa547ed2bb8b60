"""授权企业: the bank's list of the consents firms granted it (firm, purpose, period, status),
each read audited; the city and auditors see every consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from zhizao.store.models import Consent, PublishedResult
from zhizao.web.consents import PURPOSES, consents_for, state
from zhizao.web.deps import PageUser, SessionDep, audit
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import forbid

router = APIRouter(include_in_schema=False)


def firm_names(session: Any, codes: set[str]) -> dict[str, str]:
    """Credit code → the firm's latest published name."""
    if not codes:
        return {}
    rows = session.execute(select(PublishedResult.credit_code, PublishedResult.name, PublishedResult.year)
                           .where(PublishedResult.credit_code.in_(sorted(codes))).order_by(PublishedResult.year))
    return {c: n for c, n, _ in rows if n}


@router.get("/consents", response_class=HTMLResponse)
def consents_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    forbid(user, "bank", "city", "auditor")
    items: list[Consent] = consents_for(session, user)
    names = firm_names(session, {c.credit_code for c in items})
    today = dt.date.today()
    rows = [{"id": c.id, "code": c.credit_code, "name": names.get(c.credit_code, "（名称未登记）"),
             "bank": c.bank.display_name or c.bank.username, "purpose": PURPOSES.get(c.scope, "查询评价结果"),
             "valid_from": c.valid_from, "valid_to": c.valid_to, "granted_at": c.granted_at,
             "revoked_at": c.revoked_at, "state": state(c, today)} for c in items]
    active = sum(1 for r in rows if r["state"] == "有效")
    if user_attr(user, "role") in ("bank", "auditor"):
        audit(session, user, "page.consents", "consents", {"rows": len(rows)}, request)
    return render(request, "consents.html", {
        "breadcrumbs": [("授权企业", None)], "rows": rows, "active": active,
        "is_bank": user_attr(user, "role") == "bank",
    }, user=user)
