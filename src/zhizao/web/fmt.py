"""The one formatting layer of what people read: pages, exports, reports and chart axes.

Every figure a bureau user sees goes through here, so the same value reads the same way on a
page, in an Excel export and in the PDF report:

- :func:`num`: thousands separators and fixed decimals (``2,326,995.0``); missing as "—";
- :func:`money`: an amount in 万元 shown in 万元 or, from 1 亿元 on, in 亿元 (``232.70 亿元``);
  :func:`money_parts` gives (figure, unit) for tiles and table headers;
- :func:`pct` (a value already in per cent) and :func:`ratio_pct` (a fraction: 0.181 → 18.1%);
  :func:`signed_pct` (``+5.2%`` / ``−22.9%``) and :func:`change` (``增长 5.2%`` / ``下降 22.9%``);
- :func:`date`, :func:`datetime`, :func:`month` (``2024年12月``);
- :func:`industry` (GB/T 4754 name of a class or division, never a bare code), :func:`division`,
  :func:`region` (the administrative name);
- :data:`AXIS_NUM` / :data:`AXIS_PCT`: markers put in ECharts options where a formatter
  function belongs (JSON carries no functions); ``static/js/app.js`` swaps them for the same
  rules as :func:`axis_num` (no scientific notation: 12,000 / 1.2万 / 3.4亿); :data:`PIE_LABEL`
  and :data:`PIE_TIP` for a pie's labels (``B`` over ``1,130``) and tooltip (``B：1,130（45.6%）``).

Nothing here imports the web framework: exports and reports use it as well.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from typing import Any

from zhizao import clock
from zhizao.codes import industries, regions

DASH = "—"
#: 1 亿元 = 10,000 万元
YI = 10_000.0
AXIS_NUM = "zhizao:num"
AXIS_PCT = "zhizao:pct"
PIE_LABEL = "zhizao:pie-label"
PIE_TIP = "zhizao:pie-tip"


def _float(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) or math.isinf(x) else x


def num(value: Any, digits: int = 2) -> str:
    """Thousands separators, fixed decimals (the same in a whole column: ``16,200.0`` beside
    ``13,348.8``); missing values as an em dash; Python integers without decimals."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    x = _float(value)
    if x is None:
        return value if isinstance(value, str) and value else DASH
    return f"{x:,.{max(0, digits)}f}"


def count(value: Any) -> str:
    """A number of firms, rows, people: an integer with separators."""
    x = _float(value)
    return DASH if x is None else f"{round(x):,}"


def money_parts(wan: Any, digits: int = 1) -> tuple[str, str]:
    """(figure, unit) of an amount in 万元: 亿元 from 1 亿元 on (two decimals), else 万元."""
    x = _float(wan)
    if x is None:
        return DASH, ""
    if abs(x) >= YI:
        return f"{x / YI:,.2f}", "亿元"
    return f"{x:,.{digits}f}", "万元"


def money(wan: Any, digits: int = 1) -> str:
    """An amount in 万元 with its unit: ``8,800.0 万元``, ``232.70 亿元``."""
    figure, unit = money_parts(wan, digits)
    return figure if not unit else f"{figure} {unit}"


def pct(value: Any, digits: int = 1) -> str:
    """A value already in per cent: ``18.1%``."""
    x = _float(value)
    return DASH if x is None else f"{x:,.{digits}f}%"


def ratio_pct(value: Any, digits: int = 1) -> str:
    """A fraction shown in per cent: 0.181 → ``18.1%`` (never ``0.181``)."""
    x = _float(value)
    return DASH if x is None else f"{x * 100:,.{digits}f}%"


def signed_pct(value: Any, digits: int = 1) -> str:
    """A change in per cent with its sign: ``+5.2%``, ``−22.9%`` (a true minus sign)."""
    x = _float(value)
    if x is None:
        return DASH
    if round(x, digits) == 0:
        return f"{0:.{digits}f}%"
    return f"{'+' if x > 0 else '−'}{abs(x):,.{digits}f}%"


def change(value: Any, digits: int = 1, up: str = "增长", down: str = "下降") -> str:
    """A change in per cent in words: ``增长 5.2%``, ``下降 22.9%``, ``持平``."""
    x = _float(value)
    if x is None:
        return DASH
    if round(x, digits) == 0:
        return "持平"
    return f"{up if x > 0 else down} {abs(x):,.{digits}f}%"


