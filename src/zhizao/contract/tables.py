"""One declaration per exchange table of CONTRACT.md.

This module is the single source for the importer (headers, types, units, checks), the
warehouse schema (``fact_<table>`` columns) and the contract reference in ``docs/``.

Column types:

- ``text``: trimmed string; ``code`` text checked against a code list (``check``)
- ``int`` / ``float``: numbers; thousands separators allowed; ``unit`` gives the family
  and canonical unit, a unit stated in the header is converted
- ``date`` (``2024-03-31``, ``2024/3/31``, ``20240331``, Excel date), ``month``
  (``2024-03``, ``2024年3月``, ``202403``; stored as the first day of the month), ``year``
- ``bool``: 是/否, Y/N, true/false, 1/0
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "code", "int", "float", "date", "month", "year", "bool"]


#: the largest magnitude a ``float`` cell may have in its canonical unit (``out_of_range`` from
#: it): 10¹⁵ kWh is a hundred times the nation's yearly electricity, so no firm's figure comes
#: near it, while the methods' exact sums (zhizao.sums, DECIMAL(38,12)) hold any sum of such
#: values without overflowing
MAX_MAGNITUDE = 1e15


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: ColumnType
    doc: str
    required: bool = True
    #: unit family (see units.FAMILIES); the canonical unit is that family's
    unit_family: str | None = None
    #: the column's value must not be negative
    non_negative: bool = False
    #: ``credit_code``, ``region`` (county), ``region_any`` (city or county), ``industry``, ``division`` or ``enum``
    check: str | None = None
    #: for ``enum``: canonical value → accepted spellings (Chinese name first)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: other accepted header spellings
    aliases: tuple[str, ...] = ()
    #: an upper bound that depends on another (enum) column of the same row: ``(column, {value:
    #: bound})``, e.g. a percentage indicator's value must not exceed 100 (reject ``out_of_range``)
    max_by: tuple[str, dict[str, float]] | None = None
    #: for ``date``: a date after the day of the import is rejected (``future_date``)
    not_future: bool = False
    #: the value must be a key of the current rows of this table (one-column key), else
    #: ``unknown_reference`` (e.g. a milestone naming a project that was never imported)
    references: str | None = None


@dataclass(frozen=True)
class RowWarning:
    """A consistency check whose rows are loaded but flagged in the import's warnings.

    ``sql`` selects ``(_row, message)`` from the temporary table ``staged`` of the import (typed
    values ``p_<column>``, reject code ``_err``: only rows with ``_err IS NULL`` are loaded) and
    may read the warehouse's current views; ``column`` names the cell the warning is about."""

    code: str
    column: str
    sql: str


@dataclass(frozen=True)
class RowCheck:
    """A check across the cells of one row, run after every cell parsed: ``condition`` is a DuckDB
    SQL predicate over the typed values ``p_<column>`` that is true for a *bad* row. The reject
    names ``column`` with ``code`` and ``message`` (Chinese; ``{value}`` is replaced by that
    cell as written). Skipped when a column in ``columns`` is not in the file."""

    column: str
    code: str
    condition: str
    message: str
    columns: tuple[str, ...]
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    source: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str = ""
    #: for tables whose quantity has a per-row unit: (unit column, quantity column, kind column);
    #: the family of each row's unit is given by the kind (see ``UNIT_FAMILY_BY_KIND``)
    row_unit: tuple[str, str, str] | None = None
    #: checks that flag loaded rows without rejecting them (see :class:`RowWarning`)
    warnings: tuple[RowWarning, ...] = ()
    #: checks across a row's cells (a share above 100 %, an end date before its start)
    row_checks: tuple[RowCheck, ...] = ()
    #: every version of its rows is read by a method (a re-plan judged by the plan in force on
    #: each day): the warehouse's ``history_<name>`` view, superseded rows too with the day their
    #: batch was imported, kept in the lake beside the current rows
    history: bool = False

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


CREDIT = Column("credit_code", "统一社会信用代码", "code", "18-character unified social credit code (GB 32100)",
                check="credit_code", aliases=("信用代码", "社会信用代码"))
YEAR = Column("year", "年度", "year", "calendar year", aliases=("年份",))
MONTH = Column("month", "月份", "month", "calendar month, stored as its first day", aliases=("月度",))


