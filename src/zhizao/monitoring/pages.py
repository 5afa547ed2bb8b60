"""电力看经济 pages: the month's power-based warning list (paged), the district and industry
power indices, and the year's 数据打架 list. A district user sees its own district.

The lists are :mod:`zhizao.monitoring.lists`' (the same as ``zhizao monitor`` and the API),
kept per warehouse and publication state.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from zhizao.monitoring.lists import MonitoringError, cached, consistency_list, power_list
from zhizao.monitoring.power import WARNINGS
from zhizao.store import publish
from zhizao.web import fmt
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit
from zhizao.web.templating import render
from zhizao.web.ui import (
    PAGE_SIZE,
    READ_ROLES,
    WAREHOUSE_BUSY,
    PageError,
    Sort,
    Sorts,
    audit_page_read,
    bar_option,
    busy,
    division_name,
    forbid,
    is_city_region,
    listing,
    region_name,
    region_scope,
    sort_rows,
)


def industry_name(code: str | None) -> str:
    from zhizao.codes import industries

    return (industries.name(code) or "") if code else ""

router = APIRouter(include_in_schema=False)


def page_lists(settings: Any, year: int, month: int, region: str | None) -> tuple[dict[str, Any], dict[str, Any],
                                                                               str | None]:
    """The month's warning list and the year's 数据打架 list as the page shows them: read as
    prepared (:func:`zhizao.prepared.page_value`: recomputed in the background after each import
    or publication), and a note when they are an earlier state's (with when they were built)."""
    from zhizao import prepared

    try:
        data = prepared.page_value(settings, "monitoring", "zhizao.monitoring.lists:power_list", [year, month, region])
        checks = prepared.page_value(settings, "monitoring", "zhizao.monitoring.lists:consistency_list",
                                     [year, None, region])
    except MonitoringError as exc:
        raise PageError(status_code=404, detail=str(exc)) from exc
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    stale = next((f for f in (data, checks) if not f.current), None)
    note = None if stale is None else f"数据已更新，新的清单正在计算；以下为 {stale.built_label()} 的清单。"
    return data.value, checks.value, note

def prepared_pages(settings: Any) -> list[tuple[str, str, list[Any]]]:
    """What :func:`page_lists` reads, prepared for the city and each district
    (``Room.prepared_pages``): the default month's warning list (December of the latest published
    year) and the 数据打架 list of every published year (another year's month first computed on
    its visit was 0.40–0.53 s, 0.25 s of it the year's list; a month's own list is 0.15 s)."""
    from zhizao import prepared
    from zhizao.store.db import session_scope

    with session_scope(settings) as s:
        year = default_year(s)
        years = sorted(_published_years(s) | {year}, reverse=True)
    out: list[tuple[str, str, list[Any]]] = []
    for region in prepared.scopes(settings):
        out += [("monitoring", "zhizao.monitoring.lists:power_list", [year, 12, region])]
        out += [("monitoring", "zhizao.monitoring.lists:consistency_list", [y, None, region]) for y in years]
    return out


def warm_up(settings: Any) -> None:
    """A month's warning list computed once in a web process before its first visit (and not
    kept): the first month not prepared that a process computed took 0.35 s against 0.10–0.15 s
    for the next (the engine's first connection, Ibis's first compiles of the list's steps)
    (``Room.warm_up``)."""
    from zhizao.monitoring.lists import power_list
    from zhizao.store.db import session_scope

    with session_scope(settings) as s:
        year = default_year(s)
    power_list(settings, year, 12, None)


#: the warning list's sortable columns (the whole month's list is sorted, then paged)
SORTS = Sorts({"severity": False, "credit_code": False, "name": False, "region_code": False, "industry_code": False,
               "kwh": True, "kwh_last_year": True, "index": False, "days_reported": False},
              default=Sort("severity"))


def default_year(session: Any) -> int:
    """The latest year with a published evaluation (else last year): the month shown first is
    its December."""
    years = _published_years(session)
    return max(years) if years else dt.date.today().year - 1


def _published_years(session: Any) -> set[int]:
    return {y for m in publish.published_methods(session) for y in publish.published_years(session, m)}


