"""Explanation, distance to the next grade, what-if and year-to-date monitoring."""

from __future__ import annotations

import pandas as pd
import pytest
from carbon_city import City, methodology, random_city
from conformance import run_on

from zhizao.carbon import evaluate
from zhizao.carbon.explain import FirmNotFound, explain
from zhizao.carbon.monitor import summary, ytd
from zhizao.carbon.whatif import WhatIfError, whatif

GRID = 0.5366e-3


def _load(engine, city: City):  # type: ignore[no-untyped-def]
    for name, df in city.tables().items():
        engine.register(name, df)
    return engine


def _fibre_city() -> tuple[City, str]:
    city = City(2022)
    a = city.firm(1, industry="2822", value_added=1000.0,
                  energy={"electricity": 5000.0 / GRID, "raw_coal": 2010.0 / 1.9003})
    city.firm(2, industry="2821", value_added=1000.0, energy={"raw_coal": 5990.0 / 1.9003})
    city.firm(3, industry="2821", value_added=0.0, energy={"raw_coal": 99999.0})  # ungraded: not in the benchmark
    return city, a


def test_explain_breaks_emissions_down_and_names_the_benchmark(duck):
    city, a = _fibre_city()
    d = explain(_load(duck, city), methodology(2022), 2022, a)
    by = {e["energy_type"]: e for e in d["by_energy"]}
    assert by["electricity"]["emissions_t"] == pytest.approx(5000.0)
    assert by["raw_coal"]["emissions_t"] == pytest.approx(2010.0)
    assert by["raw_coal"]["energy_tce"] == pytest.approx(2010.0 / 1.9003 * 0.7143)
    assert d["benchmark"] == {"code": "28", "level": "division", "statistic": "aggregate", "firms": 2,
                              "sum_net_emissions_t": pytest.approx(13000.0), "sum_value_added": 1000.0 * 2,
                              "intensity": pytest.approx(6.5)}
    assert d["result"]["label"] == "高碳3级"


def _k_after(duck, city: City, cc: str, energy_scale: float = 1.0, va_add: float = 0.0) -> float:  # type: ignore[no-untyped-def]
    t = city.tables()
    e = t["energy"].copy()
    e.loc[e["credit_code"] == cc, "quantity"] *= energy_scale
    s = t["statistics_annual"].copy()
    s.loc[s["credit_code"] == cc, "value_added"] += va_add
    out = run_on(duck, evaluate, {**t, "energy": e, "statistics_annual": s}, methodology(2022), 2022)
    return float(out.set_index("credit_code").loc[cc, "k_value"])


def test_distance_to_next_grade_is_exact_with_the_moving_benchmark(duck):
    city, a = _fibre_city()
    d = explain(_load(duck, city), methodology(2022), 2022, a)
    nxt = d["next_grade"]
    assert nxt["target_grade"] == 2 and nxt["target_k"] == 0.8
    # cutting exactly that much (all fuels alike) lands on K = 0.8; the fixed-benchmark figure falls short
    e = d["result"]["net_emissions_t"]
    assert _k_after(duck, city, a, energy_scale=(e - nxt["cut_emissions_t"]) / e) == pytest.approx(0.8)
    assert _k_after(duck, city, a, energy_scale=(e - nxt["cut_emissions_t_fixed_benchmark"]) / e) > 0.8
    assert _k_after(duck, city, a, va_add=nxt["add_value_added"]) == pytest.approx(0.8)
    assert nxt["cut_emissions_t"] > nxt["cut_emissions_t_fixed_benchmark"]


def test_distance_with_the_mean_benchmark(duck):
    city, a = _fibre_city()
    m = methodology(2022, benchmark={"statistic": "mean"})
    _load(duck, city)
    d = explain(duck, m, 2022, a)
    nxt = d["next_grade"]
    t = city.tables()
    e = t["energy"].copy()
    e.loc[e["credit_code"] == a, "quantity"] *= (d["result"]["net_emissions_t"] - nxt["cut_emissions_t"]) / \
        d["result"]["net_emissions_t"]
    out = run_on(duck, evaluate, {**t, "energy": e}, m, 2022).set_index("credit_code")
    assert out.loc[a, "k_value"] == pytest.approx(0.8)


def test_best_grade_and_lonely_firm_have_no_distance(duck):
    city = City(2022)
    lonely = city.firm(1, industry="1713", energy={"raw_coal": 10.0})
    best = city.firm(2, industry="2821", value_added=1000.0, energy={"raw_coal": 1.0})
    city.firm(3, industry="2821", value_added=1000.0, energy={"raw_coal": 100.0})
    _load(duck, city)
    m = methodology(2022)
    assert explain(duck, m, 2022, best)["next_grade"]["target_grade"] is None
    lone = explain(duck, m, 2022, lonely)
    assert lone["result"]["k_value"] == pytest.approx(1.0)
    assert lone["next_grade"]["cut_emissions_t"] is None and "仅本企业" in lone["next_grade"]["message"]
    with pytest.raises(FirmNotFound):
        explain(duck, m, 2022, "91330502MA00000000")


