"""Sorting and paging of the whole result, kept in the URL, the pager and the export.

A list page declares its sortable columns once (:class:`Sorts`: URL key → what the query sorts
by), reads ``sort`` from the URL (``sort=-emissions_t``: minus = descending) and hands the
chosen :class:`Sort` to the query, which orders **all** matching rows before cutting the page:
the largest emitter is on page 1 after sorting 排放量 descending, whatever page was open.

:func:`paging` clamps an out-of-range page number to the last page and says so (never an
empty "第 999 / 101 页"). The template macros ``m.sort_th`` and ``m.pager`` (``_macros.html``)
draw the header links and the pager from :class:`Listing`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 50


@dataclass(frozen=True)
class Sort:
    key: str
    desc: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.desc else self.key


@dataclass(frozen=True)
class Sorts:
    """The sortable columns of a list: URL key → (label, first direction descending?).

    Numbers start descending (the biggest first), text ascending."""

    columns: Mapping[str, bool]
    default: Sort

    def parse(self, text: str | None) -> Sort:
        t = (text or "").strip()
        desc = t.startswith("-")
        key = t.lstrip("-+ ")
        if key not in self.columns:
            return self.default
        return Sort(key, desc)


@dataclass
class Listing:
    """What the macros need: the current sort, page, page count, total and the other URL
    parameters (filters) every link must keep."""

    sort: Sort | None
    page: int
    pages: int
    total: int
    params: dict[str, Any] = field(default_factory=dict)
    sorts: Sorts | None = None
    size: int = PAGE_SIZE
    #: the requested page was out of range (the page says it shows the last one)
    clamped: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def query(self, **change: Any) -> str:
        """The URL query of this listing with ``change`` applied (``page=None`` drops it)."""
        p: dict[str, Any] = dict(self.params)
        if self.sort is not None and (self.sorts is None or self.sort != self.sorts.default):
            p["sort"] = self.sort.param
        if self.page > 1:
            p["page"] = self.page
        p.update(change)
        if self.sorts is not None and p.get("sort") == self.sorts.default.param:
            p.pop("sort")  # the default order needs no parameter
        return urlencode({k: v for k, v in p.items() if v not in (None, "")})

    @property
    def filters_query(self) -> str:
        """The filters and sort without the page (for the export link)."""
        return self.query(page=None)

    def sort_link(self, key: str) -> str:
        """The query that sorts by ``key``: the column's first direction, or the reverse when it
        is the current sort; back to page 1."""
        first_desc = bool(self.sorts.columns.get(key, False)) if self.sorts else False
        desc = (not self.sort.desc) if self.sort is not None and self.sort.key == key else first_desc
        return self.query(sort=Sort(key, desc).param, page=None)

    def direction(self, key: str) -> str:
        """``descending`` / ``ascending`` for the current sort column (``aria-sort``), else ``none``."""
        if self.sort is None or self.sort.key != key:
            return "none"
        return "descending" if self.sort.desc else "ascending"

    @property
    def flashes(self) -> list[tuple[str, str]]:
        if self.clamped:
            return [("info", f"页码超出范围（共 {self.pages:,} 页），已显示第 {self.page:,} 页。")]
        return []


def pages_of(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


def paging(requested: int | None, total: int, size: int = PAGE_SIZE) -> tuple[int, int, bool]:
    """(page, pages, clamped): the page to show, within 1..pages."""
    pages = pages_of(total, size)
    want = requested or 1
    page = min(max(1, want), pages)
    return page, pages, want > pages


def listing(requested_page: int | None, total: int, params: Mapping[str, Any], sort: Sort | None = None,
            sorts: Sorts | None = None, size: int = PAGE_SIZE) -> Listing:
    page, pages, clamped = paging(requested_page, total, size)
    return Listing(sort=sort, page=page, pages=pages, total=total, params=dict(params), sorts=sorts, size=size,
                   clamped=clamped)


def _key(value: Any) -> tuple[int, Any]:
    """Missing values last, numbers as numbers, text in Chinese order of its code points."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return (2, 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def sort_rows(rows: list[dict[str, Any]], sort: Sort | None,
              getters: Mapping[str, Callable[[dict[str, Any]], Any]] | None = None,
              tie: Iterable[str] = ("credit_code",)) -> list[dict[str, Any]]:
    """Sort a whole in-memory result (a room's cached list) by ``sort``; missing values last in
    both directions; ``tie`` keys break ties so the order is stable across pages."""
    if sort is None:
        return rows
    get = (getters or {}).get(sort.key) or (lambda r: r.get(sort.key))
    ties = tuple(tie)
    out = sorted(rows, key=lambda r: tuple(str(r.get(t) or "") for t in ties))
    present = [r for r in out if _key(get(r))[0] < 2]
    missing = [r for r in out if _key(get(r))[0] == 2]
    present.sort(key=lambda r: _key(get(r)), reverse=sort.desc)
    return present + missing
