"""星级绿色工厂 pages: the star list with its distribution by district and industry, and the Excel
lists (star list, candidates for recommendation, re-review and removals).

Scopes as carbon's pages: the city and auditors see every firm, a district its own, a firm is sent
to its own profile (its star card is a section there); banks see nothing of the green ladder.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from zhizao.store import publish
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    PAGE_SIZE,
    WAREHOUSE_BUSY,
    Sort,
    Sorts,
    audit_page_read,
    busy,
    distribution,
    division_name,
    filters,
    forbid,
    listing,
    not_found,
    pick_year,
    pie_option,
    region_name,
    region_scope,
    scope_of,
    stacked_bar_option,
)

router = APIRouter(include_in_schema=False)

METHOD = "greenfactory"
STAR_NAMES = [f"{k}星" for k in range(6)]
STAR_COLOURS = {"0星": "#a0aec0", "1星": "#c6e5b3", "2星": "#8fcf7a", "3星": "#52a852", "4星": "#2f7d32",
                "5星": "#1b5e20", "未评星": "#e2a03f"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def star_series(dist: dict[Any, Counter], keys: list[Any]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {f"{k}星": [int(dist.get(key, Counter()).get(str(k), 0)) for key in keys] for k in range(6)}
    out["未评星"] = [int(dist.get(key, Counter()).get(None, 0)) for key in keys]
    return out


def _gate(user: Any) -> Response | None:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#greenfactory", status_code=303)
    forbid(user, "city", "district", "auditor")
    return None


#: the list's sortable columns (numbers start with the largest); the whole result is sorted
#: in the query, then paged, and the export keeps the order
SORTS = Sorts({"credit_code": False, "name": False, "region_code": False, "industry_code": False,
               "stars": True, "score": True, "status": False}, default=Sort("credit_code"))


def _sort(sort: str) -> tuple[Sort, tuple[str, bool]]:
    order = SORTS.parse(sort)
    return order, ("outcome" if order.key == "stars" else order.key, order.desc)


@router.get("/greenfactory", response_class=HTMLResponse)
def green_list(request: Request, user: PageUser, session: SessionDep, year: int | None = None, region: str = "",
               industry: str = "", stars: str = "", q: str = "", page: int = 1, sort: str = "") -> Response:
    if (gate := _gate(user)) is not None:
        return gate
    scope = scope_of(user, session)
    region = region_scope(user) or region.strip()
    y, years = pick_year(session, METHOD, year)
    ctx: dict[str, Any] = {"breadcrumbs": [("星级绿色工厂", None)], "year": y, "years": years, "region": region,
                           "industry": industry, "stars": stars, "q": q, "rows": [], "total": 0, "page": 1,
                           "pages": 1, "charts": {}, "regions": [], "divisions": [], "kpis": [],
                           "fixed_region": region_scope(user) is not None}
    if y is not None:
        f = filters(scope, METHOD, region, industry.strip(), stars.strip(), q.strip())
        order, key = _sort(sort)
        total = publish.count_published(session, METHOD, y, f)
        lst = listing(page, total, {"year": y, "region": region, "industry": industry, "stars": stars, "q": q},
                      order, SORTS)
        rows = publish.list_published(session, METHOD, y, f, limit=PAGE_SIZE, offset=lst.offset, sort=key)[1]
        for r in rows:
            r["region_name"] = region_name(r.get("region_code"))
            r["industry_name"] = division_name(r.get("industry_code"))
        base = filters(scope, METHOD)
        by_r = distribution(session, METHOD, y, base, by="region")
        by_d = distribution(session, METHOD, y, base, by="industry")
        sel = distribution(session, METHOD, y, f).get(None, Counter())
        whole = distribution(session, METHOD, y, filters(scope, METHOD, region)).get(None, Counter())
        rkeys = sorted(k for k in by_r if k)
        dkeys = sorted((k for k in by_d if k), key=lambda k: -sum(by_d[k].values()))[:12]
        charts = {}
        if total:
            charts["dist_stars"] = pie_option("星级分布（当前筛选）", {n: sel.get(str(k), 0) for k, n in enumerate(STAR_NAMES)}
                                              | {"未评星": sel.get(None, 0)}, STAR_COLOURS)
            charts["dist_region"] = stacked_bar_option("各区县星级绿色工厂", [region_name(k) for k in rkeys],
                                                       star_series(by_r, rkeys), STAR_COLOURS)
            charts["dist_industry"] = stacked_bar_option("主要行业星级绿色工厂", [division_name(k) for k in dkeys],
                                                         star_series(by_d, dkeys), STAR_COLOURS, horizontal=True)
        evaluated = sum(whole.values())
        starred = sum(whole.get(str(k), 0) for k in range(1, 6))
        ctx["kpis"] = [
            {"label": f"{y}年 参评企业", "value": evaluated, "unit": "家"},
            {"label": "星级绿色工厂（1–5星）", "value": starred, "unit": "家"},
            {"label": "三星及以上（市级及以上标准）", "value": sum(whole.get(str(k), 0) for k in range(3, 6)), "unit": "家"},
            {"label": "否决或数据不足", "value": whole.get(None, 0), "unit": "家"},
        ]
        audit_page_read(session, user, "page.greenfactory_list", f"greenfactory:{y}", request,
                        detail={"codes": [r["credit_code"] for r in rows]})
        ctx.update(rows=rows, total=total, page=lst.page, pages=lst.pages, charts=charts, params=lst.filters_query,
                   listing=lst, flashes=lst.flashes,
                   regions=[(k, region_name(k)) for k in rkeys],
                   divisions=sorted((k, division_name(k)) for k in by_d if k))
    return render(request, "greenfactory/list.html", ctx, user=user)


def _xlsx(tmp: Path, filename: str) -> FileResponse:
    return FileResponse(tmp, filename=filename, media_type=XLSX,
                        background=BackgroundTask(lambda: tmp.unlink(missing_ok=True)))


def _ladder(settings: Any, session: Any, year: int | None) -> Any:
    from zhizao.greenfactory import ladder

    y, _ = pick_year(session, METHOD, year)
    if y is None:
        raise not_found()
    try:
        return ladder.load(settings, y)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc


def _in_region(rows: list[dict[str, Any]], region: str | None) -> list[dict[str, Any]]:
    return [r for r in rows if not region or r.get("region_code") == region]


@router.get("/greenfactory/export.xlsx")
def green_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                 year: int | None = None, region: str = "", industry: str = "", stars: str = "", q: str = "",
                 sort: str = "") -> Response:
    """The published star list of the page's filters and order, in the user's scope (星级绿色工厂评价结果)."""
    if (r := _gate(user)) is not None:
        return r
    from zhizao.greenfactory.export import write_star_list

    y, _ = pick_year(session, METHOD, year)
    if y is None:
        raise not_found()
    region = region_scope(user) or region.strip()
    f = filters(scope_of(user, session), METHOD, region, industry.strip(), stars.strip(), q.strip())
    total, rows = publish.list_published(session, METHOD, y, f, limit=1_000_000, offset=0, sort=_sort(sort)[1])
    audit(session, user, "export.greenfactory", f"greenfactory:{y}", request=request,
          detail={"rows": total, "region": region or None})
    tmp = Path(tempfile.mkdtemp()) / f"greenfactory-{y}.xlsx"
    write_star_list(tmp, y, rows)
    return _xlsx(tmp, f"星级绿色工厂评价结果-{y}.xlsx")


@router.get("/greenfactory/candidates.xlsx")
def green_candidates(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                     year: int | None = None) -> Response:
    """Candidates for recommendation to the next level, of the user's scope."""
    if (r := _gate(user)) is not None:
        return r
    from zhizao.greenfactory import ladder
    from zhizao.greenfactory.export import write_candidates

    inp = _ladder(settings, session, year)
    rows = _in_region(ladder.candidates(inp), region_scope(user))
    audit(session, user, "export.greenfactory_candidates", f"greenfactory:{inp.year}", request=request,
          detail={"rows": len(rows)})
    tmp = Path(tempfile.mkdtemp()) / f"green-candidates-{inp.year}.xlsx"
    write_candidates(tmp, inp.year, rows, inp.notes)
    return _xlsx(tmp, f"绿色工厂推荐候选名单-{inp.year}.xlsx")


@router.get("/greenfactory/rereview.xlsx")
def green_rereview(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                   year: int | None = None) -> Response:
    """Titles due for re-review and proposed removals, of the user's scope."""
    if (r := _gate(user)) is not None:
        return r
    from zhizao.greenfactory import ladder
    from zhizao.greenfactory.export import write_rereview

    inp = _ladder(settings, session, year)
    reg = region_scope(user)
    due = _in_region(ladder.rereview_due(inp), reg)
    rem = _in_region(ladder.removals(inp), reg)
    audit(session, user, "export.greenfactory_rereview", f"greenfactory:{inp.year}", request=request,
          detail={"rows": len(due), "removals": len(rem)})
    tmp = Path(tempfile.mkdtemp()) / f"green-rereview-{inp.year}.xlsx"
    write_rereview(tmp, inp.year, due, rem, inp.notes)
    return _xlsx(tmp, f"绿色工厂复评名单-{inp.year}.xlsx")
