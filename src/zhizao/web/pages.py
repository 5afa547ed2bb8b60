"""The bureau's pages: cockpit (驾驶舱), firm profile (一企一档), imports and runs.

Every page sits behind ``PageUser`` and checks scope itself: a firm outside the user's scope
answers the same 404 as a firm that does not exist. Pages call the rooms' Python functions
and the store's helpers; the shared helpers here (scope, distributions, chart options) are
also used by the carbon, mujun and economy pages.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.codes import industries, regions
from zhizao.engine.warehouse import WarehouseBusy as WarehouseLocked
from zhizao.store import publish
from zhizao.store.models import Consent, Objection, PublishedResult, User
from zhizao.web.deps import PageUser, Scope, SessionDep, SettingsDep, audit, verify_csrf
from zhizao.web.templating import GRADE_HEX, render, user_attr

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
#: the warehouse is being written: by the CLI in another process (a file lock), or by an upload
#: in this one (DuckDB will not open one file read-only and read-write in the same process)
WAREHOUSE_BUSY = (duckdb.IOException, duckdb.ConnectionException, WarehouseLocked)
READ_ROLES = ("city", "district", "auditor")

# ----------------------------------------------------------------------------- errors


class PageError(HTTPException):
    """An error shown as a Chinese error page (the app's handler renders ``error.html``)."""


ERROR_TEXT = {
    400: ("请求有误", "提交的内容不完整或格式不正确。"),
    401: ("请先登录", "请登录后再访问此页面。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。"),
    404: ("页面不存在", "您访问的页面或企业不存在。"),
    405: ("不支持的操作", "此页面不支持该操作。"),
    409: ("暂不能办理", "当前状态下不能进行该操作。"),
    500: ("系统错误", "服务器处理请求时出错，请稍后再试或联系管理员。"),
    503: ("服务暂不可用", "数据仓库正在更新，请稍后刷新页面。"),
}


def not_found() -> PageError:
    return PageError(status_code=404, detail=ERROR_TEXT[404][1])


def busy() -> HTTPException:
    """The Chinese 503 of a warehouse being written (the page can be reloaded in a moment)."""
    from zhizao.web.profile import WarehouseBusy

    return WarehouseBusy()


def forbid(user: Any, *roles: str) -> None:
    if user_attr(user, "role") not in roles:
        raise PageError(status_code=403, detail=ERROR_TEXT[403][1])


# ----------------------------------------------------------------------------- scope


def scope_of(user: Any, session: Session) -> Scope:
    return Scope(user, session)


def audit_page_read(session: Session, user: Any, action: str, target: str, request: Request,
                    detail: dict[str, Any] | None = None) -> None:
    """Banks and auditors: every page they read is in the audit log."""
    if user_attr(user, "role") in ("bank", "auditor"):
        audit(session, user, action, target, detail=detail, request=request)


def region_scope(user: Any) -> str | None:
    """The region a district user is limited to; None = the whole city."""
    return user_attr(user, "region_code") if user_attr(user, "role") == "district" else None


# ----------------------------------------------------------------------------- published results


def pick_year(session: Session, method: str, requested: int | None) -> tuple[int | None, list[int]]:
    years = publish.published_years(session, method)
    if requested in years:
        return requested, years
    return (years[-1] if years else None), years


def filters(scope: Scope, what: str, region: str | None = None, industry: str | None = None,
            outcome: str | None = None, q: str | None = None) -> publish.Filters:
    return publish.Filters(region_code=region or None, industry_code=industry or None, outcome=outcome or None,
                           q=q or None, extra=scope.firm_filter(what=what))


def distribution(session: Session, method: str, year: int, f: publish.Filters,
                 by: str | None = None) -> dict[Any, Counter]:
    """Counts of outcomes (grade or class), optionally by region or 2-digit industry division."""
    out: dict[Any, Counter] = defaultdict(Counter)
    for r in publish.distribution(session, method, year, by=by or "outcome", filters=f):
        key = r.get("region_code") if by == "region" else r.get("division") if by == "industry" else None
        out[key][r["outcome"]] += int(r["n"])
    return out


def pages_of(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# ----------------------------------------------------------------------------- names


def region_name(code: str | None) -> str:
    if not code:
        return "—"
    try:
        return regions.name(code) or code
    except Exception:  # an unknown or retired code still shows as its number
        return code


def division_name(code: str | None) -> str:
    """The GB/T 4754 division (行业大类) name of a class or division code."""
    if not code:
        return "—"
    return industries.name(code[:2]) or code[:2]


# ----------------------------------------------------------------------------- chart options

PALETTE = ["#0b5cad", "#38a169", "#e3b505", "#ed8936", "#d62828", "#805ad5", "#319795", "#718096"]
CLASS_HEX = {"A": "#1e7b34", "B": "#0b5cad", "C": "#e3b505", "D": "#d62828", "不定等级": "#a0aec0"}


def pie_option(title: str, data: Mapping[str, float], colours: Mapping[str, str] | None = None) -> dict[str, Any]:
    items = []
    for name, value in data.items():
        item: dict[str, Any] = {"name": str(name), "value": value}
        if colours and name in colours:
            item["itemStyle"] = {"color": colours[name]}
        items.append(item)
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "data": items,
                    "label": {"formatter": "{b}\n{c}"}}],
    }


