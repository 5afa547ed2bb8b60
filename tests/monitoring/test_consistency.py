"""数据打架: each failure names both sources and their batches."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conformance import run_on

from zhizao.methodology import find
from zhizao.monitoring import consistency

M = find(None, "monitoring", 2024)
FIRMS = [f"G{i}" for i in range(1, 7)]


def inputs() -> dict[str, pd.DataFrame]:
    ent = pd.DataFrame({"credit_code": FIRMS, "name": [f"企业{f}" for f in FIRMS],
                        "region_code": ["330502"] * 6, "industry_code": ["1711"] * 6})
    annual = pd.DataFrame({
        "credit_code": FIRMS, "year": [2024] * 6, "gross_output": [1000.0] * 6, "value_added": [250.0] * 6,
        "revenue": [1000.0] * 6, "_batch_id": [11] * 6,
    })
    monthly = []
    for f in FIRMS:
        for mth in range(1, 13):
            # G1's months add up to 1,200 of gross output against 1,000 in the annual report
            go = 100.0 if f == "G1" else 1000.0 / 12
            monthly.append({"credit_code": f, "month": dt.date(2024, mth, 1), "gross_output": go,
                            "value_added": 250.0 / 12, "revenue": 1000.0 / 12,
                            "_batch_id": 21 if mth <= 6 else 22})
    tax = pd.DataFrame({"credit_code": FIRMS, "year": [2024] * 6,
                        # G2 pays 40 % of its revenue in tax: outside the band
                        "tax_paid": [400.0 if f == "G2" else 30.0 for f in FIRMS], "_batch_id": [31] * 6})
    energy, daily = [], []
    for f in FIRMS:
        # G3 uses ten times the electricity of its peers per 万元 of output
        kwh_month = 100000.0 if f == "G3" else 10000.0
        for mth in range(1, 13):
            energy.append({"credit_code": f, "month": dt.date(2024, mth, 1), "energy_type": "electricity",
                           "quantity": kwh_month, "unit": "千瓦时", "_batch_id": 41})
    # G4 has daily readings for March that add up to 15,500 against 10,000 reported for the month
    for d in range(1, 32):
        daily.append({"credit_code": "G4", "date": dt.date(2024, 3, d), "kwh": 500.0, "_batch_id": 51})
    # G5's daily readings for March agree with its monthly figure
    for d in range(1, 32):
        daily.append({"credit_code": "G5", "date": dt.date(2024, 3, d), "kwh": 10000.0 / 31, "_batch_id": 52})
    return {"enterprises": ent, "statistics_annual": annual, "statistics_monthly": pd.DataFrame(monthly),
            "tax": tax, "energy": pd.DataFrame(energy), "power_daily": pd.DataFrame(daily)}


@pytest.fixture(scope="module")
def found():
    from zhizao.engine.duckdb_engine import DuckDBEngine

    with DuckDBEngine() as duck:
        return run_on(duck, lambda t: consistency.failures(t, M, 2024), inputs(), sort_by=())


def one(found, check):
    rows = found[found["check"] == check]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_monthly_statistics_that_do_not_add_up_name_both_reports(found):
    r = one(found, "monthly_vs_annual")
    assert r.credit_code == "G1" and r["name"] == "企业G1"
    assert (r.a_table, r.a_value, r.a_batches) == ("statistics_monthly", pytest.approx(1200.0), "21,22")
    assert (r.b_table, r.b_field, r.b_value, r.b_batches) == ("statistics_annual", "gross_output", 1000.0, "11")
    assert r.deviation == pytest.approx(0.2)


def test_tax_far_above_revenue_band_names_tax_and_statistics(found):
    r = one(found, "tax_vs_revenue")
    assert r.credit_code == "G2"
    assert (r.a_table, r.a_value, r.a_batches) == ("tax", 400.0, "31")
    assert (r.b_table, r.b_value, r.b_batches) == ("statistics_annual", 1000.0, "11")
    assert r.deviation == pytest.approx(0.4)


def test_power_far_from_the_division_median_per_output(found):
    r = one(found, "power_vs_output")
    assert r.credit_code == "G3"
    assert r.a_table == "energy" and r.a_value == pytest.approx(1_200_000.0) and r.a_batches == "41"
    assert r.b_table == "statistics_annual" and r.b_value == 1000.0
    assert r.deviation == pytest.approx(10.0)


def test_monthly_electricity_against_daily_readings(found):
    r = one(found, "energy_vs_power_daily")
    assert (r.credit_code, r.period) == ("G4", "2024-03")
    assert (r.a_table, r.a_value, r.a_batches) == ("energy", 10000.0, "41")
    assert (r.b_table, r.b_value, r.b_batches) == ("power_daily", pytest.approx(15500.0), "51")


def test_consistent_firms_are_not_listed(found):
    assert set(found["credit_code"]) == {"G1", "G2", "G3", "G4"}
