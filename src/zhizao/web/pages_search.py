"""企业检索: the header's search over firm names and (partial) credit codes, within the user's
scope — the city and auditors every firm, a district its own, a bank the firms that authorised
it (to their carbon code), a firm itself. Reads the published results (the firms the platform
has evaluated), so it never waits for the warehouse."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, or_, select

from zhizao.store.models import PublishedResult
from zhizao.web.deps import PageUser, SessionDep
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import audit_page_read, division_name, region_name, scope_of

router = APIRouter(include_in_schema=False)

LIMIT = 50
CODE_PART = re.compile(r"[0-9A-HJ-NP-RT-UW-Y]{4,18}")


def search_firms(session: Any, user: Any, q: str, limit: int = LIMIT) -> tuple[int, list[dict[str, Any]]]:
    """Firms in the user's scope whose name contains ``q`` or whose credit code contains it
    (case-insensitive); the number found and the first ``limit`` by name."""
    q = q.strip()
    if len(q) < 2:
        return 0, []
    role = user_attr(user, "role")
    scope = scope_of(user, session)
    what = "carbon" if role == "bank" else "profile"
    cond = [PublishedResult.name.contains(q, autoescape=True)]
    if CODE_PART.fullmatch(q.upper()):
        cond.append(PublishedResult.credit_code.contains(q.upper(), autoescape=True))
    base = select(PublishedResult.credit_code, func.max(PublishedResult.name).label("name"),
                  func.max(PublishedResult.region_code).label("region_code"),
                  func.max(PublishedResult.industry_code).label("industry_code")).where(
        or_(*cond), *scope.firm_filter(PublishedResult.credit_code, PublishedResult.region_code, what))
    if role == "bank":
        base = base.where(PublishedResult.method == "carbon")
    base = base.group_by(PublishedResult.credit_code)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(func.max(PublishedResult.name), PublishedResult.credit_code).limit(limit))
    out = []
    for code, name, region, industry in rows:
        href = f"/carbon?q={code}" if role == "bank" else f"/enterprises/{code}"
        out.append({"code": code, "name": name or "（名称未登记）", "region": region_name(region),
                    "industry": division_name(industry) if industry else "—", "href": href})
    return int(total), out


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, user: PageUser, session: SessionDep, q: str = "") -> Response:
    q = q.strip()[:64]
    total, rows = search_firms(session, user, q)
    audit_page_read(session, user, "page.search", "search", request, detail={"q": q, "found": total})
    if total == 1 and len(q) == 18:  # a whole credit code: straight to the firm
        return RedirectResponse(rows[0]["href"], status_code=303)
    return render(request, "search.html", {"breadcrumbs": [("企业检索", None)], "q": q, "rows": rows,
                                           "total": total, "limit": LIMIT}, user=user)
