"""Property tests of the SQL cell parsers: every accepted spelling of a value parses to it."""

from __future__ import annotations

import datetime as dt

import duckdb
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from zhizao.ingest.validate import DATE_FORMATS, _bool, _date, _month, _number

DATES = st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31))


_CON = duckdb.connect()  # one in-memory database for the module: the parsers need no tables


def _parse(expr: str, values: list[str]) -> list[object]:
    rows = _CON.execute(f"SELECT {expr} FROM unnest($v) WITH ORDINALITY AS u(v, i) ORDER BY i", {"v": values})
    return [r[0] for r in rows.fetchall()]


def _spellings(d: dt.date) -> list[str]:
    return [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}{d.month:02d}{d.day:02d}",
            f"{d.year}年{d.month}月{d.day}日", f"{d.year}.{d.month}.{d.day}", f"{d.isoformat()} 00:00:00"]


@hsettings(max_examples=20, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=20))
def test_every_date_spelling_parses_to_the_date(dates: list[dt.date]) -> None:
    values = [s for d in dates for s in _spellings(d)]
    want = [d for d in dates for _ in _spellings(d)]
    assert _parse(_date("v", DATE_FORMATS), values) == want


@hsettings(max_examples=20, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1927, 5, 19), max_value=dt.date(2099, 12, 31)), min_size=1, max_size=20))
def test_excel_serials_are_days_since_1899_12_30(dates: list[dt.date]) -> None:
    serials = [str((d - dt.date(1899, 12, 30)).days) for d in dates]  # five digits in this range
    assert _parse(_date("v", DATE_FORMATS), serials) == dates


@hsettings(max_examples=20, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=20))
def test_every_month_spelling_parses_to_the_first_day(dates: list[dt.date]) -> None:
    spell = [lambda d: f"{d.year}-{d.month:02d}", lambda d: f"{d.year}年{d.month}月", lambda d: f"{d.year}{d.month:02d}",
             lambda d: f"{d.year}/{d.month}", lambda d: d.isoformat()]
    values = [f(d) for d in dates for f in spell]
    want = [d.replace(day=1) for d in dates for _ in spell]
    assert _parse(_month("v"), values) == want


@hsettings(max_examples=20, deadline=None)
@given(st.lists(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False), min_size=1,
                max_size=20))
def test_numbers_with_thousands_separators_parse(numbers: list) -> None:  # type: ignore[type-arg]
    values = [f"{n:,.2f}" for n in numbers] + [f" {n:.2f} " for n in numbers] + [f"{n:,.2f}".replace(",", "，")
                                                                                for n in numbers]
    got = _parse(_number("v"), values)
    assert got == [float(n) for n in numbers] * 3


def test_invalid_cells_parse_to_null() -> None:
    assert _parse(_date("v", DATE_FORMATS), ["2024-02-30", "2024-13-01", "明天", "1234", "2024"]) == [None] * 5
    assert _parse(_month("v"), ["2024-13", "202400", "二〇二四年三月"]) == [None] * 3
    assert _parse(_number("v"), ["约100", "1.2.3", "", "十"]) == [None] * 4
    assert _parse(_bool("v"), ["是", "否", "Y", "n", "TRUE", "0", "也许"]) == [True, False, True, False, True, False,
                                                                              None]