def stacked_bar_option(title: str, categories: list[str], series: Mapping[str, list[float]],
                       colours: Mapping[str, str] | None = None, horizontal: bool = False) -> dict[str, Any]:
    # long industry names are cut (the tooltip shows them whole) so the bars keep their room
    label = {"interval": 0, "width": 96, "overflow": "truncate"} if horizontal else {"interval": 0, "rotate": 30}
    cat_axis = {"type": "category", "data": categories, "axisLabel": label}
    val_axis = {"type": "value"}
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "type": "scroll"},
        "grid": {"left": 10, "right": 10, "top": 40, "bottom": 40, "containLabel": True},
        "xAxis": val_axis if horizontal else cat_axis,
        "yAxis": cat_axis if horizontal else val_axis,
        "series": [
            {"name": str(name), "type": "bar", "stack": "total", "data": values,
             **({"itemStyle": {"color": colours[name]}} if colours and name in colours else {})}
            for name, values in series.items()
        ],
    }


def line_option(title: str, x: list[Any], series: Mapping[str, list[Any]], unit: str = "") -> dict[str, Any]:
    many = len(series) > 2  # a legend of several names wraps onto a second line
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 10, "right": 20, "top": 40, "bottom": 64 if many else 40, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(v) for v in x], "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit},
        "series": [{"name": name, "type": "line", "data": vals, "smooth": False, "symbolSize": 7}
                   for name, vals in series.items()],
        "color": PALETTE,
    }


def bar_option(title: str, x: list[Any], values: list[Any], unit: str = "", colour: str = "#0b5cad") -> dict[str, Any]:
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 10, "right": 20, "top": 40, "bottom": 30, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(v) for v in x],
                  "axisLabel": {"interval": 0, "rotate": 30, "width": 90, "overflow": "truncate"}},
        "yAxis": {"type": "value", "name": unit},
        "series": [{"type": "bar", "data": values, "itemStyle": {"color": colour}}],
    }


GRADE_LABELS = {str(g): f"{g}级" for g in range(1, 6)}
GRADE_COLOURS = {f"{g}级": GRADE_HEX[g] for g in range(1, 6)}


def grade_series(dist: Mapping[Any, Counter], keys: list[Any]) -> dict[str, list[int]]:
    return {f"{g}级": [int(dist.get(k, Counter()).get(str(g), 0)) for k in keys] for g in range(1, 6)}


def class_series(dist: Mapping[Any, Counter], keys: list[Any]) -> dict[str, list[int]]:
    classes = sorted({c for cnt in dist.values() for c in cnt if c})
    return {c: [int(dist.get(k, Counter()).get(c, 0)) for k in keys] for c in classes}


# ----------------------------------------------------------------------------- economy glue

_ECON_CACHE: dict[tuple[Any, ...], list[dict[str, Any]] | Exception] = {}


def economy_indicators(settings: Any, session: Session, y1: int, y2: int, region: str | None) -> list[dict[str, Any]]:
    """``zhizao indicators`` rows ``{id, name, region, year, value, unit, basis}`` for the span:
    the city's and every district's, or one region's when ``region`` is given.

    Computing them takes seconds, so the city-wide figures are kept per process until the
    warehouse file or the publications change (an import, an evaluation or a publication gives
    fresh figures); a region's are a filter of them (districts are ranked city-wide anyway)."""
    from zhizao.economy import indicators as ind

    path = Path(settings.warehouse_path)
    if not path.exists():
        return []
    pubs = publish.publications(session)
    key = (str(settings.home), path.stat().st_mtime_ns, pubs[0].id if pubs else 0, y1, y2)
    if key not in _ECON_CACHE:
        if len(_ECON_CACHE) > 32:
            _ECON_CACHE.clear()
        try:
            _ECON_CACHE[key] = ind.rows(ind.for_settings(settings, y1, y2))
        except WAREHOUSE_BUSY as exc:  # another writer holds the warehouse: not kept, try again later
            raise busy() from exc
        except Exception as exc:  # kept too: the same data would fail the same way, only slower
            _ECON_CACHE[key] = exc
    found = _ECON_CACHE[key]
    if isinstance(found, Exception):
        raise found
    return found if region is None else [r for r in found if r["region"] == region]


def is_city_region(code: str | None) -> bool:
    """City-level rows of the indicators carry the prefecture code (``3305`` + ``00``)."""
    return bool(code) and str(code).endswith("00")


# ----------------------------------------------------------------------------- cockpit


