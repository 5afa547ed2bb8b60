"""Excel workbooks with Chinese headers (XlsxWriter).

Every spreadsheet the platform hands out goes through :func:`write_workbook`, so headers,
column widths for CJK text, number formats and frozen header rows are the same everywhere.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter


@dataclass
class Sheet:
    name: str
    #: (field, Chinese header, number format or None)
    columns: Sequence[tuple[str, str, str | None]]
    rows: Sequence[dict[str, Any]]
    title: str | None = None
    notes: list[str] = field(default_factory=list)


def _width(text: str) -> float:
    # CJK characters are about twice as wide as latin ones in Excel's default font
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in text)


_INVALID = set("[]:*?/\\")


def sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in _INVALID else ch for ch in name)[:31] or "Sheet"
    base, k = clean, 2
    while clean in used:
        suffix = f"({k})"
        clean = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(clean)
    return clean


def write_workbook(path: str | Path, sheets: Sequence[Sheet]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "remove_timezone": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    note_fmt = wb.add_format({"italic": True, "font_color": "#555555"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    formats: dict[str, Any] = {}
    used: set[str] = set()
    for sh in sheets:
        ws = wb.add_worksheet(sheet_name(sh.name, used))
        r0 = 0
        if sh.title:
            ws.write(0, 0, sh.title, title_fmt)
            r0 = 1
        for note in sh.notes:
            ws.write(r0, 0, note, note_fmt)
            r0 += 1
        if sh.title or sh.notes:
            r0 += 1
        widths = [_width(h) + 2 for _, h, _ in sh.columns]
        for j, (_, header, _) in enumerate(sh.columns):
            ws.write(r0, j, header, head)
        for i, row in enumerate(sh.rows, start=r0 + 1):
            for j, (fld, _, num_fmt) in enumerate(sh.columns):
                v = row.get(fld)
                if v is None or (isinstance(v, float) and v != v):
                    continue
                if isinstance(v, _dt.date | _dt.datetime):
                    ws.write_datetime(i, j, v if isinstance(v, _dt.datetime) else
                                      _dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, bool):
                    ws.write_string(i, j, "是" if v else "否")
                elif isinstance(v, int | float):
                    if num_fmt:
                        if num_fmt not in formats:
                            formats[num_fmt] = wb.add_format({"num_format": num_fmt})
                        ws.write_number(i, j, v, formats[num_fmt])
                    else:
                        ws.write_number(i, j, v)
                else:
                    s = str(v)
                    ws.write_string(i, j, s)
                    if i < r0 + 200:
                        widths[j] = max(widths[j], _width(s) + 1)
        for j, w in enumerate(widths):
            ws.set_column(j, j, min(w, 60))
        ws.freeze_panes(r0 + 1, 0)
        if sh.rows:
            ws.autofilter(r0, 0, r0 + len(sh.rows), max(len(sh.columns) - 1, 0))
    wb.close()
    return path
