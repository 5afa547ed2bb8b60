"""Times as stored and as shown.

The store keeps naive UTC (``zhizao.store.models.utcnow``: SQLite has no time zones). People
read the city's own clock: every time put on a page, in a CLI message or in an error is
converted here to the display zone, ``ZHIZAO_TIMEZONE`` (an IANA name, default
``Asia/Shanghai``, Beijing time). JSON output keeps UTC ISO text for machines.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"


@functools.cache
def zone() -> ZoneInfo:
    """The display time zone (``ZHIZAO_TIMEZONE``; an unknown name is a clear error)."""
    name = os.environ.get("ZHIZAO_TIMEZONE") or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"ZHIZAO_TIMEZONE 不是有效的时区名称：{name}（例如 Asia/Shanghai）") from exc


def local(value: dt.datetime) -> dt.datetime:
    """``value`` on the city's clock, naive. A naive value is UTC (the store's convention); an
    aware one is converted from its own zone."""
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return aware.astimezone(zone()).replace(tzinfo=None)


def parse(value: Any) -> dt.datetime | None:
    """A datetime from a datetime or ISO text (``2024-12-01T06:30:00``, optional offset), else None."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def minutes(value: dt.datetime) -> str:
    """``2024-12-01 14:30`` on the city's clock."""
    return f"{local(value):%Y-%m-%d %H:%M}"


def utc_offset_hours() -> int:
    """Whole hours the city's clock is ahead of UTC now (8 for Beijing time), for filters on
    stored UTC times by local calendar day."""
    offset = dt.datetime.now(zone()).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 3600)
