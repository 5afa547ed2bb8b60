"""Reading the spreadsheets the platform hands out, in tests (python-calamine, as the importer)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def sheet_rows(content: bytes, sheet: int | str = 0) -> list[list[Any]]:
    """The rows of one sheet of an XLSX file's bytes (empty cells as ``""``)."""
    from python_calamine import CalamineWorkbook

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "book.xlsx"
        path.write_bytes(content)
        wb = CalamineWorkbook.from_path(str(path))
        ws = wb.get_sheet_by_name(sheet) if isinstance(sheet, str) else wb.get_sheet_by_index(sheet)
        return [list(r) for r in ws.to_python()]


def sheet_names(content: bytes) -> list[str]:
    from python_calamine import CalamineWorkbook

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "book.xlsx"
        path.write_bytes(content)
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def table_after(rows: list[list[Any]], first_header: str) -> tuple[list[Any], list[list[Any]]]:
    """The header row starting with ``first_header`` and the non-empty rows under it."""
    i = next(k for k, r in enumerate(rows) if r and r[0] == first_header)
    return rows[i], [r for r in rows[i + 1:] if any(c not in ("", None) for c in r)]
