"""Power-based activity warnings (电力看经济) on constructed daily series, March 2024 against
March 2023 (31 days each)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conformance import assert_same, run_on

from zhizao.methodology import find
from zhizao.monitoring import power

M = find(None, "monitoring", 2024)


def days(year: int, per_day) -> list[tuple[dt.date, float]]:
    return [(dt.date(year, 3, d), per_day(d)) for d in range(1, 32) if per_day(d) is not None]


SERIES = {
    "F1": (lambda d: 1000.0, lambda d: 1000.0),                       # as last year
    "F2": (lambda d: 1000.0, lambda d: 1000.0 if d <= 20 else 0.0),   # 11 idle days at the end
    "F3": (lambda d: 1000.0, lambda d: 600.0),                        # index 60
    "F4": (lambda d: 1000.0, lambda d: 1800.0),                       # index 180
    "F5": (lambda d: 1000.0, lambda d: 1000.0 if d <= 20 else None),  # 11 days without a reading
    "F7": (lambda d: 50.0, lambda d: 10.0),                           # base 1,550 kWh: too small to judge
    "F8": (lambda d: 1000.0, lambda d: 1000.0 if d % 2 else 100.0),   # low days never consecutive
}


def inputs() -> dict[str, pd.DataFrame]:
    rows = []
    for firm, (last, this) in SERIES.items():
        rows += [{"credit_code": firm, "date": d, "kwh": k} for d, k in days(2023, last)]
        rows += [{"credit_code": firm, "date": d, "kwh": k} for d, k in days(2024, this)]
    firms = [*SERIES, "F6"]
    ent = pd.DataFrame({"credit_code": firms, "name": [f"企业{f}" for f in firms],
                        "region_code": ["330502" if f in ("F1", "F2", "F3") else "330503" for f in firms],
                        "industry_code": ["1711" if f in ("F1", "F4") else "3841" for f in firms]})
    energy = pd.DataFrame({
        "credit_code": ["F6", "F6"], "month": [dt.date(2023, 3, 1), dt.date(2024, 3, 1)],
        "energy_type": ["electricity", "electricity"], "quantity": [50000.0, 45000.0], "unit": ["千瓦时"] * 2,
    })
    return {"enterprises": ent, "power_daily": pd.DataFrame(rows), "energy": energy}


def march(tables):
    start, end = power.month_period(2024, 3)
    return power.firm_activity(tables, M, start, end)


@pytest.fixture(scope="module")
def result():
    from zhizao.engine.duckdb_engine import DuckDBEngine

    with DuckDBEngine() as duck:
        return run_on(duck, march, inputs()).set_index("credit_code")


def test_steady_use_is_index_100_without_warning(result):
    assert result.loc["F1", "index"] == pytest.approx(100.0)
    assert pd.isna(result.loc["F1", "warning"])


def test_a_run_of_idle_days_is_a_possible_stoppage(result):
    assert result.loc["F2", "longest_low_run"] == 11
    assert result.loc["F2", "warning_text"] == "疑似停产"


def test_index_below_70_is_a_sharp_drop(result):
    assert result.loc["F3", "index"] == pytest.approx(60.0)
    assert result.loc["F3", "warning_text"] == "用电骤降"


def test_index_above_150_is_a_sharp_rise(result):
    assert result.loc["F4", "index"] == pytest.approx(180.0)
    assert result.loc["F4", "warning_text"] == "用电激增"


def test_days_without_readings_are_missing_data(result):
    assert result.loc["F5", "days_reported"] == 20
    assert result.loc["F5", "warning_text"] == "数据缺失"


def test_monthly_electricity_stands_in_when_there_are_no_daily_readings(result):
    assert result.loc["F6", "source"] == "月度电量"
    assert result.loc["F6", "index"] == pytest.approx(90.0)
    assert pd.isna(result.loc["F6", "warning"])


def test_a_small_base_is_not_judged(result):
    assert pd.isna(result.loc["F7", "index"])
    assert pd.isna(result.loc["F7", "warning"])


def test_low_days_that_are_not_consecutive_are_no_stoppage(result):
    assert result.loc["F8", "longest_low_run"] == 1
    assert result.loc["F8", "warning_text"] == "用电骤降"


def test_district_and_industry_indices_use_firms_with_both_periods(duck):
    def regions(tables):
        return power.aggregate_index(march(tables), "region")

    df = run_on(duck, regions, inputs(), sort_by=("key",)).set_index("key")
    # 吴兴区: F1 31,000 + F2 20,000 + F3 18,600 against 3 × 31,000
    assert df.loc["330502", "index"] == pytest.approx((31000 + 20000 + 18600) / 93000 * 100)
    assert df.loc["330502", "warnings"] == 2
    # F5 (missing days) still counts with what it reported; F7 has both periods too
    assert df.loc["330500", "firms"] == 8


def test_same_warnings_on_duckdb_and_spark(engine, duck):
    if engine.name == "duckdb":
        pytest.skip("the comparison runs on the Spark parametrisation")
    assert_same(run_on(duck, march, inputs()), run_on(engine, march, inputs()), rel=1e-9)


def test_a_city_wide_holiday_is_no_stoppage(duck):
    # everyone at 25 % for ten days (a holiday); H3 also stops for good on the 25th
    def use(firm):
        def f(d):
            if firm == "H3" and d >= 25:
                return 0.0
            return 250.0 if 5 <= d <= 14 else 1000.0
        return f

    rows = []
    for firm in ("H1", "H2", "H3"):
        rows += [{"credit_code": firm, "date": d, "kwh": k} for d, k in days(2023, lambda d: 1000.0)]
        rows += [{"credit_code": firm, "date": d, "kwh": k} for d, k in days(2024, use(firm))]
    data = {
        "enterprises": pd.DataFrame({"credit_code": ["H1", "H2", "H3"], "name": ["甲", "乙", "丙"],
                                     "region_code": ["330502"] * 3, "industry_code": ["1711"] * 3}),
        "power_daily": pd.DataFrame(rows),
        "energy": inputs()["energy"],
    }
    out = run_on(duck, march, data).set_index("credit_code")
    assert out.loc["H1", "longest_low_run"] == 0 and pd.isna(out.loc["H1", "warning"])
    assert out.loc["H3", "longest_low_run"] == 7 and out.loc["H3", "warning_text"] == "疑似停产"