def date(value: Any) -> str:
    """``2024-12-01`` for a date, datetime or ISO text."""
    if value is None or value == "":
        return DASH
    moment = clock.parse(value)
    if moment is not None:
        return f"{clock.local(moment):%Y-%m-%d}"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)[:10]


def datetime(value: Any) -> str:
    """``2024-12-01 14:30`` on the city's clock (:mod:`zhizao.clock`: stored times are UTC;
    minutes, no seconds, no time zone suffix)."""
    if value is None or value == "":
        return DASH
    moment = clock.parse(value)
    if moment is not None:
        return clock.minutes(moment)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value).replace("T", " ")[:16]


def month(value: Any) -> str:
    """``2024-12`` (or a date) → ``2024年12月``."""
    if value is None or value == "":
        return DASH
    if isinstance(value, _dt.date):
        return f"{value.year}年{value.month}月"
    text = str(value)
    if len(text) >= 7 and text[4] == "-" and text[:4].isdigit() and text[5:7].isdigit():
        return f"{int(text[:4])}年{int(text[5:7])}月"
    return text


def industry(code: Any) -> str:
    """The GB/T 4754 name of a class, group or division code (``1761`` → its class name); an
    unknown code falls back to its division's name, and only then to ``行业（代码）``."""
    c = str(code or "").strip()
    if not c:
        return DASH
    found = industries.name(c)
    if found:
        return found
    div = industries.name(c[:2]) if len(c) >= 2 else None
    return div or f"其他行业（{c}）"


def division(code: Any) -> str:
    """The name of the division (行业大类) a class or division code belongs to."""
    c = str(code or "").strip()
    return industry(c[:2]) if c else DASH


def region(code: Any) -> str:
    """The administrative name of a region code (``330502`` → 吴兴区)."""
    c = str(code or "").strip()
    if not c:
        return DASH
    try:
        return regions.name(c) or f"其他地区（{c}）"
    except Exception:  # a malformed code still reads as a place, not a crash
        return f"其他地区（{c}）"