@router.get("/", response_class=HTMLResponse)
def cockpit(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
            year: int | None = None) -> Response:
    role = user_attr(user, "role")
    if role == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}", status_code=303)
    if role == "bank":
        return RedirectResponse("/carbon", status_code=303)
    forbid(user, *READ_ROLES)
    region = region_scope(user)
    scope = scope_of(user, session)
    fc = filters(scope, "carbon")
    fm = filters(scope, "mujun")
    c_year, c_years = pick_year(session, "carbon", year)
    m_year, m_years = pick_year(session, "mujun", year)
    charts: dict[str, Any] = {}
    kpis: list[dict[str, Any]] = []
    by_region_table: list[dict[str, Any]] = []

    if c_year is not None:
        total = distribution(session, "carbon", c_year, fc).get(None, Counter())
        charts["grade_pie"] = pie_option(f"{c_year}年 碳效等级分布",
                                         {f"{g}级": total.get(str(g), 0) for g in range(1, 6)}, GRADE_COLOURS)
        by_r = distribution(session, "carbon", c_year, fc, by="region")
        rkeys = sorted(k for k in by_r if k)
        charts["grade_region"] = stacked_bar_option("各区县碳效等级", [region_name(k) for k in rkeys],
                                                    grade_series(by_r, rkeys), GRADE_COLOURS)
        by_d = distribution(session, "carbon", c_year, fc, by="industry")
        dkeys = sorted((k for k in by_d if k), key=lambda k: -sum(by_d[k].values()))[:12]
        charts["grade_division"] = stacked_bar_option("主要行业碳效等级（前12个行业大类）",
                                                      [division_name(k) for k in dkeys],
                                                      grade_series(by_d, dkeys), GRADE_COLOURS, horizontal=True)
        graded = sum(total.get(str(g), 0) for g in range(1, 6))
        kpis.append({"label": f"{c_year}年 碳效评价企业", "value": graded, "unit": "家", "digits": 0})
        kpis.append({"label": "碳效4–5级企业", "value": total.get("4", 0) + total.get("5", 0), "unit": "家", "digits": 0})
        # grade mix over years
        trend = {y: distribution(session, "carbon", y, fc).get(None, Counter()) for y in c_years}
        charts["grade_trend"] = stacked_bar_option("碳效等级逐年变化", [f"{y}" for y in c_years],
                                                   {f"{g}级": [trend[y].get(str(g), 0) for y in c_years] for g in range(1, 6)},
                                                   GRADE_COLOURS)
        for k in rkeys:
            by_region_table.append({"region": k, "name": region_name(k), "carbon": by_r[k]})

    if m_year is not None:
        mt = distribution(session, "mujun", m_year, fm).get(None, Counter())
        charts["class_pie"] = pie_option(f"{m_year}年 亩均效益分类", {k: v for k, v in sorted((k, v) for k, v in mt.items() if k)}, CLASS_HEX)
        by_rm = distribution(session, "mujun", m_year, fm, by="region")
        rkeys_m = sorted(k for k in by_rm if k)
        charts["class_region"] = stacked_bar_option("各区县亩均效益分类", [region_name(k) for k in rkeys_m],
                                                    class_series(by_rm, rkeys_m), CLASS_HEX)
        by_dm = distribution(session, "mujun", m_year, fm, by="industry")
        dkeys_m = sorted((k for k in by_dm if k), key=lambda k: -sum(by_dm[k].values()))[:12]
        charts["class_division"] = stacked_bar_option("主要行业亩均效益分类（前12个行业大类）",
                                                      [division_name(k) for k in dkeys_m],
                                                      class_series(by_dm, dkeys_m), CLASS_HEX, horizontal=True)
        kpis.append({"label": f"{m_year}年 亩均A类企业", "value": mt.get("A", 0), "unit": "家", "digits": 0})
        kpis.append({"label": f"{m_year}年 亩均D类企业", "value": mt.get("D", 0), "unit": "家", "digits": 0})
        index = {r["region"]: r for r in by_region_table}
        for k in rkeys_m:
            index.setdefault(k, {"region": k, "name": region_name(k), "carbon": Counter()})["mujun"] = by_rm[k]
        by_region_table = sorted(index.values(), key=lambda r: r["region"])

    # The economy's figures: firm counts and value added, and their trend over the years.
    years = sorted(set(c_years) | set(m_years))
    econ: list[dict[str, Any]] = []
    econ_error = None
    if years:
        try:
            econ = economy_indicators(settings, session, years[-1] - 4, years[-1], region)
        except HTTPException:
            raise
        except Exception:  # the cockpit still shows the published results when the figures fail
            econ_error = "经济运行指标暂时无法计算，请稍后刷新。"
    by_id: dict[str, dict[int, Any]] = defaultdict(dict)
    units: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in econ:
        if (r.get("region") != region) if region else not is_city_region(r.get("region")):
            continue
        by_id[r["id"]][int(r["year"])] = r.get("value")
        units[r["id"]] = r.get("unit", "")
        names[r["id"]] = r.get("name", r["id"])
    last = years[-1] if years else None
    econ_kpis = [{"label": f"{last}年 {names[iid]}", "value": by_id[iid][last], "unit": units[iid],
                  "digits": 0 if iid == "above_scale_count" else 1}
                 for iid in ("above_scale_count", "value_added", "value_added_growth")
                 if last is not None and last in by_id.get(iid, {})]
    kpis = econ_kpis + kpis  # the economy first, then the published evaluations
    if by_id.get("value_added"):
        ys = sorted(by_id["value_added"])
        charts["va_trend"] = line_option("规上工业增加值（现价）", ys, {"工业增加值": [by_id["value_added"][y] for y in ys]},
                                         units.get("value_added", ""))
    if by_id.get("above_scale_count"):
        ys = sorted(by_id["above_scale_count"])
        charts["firm_trend"] = bar_option("规上工业企业数", ys, [by_id["above_scale_count"][y] for y in ys], "家")

    audit_page_read(session, user, "page.cockpit", f"cockpit:{region or 'city'}", request)
    return render(request, "cockpit.html", {
        "breadcrumbs": [("驾驶舱", None)],
        "kpis": kpis, "charts": charts, "by_region": by_region_table,
        "carbon_year": c_year, "mujun_year": m_year, "region": region, "region_label": region_name(region) if region else "全市",
        "flashes": [("warning", econ_error)] if econ_error else [],
    }, user=user)


