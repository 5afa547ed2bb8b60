"""The one formatting layer: what a bureau user reads on pages, exports and chart axes."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from zhizao.web import fmt


def test_money_is_in_wan_below_one_yi_and_in_yi_from_there_with_separators() -> None:
    assert fmt.money(8800) == "8,800.0 万元"
    assert fmt.money(2326995) == "232.70 亿元"
    assert fmt.money(10000) == "1.00 亿元"
    assert fmt.money(None) == "—"
    assert fmt.money_parts(5800535) == ("580.05", "亿元")


def test_percentages_are_per_cents_never_fractions() -> None:
    assert fmt.ratio_pct(0.181) == "18.1%"
    assert fmt.ratio_pct(0.059) == "5.9%"
    assert fmt.pct(18.1) == "18.1%"
    assert fmt.signed_pct(-22.9) == "−22.9%" and fmt.signed_pct(5.24) == "+5.2%"
    assert fmt.change(-22.9) == "下降 22.9%" and fmt.change(3) == "增长 3.0%" and fmt.change(0.01) == "持平"


def test_numbers_carry_thousands_separators() -> None:
    assert fmt.num(2326995) == "2,326,995"
    assert fmt.num(5800535.0) == "5,800,535.00" and fmt.num(5800535.0, 0) == "5,800,535"
    assert fmt.num(130348.74, 1) == "130,348.7"
    assert fmt.num(float("nan")) == "—" and fmt.num(None) == "—"
    assert fmt.count(48.0) == "48"


def test_industry_and_region_codes_read_as_names() -> None:
    assert fmt.industry("1761") == "针织或钩针编织物织造"
    assert fmt.industry("17") == "纺织业"
    assert fmt.division("1761") == "纺织业"
    assert fmt.region("330502") == "吴兴区"
    assert "1761" not in fmt.industry("1761")


def test_dates_and_months() -> None:
    assert fmt.date(dt.date(2024, 12, 1)) == "2024-12-01"
    assert fmt.date(dt.datetime(2024, 12, 1, 6, 30)) == "2024-12-01"
    assert fmt.month("2024-03") == "2024年3月"


def test_stored_utc_times_are_shown_on_beijing_time() -> None:
    # the store keeps naive UTC: 06:30:05 UTC is 14:30 in Beijing; 20:00 UTC is the next day there
    assert fmt.datetime(dt.datetime(2024, 12, 1, 6, 30, 5)) == "2024-12-01 14:30"
    assert fmt.datetime("2024-12-01T06:30:05") == "2024-12-01 14:30"
    assert fmt.datetime(dt.datetime(2024, 12, 1, 6, 30, tzinfo=dt.UTC)) == "2024-12-01 14:30"
    assert fmt.date(dt.datetime(2024, 12, 31, 20, 0)) == "2025-01-01"
    assert fmt.datetime(None) == "—" and fmt.datetime(dt.date(2024, 12, 1)) == "2024-12-01"


@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False))
def test_axis_labels_never_use_scientific_notation(x: float) -> None:
    label = fmt.axis_num(x)
    assert "e" not in label.lower()
    digits = re.sub(r"[^0-9]", "", label.split(".")[0])
    assert len(digits) <= 6 or "," in label  # a long figure is separated or shortened to 万/亿


@given(st.integers(min_value=10_000, max_value=10**12))
def test_every_big_number_is_separated(n: int) -> None:
    assert re.search(r"\d{4}", fmt.num(n)) is None
    assert re.search(r"\d{5}", fmt.money(n)) is None


def test_a_bar_chart_of_many_industries_gets_the_tall_box() -> None:
    from zhizao.web.templating import templates
    from zhizao.web.ui import stacked_bar_option

    macros = templates.env.get_template("_macros.html").module
    names = [f"行业{i}" for i in range(12)]
    many = stacked_bar_option("主要行业", names, {"1星": [1] * 12}, horizontal=True)
    few = stacked_bar_option("主要行业", names[:4], {"1星": [1] * 4}, horizontal=True)
    upright = stacked_bar_option("各区县", names, {"1星": [1] * 12})
    assert 'class="chart  tall"' in str(macros.chart("a", many))  # type: ignore[attr-defined]
    assert "tall" not in str(macros.chart("b", few)) and "tall" not in str(macros.chart("c", upright))  # type: ignore[attr-defined]
