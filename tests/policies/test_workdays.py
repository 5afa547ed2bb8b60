"""Working days: weekends and public holidays are rest days, make-up days (调休) are worked."""

from __future__ import annotations

import datetime as dt

import pytest

from zhizao.policies import workdays
from zhizao.policies.catalogue import FAST_PAYOUT_WORKING_DAYS

D = dt.date


def test_sixty_working_day_clock_across_the_2026_national_day_holiday():
    cal = workdays.default()
    # filed Tue 1 Sep 2026: 中秋 (25 Sep, a Friday) and 国庆 (1–7 Oct) are rest days; Sun 20 Sep and
    # Sat 10 Oct are make-up working days. Sep gives 21 working days, Oct 18, Nov 2–30 the last 21.
    assert FAST_PAYOUT_WORKING_DAYS == 60
    assert cal.add(D(2026, 9, 1), 60) == D(2026, 11, 30)
    # counting weekdays only would have ended a week earlier
    weekdays, d = 0, D(2026, 9, 1)
    while weekdays < 60:
        d += dt.timedelta(days=1)
        weekdays += d.weekday() < 5
    assert d == D(2026, 11, 24)
    assert cal.between(D(2026, 9, 1), D(2026, 11, 30)) == 60


def test_make_up_days_work_and_holidays_rest():
    cal = workdays.default()
    assert cal.is_working_day(D(2026, 9, 20))          # Sunday, make-up day
    assert not cal.is_working_day(D(2026, 10, 5))      # Monday, 国庆
    assert cal.add(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.add(D(2025, 1, 24), 1) == D(2025, 1, 26)  # Sunday make-up before 春节
    assert cal.add(D(2025, 1, 26), 1) == D(2025, 1, 27)
    assert cal.add(D(2025, 1, 27), 1) == D(2025, 2, 5)   # 春节 28 Jan – 4 Feb
    assert cal.add(D(2024, 2, 9), 1) == D(2024, 2, 18)   # 春节 10–17 Feb, Sunday 18 Feb worked


def test_one_and_three_working_day_reply_limits_over_a_weekend():
    cal = workdays.default()
    assert cal.add(D(2026, 3, 13), 1) == D(2026, 3, 16)   # Friday → Monday
    assert cal.add(D(2026, 3, 13), 3) == D(2026, 3, 18)


def test_a_year_outside_the_calendar_is_refused_not_guessed():
    cal = workdays.default()
    with pytest.raises(workdays.CalendarError, match="2023–2027"):
        cal.add(D(2027, 12, 20), 30)


def test_a_year_before_its_notice_holds_the_statutory_days_and_is_provisional():
    cal = workdays.default()
    assert not cal.is_working_day(D(2027, 2, 8))       # 春节 初三, a Monday
    assert cal.is_provisional(D(2026, 12, 1), D(2027, 1, 20))
    assert not cal.is_provisional(D(2026, 9, 1), D(2026, 11, 30))


def test_calendar_file_rejects_a_make_up_day_on_a_weekday(tmp_path):
    f = tmp_path / "cal.yaml"
    f.write_text("name: x\ntitle: x\nsources: {s: s}\nyears:\n  2026:\n    source: s\n    holidays: []\n"
                 "    workdays: [2026-03-02]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="不是周末"):
        workdays.load(f)