# ----------------------------------------------------------------------------- firm profile


def _firm_profile(settings: Any, credit_code: str) -> dict[str, Any] | None:
    from zhizao.web.profile import firm_profile

    return firm_profile(settings, credit_code)


ENERGY_NAMES = {
    "electricity": "电力", "raw_coal": "原煤", "coke": "焦炭", "crude_oil": "原油", "fuel_oil": "燃料油",
    "gasoline": "汽油", "diesel": "柴油", "lpg": "液化石油气", "natural_gas": "天然气", "heat": "热力",
    "biomass": "生物质", "exported_electricity": "外送电力", "exported_heat": "外供热力",
    "pv_self_use": "光伏自发自用", "green_power": "绿电交易", "green_certificate": "绿证", "sink": "碳汇",
}
UNIT_NAMES = {"kWh": "千瓦时", "t": "吨", "m3": "立方米", "m³": "立方米", "GJ": "吉焦"}

#: (profile key, title with the source department, [(column, Chinese header)])
PROFILE_SECTIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("statistics", "统计（统计局）", [("year", "年度"), ("above_scale", "是否规上"), ("gross_output", "工业总产值(万元)"),
                                  ("value_added", "工业增加值(万元)"), ("revenue", "营业收入(万元)"),
                                  ("employees", "从业人员(人)"), ("rd_expense", "研发费用(万元)")]),
    ("tax", "税收（税务局）", [("year", "年度"), ("tax_paid", "实缴税金(万元)")]),
    ("land", "用地（自然资源局）", [("year", "年度"), ("area_mu", "用地面积(亩)"), ("parcels", "宗地数"),
                                 ("leased_mu", "其中租赁(亩)")]),
    ("energy", "能源（电力公司、能源统计）", [("year", "年度"), ("energy_type", "能源品种"), ("quantity", "消费量"),
                                        ("unit", "计量单位"), ("months", "月数")]),
    ("zero_carbon", "零碳电力与碳汇", [("year", "年度"), ("kind", "类别"), ("quantity", "数量"), ("unit", "计量单位")]),
    ("emissions", "主要污染物排放（生态环境局）", [("year", "年度"), ("pollutant", "污染物"), ("quantity_t", "排放量(吨)")]),
    ("power", "日用电量（电力公司）", [("year", "年度"), ("kwh", "用电量(千瓦时)"), ("days", "有数据天数")]),
]


