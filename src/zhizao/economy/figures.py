"""The economy's figures as the pages, the API, the CLI and the review read them: the
economy's own indicators plus the rows every other room contributes (``Room.indicators``).

Computing them takes seconds, so the city-wide figures are kept per process until the
warehouse file or the publications change (an import, an evaluation or a publication gives
fresh figures); a region's are a filter of them (districts are ranked city-wide anyway).

The pages (the cockpit, the economy page) read the figures prepared for the default span in
the background (:func:`page_rows`, :mod:`zhizao.economy.prepared`): the current ones, or while
they are being prepared after a change, the previous ones with the time they were built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhizao import rooms
from zhizao.caching import Memo
from zhizao.economy import catalogue

ROW_FIELDS = ("id", "name", "region", "year", "value", "unit", "basis")


def room_rows(settings: Any, y_from: int, y_to: int, region: str | None = None) -> list[dict[str, Any]]:
    """The rows the other rooms contribute to ``zhizao indicators`` (their ``indicators`` hook),
    in registry order; each row has at least :data:`ROW_FIELDS`, and ``exact`` (the unrounded
    figure beside the published ``value``; taken as ``value`` when a room publishes exact counts)."""
    out: list[dict[str, Any]] = []
    for room, hook in rooms.contributions("indicators"):
        for row in hook(settings, y_from, y_to, region):
            missing = [f for f in ROW_FIELDS if f not in row]
            if missing:
                raise rooms.RoomError(f"{room.name} 的指标行缺少字段：{'、'.join(missing)}")
            out.append({**row, "exact": row.get("exact", row["value"])})
    return out


def rows(settings: Any, y_from: int, y_to: int, region: str | None = None,
         engine_name: str | None = None) -> list[dict[str, Any]]:
    """Every indicator row of the span: the economy's (:mod:`zhizao.economy.indicators`), then
    the rooms'."""
    from zhizao.economy import indicators

    own = indicators.rows(indicators.for_settings(settings, y_from, y_to, region=region, engine_name=engine_name))
    return own + room_rows(settings, y_from, y_to, region)


def formatted(row: dict[str, Any]) -> str:
    """A row's value as ``zhizao indicators`` prints it (the catalogue's decimals; a room's row
    may carry ``digits``)."""
    try:
        return catalogue.formatted(row["id"], row["value"])
    except KeyError:
        from zhizao.web.templating import fmt_num

        return fmt_num(row.get("value"), int(row.get("digits", 2)))


def _kept(exc: BaseException) -> bool:
    """Failures kept in the memo: the same data would fail the same way, only slower; a
    warehouse being written is tried again."""
    from zhizao.web.ui import WAREHOUSE_BUSY

    return not isinstance(exc, WAREHOUSE_BUSY)


_ROWS = Memo(32, keep_error=_kept)


def cached_rows(settings: Any, y1: int, y2: int, region: str | None) -> list[dict[str, Any]]:
    """:func:`rows` for the span, the city's and every district's (or one region's: districts
    are ranked city-wide anyway), kept per warehouse and publication state: derived from the
    prepared years' figures when they are of the current state and cover the span (the API's
    answer), else computed."""
    from zhizao.web.ui import WAREHOUSE_BUSY, busy

    if not Path(settings.warehouse_path).exists():
        return []

    def compute() -> list[dict[str, Any]]:
        ready = derived(settings, y1, y2, "all")
        return ready.value if ready is not None and ready.current else rows(settings, y1, y2)

    try:
        found = _ROWS.get(settings, ("rows", y1, y2), compute)
    except WAREHOUSE_BUSY as exc:  # another writer holds the warehouse
        raise busy(exc) from exc
    return found if region is None else [r for r in found if r["region"] == region]


_OWN = Memo(16, keep_error=_kept)


def cached_own_rows(settings: Any, y1: int, y2: int, region: str | None) -> list[dict[str, Any]]:
    """The economy's own indicator rows of the span (no other room's), kept like
    :func:`cached_rows`: the cockpit's figures need no other room's indicators (the policy
    ledger alone took ~20 s of the cockpit's first request after an import)."""
    from zhizao.economy import indicators
    from zhizao.web.ui import WAREHOUSE_BUSY, busy

    if not Path(settings.warehouse_path).exists():
        return []
    try:
        found = _OWN.get(settings, ("own", y1, y2),
                         lambda: indicators.rows(indicators.for_settings(settings, y1, y2)))
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    return found if region is None else [r for r in found if r["region"] == region]


class PageRows(list):  # type: ignore[type-arg]
    """Rows as a page shows them, and ``note``: None when they are of the current data state,
    else the Chinese note saying when they were prepared (the new ones are being prepared)."""

    note: str | None = None


def derived(settings: Any, y1: int, y2: int, which: str = "all") -> Any:
    """The rows of ``which`` for the span, derived from the prepared years' figures
    (:data:`zhizao.economy.prepared.YEARS_KEPT`) when they cover it: a
    :class:`zhizao.prepared.Found` (not ``current`` when they are of an earlier data state), or
    None (never prepared here, or a span reaching outside them)."""
    from zhizao import prepared as stored
    from zhizao.economy import indicators, prepared

    got = prepared.read_yearly(settings)
    if got is None:
        return None
    yr, econ = got
    if not yr.covers(y1, y2):
        return None
    out = indicators.rows(indicators.span(yr, y1, y2))
    current, built = econ.current, econ.built_at
    if which == "all":
        rooms = stored.read(settings, prepared.FIGURES, prepared.YEARS_ROOMS)
        if rooms is None or not rooms.value["y_from"] <= y1 <= y2 <= rooms.value["y_to"]:
            return None
        out += [r for r in rooms.value["rows"] if y1 <= r["year"] <= y2]
        current, built = current and rooms.current, min(built, rooms.built_at)
    return stored.Found(out, built, current)


def page_rows(settings: Any, y1: int, y2: int, region: str | None, which: str = "all") -> PageRows:
    """The rows of ``which`` (``own``: the economy's indicators, the cockpit's; ``all``: with
    every room's, the economy page's) as prepared in the background for the span, or derived
    from the prepared years' figures (:func:`derived`: any span within them). Not of the current
    state: the previous ones with a note, and the preparation queued (unless it is); never
    prepared here (a span reaching before the years kept, or a home whose worker has not run
    yet): computed as :func:`cached_rows` / :func:`cached_own_rows` do."""
    from zhizao import prepared as stored
    from zhizao.economy import prepared

    if not Path(settings.warehouse_path).exists():
        return PageRows()
    found = stored.read(settings, prepared.FIGURES, prepared.figures_key(y1, y2, which)) or derived(
        settings, y1, y2, which)
    if found is None:
        compute = cached_own_rows if which == "own" else cached_rows
        return PageRows(compute(settings, y1, y2, region))
    out = PageRows(found.value if region is None else [r for r in found.value if r["region"] == region])
    if not found.current:
        prepared.on_data_change(settings, {"kind": "page"})
        out.note = f"数据已更新，新的指标正在计算；以下为 {found.built_label()} 计算的指标。"
    return out
