"""Every CSV the platform writes goes through :func:`write_csv`: formula injection neutralised.

Excel, WPS and LibreOffice evaluate a cell whose text starts with ``=``, ``+``, ``-`` or ``@``
(and a leading tab or carriage return hides such a start), so a firm name like
``=HYPERLINK("http://…")`` in an export would become a live formula on the desk of whoever opens
it. As OWASP's "CSV Injection" advice says, such a text cell is prefixed with a single quote,
which the spreadsheet shows as text; numbers stay numbers. Files are UTF-8 with a BOM so that
Excel reads Chinese correctly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as it is safe to write: text starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path: str | Path, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV (UTF-8 with BOM, every field that needs it quoted), neutralising every cell."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralise(h) for h in header])
        for r in rows:
            w.writerow([neutralise(v) for v in r])
