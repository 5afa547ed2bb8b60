"""碳效码 pages: the published grade list with filters, paging, distributions and the Excel export.

A district sees its district, a bank the firms that granted it consent (each read audited), the
city and auditors everything; a firm goes to its own profile.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from zhizao.caching import Memo
from zhizao.carbon.profile import GRADE_COLOURS, grade_series
from zhizao.store import publish
from zhizao.web.deps import PageUser, Scope, SessionDep, SettingsDep, audit
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
    listing,
    pick_year,
    pie_option,
    region_name,
    region_scope,
    scope_of,
    stacked_bar_option,
)

router = APIRouter(include_in_schema=False)

LEVELS = ("低碳", "中碳", "高碳")
#: the list's sortable columns (numbers start with the largest)
SORTS = Sorts({"credit_code": False, "name": False, "region_code": False, "industry_code": False,
               "grade": False, "emissions_t": True, "value_added": True, "intensity": True, "k_value": True},
              default=Sort("credit_code"))


def _redirect_firm(user: Any) -> Response | None:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#carbon-code", status_code=303)
    return None


#: the list page's figures and rows per scope and query, kept until the next import or publication
_LISTS = Memo(256, published_only=True)


@router.get("/carbon", response_class=HTMLResponse)
def carbon_list(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                year: int | None = None, region: str = "", industry: str = "", grade: str = "", q: str = "",
                page: int = 1, sort: str = "") -> Response:
    if (r := _redirect_firm(user)) is not None:
        return r
    scope = scope_of(user, session)
    region = region_scope(user) or region.strip()
    is_bank = user_attr(user, "role") == "bank"
    # what the page shows of the published results is the same for everyone of this scope until
    # the next publication or import: prepared once, read by every later request
    data = _LISTS.get(settings, ("list", scope.key("carbon"), year, region, industry, grade, q, page, sort),
                      lambda: _list_data(session, scope, year, region, industry, grade, q, page, sort, is_bank))
    ctx: dict[str, Any] = {"breadcrumbs": [("碳效码", None)], "region": region, "industry": industry,
                           "grade": grade, "q": q, "fixed_region": region_scope(user) is not None,
                           "is_bank": is_bank, **data}
    if data["year"] is not None:
        audit_page_read(session, user, "page.carbon_list", f"carbon:{data['year']}", request,
                        detail={"codes": [r["credit_code"] for r in data["rows"]]})
    # the kept HTML beside the figures, not among them: ``**data`` above spreads them into the
    # template's context, which takes string keys only (another role's first render failed)
    return render(request, "carbon/list.html", ctx, user=user, keep_in=data.setdefault("_html", {}))


def _list_data(session: Session, scope: Scope, year: int | None, region: str, industry: str, grade: str, q: str,
               page: int, sort: str, is_bank: bool) -> dict[str, Any]:
    """The page's published part: the year, a page of rows, the charts and the filter lists."""
    y, years = pick_year(session, "carbon", year)
    data: dict[str, Any] = {"year": y, "years": years, "rows": [], "total": 0, "page": 1, "pages": 1, "charts": {},
                            "regions": [], "divisions": []}
    if y is None:
        return data
    f = filters(scope, "carbon", region, industry.strip(), grade.strip(), q.strip())
    order = SORTS.parse(sort)
    key = "outcome" if order.key == "grade" else order.key
    total = publish.count_published(session, "carbon", y, f)
    lst = listing(page, total, {"year": y, "region": region, "industry": industry, "grade": grade, "q": q},
                  order, SORTS)
    rows = publish.list_published(session, "carbon", y, f, limit=PAGE_SIZE, offset=lst.offset,
                                  sort=(key, order.desc))[1]
    for row in rows:
        row["region_name"] = region_name(row.get("region_code"))
    # the filter lists and charts show the whole scope, not only the current filter
    base = filters(scope, "carbon")
    by_r = distribution(session, "carbon", y, base, by="region")
    by_d = distribution(session, "carbon", y, base, by="industry")
    rkeys = sorted(k for k in by_r if k)
    dkeys = sorted((k for k in by_d if k), key=lambda k: -sum(by_d[k].values()))[:12]
    charts = {}
    # a bank sees the firms that authorised it, one by one: distributions over a handful of
    # firms (one, often) are no statistics and would hint at firms it may not see
    if total and not is_bank:
        sel = distribution(session, "carbon", y, f).get(None, Counter())
        charts["dist_grade"] = pie_option("碳效等级分布（当前筛选）", {f"{g}级": sel.get(str(g), 0) for g in range(1, 6)},
                                          GRADE_COLOURS)
        charts["dist_region"] = stacked_bar_option("各区县碳效等级", [region_name(k) for k in rkeys],
                                                   grade_series(by_r, rkeys), GRADE_COLOURS)
        charts["dist_industry"] = stacked_bar_option("主要行业碳效等级", [division_name(k) for k in dkeys],
                                                     grade_series(by_d, dkeys), GRADE_COLOURS, horizontal=True)
    return data | {"rows": rows, "total": total, "page": lst.page, "pages": lst.pages, "charts": charts,
                   "listing": lst, "params": lst.filters_query, "flashes": lst.flashes,
                   "regions": [(k, region_name(k)) for k in rkeys],
                   "divisions": sorted((k, division_name(k)) for k in by_d if k)}


@router.get("/carbon/export.xlsx")
def carbon_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                  year: int | None = None, region: str = "", industry: str = "", grade: str = "", q: str = "",
                  sort: str = "") -> Response:
    """The published grade list of the user's scope as a spreadsheet (碳效码评价结果清单)."""
    if (r := _redirect_firm(user)) is not None:
        return r
    from zhizao.carbon.export import write_grade_list
    from zhizao.runs import registry
    from zhizao.web.ui import not_found

    y, _ = pick_year(session, "carbon", year)
    pub = publish.published_run(session, "carbon", y) if y is not None else None
    if pub is None:
        raise not_found()
    try:
        table = registry.results(settings, pub.run_id)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    region = region_scope(user) or region.strip()
    mask = pa.array([True] * table.num_rows)
    scope = scope_of(user, session)
    if user_attr(user, "role") == "bank":
        mask = pc.is_in(table["credit_code"], value_set=pa.array(sorted(scope.consented_codes()), pa.string()))
    if region:
        mask = pc.and_(mask, pc.equal(table["region_code"], region))
    if industry.strip():
        mask = pc.and_(mask, pc.starts_with(table["industry_code"], industry.strip()))
    if grade.strip().isdigit():
        mask = pc.and_(mask, pc.equal(pc.cast(table["grade"], pa.int64()), int(grade)))
    if q.strip():
        names = pc.fill_null(pc.match_substring(table["name"], q.strip()), False) if "name" in table.column_names \
            else pa.array([False] * table.num_rows)
        mask = pc.and_(mask, pc.or_(names, pc.starts_with(table["credit_code"], q.strip().upper())))
    table = table.filter(pc.fill_null(mask, False))
    order = SORTS.parse(sort)
    audit(session, user, "export.carbon", f"carbon:{y}", request=request,
          detail={"run_id": pub.run_id, "rows": table.num_rows, "region": region or None})
    tmp = Path(tempfile.mkdtemp()) / f"carbon-{y}.xlsx"
    write_grade_list(table, tmp, order=(order.key, order.desc) if sort else None)  # the page's order
    return FileResponse(tmp, filename=f"碳效码评价结果-{y}.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(lambda: tmp.unlink(missing_ok=True)))