def _money(name: str, header: str, doc: str, required: bool = True, non_negative: bool = True) -> Column:
    return Column(name, header, "float", doc, required=required, unit_family="money", non_negative=non_negative)


def _flag(name: str, header: str, doc: str) -> Column:
    return Column(name, header, "bool", doc, required=False)


ENERGY_TYPES: dict[str, tuple[str, ...]] = {
    "electricity": ("电力", "电", "外购电力"),
    "raw_coal": ("原煤", "煤炭", "煤"),
    "coke": ("焦炭",),
    "crude_oil": ("原油",),
    "fuel_oil": ("燃料油",),
    "gasoline": ("汽油",),
    "diesel": ("柴油",),
    "lpg": ("液化石油气",),
    "natural_gas": ("天然气",),
    "heat": ("热力", "外购热力", "蒸汽"),
    # extensions (documented in docs/contract.md): exports are netted, biomass is reported apart
    "exported_electricity": ("外送电力", "上网电量"),
    "exported_heat": ("外供热力",),
    "biomass": ("生物质", "生物质燃料"),
}

ZERO_CARBON_KINDS: dict[str, tuple[str, ...]] = {
    "pv_self_use": ("光伏自发自用", "分布式光伏自用"),
    "green_power": ("绿电交易", "绿电"),
    "green_certificate": ("绿证",),
    "sink": ("碳汇",),
}

POLLUTANTS: dict[str, tuple[str, ...]] = {
    "cod": ("COD", "化学需氧量"),
    "ammonia_nitrogen": ("氨氮", "NH3-N"),
    "so2": ("二氧化硫", "SO2"),
    "nox": ("氮氧化物", "NOx"),
}

TENURES: dict[str, tuple[str, ...]] = {"owned": ("自有",), "leased": ("租赁", "租用")}

#: unit family of a row's quantity, by its kind
UNIT_FAMILY_BY_KIND: dict[str, str] = {
    "electricity": "electricity",
    "exported_electricity": "electricity",
    "raw_coal": "mass",
    "coke": "mass",
    "crude_oil": "mass",
    "fuel_oil": "mass",
    "gasoline": "mass",
    "diesel": "mass",
    "lpg": "mass",
    "biomass": "mass",
    "natural_gas": "volume",
    "heat": "heat",
    "exported_heat": "heat",
    "pv_self_use": "electricity",
    "green_power": "electricity",
    "green_certificate": "electricity",
    "sink": "mass",
}

class _Registry(MutableMapping[str, Table]):
    """Every table of the contract by name: the core's (declared below, at import), then each
    room's (``Room.tables``), added on the first read: importing the contract (``zhizao
    batches`` does, through the warehouse module) imports no room's table module. The first
    read happens under a lock, so that no thread of a server sees the core's tables alone."""

    def __init__(self) -> None:
        self._tables: dict[str, Table] = {}
        self._lock = threading.RLock()
        self._complete = False
        self._adding = False

    def _all(self) -> dict[str, Table]:
        if self._complete:
            return self._tables
        with self._lock:
            if not self._complete and not self._adding:  # _adding: the rooms' tables are being added by this thread
                before = set(self._tables)
                self._adding = True
                try:
                    _add_room_tables()
                except BaseException:
                    for name in set(self._tables) - before:
                        del self._tables[name]
                    raise
                finally:
                    self._adding = False
                self._complete = True
        return self._tables

    def __getitem__(self, name: str) -> Table:
        return self._all()[name]

    def __setitem__(self, name: str, table: Table) -> None:
        self._tables[name] = table

    def __delitem__(self, name: str) -> None:
        del self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, name: object) -> bool:
        return name in self._all()

    def __repr__(self) -> str:
        return f"TABLES({list(self)!r})"


#: every table of the contract: the core's below, then each room's (``Room.tables``, on first use)
TABLES: MutableMapping[str, Table] = _Registry()


def _add(t: Table) -> Table:
    TABLES[t.name] = t
    return t