def profile_sections(profile: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The firm's data by department and year, as tables with Chinese headers."""
    if not profile:
        return []
    out = []
    for key, title, cols in PROFILE_SECTIONS:
        rows = profile.get(key) or []
        if not rows:
            continue
        body = []
        for r in rows:
            line = []
            for c, _ in cols:
                v = r.get(c)
                if c in ("energy_type", "kind"):
                    v = ENERGY_NAMES.get(str(v), v)
                elif c == "unit":
                    v = UNIT_NAMES.get(str(v), v)
                elif c == "above_scale" and v is not None:
                    v = "是" if v else "否"
                line.append(v)
            body.append(line)
        out.append({"title": title, "columns": [h for _, h in cols], "rows": body})
    return out


def mujun_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Chinese names of the 亩均 indicators and statuses, from the capability's own headers."""
    from zhizao import capabilities

    extra = capabilities.get("mujun").extra
    headers = extra.get("headers", {})
    names = {k.split(".", 1)[1]: v for k, v in headers.items() if k.startswith("indicators.")}
    return names, dict(extra.get("status_titles", {}))


_EXPLAIN_CACHE: dict[tuple[Any, ...], dict[str, Any] | None] = {}


def _explain(settings: Any, run_id: str | None, year: int, credit_code: str) -> dict[str, Any] | None:
    """Behind the firm's grade and what would lift it, from the carbon explanation under the
    published run's methodology. It re-reads the warehouse, so it is kept per process until
    the warehouse file changes."""
    if not run_id:
        return None
    path = Path(settings.warehouse_path)
    key = (str(settings.home), path.stat().st_mtime_ns if path.exists() else 0, run_id, credit_code)
    if key in _EXPLAIN_CACHE:
        return _EXPLAIN_CACHE[key]
    from zhizao import capabilities
    from zhizao.carbon.explain import explain
    from zhizao.engine import connect
    from zhizao.runs.registry import get

    try:
        methodology = capabilities.get("carbon").methodology_model.model_validate(get(settings, run_id).methodology)
        engine = connect(settings, "duckdb", read_only=True)
    except WAREHOUSE_BUSY as exc:
        raise busy() from exc
    try:
        result: dict[str, Any] | None = explain(engine, methodology, year, credit_code)
    except LookupError:  # the firm is no longer in the warehouse's current rows
        result = None
    finally:
        engine.close()
    if len(_EXPLAIN_CACHE) > 512:
        _EXPLAIN_CACHE.clear()
    _EXPLAIN_CACHE[key] = result
    return result


def _advice(explanation: Mapping[str, Any] | None, carbon: Mapping[str, Any] | None) -> list[str]:
    """What the firm could do, from its explanation (distance to the next grade, its largest
    emission source) and the uses of the grade (diagnosis for grades 4–5, offsets)."""
    tips: list[str] = []
    if explanation:
        nxt = explanation.get("next_grade") or {}
        if nxt.get("message"):
            tips.append(str(nxt["message"]))
        sources = [e for e in explanation.get("by_energy") or [] if e.get("counted") and (e.get("emissions_t") or 0) > 0]
        total = sum(e["emissions_t"] for e in sources)
        if sources and total > 0:
            top = max(sources, key=lambda e: e["emissions_t"])
            share = top["emissions_t"] / total * 100
            if top.get("energy_type") == "electricity":
                tips.append(f"外购电力排放占 {share:.0f}%：电机、空压机等节电改造，或增加光伏自发自用、绿电交易，可直接降低碳排放强度。")
            else:
                tips.append(f"{top.get('name') or top.get('energy_type')}燃烧排放占 {share:.0f}%：优先推进燃料替代（电能、天然气）和锅炉窑炉节能改造。")
    if carbon and carbon.get("grade") is not None:
        if int(carbon["grade"]) >= 4:
            tips.append("碳效等级为4–5级的企业可申请免费节能诊断服务。")
        if not carbon.get("neutrality_rate"):
            tips.append("尚无碳中和抵消：屋顶光伏自发自用、绿电交易和绿证可提高碳中和率。")
    return tips


@router.get("/enterprises/{credit_code}", response_class=HTMLResponse)
def firm_page(request: Request, credit_code: str, user: PageUser, session: SessionDep,
              settings: SettingsDep) -> Response:
    credit_code = credit_code.strip().upper()
    carbon_hist = publish.firm_history(session, "carbon", credit_code)
    mujun_hist = publish.firm_history(session, "mujun", credit_code)
    profile = None
    flashes = []
    try:
        profile = _firm_profile(settings, credit_code)
    except HTTPException as exc:
        if exc.status_code != 503:
            raise
        # the published results still show; the departments' data waits for the warehouse
        flashes.append(("warning", "数据仓库正在更新，各部门数据暂不可见，请稍后刷新。"))
    except WAREHOUSE_BUSY:
        flashes.append(("warning", "数据仓库正在更新，各部门数据暂不可见，请稍后刷新。"))
    ent = (profile or {}).get("enterprise") or {}
    region = ent.get("region_code") or next((r.get("region_code") for r in carbon_hist + mujun_hist if r.get("region_code")), None)
    exists = bool(ent) or bool(carbon_hist) or bool(mujun_hist)
    if not exists or not scope_of(user, session).can_see_firm(credit_code, region, what="carbon"):
        raise not_found()
    if user_attr(user, "role") == "bank":
        # a bank sees a consenting firm's carbon code only, nothing of its other data
        profile, mujun_hist = None, []
    audit_page_read(session, user, "page.enterprise", f"enterprise:{credit_code}", request)
    carbon = carbon_hist[-1] if carbon_hist else None
    mujun = mujun_hist[-1] if mujun_hist else None
    carbon_run = None
    if carbon:
        carbon_run = session.execute(select(PublishedResult.run_id).where(
            PublishedResult.method == "carbon", PublishedResult.year == carbon["year"],
            PublishedResult.credit_code == credit_code)).scalar()
    explanation = None
    if carbon and user_attr(user, "role") != "bank":
        try:
            explanation = _explain(settings, carbon_run, carbon["year"], credit_code)
        except HTTPException as exc:
            if exc.status_code != 503:
                raise
            flashes.append(("warning", "数据仓库正在更新，碳排放构成暂不可见。"))

    charts: dict[str, Any] = {}
    if carbon_hist:
        ys = [r["year"] for r in carbon_hist]
        charts["carbon_hist"] = line_option("碳排放强度与行业基准（tCO₂/万元）", ys, {
            "企业碳排放强度": [r.get("intensity") for r in carbon_hist],
            "行业基准": [r.get("benchmark_intensity") for r in carbon_hist]})
    if mujun_hist:
        ys = [r["year"] for r in mujun_hist]
        charts["mujun_hist"] = line_option("亩均效益综合得分", ys, {"综合得分": [r.get("score") for r in mujun_hist]})

    objections = []
    consents = []
    banks: list[User] = []
    own = user_attr(user, "role") == "enterprise"
    if user_attr(user, "role") in ("enterprise", "city", "district", "auditor"):
        objections = list(session.execute(select(Objection).where(Objection.credit_code == credit_code)
                                          .order_by(Objection.filed_at.desc())).scalars())
    if own:
        consents = list(session.execute(select(Consent).where(Consent.credit_code == credit_code)
                                        .order_by(Consent.granted_at.desc())).scalars())
        banks = list(session.execute(select(User).where(User.role == "bank", User.active.is_(True))
                                     .order_by(User.username)).scalars())
    objectable = []
    for method, hist in (("carbon", carbon_hist), ("mujun", mujun_hist)):
        if hist:
            objectable.append({"method": method, "year": hist[-1]["year"],
                               "label": f"{hist[-1]['year']}年 {'碳效码' if method == 'carbon' else '亩均效益评价'}"})
    return render(request, "enterprise.html", {
        "room_sections": room_profile_sections(settings, session, user, credit_code, ent),
        "breadcrumbs": [("一企一档", None), (ent.get("name") or (carbon or mujun or {}).get("name") or credit_code, None)],
        "code": credit_code, "ent": ent, "profile": profile, "carbon": carbon, "mujun": mujun,
        "carbon_hist": carbon_hist, "mujun_hist": mujun_hist, "charts": charts,
        "advice": _advice(explanation, carbon), "explanation": explanation,
        "sections": profile_sections(profile), "indicator_names": mujun_labels()[0], "unit_names": UNIT_NAMES,
        "objections": objections, "consents": consents, "banks": banks, "own": own,
        "objectable": objectable, "region_label": region_name(region),
        "industry_label": division_name(ent.get("industry_code") or (carbon or {}).get("industry_code")),
        "flashes": flashes, "today": dt.date.today().isoformat(),
        "next_year": (dt.date.today() + dt.timedelta(days=365)).isoformat(),
    }, user=user)


def room_profile_sections(settings: Any, session: Session, user: Any, credit_code: str,
                          firm: Mapping[str, Any] | None) -> list[Any]:
    """The rooms' sections of the profile (``Room.profile_section``), after the scope check, in order."""
    from zhizao import rooms
    from zhizao.web.ui import ProfileContext

    ctx = ProfileContext(settings=settings, session=session, user=user, credit_code=credit_code, firm=dict(firm or {}))
    out = []
    for _, hook in rooms.hooks("profile_section"):
        try:
            section = hook(ctx)
        except (WarehouseLocked, duckdb.IOException):
            # another process is writing the warehouse: the page shows what it can, as the core does
            continue
        if section is not None:
            out.append(section)
    return sorted(out, key=lambda s: s.order)


def _own_firm(user: Any, credit_code: str) -> None:
    if user_attr(user, "role") != "enterprise" or user_attr(user, "credit_code") != credit_code:
        raise not_found()


@router.post("/enterprises/{credit_code}/objections")
async def file_objection(request: Request, credit_code: str, user: PageUser, session: SessionDep,
                         settings: SettingsDep, csrf_token: str = Form(""), target: str = Form(""),
                         subject: str = Form(""), content: str = Form(""),
                         evidence: UploadFile | None = File(None)) -> Response:
    _own_firm(user, credit_code)
    verify_csrf(request, csrf_token)
    method, _, year_s = target.partition(":")
    if method not in ("carbon", "mujun") or not year_s.isdigit() or not subject.strip() or not content.strip():
        return RedirectResponse(f"/enterprises/{credit_code}?msg=bad_input", status_code=303)
    year = int(year_s)
    row = session.execute(select(PublishedResult).where(
        PublishedResult.method == method, PublishedResult.year == year,
        PublishedResult.credit_code == credit_code)).scalar()
    if row is None:
        return RedirectResponse(f"/enterprises/{credit_code}?msg=bad_input", status_code=303)
    if method == "mujun":
        done = await _mujun_objection(settings, year, credit_code, user, subject, content, evidence)
        if done:
            return RedirectResponse(f"/enterprises/{credit_code}?msg=objection_filed#objections", status_code=303)
    ev_name = ev_sha = ev_path = None
    if evidence is not None and evidence.filename:
        import hashlib

        data = await evidence.read()
        ev_sha = hashlib.sha256(data).hexdigest()
        ev_name = Path(evidence.filename).name[:255]
        folder = settings.home / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / f"{ev_sha}{Path(ev_name).suffix[:10]}"
        dest.write_bytes(data)
        ev_path = str(dest)
    obj = Objection(method=method, year=year, run_id=row.run_id, credit_code=credit_code,
                    region_code=row.region_code, filed_by=user_attr(user, "username"),
                    subject=subject.strip()[:200], content=content.strip(), evidence_name=ev_name,
                    evidence_sha256=ev_sha, evidence_path=ev_path)
    session.add(obj)
    session.flush()
    audit(session, user, "objection.file", f"objection:{obj.id}", request=request,
          detail={"method": method, "year": year, "credit_code": credit_code})
    session.commit()
    return RedirectResponse(f"/enterprises/{credit_code}?msg=objection_filed#objections", status_code=303)


async def _mujun_objection(settings: Any, year: int, credit_code: str, user: Any, subject: str, content: str,
                           evidence: UploadFile | None) -> bool:
    """A 亩均 objection in a year evaluated through the bureau's workflow goes through it (the
    window is enforced and the objection becomes a step of the round); False when the year has
    no round."""
    from zhizao.mujun import workflow

    try:
        workflow.status(settings, year)
    except workflow.WorkflowError:
        return False
    folder = Path(tempfile.mkdtemp())
    try:
        path = None
        if evidence is not None and evidence.filename:
            path = folder / Path(evidence.filename).name
            path.write_bytes(await evidence.read())
        workflow.add_objection(settings, year, credit_code, str(user_attr(user, "username")), subject, content, path)
    except workflow.WorkflowError as exc:
        raise PageError(status_code=409, detail=str(exc)) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return True


@router.post("/enterprises/{credit_code}/consents")
def grant_consent(request: Request, credit_code: str, user: PageUser, session: SessionDep,
                  csrf_token: str = Form(""), bank: str = Form(""), valid_to: str = Form("")) -> Response:
    _own_firm(user, credit_code)
    verify_csrf(request, csrf_token)
    bank_user = session.execute(select(User).where(User.username == bank, User.role == "bank")).scalar()
    try:
        until = dt.date.fromisoformat(valid_to)
    except ValueError:
        until = None
    if bank_user is None or until is None or until < dt.date.today():
        return RedirectResponse(f"/enterprises/{credit_code}?msg=bad_input#consents", status_code=303)
    c = Consent(credit_code=credit_code, bank_user_id=bank_user.id, scope="carbon", valid_from=dt.date.today(),
                valid_to=until, granted_by=user_attr(user, "username"))
    session.add(c)
    session.flush()
    audit(session, user, "consent.grant", f"consent:{c.id}", request=request,
          detail={"bank": bank, "credit_code": credit_code, "valid_to": until.isoformat()})
    session.commit()
    return RedirectResponse(f"/enterprises/{credit_code}?msg=consent_granted#consents", status_code=303)


@router.post("/enterprises/{credit_code}/consents/{consent_id}/revoke")
def revoke_consent(request: Request, credit_code: str, consent_id: int, user: PageUser, session: SessionDep,
                   csrf_token: str = Form("")) -> Response:
    _own_firm(user, credit_code)
    verify_csrf(request, csrf_token)
    c = session.get(Consent, consent_id)
    if c is None or c.credit_code != credit_code:
        raise not_found()
    if c.revoked_at is None:
        c.revoked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        audit(session, user, "consent.revoke", f"consent:{c.id}", request=request)
        session.commit()
    return RedirectResponse(f"/enterprises/{credit_code}?msg=consent_revoked#consents", status_code=303)


# ----------------------------------------------------------------------------- imports


def _contract_tables() -> list[tuple[str, str]]:
    from zhizao.contract import TABLES

    return [(name, t.title) for name, t in TABLES.items()]


def _batches(settings: Any) -> list[dict[str, Any]]:
    from zhizao.ingest.queries import STATUS_LABELS, list_batches

    out = []
    for b in reversed(list_batches(settings)):  # newest first
        out.append(b | {"status_label": STATUS_LABELS.get(b.get("status") or "", b.get("status") or "")})
    return out


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    forbid(user, "city", "auditor")
    audit_page_read(session, user, "page.imports", "imports", request)
    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", None)], "batches": _batches(settings), "tables": _contract_tables(),
        "result": None, "can_upload": user_attr(user, "role") == "city",
    }, user=user)


