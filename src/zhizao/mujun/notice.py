"""亩均 结果公示: the results notice of a year as the bureau publishes it (METHODS.md §2: a results
notice of 3–7 days during which firms object in writing with evidence) — the notice text with
its window, and the list of firms with their track and class. The city, auditors and districts
(their own firms) read the list; a firm reads the notice and its own line, with the way to object.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zhizao.store import publish
from zhizao.web.deps import PageUser, SessionDep, SettingsDep
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    PAGE_SIZE,
    audit_page_read,
    filters,
    forbid,
    pages_of,
    pick_year,
    query_string,
    region_name,
    region_scope,
    scope_of,
)

router = APIRouter(include_in_schema=False)

CLASS_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}


def notice_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The notice's list: graded and 不定等级 firms, by district, track, class, then name."""
    out = [r for r in rows if r.get("class")]
    out.sort(key=lambda r: (r.get("region_code") or "", str(r.get("track_title") or ""),
                            CLASS_ORDER.get(str(r.get("class")), 9), str(r.get("name") or ""), r["credit_code"]))
    return out


@router.get("/mujun/notice", response_class=HTMLResponse)
def notice_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                year: int | None = None, region: str = "", cls: str = "", page: int = 1) -> Response:
    forbid(user, "city", "district", "auditor", "enterprise")
    from zhizao.mujun.pages import _round, _rows_in_scope

    y, years = pick_year(session, "mujun", year)
    rnd = _round(settings, y) if y is not None else None
    role = user_attr(user, "role")
    region = region_scope(user) or region.strip()
    rows: list[dict[str, Any]] = []
    if y is not None:
        f = filters(scope_of(user, session), "mujun", region, None, cls.strip())
        rows = notice_rows(_rows_in_scope(session, y, f, ("notice", region_scope(user), region, cls.strip(), role)))
    total = len(rows)
    pages = pages_of(total)
    page = max(1, min(page, pages))
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    for r in shown:
        r["region_name"] = region_name(r.get("region_code"))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    opens, closes = (rnd or {}).get("objections_open_at"), (rnd or {}).get("objections_close_at")
    pub = publish.published_run(session, "mujun", y) if y is not None else None
    audit_page_read(session, user, "page.mujun_notice", f"mujun:{y}", request, detail={"region": region or None})
    return render(request, "mujun/notice.html", {
        "breadcrumbs": [("亩均论英雄", "/mujun" if role != "enterprise" else None), ("结果公示", None)],
        "year": y, "years": years, "round": rnd, "rows": shown, "total": total, "page": page, "pages": pages,
        "page_size": PAGE_SIZE, "region": region, "cls": cls, "fixed_region": region_scope(user) is not None or role == "enterprise",
        "opens": opens, "closes": closes, "open_now": bool(opens and closes and opens <= now <= closes),
        "published_on": pub.published_at if pub else None, "is_firm": role == "enterprise",
        "regions": sorted({(r.get("region_code"), region_name(r.get("region_code"))) for r in rows if r.get("region_code")}),
        "params": query_string(year=y, region=region, cls=cls),
        "counts": {c: sum(1 for r in rows if r.get("class") == c) for c in ("A", "B", "C", "D")},
    }, user=user)