ENTERPRISES = _add(Table(
    "enterprises", "企业名录", "市场监管 / 经信", ("credit_code",),
    (
        CREDIT,
        Column("name", "企业名称", "text", "registered name", aliases=("名称",)),
        Column("region_code", "行政区划代码", "code", "6-digit GB/T 2260 county code", check="region",
               aliases=("区划代码", "所属区县代码")),
        Column("industry_code", "行业代码", "code", "4-digit GB/T 4754-2017 class", check="industry",
               aliases=("国民经济行业代码", "行业小类代码")),
        Column("founded_on", "成立日期", "date", "date of establishment"),
        Column("township", "乡镇街道", "text", "township or street", required=False),
        Column("park", "园区", "text", "industrial park", required=False),
    ),
    doc="The firms the platform knows; every other table's credit_code must be one of these.",
))

STATISTICS_ANNUAL = _add(Table(
    "statistics_annual", "统计年报", "统计", ("credit_code", "year"),
    (
        CREDIT, YEAR,
        Column("above_scale", "是否规上", "bool", "above designated size (main revenue ≥ 2000万)"),
        _money("gross_output", "工业总产值", "gross industrial output, current prices"),
        _money("value_added", "工业增加值", "industrial value added, current prices", non_negative=False),
        _money("revenue", "营业收入", "operating (main business) revenue", ),
        Column("employees", "年平均从业人员", "int", "average employees", unit_family="count", non_negative=True),
        _money("rd_expense", "研发费用", "R&D expenditure"),
        _money("total_assets", "资产总计", "total assets", required=False),
        _money("total_liabilities", "负债合计", "total liabilities", required=False),
        _flag("strategic_emerging", "是否战略性新兴产业", "overrides the industry-code mapping"),
        _flag("high_tech", "是否高新技术产业", "overrides the industry-code mapping"),
        _flag("equipment", "是否装备制造业", "overrides the industry-code mapping"),
        _flag("digital_core", "是否数字经济核心产业", "overrides the industry-code mapping"),
    ),
))

STATISTICS_MONTHLY = _add(Table(
    "statistics_monthly", "统计月报", "统计", ("credit_code", "month"),
    (
        CREDIT, MONTH,
        _money("gross_output", "工业总产值", "that month's gross output"),
        _money("value_added", "工业增加值", "that month's value added", non_negative=False),
        _money("revenue", "营业收入", "that month's revenue"),
    ),
))

PRICE_INDICES = _add(Table(
    "price_indices", "工业生产者出厂价格指数", "统计", ("year", "division"),
    (
        YEAR,
        Column("division", "行业大类", "code", "2-digit GB/T 4754 division", check="division",
               aliases=("行业大类代码",)),
        Column("index", "出厂价格指数", "float", "producer price index, previous year = 100", non_negative=True),
    ),
))

TAX = _add(Table(
    "tax", "税收", "税务", ("credit_code", "year"),
    (CREDIT, YEAR, _money("tax_paid", "实缴税金", "taxes actually paid", non_negative=False)),
))

ENERGY = _add(Table(
    "energy", "能源消费", "电力 / 能源", ("credit_code", "month", "energy_type"),
    (
        CREDIT, MONTH,
        Column("energy_type", "能源品种", "code", "energy type (code or Chinese name)", check="enum",
               values=ENERGY_TYPES),
        Column("quantity", "消费量", "float", "quantity, converted to the type's canonical unit "
               "(kWh, t, m³, GJ)", non_negative=True),
        Column("unit", "计量单位", "text", "unit of quantity as given; stored as the canonical unit"),
    ),
    row_unit=("unit", "quantity", "energy_type"),
))

ZERO_CARBON = _add(Table(
    "zero_carbon", "零碳电力与碳汇", "电力 / 林业", ("credit_code", "month", "kind"),
    (
        CREDIT, MONTH,
        Column("kind", "类别", "code", "pv_self_use, green_power, green_certificate, sink", check="enum",
               values=ZERO_CARBON_KINDS),
        Column("quantity", "数量", "float", "kWh for power, t CO2 for sinks", non_negative=True),
        Column("unit", "计量单位", "text", "unit as given; stored as the canonical unit"),
    ),
    row_unit=("unit", "quantity", "kind"),
))

LAND = _add(Table(
    "land", "用地", "自然资源", ("credit_code", "year", "parcel_id"),
    (
        CREDIT, YEAR,
        Column("parcel_id", "宗地编号", "text", "parcel number"),
        Column("area_mu", "用地面积", "float", "area in 亩", unit_family="area", non_negative=True),
        Column("tenure", "权属", "code", "自有 / 租赁", check="enum", values=TENURES),
    ),
))