def _month_region(session: Any, user: Any, month: str, region: str) -> tuple[str, int, int, str]:
    """The page's month (default: December of the latest published year) and region (a district
    user's own, whatever is asked)."""
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        month = f"{default_year(session)}-12"
    year, mon = int(month[:4]), int(month[5:])
    if not 1 <= mon <= 12:
        raise PageError(status_code=400, detail=f"月份有误：{month}")
    fixed = region_scope(user)
    return month, year, mon, fixed or (region if re.fullmatch(r"\d{6}", region or "") else "")


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                    month: str = "", region: str = "", page: int = 1, sort: str = "") -> Response:
    forbid(user, *READ_ROLES)
    month, year, mon, region = _month_region(session, user, month, region)
    fixed = region_scope(user)
    data, checks, note = page_lists(settings, year, mon, region or None)
    order = SORTS.parse(sort)
    firms = data["firms"] if order == SORTS.default else sort_rows(list(data["firms"]), order)
    total = len(firms)
    lst = listing(page, total, {"month": month, "region": region}, order, SORTS)
    shown = [dict(f, region_name=region_name(f.get("region_code")))
             for f in firms[lst.offset: lst.offset + PAGE_SIZE]]
    regions = [r for r in data["regions"] if not is_city_region(r.get("region_code"))]
    industries = sorted(data["industries"], key=lambda r: -(r.get("kwh") or 0))[:15]
    charts: dict[str, Any] = {}
    if regions:
        charts["power_region"] = bar_option(f"{month} 各区县用电指数（上年同月 = 100）",
                                            [region_name(r["region_code"]) for r in regions],
                                            [round(r["index"], 1) if r.get("index") is not None else None for r in regions])
    if industries:
        charts["power_industry"] = bar_option(f"{month} 主要行业用电指数", [division_name(r["division"]) for r in industries],
                                              [round(r["index"], 1) if r.get("index") is not None else None for r in industries],
                                              colour="#319795", horizontal=True)  # 15 long names: down the side
    counts = {k: v for k, v in data["counts"].items() if k not in ("firms", "none")}
    audit_page_read(session, user, "page.monitoring", f"monitoring:{month}", request)
    return render(request, "monitoring/index.html", {
        "breadcrumbs": [("电力看经济", None)], "month": month, "region": region, "fixed_region": fixed is not None,
        "data": data, "firms": shown, "total": total, "page": lst.page, "pages": lst.pages, "counts": counts,
        "listing": lst,
        # a month nobody reported is not an all-clear
        "flashes": lst.flashes + ([("info", note)] if note else []) + ([] if data["counts"].get("firms") else
                                  [("warning", f"{fmt.month(month)}暂无用电数据，预警数为 0 不代表没有风险；请先导入该月的电力数据。")]),
        "charts": charts, "checks": checks, "all_regions": [(r["region_code"], region_name(r["region_code"])) for r in regions],
        "params": lst.filters_query, "warning_names": {k: v[1] for k, v in WARNINGS.items()},
    }, user=user)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(request: Request, user: Any, session: Any, kind: str, month: str, region: str, write: Any) -> Response:
    import shutil
    import tempfile
    from pathlib import Path

    from starlette.background import BackgroundTask

    folder = Path(tempfile.mkdtemp())
    path, name, rows = write(folder / "list.xlsx")
    audit(session, user, f"export.monitoring_{kind}", f"monitoring:{month}", request=request,
          detail={"region": region or None, "rows": rows})
    return FileResponse(path, filename=name, media_type=XLSX,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


NAMES = {"region": region_name, "industry": lambda c: f"{c} {industry_name(c)}" if c else "—"}


@router.get("/monitoring/warnings.xlsx")
def warnings_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                    month: str = "", region: str = "", sort: str = "") -> Response:
    """The month's warning list of the page's filters (month, district) as a spreadsheet, in the
    page's order."""
    from zhizao.monitoring.export import write_warnings

    forbid(user, *READ_ROLES)
    month, year, mon, region = _month_region(session, user, month, region)
    try:
        data = cached(settings, ("power", year, mon, region or None),
                      lambda: power_list(settings, year, mon, region or None))
    except MonitoringError as exc:
        raise PageError(status_code=404, detail=str(exc)) from exc
    order = SORTS.parse(sort)
    if order != SORTS.default:
        data = {**data, "firms": sort_rows(list(data["firms"]), order)}
    where = region_name(region) if region else "全市"
    title = f"{year}年{mon}月 用电预警企业名单（{where}）"
    notes = ["用电指数 = 本月用电量 ÷ 上年同月用电量 × 100。", f"共 {len(data['firms']):,} 家企业。"]
    return _xlsx(request, user, session, "warnings", month, region, lambda p: (
        write_warnings(p, data, NAMES, title, notes), f"用电预警名单-{month}-{where}.xlsx", len(data["firms"])))


@router.get("/monitoring/conflicts.xlsx")
def conflicts_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                     month: str = "", region: str = "") -> Response:
    """The year's 数据打架 list of the page's filters (the month's year, district) as a spreadsheet."""
    from zhizao.monitoring.export import write_conflicts

    forbid(user, *READ_ROLES)
    month, year, _mon, region = _month_region(session, user, month, region)
    try:
        checks = cached(settings, ("consistency", year, region or None),
                        lambda: consistency_list(settings, year, region=region or None))
    except MonitoringError as exc:
        raise PageError(status_code=404, detail=str(exc)) from exc
    where = region_name(region) if region else "全市"
    title = f"{year}年 跨部门数据不一致清单（{where}）"
    notes = ["同一数据由两个部门报送、相差超过容差的企业；请据导入批次联系报送部门核实。",
             f"共 {len(checks['failures']):,} 条。"]
    return _xlsx(request, user, session, "conflicts", month, region, lambda p: (
        write_conflicts(p, checks, NAMES, title, notes), f"数据打架清单-{year}-{where}.xlsx", len(checks["failures"])))
