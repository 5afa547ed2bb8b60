"""Figures as an official text prints them: a chart's axis in 亿元 once the figures reach it."""

from __future__ import annotations

from zhizao.economy.wording import chart_series


def test_a_value_added_series_of_billions_is_charted_in_yi_yuan_with_one_decimal() -> None:
    # 232.70 亿元 is 2,327,000 万元: an axis of "250万 万元" would read as a muddle
    assert chart_series("万元", [1_466_000.0, None, 2_327_012.0]) == ("亿元", [146.6, None, 232.7])


def test_a_series_below_one_unit_of_the_larger_stays_as_given() -> None:
    assert chart_series("万元", [3_200.0, 9_999.0]) == ("万元", [3_200.0, 9_999.0])
    assert chart_series("家", [1_647.0]) == ("家", [1_647.0])