EMISSIONS = _add(Table(
    "emissions", "主要污染物排放", "生态环境", ("credit_code", "year", "pollutant"),
    (
        CREDIT, YEAR,
        Column("pollutant", "污染物", "code", "COD, 氨氮, 二氧化硫, 氮氧化物", check="enum", values=POLLUTANTS),
        Column("quantity", "排放量", "float", "emissions in t", unit_family="mass", non_negative=True),
    ),
))

POWER_DAILY = _add(Table(
    "power_daily", "日用电量", "电力", ("credit_code", "date"),
    (
        CREDIT,
        Column("date", "日期", "date", "day"),
        Column("kwh", "用电量", "float", "electricity used that day, kWh", unit_family="electricity",
               non_negative=True),
    ),
))

BENCHMARKS = _add(Table(
    "benchmarks", "行业基准碳排放强度", "经信 / 省级公布", ("industry_code", "year"),
    (
        Column("industry_code", "行业代码", "text", "GB/T 4754-2017 code at the carbon methodology's benchmark "
               "level: 2-digit division, 3-digit group or 4-digit class", aliases=("对标行业代码",)),
        YEAR,
        Column("intensity", "基准碳排放强度", "float", "published industry benchmark L̄, tCO2 per 万元 value added",
               non_negative=True, aliases=("基准强度", "行业基准强度")),
        Column("source", "来源", "text", "the publication the value comes from (title, issuer, date)",
               aliases=("数据来源",)),
    ),
    doc="Published industry benchmarks of the carbon-efficiency code (e.g. a province's L̄ by division). "
        "Used instead of the city's own when the carbon methodology says `benchmark.origin: imported` "
        "and lists no values of its own.",
))

PROVINCE_INDICATORS = _add(Table(
    "province_indicators", "全省比较指标", "省统计局 / 省经信厅", ("year", "indicator", "region_code"),
    (
        YEAR,
        Column("indicator", "指标", "text", "an economy indicator id of `zhizao indicators` (e.g. "
               "`value_added_growth`)", aliases=("指标代码",)),
        Column("region_code", "行政区划代码", "code", "the city (or county) compared, 6-digit GB/T 2260",
               check="region_any", aliases=("地区代码",)),
        Column("province_value", "全省平均", "float", "the province's figure of the indicator, in its unit",
               non_negative=False, aliases=("全省数值", "全省值")),
        Column("rank", "全省排名", "int", "the region's rank in the province (1 = highest)", required=False,
               non_negative=True, aliases=("全省位次",)),
        Column("regions", "参与排名地区数", "int", "how many regions were ranked", required=False,
               non_negative=True),
    ),
    doc="Optional: the province's published figures, so the five-year review can compare "
        "(\"高于全省平均0.8个百分点，居全省第3位\"). Without rows the review makes no comparison.",
))


def get(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"未知数据表: {name}（可用: {', '.join(TABLES)}）") from None


def _add_room_tables() -> None:
    """The tables rooms add to the contract (``Room.tables``), after the core's, registry order.

    Called on the first read of :data:`TABLES`, after this module is complete: a room's table
    module imports ``Column``/``Table`` and the shared columns from it."""
    from zhizao import rooms

    for room, tables in rooms.contributions("tables"):
        for t in tables:
            if t.name in TABLES:
                raise ValueError(f"功能模块 {room.name} 的数据表 {t.name} 与已有数据表重名")
            _add(t)


def source_label(table: str, field: str) -> str:
    """A table's column as a department reads it: ``统计年报·工业增加值（万元）`` (the names
    themselves when the contract has no such column)."""
    from zhizao.contract import units as _units

    t = TABLES.get(table)
    if t is None:
        return f"{table}·{field}"
    try:
        c = t.column(field)
    except KeyError:
        return f"{t.title}·{field}"
    unit = ""
    if c.unit_family and c.unit_family != "ratio":
        canonical = _units.FAMILIES[c.unit_family].canonical
        unit = {"t": "吨", "kWh": "千瓦时", "m³": "立方米", "GJ": "吉焦"}.get(canonical, canonical)
    elif t.row_unit and field == t.row_unit[1] and table == "energy":
        unit = "千瓦时"  # the electricity rows the checks compare
    return f"{t.title}·{c.header}" + (f"（{unit}）" if unit else "")