@router.get("/imports/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: int, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    forbid(user, "city", "auditor")
    audit_page_read(session, user, "page.batch", f"batch:{batch_id}", request)
    from zhizao.ingest import IngestError, rejects

    try:
        rep = rejects(settings, batch_id)
    except IngestError as exc:
        raise not_found() from exc
    batch = next((b for b in _batches(settings) if b["batch_id"] == batch_id), {})
    result = {**batch, "rejects": rep["rejects"], "rows_rejected": rep["rows_rejected"]}
    tables = dict(_contract_tables())
    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", "/imports"), (f"批次 {batch_id}", None)], "batches": None,
        "tables": list(tables.items()), "result": result, "file_name": rep.get("file") or "",
        "table_label": tables.get(rep["table"], rep["table"]), "can_upload": False,
    }, user=user)


@router.post("/imports", response_class=HTMLResponse)
async def upload(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                 csrf_token: str = Form(""), table: str = Form(""), source: str = Form(""),
                 file: UploadFile | None = File(None)) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    from zhizao.ingest import IngestError, import_file

    tables = dict(_contract_tables())
    if table not in tables or file is None or not file.filename:
        return RedirectResponse("/imports?msg=bad_input", status_code=303)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=settings.uploads_dir))
    dest = folder / Path(file.filename).name
    with dest.open("wb") as fh:
        shutil.copyfileobj(file.file, fh)
    error = None
    result = None
    try:
        result = import_file(settings, table, dest, source=source.strip() or "网页上传").to_dict()
        audit(session, user, "import.upload", f"batch:{result.get('batch_id')}", request=request,
              detail={k: result.get(k) for k in ("table", "rows_read", "rows_loaded", "rows_rejected")})
    except IngestError as exc:  # a file-level error (missing columns, unreadable file) is shown to the user
        error = str(exc)
    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", "/imports"), ("导入结果", None)], "batches": _batches(settings),
        "tables": list(tables.items()), "result": result, "error": error, "file_name": dest.name,
        "table_label": tables.get(table, table), "can_upload": True,
    }, user=user, status_code=200 if error is None else 400)


