"""The seed's arithmetic (市经信局五年工作回眸), reproduced by name."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhizao.economy.growth import cagr, chained_cagr, change_pp, growth, rate


def test_seed_share_of_strategic_emerging_29_9_to_37_2_is_plus_7_3_points():
    assert round(change_pp(29.9, 37.2), 1) == 7.3


def test_seed_high_tech_and_equipment_shares_move_20_3_and_6_3_points():
    # 62.0 % and 31.4 % in 2021, "较2017年分别提升 20.3个、6.3个百分点"
    assert round(change_pp(62.0 - 20.3, 62.0), 1) == 20.3
    assert round(change_pp(31.4 - 6.3, 31.4), 1) == 6.3


def test_seed_709_of_720_projects_resolved_is_98_5_percent():
    assert round(rate(709, 720), 1) == 98.5


def test_seed_tax_per_mu_11_3_to_26_9_over_2016_2020_is_24_2_percent_with_n_4():
    assert round(cagr(11.3, 26.9, 2020 - 2016), 1) == 24.2


def test_seed_quotes_19_percent_which_is_n_5_not_n_4():
    # the seed's "年均增长19%" counts the five years 2016–2020 inclusive
    assert round(cagr(11.3, 26.9, 5)) == 19
    assert round(cagr(11.3, 26.9, 4)) != 19


def test_seed_value_added_per_mu_71_9_to_147_is_15_percent_with_n_5():
    # the seed's "年均增长15%" again matches n = 5; with n = 4 it is 19.6 %
    assert round(cagr(71.9, 147, 5)) == 15
    assert round(cagr(71.9, 147, 4), 1) == 19.6


def test_rate_of_nothing_is_none_not_zero():
    assert rate(1, 0) is None
    assert rate(None, 5) is None


def test_chained_rates_equal_the_level_cagr_when_rates_compound():
    assert chained_cagr([10.0, 10.0]) == pytest.approx(10.0)
    assert chained_cagr([8.9]) == pytest.approx(8.9)
    assert chained_cagr([5.0, None]) is None


@given(st.floats(0.1, 1e6), st.floats(0.1, 1e6), st.integers(1, 30))
def test_cagr_recovers_the_end_value(base, end, n):
    g = cagr(base, end, n)
    # a per-cent figure carries the factor 1 + g/100 to about 1e-16 absolute: when end << base
    # that is a large relative error of the factor, so the tolerance is absolute in base units
    assert base * (1 + g / 100) ** n == pytest.approx(end, rel=1e-9, abs=base * n * 1e-14)


@given(st.lists(st.floats(-50, 100), min_size=1, max_size=10))
def test_chained_cagr_compounds_to_the_product_of_yearly_factors(rates):
    g = chained_cagr(rates)
    assert g is not None
    assert (1 + g / 100) ** len(rates) == pytest.approx(math.prod(1 + r / 100 for r in rates), rel=1e-9)


@given(st.floats(0.1, 1e6), st.floats(0.0, 1e6))
def test_growth_is_the_one_interval_cagr(base, end):
    assert growth(base, end) == pytest.approx(cagr(base, end, 1), abs=1e-9)
