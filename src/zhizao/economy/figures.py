"""The economy's figures as the pages, the API, the CLI and the review read them: the
economy's own indicators plus the rows every other room contributes (``Room.indicators``).

Computing them takes seconds, so the city-wide figures are kept per process until the
warehouse file or the publications change (an import, an evaluation or a publication gives
fresh figures); a region's are a filter of them (districts are ranked city-wide anyway).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhizao import rooms
from zhizao.economy import catalogue
from zhizao.store import publish

ROW_FIELDS = ("id", "name", "region", "year", "value", "unit", "basis")


def room_rows(settings: Any, y_from: int, y_to: int, region: str | None = None) -> list[dict[str, Any]]:
    """The rows the other rooms contribute to ``zhizao indicators`` (their ``indicators`` hook),
    in registry order; each row has at least :data:`ROW_FIELDS`."""
    out: list[dict[str, Any]] = []
    for room, hook in rooms.contributions("indicators"):
        for row in hook(settings, y_from, y_to, region):
            missing = [f for f in ROW_FIELDS if f not in row]
            if missing:
                raise rooms.RoomError(f"{room.name} 的指标行缺少字段：{'、'.join(missing)}")
            out.append(dict(row))
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


_CACHE: dict[tuple[Any, ...], list[dict[str, Any]] | Exception] = {}


def cached_rows(settings: Any, session: Any, y1: int, y2: int, region: str | None) -> list[dict[str, Any]]:
    """:func:`rows` for the span, the city's and every district's (or one region's), kept per
    warehouse state and latest publication."""
    from zhizao.web.ui import WAREHOUSE_BUSY, busy

    path = Path(settings.warehouse_path)
    if not path.exists():
        return []
    pubs = publish.publications(session)
    key = (str(settings.home), path.stat().st_mtime_ns, pubs[0].id if pubs else 0, y1, y2)
    if key not in _CACHE:
        if len(_CACHE) > 32:
            _CACHE.clear()
        try:
            _CACHE[key] = rows(settings, y1, y2)
        except WAREHOUSE_BUSY as exc:  # another writer holds the warehouse: not kept, try again later
            raise busy() from exc
        except Exception as exc:  # kept too: the same data would fail the same way, only slower
            _CACHE[key] = exc
    found = _CACHE[key]
    if isinstance(found, Exception):
        raise found
    return found if region is None else [r for r in found if r["region"] == region]
