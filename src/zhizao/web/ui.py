"""The page kit: what every page (the core's and the rooms') is built from, and no routes.

- errors: :class:`PageError` (a Chinese error page), :func:`not_found`, :func:`busy`, :func:`forbid`;
- scope: :func:`scope_of`, :func:`region_scope`, :func:`audit_page_read`;
- published results: :func:`pick_year`, :func:`filters`, :func:`distribution`;
- sorting and paging of the whole result (``zhizao.web.listing``): :class:`Sorts`,
  :class:`Sort`, :func:`listing` (a :class:`Listing` for the ``m.sort_th`` / ``m.lpager``
  macros), :func:`sort_rows` for a room's in-memory list, :func:`pages_of`, :func:`query_string`;
- formatting (``zhizao.web.fmt``, also as Jinja filters ``num``, ``money``, ``pct``,
  ``ratio_pct``, ``signed_pct``, ``change``, ``date``, ``month``, ``industry``, ``region``…):
  ``fmt`` itself, :func:`region_name`, :func:`division_name`, :func:`industry_name`;
- ECharts options: :func:`pie_option`, :func:`stacked_bar_option`, :func:`line_option`,
  :func:`bar_option`, :func:`outcome_series`;
- what rooms contribute to the core's pages, and what they are handed: a room's
  ``profile_section`` hook is called as ``f(ctx: ProfileContext)`` when a firm's profile
  (一企一档) is shown, after the scope check, and returns ``None`` (nothing to show to this user)
  or a :class:`Section`. A room's ``cockpit_tiles`` hook is called as ``f(ctx: CockpitContext)``
  and returns a list of :class:`Tile`. Hooks read what publishing prepared; they never compute a
  whole evaluation on the request.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import duckdb
from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from zhizao.engine.warehouse import WarehouseBusy, WarehouseMissing
from zhizao.store import publish
from zhizao.web import fmt
from zhizao.web.deps import Scope, audit
from zhizao.web.fmt import AXIS_NUM, PIE_LABEL, PIE_TIP, value_axis
from zhizao.web.listing import PAGE_SIZE, Listing, Sort, Sorts, listing, pages_of, paging, sort_rows
from zhizao.web.templating import user_attr

__all__ = ["PAGE_SIZE", "Listing", "Sort", "Sorts", "fmt", "listing", "pages_of", "paging", "sort_rows",
           "value_axis"]
#: the warehouse is being written: by the CLI in another process (a file lock), or by an upload
#: in this one (DuckDB will not open one file read-only and read-write in the same process)
WAREHOUSE_BUSY = (duckdb.IOException, duckdb.ConnectionException, WarehouseBusy)
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

BUSY_TEXT = "数据仓库正在更新（导入或计算中），请稍后再试"
MISSING_TEXT = "尚未导入数据，暂无可显示的内容"


def not_found() -> PageError:
    return PageError(status_code=404, detail=ERROR_TEXT[404][1])


def busy(exc: BaseException) -> HTTPException:
    """The page's answer to ``exc``, one of :data:`WAREHOUSE_BUSY`: the Chinese 503 of a warehouse
    being written (the page can be reloaded in a moment), or for :class:`WarehouseMissing`
    (nothing imported yet) a Chinese 404."""
    if isinstance(exc, WarehouseMissing):
        return HTTPException(status_code=404, detail=MISSING_TEXT)
    return HTTPException(status_code=503, detail=BUSY_TEXT, headers={"Retry-After": "5"})


def forbid(user: Any, *roles: str) -> None:
    """A 403 page unless the user has one of ``roles``."""
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


def is_city_region(code: str | None) -> bool:
    """City-level rows carry the prefecture code (``3305`` + ``00``)."""
    return bool(code) and str(code).endswith("00")


# ----------------------------------------------------------------------------- published results


def pick_year(session: Session, method: str, requested: int | None) -> tuple[int | None, list[int]]:
    """The year asked for when it is published, else the latest published; and every published year."""
    years = publish.published_years(session, method)
    if requested in years:
        return requested, years
    return (years[-1] if years else None), years


def filters(scope: Scope, what: str, region: str | None = None, industry: str | None = None,
            outcome: str | None = None, q: str | None = None) -> publish.Filters:
    return publish.Filters(region_code=region or None, industry_code=industry or None, outcome=outcome or None,
                           q=q or None, extra=scope.firm_filter(what=what))


def distribution(session: Session, method: str, year: int, f: publish.Filters,
                 by: str | None = None) -> dict[Any, Counter[str | None]]:
    """Counts of outcomes (grade or class; None: vetoed or no outcome), optionally by region or
    2-digit industry division."""
    out: dict[Any, Counter[str | None]] = defaultdict(Counter)
    for r in publish.distribution(session, method, year, by=by or "outcome", filters=f):
        key = r.get("region_code") if by == "region" else r.get("division") if by == "industry" else None
        out[key][r["outcome"]] += int(r["n"])
    return out


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# ----------------------------------------------------------------------------- names


def region_name(code: str | None) -> str:
    return fmt.region(code)


def division_name(code: str | None) -> str:
    """The GB/T 4754 division (行业大类) name of a class or division code."""
    return fmt.division(code)


def industry_name(code: str | None) -> str:
    """The GB/T 4754 name of a class (or division) code, never the bare code."""
    return fmt.industry(code)


# ----------------------------------------------------------------------------- chart options

PALETTE = ["#0b5cad", "#38a169", "#e3b505", "#ed8936", "#d62828", "#805ad5", "#319795", "#718096"]


def pie_option(title: str, data: Mapping[str, float], colours: Mapping[str, str] | None = None) -> dict[str, Any]:
    items = []
    for name, value in data.items():
        item: dict[str, Any] = {"name": str(name), "value": value}
        if colours and name in colours:
            item["itemStyle"] = {"color": colours[name]}
        items.append(item)
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": PIE_TIP},
        "legend": {"bottom": 0, "type": "scroll"},
        # the ring sits between the title and the legend: on a phone a small slice's label at the
        # top ran into the title
        "series": [{"type": "pie", "radius": ["35%", "65%"], "top": 36, "bottom": 28, "data": items,
                    "label": {"formatter": PIE_LABEL}}],
    }


def _category_axis(categories: list[Any], horizontal: bool) -> dict[str, Any]:
    """A bar chart's category axis: long names (industries) wrap onto a second line, never cut
    off (the tooltip shows them whole); down the side when ``horizontal``, where a phone has room
    for them, slanted under the bars otherwise."""
    label = ({"interval": 0, "width": 110, "overflow": "break", "fontSize": 11, "lineHeight": 13} if horizontal
             else {"interval": 0, "rotate": 30, "width": 90, "overflow": "break"})
    return {"type": "category", "data": [str(c) for c in categories], "axisLabel": label}


def stacked_bar_option(title: str, categories: list[str], series: Mapping[str, Sequence[float]],
                       colours: Mapping[str, str] | None = None, horizontal: bool = False) -> dict[str, Any]:
    cat_axis = _category_axis(categories, horizontal)
    val_axis = value_axis(minInterval=1)
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}, "valueFormatter": AXIS_NUM},
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
        "tooltip": {"trigger": "axis", "valueFormatter": AXIS_NUM},
        "legend": {"bottom": 0},
        "grid": {"left": 10, "right": 24, "top": 56 if unit else 40, "bottom": 64 if many else 40,
                 "containLabel": True},
        "xAxis": {"type": "category", "data": [str(v) for v in x], "boundaryGap": False},
        "yAxis": value_axis(unit),
        "series": [{"name": name, "type": "line", "data": vals, "smooth": False, "symbolSize": 7}
                   for name, vals in series.items()],
        "color": PALETTE,
    }


def bar_option(title: str, x: list[Any], values: list[Any], unit: str = "", colour: str = "#0b5cad",
               horizontal: bool = False) -> dict[str, Any]:
    cat_axis = _category_axis(x, horizontal)
    val_axis = value_axis(unit)
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "valueFormatter": AXIS_NUM},
        "grid": {"left": 10, "right": 24, "top": 56 if unit else 40, "bottom": 30, "containLabel": True},
        "xAxis": val_axis if horizontal else cat_axis,
        "yAxis": cat_axis if horizontal else val_axis,
        "series": [{"type": "bar", "data": values, "itemStyle": {"color": colour}}],
    }


def outcome_series(dist: Mapping[Any, Counter[str | None]], keys: list[Any],
                   outcomes: Mapping[str, str] | None = None) -> dict[str, list[int]]:
    """Per outcome (``outcomes``: outcome → series label; default every outcome seen, sorted),
    the counts of each key of ``dist``: the series of a stacked bar."""
    if outcomes is None:
        outcomes = {c: c for c in sorted({c for cnt in dist.values() for c in cnt if c})}
    return {label: [int(dist.get(k, Counter()).get(o, 0)) for k in keys] for o, label in outcomes.items()}


def top_keys(dist: Mapping[Any, Counter[str | None]], n: int = 12) -> list[Any]:
    """The ``n`` keys with the most firms (the divisions shown on a chart)."""
    return sorted((k for k in dist if k), key=lambda k: -sum(dist[k].values()))[:n]


# ----------------------------------------------------------------------------- room hooks


@dataclass(frozen=True)
class ProfileContext:
    settings: Any
    #: the store session of the request (SQLAlchemy ``Session``)
    session: Any
    #: the logged-in user (role, region_code, credit_code, username)
    user: Any
    credit_code: str
    #: the firm's basic attributes from the warehouse: name, region_code, industry_code, …
    firm: dict[str, Any]
    #: the year chosen on the page (None = the latest the room has)
    year: int | None = None
    #: the firm's district (from the warehouse, else from its published results)
    region: str | None = None
    #: the firm's data by department and year (``zhizao.web.profile.firm_profile``), None when the
    #: warehouse has none or is being written
    data: dict[str, Any] | None = None

    @property
    def role(self) -> str:
        return str(getattr(self.user, "role", None) or (self.user or {}).get("role", ""))


@dataclass(frozen=True)
class Section:
    """One room's part of the firm profile: a card headed by ``title`` (with the id ``anchor``)
    in which ``template`` is rendered with ``section`` = ``context``. A chart goes in
    ``context["chart"]`` (an ECharts option): the page then loads the chart library."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    #: position on the page (lower first); carbon 10, 亩均 20, …
    order: int = 100
    #: the anchor id of the section (for links from elsewhere)
    anchor: str = ""
    #: warnings shown at the top of the page (e.g. part of the section waits for the warehouse)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CockpitContext:
    settings: Any
    session: Any
    user: Any
    #: the district the user sees (None = the whole city)
    region: str | None
    year: int | None = None


@dataclass(frozen=True)
class Tile:
    """A cockpit figure: ``value`` already formatted for display (with separators), its unit.

    A tile with a ``value`` is a figure in the row of key figures; a tile with a ``chart`` is a
    chart card (``key`` its stable id); a tile with only a ``note`` is a warning at the top;
    ``by_region`` adds columns to the cockpit's per-district table (column → region → value)."""

    title: str
    value: str = ""
    unit: str = ""
    href: str | None = None
    note: str = ""
    order: int = 100
    #: an ECharts option for a small chart under the figure (optional)
    chart: dict[str, Any] | None = None
    key: str = ""
    by_region: dict[str, dict[str, Any]] | None = None