def test_whatif_recomputes_without_touching_the_inputs(duck):
    city, a = _fibre_city()
    _load(duck, city)
    m = methodology(2022)
    d = whatif(duck, m, 2022, a, {"savings": {"electricity": 10}, "coal_to_gas_t": 500.0, "pv_kwh": 1e6})
    coal = 2010.0 / 1.9003
    gas_m3 = 500 * 0.7143 / 12.143 * 1e4
    expected = 7010.0 - 500.0 - 500 * 1.9003 + gas_m3 * 21.622e-4 - 1e6 * GRID
    assert d["after"]["emissions_t"] == pytest.approx(expected)
    # the benchmark moves with the firm: (other firm 5990 + new E) / 2000
    assert d["after"]["benchmark_intensity"] == pytest.approx((5990.0 + expected) / 2000)
    assert d["after"]["neutrality_rate"] == pytest.approx(1e6 * GRID / expected)
    assert d["before"]["emissions_t"] == pytest.approx(7010.0)
    # stored inputs unchanged
    stored = duck.to_pandas(duck.table("energy"))
    assert stored.loc[(stored.credit_code == a) & (stored.energy_type == "raw_coal"), "quantity"].sum() == \
        pytest.approx(coal)
    assert "natural_gas" not in set(stored.energy_type)


def test_whatif_caps_substitutions_and_rejects_bad_changes(duck):
    city, a = _fibre_city()
    _load(duck, city)
    m = methodology(2022)
    d = whatif(duck, m, 2022, a, {"coal_to_gas_t": 1e9})
    assert "封顶" in d["applied"][0]
    assert d["after"]["emissions_t"] > 5000.0  # electricity stays
    with pytest.raises(WhatIfError):
        whatif(duck, m, 2022, a, {"savings": {"wood": 10}})
    with pytest.raises(WhatIfError):
        whatif(duck, m, 2022, a, {"savings": {"raw_coal": 150}})


def test_year_to_date_december_equals_the_annual_grade(duck):
    city = random_city(30, seed=3)
    t = city.tables()
    # monitoring has no publication gate: compare with the annual rules without it, on the
    # annual population (firms with the year's statistics)
    m = methodology(2022, gate=[])
    months = run_on(duck, ytd, t, m, 2022, sort_by=("credit_code", "month"))
    annual = run_on(duck, evaluate, t, m, 2022)
    dec = months[pd.to_datetime(months["month"]).dt.month == 12]
    dec = dec[dec["credit_code"].isin(annual["credit_code"])].reset_index(drop=True)
    assert len(dec) == len(annual) == 30
    assert (dec["grade"].fillna(0) == annual["grade"].fillna(0)).all()
    assert ((dec["k_value"] - annual["k_value"]).abs().fillna(0) < 1e-9).all()
    assert (dec["reason"].fillna("") == annual["reason"].fillna("")).all()
    # cumulative emissions never fall for a firm without exports or offsets
    for _, part in months.groupby("credit_code"):
        assert part["emissions_t"].fillna(0).is_monotonic_increasing


def test_year_to_date_sees_a_firm_drifting(duck):
    city = City(2022)
    a = city.firm(1, value_added=1200.0, energy={"raw_coal": 600.0})
    city.firm(2, value_added=1200.0, energy={"raw_coal": 600.0})
    t = city.tables()
    # firm a burns ten times more coal from July on: K_a(Jan–Jul) = 800/575 ≈ 1.39, grade 4
    e = t["energy"]
    late = (e.credit_code == a) & (pd.to_datetime(e.month).dt.month >= 7)
    e.loc[late, "quantity"] *= 10
    for name, df in t.items():
        duck.register(name, df)
    s = summary(duck, methodology(2022), 2022, 7)
    assert s["month"] == "2022-07"
    assert [w["credit_code"] for w in s["worsened"]] == [a]
    june = summary(duck, methodology(2022), 2022, 6)
    assert june["worsened"] == [] and june["months"][5]["grades"] == {"3": 2}



def test_the_prepared_explanations_are_each_firms_own_explanation(duck):
    """Every firm's explanation read from the year's preparation (one evaluation for all) is the
    explanation computed for that firm alone; a firm without a row is not found in either."""
    from zhizao.carbon.explain import explain_all, explain_prepared

    city = random_city(40, seed=11)
    _load(duck, city)
    m = methodology(2022)
    prepared = explain_all(duck, m, 2022)
    # every third firm of the 40: each explanation alone is an evaluation of its own (about a
    # second), and the comparison needs graded, ungraded and missing firms, not all 40
    codes = sorted(city.tables()["enterprises"]["credit_code"])[::3]
    graded = missing = 0
    for code in codes:
        try:
            one = explain(duck, m, 2022, code)
        except FirmNotFound:  # no row that year (no data): not prepared either
            with pytest.raises(FirmNotFound):
                explain_prepared(m, 2022, code, prepared)
            missing += 1
            continue
        # exactly: the sums are exact (zhizao.sums), so one evaluation for all firms and one per
        # firm give the same bits
        assert explain_prepared(m, 2022, code, prepared) == one, code
        graded += one["result"]["status"] == "graded"
    assert 0 < graded < len(codes) - missing  # graded and ungraded firms both compared
    with pytest.raises(FirmNotFound):
        explain_prepared(m, 2022, "91330500MA0000000X", prepared)
