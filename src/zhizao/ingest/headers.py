"""Mapping a file's header row onto a contract table's columns.

A header is the canonical column name, its Chinese header or an alias, optionally followed by
a unit in brackets (``工业增加值(元)``, ``工业增加值（元）``, ``用地面积【平方米】``). A stated
unit is converted to the column's canonical unit; an unknown one is a file-level error, because
guessing a unit silently would corrupt every row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhizao.contract import units
from zhizao.contract.tables import Column, Table
from zhizao.ingest.errors import IngestError

_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(（\[【](?P<unit>[^\)）\]】]*)[\)）\]】]\s*$")


@dataclass(frozen=True)
class MappedColumn:
    """A contract column found in the file: where, under which header, with which header unit."""

    index: int
    header: str
    column: Column
    #: multiplier from the header's stated unit to the canonical unit (1.0 when none stated)
    factor: float = 1.0
    stated_unit: str | None = None


@dataclass(frozen=True)
class HeaderMap:
    table: Table
    columns: tuple[MappedColumn, ...]
    warnings: tuple[str, ...]

    def get(self, name: str) -> MappedColumn | None:
        for m in self.columns:
            if m.column.name == name:
                return m
        return None


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.replace("\ufeff", "")).lower()


def _lookup(table: Table) -> dict[str, Column]:
    found: dict[str, Column] = {}
    for c in table.columns:
        for spelling in (c.name, c.header, *c.aliases):
            found.setdefault(_key(spelling), c)
    return found


def unit_hint(family: str) -> str:
    """The accepted units of a family for a message: Chinese spellings and the canonical symbol."""
    fam = units.FAMILIES[family]
    seen: set[str] = set()
    out = []
    for u in fam.units:
        if (u.isascii() and u != fam.canonical) or u.lower() in seen:
            continue
        seen.add(u.lower())
        out.append(u)
    return "、".join(out)


def map_headers(table: Table, headers: list[str]) -> HeaderMap:
    """The columns of ``table`` found in ``headers``; raises :class:`IngestError` when a required
    column is missing, a column appears twice or a header states an unknown unit."""
    lookup = _lookup(table)
    mapped: dict[str, MappedColumn] = {}
    warnings: list[str] = []
    row_quantity = table.row_unit[1] if table.row_unit else None
    for i, raw in enumerate(headers):
        header = raw.replace("\ufeff", "").strip()
        if not header:
            warnings.append(f"第 {i + 1} 列没有表头，已忽略")
            continue
        col = lookup.get(_key(header))
        unit: str | None = None
        if col is None:
            m = _UNIT_RE.match(header)
            if m:
                col = lookup.get(_key(m.group("name")))
                unit = m.group("unit").strip()
        if col is None:
            warnings.append(f"列“{header}”不属于 {table.name}（{table.title}），已忽略")
            continue
        if col.name in mapped:
            raise IngestError(f"列“{col.header}”出现两次：“{mapped[col.name].header}”和“{header}”")
        factor = 1.0
        if unit is not None:
            if col.name == row_quantity and table.row_unit:
                raise IngestError(
                    f"列“{header}”：{table.title}的计量单位按行填写在“{table.column(table.row_unit[0]).header}”列，"
                    "表头中不能再写单位")
            if col.unit_family is None:
                if unit:
                    warnings.append(f"列“{header}”括号中的“{unit}”不是计量单位，已忽略")
            else:
                f = units.factor(col.unit_family, unit)
                if f is None:
                    raise IngestError(
                        f"列“{header}”的计量单位“{unit}”无法识别（可用：{unit_hint(col.unit_family)}）")
                factor = f
        mapped[col.name] = MappedColumn(i, header, col, factor, unit or None)
    missing = [c for c in table.columns if c.required and c.name not in mapped]
    if missing:
        names = "、".join(f"{c.header}（{c.name}）" for c in missing)
        hint = ""
        if len(headers) == 1 and any(sep in headers[0] for sep in (";", "\t", "|")):
            hint = "（文件须以英文逗号分隔）"
        raise IngestError(f"{table.name}（{table.title}）缺少必需的列：{names}{hint}")
    # file order: a row's reject names its leftmost failing cell, as the user sees the file
    ordered = tuple(sorted(mapped.values(), key=lambda m: m.index))
    return HeaderMap(table, ordered, tuple(warnings))