def _significant(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits in fixed notation with separators (never ``1e+04``)."""
    if x == 0:
        return "0"
    places = min(6, max(0, digits - 1 - math.floor(math.log10(abs(x)))))
    text = f"{x:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def axis_num(value: Any) -> str:
    """The label of a value on a chart axis (the Python twin of ``app.js``' formatter): whole
    numbers with separators below 100,000, then ``12.3万`` and ``1.2亿``; never ``1e+5``."""
    x = _float(value)
    if x is None:
        return ""
    a = abs(x)
    if a >= 1e8:
        return f"{_significant(x / 1e8)}亿"
    if a >= 1e5:
        return f"{_significant(x / 1e4)}万"
    if x.is_integer():
        return f"{x:,.0f}"
    return _significant(x)


def value_axis(unit: str = "", pct_axis: bool = False, **extra: Any) -> dict[str, Any]:
    """An ECharts value axis whose labels follow :func:`axis_num` (or per cents); the unit sits
    above the axis, left-aligned, clear of a centred chart title."""
    axis: dict[str, Any] = {"type": "value", "axisLabel": {"formatter": AXIS_PCT if pct_axis else AXIS_NUM},
                            "scale": False}
    right = extra.get("position") == "right"
    if unit:
        axis.update(name=unit, nameLocation="end", nameGap=8,
                    nameTextStyle={"align": "right" if right else "left", "color": "#556"})
    axis.update(extra)
    return axis


def table_title(name: Any) -> str:
    """The Chinese title of a contract table (``statistics_annual`` → 统计年报)."""
    from zhizao.contract.tables import TABLES

    t = TABLES.get(str(name or ""))
    return t.title if t is not None else "其他数据"


def field_label(table: Any, field: Any) -> str:
    """A contract field in words, never ``table.column``: ``energy`` + ``electricity（千瓦时，当月）``
    → ``能源消费·电力（千瓦时，当月）``; ``statistics_annual`` + ``gross_output`` → ``统计年报·工业总产值``.
    A column name is replaced by its header, an enumerated value (an energy kind) by its Chinese
    name; a note in brackets is kept."""
    from zhizao.contract.tables import TABLES

    text = str(field or "")
    base, bracket, rest = text.partition("（")
    t = TABLES.get(str(table or ""))
    label = base
    if t is not None:
        for c in t.columns:
            if c.name == base:
                label = c.header
                break
            if base in c.values:
                label = c.values[base][0]
                break
    if label.isascii() and label:  # unknown: never show the internal name
        label = "数据项"
    return f"{table_title(table)}·{label}{bracket}{rest}"


def methodology(ref: Any) -> str:
    """A methodology named for people: its title and version year (``zhejiang-carbon@2024`` →
    ``浙江省工业碳效码评价办法（2024 版）``), never its internal id."""
    text = str(ref or "").strip()
    if not text:
        return DASH
    name, _, version = text.partition("@")
    for m_name, m_version, title in _methodologies():
        if m_name == name and (not version or m_version == version):
            return title if not m_version or m_version in title else f"{title}（{m_version} 版）"
    return f"评价办法（{version} 版）" if version.isdigit() else "评价办法"


def load() -> None:
    """Read now what the names above read on their first use (the shipped methodologies' titles,
    the region and industry code tables): a web process before its first visit."""
    _methodologies()
    region("330000")
    division("13")


@functools.lru_cache(maxsize=1)
def _methodologies() -> tuple[tuple[str, str, str], ...]:
    try:
        from zhizao.methodology.loader import shipped

        return tuple((e.methodology.name, str(e.methodology.version), str(e.methodology.title)) for e in shipped())
    except Exception:  # an unreadable methodology folder must not break a page
        return ()


def method_title(method: Any) -> str:
    """The Chinese title of an evaluation method (``carbon`` → 工业碳效码)."""
    try:
        from zhizao import capabilities

        return str(capabilities.get(str(method)).title)
    except Exception:  # an unknown or retired method
        return "评价"


def run_label(run_id: Any) -> str:
    """A run named for people: ``carbon-2024-0002`` → ``工业碳效码 2024年 第2次计算``; an id of
    another shape is shown as it is (it is what the command line takes)."""
    text = str(run_id or "")
    parts = text.rsplit("-", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return f"{method_title(parts[0])} {parts[1]}年 第{int(parts[2])}次计算"
    return text or DASH


ENGINES = {"duckdb": "单机引擎", "spark": "集群引擎", "postgres": "数据库引擎"}


def engine(name: Any) -> str:
    return ENGINES.get(str(name or "").lower(), "计算引擎")


def column_header(table: Any, column: Any) -> str:
    """The Chinese header of a contract column (``tax`` + ``tax_paid`` → 实缴税金)."""
    from zhizao.contract.tables import TABLES

    t = TABLES.get(str(table or ""))
    if t is not None:
        for c in t.columns:
            if c.name == column:
                return c.header
    return "数据项" if str(column or "").isascii() else str(column)


def enum_name(table: Any, column: Any, value: Any) -> str:
    """The Chinese name of an enumerated value of a contract column (``emissions.pollutant`` =
    ``cod`` → 化学需氧量 when its first spelling is Latin, else that spelling)."""
    from zhizao.contract.tables import TABLES

    t = TABLES.get(str(table or ""))
    if t is not None and value is not None:
        for c in t.columns:
            if c.name == column and str(value) in c.values:
                names = c.values[str(value)]
                return next((n for n in names if not n.isascii()), names[0])
    return DASH if value is None else str(value)


_RUN_ID = re.compile(r"\b([a-z][a-z_]*)-(\d{4})-(\d{4})\b")
_METHODOLOGY_REF = re.compile(r"\b([a-z][a-z0-9_]*(?:-[a-z0-9_]+)*)@(\d{4}[a-z0-9.\-]*)")


def person(username: Any, people: Any = None) -> str:
    """Who did something, as the pages name them: the account's display name from ``people``
    (:func:`zhizao.store.accounts.labels`), else the username; "—" for nobody."""
    name = str(username or "")
    return str((people or {}).get(name) or name or "—")


def plain(text: Any) -> str:
    """Provenance text (kept exact in the API and the command line) read by people: run ids and
    methodology refs become their names (``运行 carbon-2024-0001（方法论 zhejiang-carbon@2024）``
    → ``运行 工业碳效码 2024年 第1次计算（方法论 浙江省工业碳效码…）``)."""
    s = str(text or "")
    s = _METHODOLOGY_REF.sub(lambda m: methodology(m.group(0)), s)
    return _RUN_ID.sub(lambda m: run_label(m.group(0)), s)
