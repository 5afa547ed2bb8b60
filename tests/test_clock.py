"""Times are stored in UTC and shown on the city's clock (``ZHIZAO_TIMEZONE``, Beijing by default)."""

from __future__ import annotations

import datetime as dt

import pytest

from zhizao import clock


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def use(name: str | None) -> None:
        if name is None:
            monkeypatch.delenv("ZHIZAO_TIMEZONE", raising=False)
        else:
            monkeypatch.setenv("ZHIZAO_TIMEZONE", name)
        clock.zone.cache_clear()

    yield use
    clock.zone.cache_clear()


def test_beijing_is_the_default_display_zone(zone) -> None:  # type: ignore[no-untyped-def]
    zone(None)
    assert clock.minutes(dt.datetime(2025, 3, 1, 20, 30)) == "2025-03-02 04:30"
    assert clock.utc_offset_hours() == 8


def test_another_city_sets_its_zone(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Asia/Urumqi")
    assert clock.minutes(dt.datetime(2025, 3, 1, 20, 30)) == "2025-03-02 02:30"


def test_an_unknown_zone_is_a_chinese_error(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Mars/Olympus")
    with pytest.raises(ValueError, match="不是有效的时区名称"):
        clock.zone()


def test_only_timestamps_parse() -> None:
    assert clock.parse("2024-12-01") is None and clock.parse("abc") is None and clock.parse(5) is None
    assert clock.parse("2024-12-01 06:30") == dt.datetime(2024, 12, 1, 6, 30)
