"""The carbon-efficiency method: published case, hand-computed factors, ungraded reasons, engines."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from carbon_city import City, methodology, random_city
from conformance import assert_same, run_on

from zhizao.carbon import CAPABILITY, evaluate, notes_for, to_rows
from zhizao.carbon.method import (
    CONTRACT_FIELDS,
    REASON_BAD_VA,
    REASON_NO_ENERGY,
    REASON_NO_STATS,
)
from zhizao.carbon.monitor import ytd


def _run(engine, city: City, m=None, year: int | None = None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    y = year or city.year
    return run_on(engine, evaluate, city.tables(), m or methodology(y), y).set_index("credit_code", drop=False)


def test_chemical_fibre_firm_at_7_01_is_high_carbon_grade_3(engine):
    """The published case: a chemical-fibre firm (division 28) at 7.01 tCO2/万元 in 2022 was 高碳3级.

    The case is built so that its benchmark is known: a second fibre firm at 5.99 t/万元 with the
    same value added makes the division's aggregate intensity (7010 + 5990) / 2000 = 6.5, so
    K = 7.01 / 6.5 = 1.0785, in grade 3's band (0.8, 1.2].
    """
    city = City(2022)
    grid = 0.5366e-3  # t/kWh, national average 2022
    fibre = city.firm(1, industry="2822", value_added=1000.0, energy={"electricity": 7010.0 / grid})
    city.firm(2, industry="2821", value_added=1000.0, energy={"raw_coal": 5990.0 / 1.9003})
    city.firm(3, industry="3311", value_added=1000.0, energy={"raw_coal": 100.0})  # another division
    out = _run(engine, city)
    row = out.loc[fibre]
    assert row["intensity"] == pytest.approx(7.01)
    assert row["benchmark_intensity"] == pytest.approx(6.5)
    assert row["k_value"] == pytest.approx(7.01 / 6.5)
    assert row["level"] == "高碳"
    assert row["grade"] == 3
    assert row["label"] == "高碳3级"
    assert row["colour"] == "黄"
    assert row["benchmark_code"] == "28" and row["benchmark_firms"] == 2
    assert row["status"] == "graded"


@pytest.mark.parametrize(("energy_type", "quantity", "expected_t"), [
    ("raw_coal", 100.0, 190.03),
    ("coke", 100.0, 286.04),
    ("crude_oil", 100.0, 302.02),
    ("fuel_oil", 100.0, 317.05),
    ("gasoline", 100.0, 292.51),
    ("diesel", 100.0, 309.59),
    ("lpg", 100.0, 310.13),
    ("natural_gas", 10_000.0, 21.622),          # 1 万m³ at 21.622 t/万m³
    ("electricity", 10_000.0, 5.366),            # 1 万kWh at 0.5366 kg/kWh (2022)
    ("heat", 100.0, 11.0),                       # 100 GJ at 0.11 t/GJ (DEFAULT)
])
def test_each_fuel_hand_computed(duck, energy_type, quantity, expected_t):
    city = City(2022)
    cc = city.firm(1, value_added=10.0, energy={energy_type: quantity})
    row = _run(duck, city).loc[cc]
    assert row["emissions_t"] == pytest.approx(expected_t, rel=1e-12)
    assert row["intensity"] == pytest.approx(expected_t / 10.0, rel=1e-12)


def test_electricity_2021_uses_the_2021_grid_factor(duck):
    city = City(2021)
    cc = city.firm(1, energy={"electricity": 10_000.0})
    assert _run(duck, city).loc[cc, "emissions_t"] == pytest.approx(5.568)


def test_exports_are_netted_and_biomass_is_reported_apart(duck):
    city = City(2022)
    cc = city.firm(1, energy={"electricity": 20_000.0, "exported_electricity": 5_000.0, "heat": 100.0,
                              "exported_heat": 40.0, "biomass": 7.0})
    row = _run(duck, city).loc[cc]
    assert row["electricity_emissions_t"] == pytest.approx(15_000 * 0.5366e-3)
    assert row["heat_emissions_t"] == pytest.approx(60 * 0.11)
    assert row["emissions_t"] == pytest.approx(15_000 * 0.5366e-3 + 6.6)
    assert row["biomass_t"] == pytest.approx(7.0)


def test_zero_carbon_power_and_sinks_net_but_self_used_pv_only_offsets(duck):
    city = City(2022)
    cc = city.firm(1, value_added=100.0, energy={"electricity": 100_000.0},
                   zero={"pv_self_use": 10_000.0, "green_power": 20_000.0, "green_certificate": 5_000.0,
                         "sink": 2.0})
    row = _run(duck, city).loc[cc]
    gross = 100_000 * 0.5366e-3
    net = gross - 25_000 * 0.5366e-3 - 2.0
    offsets = 35_000 * 0.5366e-3 + 2.0
    assert row["emissions_t"] == pytest.approx(gross)
    assert row["net_emissions_t"] == pytest.approx(net)
    assert row["intensity"] == pytest.approx(net / 100.0)
    assert row["offsets_t"] == pytest.approx(offsets)
    assert row["neutrality_rate"] == pytest.approx(offsets / gross)


def test_ungraded_firms_have_reasons_and_stay_out_of_the_benchmark(duck):
    # without the gate (a methodology may list no checks) the rules of METHODS.md §1 alone apply
    city = City(2022)
    good = city.firm(1, value_added=100.0, energy={"raw_coal": 100.0})
    zero_va = city.firm(3, value_added=0.0, energy={"raw_coal": 10_000.0})
    neg_va = city.firm(4, value_added=-50.0, energy={"raw_coal": 10_000.0})
    no_energy = city.firm(5, value_added=5000.0)
    out = _run(duck, city, methodology(2022, gate=[]))
    assert out.loc[good, "status"] == "graded" and pd.isna(out.loc[good, "reason"])
    assert out.loc[good, "benchmark_firms"] == 1
    assert out.loc[good, "k_value"] == pytest.approx(1.0)  # alone in its benchmark
    for cc, reason in ((zero_va, REASON_BAD_VA), (neg_va, REASON_BAD_VA), (no_energy, REASON_NO_ENERGY)):
        row = out.loc[cc]
        assert row["status"] == "ungraded"
        assert row["reason"] == reason
        assert pd.isna(row["grade"]) and pd.isna(row["k_value"]) and pd.isna(row["level"])


def test_firms_without_the_years_statistics_are_outside_the_population(duck):
    # 规上 is read from statistics_annual: a firm without the year's statistics is in no track
    # (it was listed as ungraded before the population rule of DB33/T 1347 was applied)
    city = City(2022)
    city.firm(1, value_added=100.0, energy={"raw_coal": 100.0})
    no_stats = city.firm(2, stats=False, energy={"raw_coal": 10_000.0})
    out = _run(duck, city)
    assert no_stats not in out.index and len(out) == 1
    assert REASON_NO_STATS  # still the reason of the year-to-date monitoring without statistics


def test_energy_of_another_year_does_not_count(duck):
    city = City(2022)
    cc = city.firm(1, energy={"raw_coal": 100.0})
    other = City(2021)
    other.firm(1, energy={"raw_coal": 999.0})
    t = city.tables()
    t["energy"] = pd.concat([t["energy"], other.tables()["energy"]], ignore_index=True)
    out = run_on(duck, evaluate, t, methodology(2022), 2022).set_index("credit_code")
    assert out.loc[cc, "emissions_t"] == pytest.approx(190.03)


def test_grade_boundaries_are_inclusive_on_the_upper_side(duck):
    # A: L = 0.6, B: L = 1.4, equal VA → benchmark 1.0, K_A = 0.6 exactly: grade 1 and 低碳 ("≤ 0.6")
    city = City(2022)
    a = city.firm(1, value_added=1000.0, energy={"raw_coal": 600.0 / 1.9003})
    city.firm(2, value_added=1000.0, energy={"raw_coal": 1400.0 / 1.9003})
    row = _run(duck, city).loc[a]
    assert row["k_value"] == pytest.approx(0.6, abs=1e-12)
    assert row["grade"] == (1 if row["k_value"] <= 0.6 else 2)
    assert row["level"] == ("低碳" if row["intensity"] <= 0.6 else "中碳")


def test_benchmark_level_and_statistic_are_settings(duck):
    city = City(2022)
    a = city.firm(1, industry="2821", value_added=100.0, energy={"raw_coal": 100.0})
    city.firm(2, industry="2821", value_added=300.0, energy={"raw_coal": 100.0})
    city.firm(3, industry="2822", value_added=100.0, energy={"raw_coal": 500.0})
    division = _run(duck, city).loc[a]
    assert division["benchmark_code"] == "28" and division["benchmark_firms"] == 3
    assert division["benchmark_intensity"] == pytest.approx(700 * 1.9003 / 500)
    m_class = methodology(2022, benchmark={"level": "class"})
    klass = _run(duck, city, m_class).loc[a]
    assert klass["benchmark_code"] == "2821" and klass["benchmark_firms"] == 2
    assert klass["benchmark_intensity"] == pytest.approx(200 * 1.9003 / 400)
    m_mean = methodology(2022, benchmark={"level": "class", "statistic": "mean"})
    mean = _run(duck, city, m_mean).loc[a]
    assert mean["benchmark_intensity"] == pytest.approx((1.9003 + 1.9003 / 3) / 2)


def test_grid_factor_variants_and_regional_fallback(duck):
    city = City(2022)
    zj = city.firm(1, region="330502", energy={"electricity": 10_000.0})
    gd = city.firm(2, region="440106", energy={"electricity": 10_000.0})
    js = city.firm(3, region="320102", energy={"electricity": 10_000.0})
    fossil = _run(duck, city, methodology(2022, electricity={"variant": "fossil"}))
    assert fossil.loc[zj, "emissions_t"] == pytest.approx(8.325)
    # provincial scope: Zhejiang's own 2022 factor (0.5153); Jiangsu has none shipped → East China
    # (0.5617); Guangdong, outside every shipped region → national (0.5366)
    prov = _run(duck, city, methodology(2022, electricity={"scope": "provincial"}))
    assert prov.loc[zj, "emissions_t"] == pytest.approx(5.153)
    assert prov.loc[js, "emissions_t"] == pytest.approx(5.617)
    assert prov.loc[gd, "emissions_t"] == pytest.approx(5.366)
    # regional scope: Zhejiang and Jiangsu both East China
    reg = _run(duck, city, methodology(2022, electricity={"scope": "regional"}))
    assert reg.loc[zj, "emissions_t"] == pytest.approx(5.617) == reg.loc[js, "emissions_t"]
    notes = notes_for(methodology(2022, electricity={"scope": "provincial"}), 2022)
    assert any("0.5153" in n for n in notes)


def test_a_year_without_published_factors_uses_the_latest_earlier_and_says_so(duck):
    # the 2023 factors (MEE/NBS, January 2026) now stand in for 2024, no longer 2022's 0.5366
    m = methodology(2024)
    city = City(2024)
    cc = city.firm(1, energy={"electricity": 10_000.0})
    assert _run(duck, city, m, 2024).loc[cc, "emissions_t"] == pytest.approx(5.306)
    fallback = [n for n in notes_for(m, 2024) if "沿用" in n]
    assert len(fallback) == 1 and "2024" in fallback[0] and "2023" in fallback[0] and "0.5306" in fallback[0]
    assert not [n for n in notes_for(methodology(2022), 2022) if "沿用" in n]


def test_realistic_small_city_duckdb_equals_spark(engine, duck):
    city = random_city(40, seed=11)
    m = methodology(2022)
    got = run_on(engine, evaluate, city.tables(), m, 2022)
    ref = run_on(duck, evaluate, city.tables(), m, 2022)
    assert_same(got, ref)
    # firms without energy (output without energy) and with negative output are held by the gate
    assert set(ref["status"]) == {"graded", "held"}
    assert ref["grade"].dropna().between(1, 5).all()


def test_year_to_date_duckdb_equals_spark(engine, duck):
    # cross join, cumulative windows and a per-month benchmark; Spark pays per stage, not per row,
    # so a handful of firms covers it
    city = random_city(8, seed=2)
    keys = ("credit_code", "month")
    got = run_on(engine, ytd, city.tables(), methodology(2022), 2022, sort_by=keys)
    ref = run_on(duck, ytd, city.tables(), methodology(2022), 2022, sort_by=keys)
    assert_same(got, ref)
    assert len(ref) == 8 * 12


def test_results_rows_carry_the_contract_fields(duck):
    city = random_city(10)
    out = evaluate({k: duck.register(f"t_{k}", v) for k, v in city.tables().items()}, methodology(2022), 2022)
    table = duck.to_pyarrow(out)
    rows = to_rows(table)
    assert len(rows) == 10
    assert list(rows[0])[: len(CONTRACT_FIELDS)] == list(CONTRACT_FIELDS)
    assert rows == sorted(rows, key=lambda r: r["credit_code"])
    assert all(v == v for r in rows for v in r.values() if isinstance(v, float))  # no NaN
    assert set(CAPABILITY.extra["headers"]) >= set(table.column_names)
    assert isinstance(table, pa.Table)


def test_the_evaluation_is_compiled_once_per_methodology_and_year_and_reads_the_data_of_the_moment(duck, own_sql):
    """The expression does not depend on the data: the second city of the same tables reuses the
    first one's SQL (nothing built or compiled) and still gets its own results; another year or
    methodology compiles again."""
    from zhizao.carbon.method import build
    from zhizao.engine import compiled as cc

    m = methodology(2022)
    first, second = random_city(30, seed=3), random_city(30, seed=4)
    before = dict(cc.stats)
    one = run_on(duck, evaluate, first.tables(), m, 2022)
    got = run_on(duck, evaluate, second.tables(), m, 2022)
    assert (cc.stats["compiled"] - before["compiled"], cc.stats["memory"] - before["memory"]) == (1, 1)
    assert_same(got, run_on(duck, build, second.tables(), m, 2022))
    assert not got["net_emissions_t"].equals(one["net_emissions_t"])  # the second city's own figures
    run_on(duck, evaluate, second.tables(), methodology(2023), 2023)
    assert cc.stats["compiled"] - before["compiled"] == 2