# ----------------------------------------------------------------------------- runs


def _publications(session: Session) -> dict[tuple[str, int], str]:
    """The run currently published for each (method, year): the newest publication wins."""
    current: dict[tuple[str, int], str] = {}
    for p in publish.publications(session):  # newest first
        current.setdefault((p.method, p.year), p.run_id)
    return current


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
              method: str | None = None, year: int | None = None) -> Response:
    forbid(user, "city", "auditor")
    from zhizao.runs.registry import list_runs

    try:
        runs = list(reversed(list_runs(settings, method or None, year)))
    except WAREHOUSE_BUSY as exc:
        raise busy() from exc
    audit_page_read(session, user, "page.runs", "runs", request)
    current = _publications(session)
    return render(request, "runs.html", {
        "breadcrumbs": [("评价运行", None)], "runs": runs, "published": set(current.values()),
        "method": method or "", "year": year or "",
    }, user=user)


@router.get("/runs/diff", response_class=HTMLResponse)
def runs_diff(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
              a: str = "", b: str = "") -> Response:
    forbid(user, "city", "auditor")
    audit_page_read(session, user, "page.run_diff", f"{a}..{b}", request)
    from zhizao.runs.diff import diff
    from zhizao.runs.registry import RunError

    try:
        d = diff(settings, a, b)
    except WAREHOUSE_BUSY as exc:
        raise busy() from exc
    except (RunError, ValueError) as exc:
        raise PageError(status_code=404 if isinstance(exc, RunError) else 400, detail=str(exc)) from exc
    return render(request, "run_diff.html", {
        "breadcrumbs": [("评价运行", "/runs"), (f"{a} 与 {b} 对比", None)], "d": d,
        "field_names": {"grade": "碳效等级", "level": "碳效水平", "class": "亩均分类", "status": "状态"},
    }, user=user)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    forbid(user, "city", "auditor")
    from zhizao.runs.gate import held as held_firms
    from zhizao.runs.gate import releases as gate_releases
    from zhizao.runs.registry import RunError, get, list_runs

    try:
        run = get(settings, run_id)
        siblings = [r for r in list_runs(settings, run.method, run.year) if r.run_id != run.run_id]
        held = held_firms(settings, run_id)
        released = gate_releases(settings, run.method, run.year)
    except WAREHOUSE_BUSY as exc:
        raise busy() from exc
    except RunError as exc:
        raise not_found() from exc
    audit_page_read(session, user, "page.run", f"run:{run_id}", request)
    current = _publications(session)
    history = [p for p in reversed(publish.publications(session, run.method)) if p.run_id == run_id]
    return render(request, "run.html", {
        "breadcrumbs": [("评价运行", "/runs"), (run.run_id, None)], "run": run, "siblings": siblings,
        "is_published": current.get((run.method, run.year)) == run.run_id, "history": history,
        "can_publish": user_attr(user, "role") == "city", "held": held, "released": released,
    }, user=user)


@router.post("/runs/{run_id}/publish")
def publish_run(request: Request, run_id: str, user: PageUser, session: SessionDep, settings: SettingsDep,
                csrf_token: str = Form("")) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    from zhizao.runs.registry import RunError, get
    from zhizao.store.publish import HeldFirms
    from zhizao.store.publish import publish as publish_results

    try:
        get(settings, run_id)
        session.close()  # publishing writes through its own session; do not hold a read transaction open
        publish_results(settings, run_id, user=user)
    except WAREHOUSE_BUSY as exc:
        raise busy() from exc
    except RunError as exc:
        raise not_found() from exc
    except HeldFirms as exc:
        raise PageError(status_code=409, detail=str(exc)) from exc
    return RedirectResponse(f"/runs/{run_id}?msg=published", status_code=303)
