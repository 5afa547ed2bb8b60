"""The publication gate, the population, imported benchmarks, the 2023 factors and the band
boundaries of the carbon method (METHODS.md §1; issue 11)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from carbon_city import City, methodology, random_city
from conformance import assert_same, run_on
from conformance import shared_duck as _duck
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhizao.carbon import evaluate
from zhizao.carbon.method import REASON_NO_ENERGY, REASON_NO_PUBLISHED_BENCHMARK
from zhizao.sums import SCALE


def _run(engine, city: City, m=None, year: int | None = None, **kw) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    y = year or city.year
    return run_on(engine, evaluate, city.tables(), m or methodology(y), y, **kw).set_index("credit_code", drop=False)


def _bench(value: float = 1.0, year: int = 2022, industry: str = "28"):  # type: ignore[no-untyped-def]
    """The shipped methodology with a published benchmark L̄ for one division and year."""
    m = methodology(year)
    data = m.model_dump()
    data["sources"]["prov-bench"] = "某省公布的行业基准碳排放强度（测试）"
    data["benchmark"] |= {"origin": "imported",
                          "values": [{"industry": industry, "year": year, "value": value, "source": "prov-bench"}]}
    return type(m).model_validate(data)


# ---------------------------------------------------------------------------- factors


def test_a_million_kwh_electricity_only_firm_emits_530_6_t_in_2023(duck):
    # MEE/NBS 2023 national average 0.5306 kgCO2/kWh: 1,000,000 kWh → 530.6 t
    city = City(2023)
    cc = city.firm(1, energy={"electricity": 1_000_000.0})
    row = _run(duck, city).loc[cc]
    assert row["emissions_t"] == pytest.approx(530.6, abs=1e-9)
    assert row["grid_factor"] == pytest.approx(0.5306e-3)


def test_regional_scope_uses_the_east_china_factor_of_2023(duck):
    city = City(2023)
    zj = city.firm(1, region="330502", energy={"electricity": 1_000_000.0})
    gd = city.firm(2, region="440106", energy={"electricity": 1_000_000.0})
    out = _run(duck, city, methodology(2023, electricity={"scope": "regional"}))
    assert out.loc[zj, "emissions_t"] == pytest.approx(550.0)  # 华东 0.5500
    assert out.loc[gd, "emissions_t"] == pytest.approx(530.6)  # no southern factor shipped: national


# ---------------------------------------------------------------------------- band boundaries


@pytest.mark.parametrize(("k", "grade"), [(0.6, 1), (1.2, 3), (2.0, 4), (2.01, 5)])
def test_grade_boundaries_on_the_published_k(duck, k, grade):
    # a published benchmark L̄ = 1.0 makes K = L; the firm's L = k from coal (1.9003 t/t)
    city = City(2022)
    cc = city.firm(1, industry="2821", value_added=1000.0, energy={"raw_coal": k * 1000.0 / 1.9003})
    row = _run(duck, city, _bench(1.0)).loc[cc]
    assert row["k_value"] == pytest.approx(k)
    assert row["grade"] == grade


@pytest.mark.parametrize(("intensity", "level"), [(0.6, "低碳"), (0.61, "中碳"), (2.0, "中碳"), (2.01, "高碳")])
def test_level_boundaries_on_the_published_intensity(duck, intensity, level):
    city = City(2022)
    cc = city.firm(1, industry="2821", value_added=1000.0, energy={"raw_coal": intensity * 1000.0 / 1.9003})
    assert _run(duck, city).loc[cc, "level"] == level


# ---------------------------------------------------------------------------- benchmarks


def test_an_imported_benchmark_replaces_the_citys_own_and_names_its_source(duck):
    city = City(2022)
    a = city.firm(1, industry="2821", value_added=1000.0, energy={"raw_coal": 1000.0})
    b = city.firm(2, industry="3311", value_added=1000.0, energy={"raw_coal": 1000.0})
    out = _run(duck, city, _bench(2.5))
    assert out.loc[a, "benchmark_intensity"] == pytest.approx(2.5)
    assert out.loc[a, "k_value"] == pytest.approx(1.9003 / 2.5)
    assert "某省公布" in out.loc[a, "benchmark_source"]
    # division 33 has no published value: ungraded, said so
    assert out.loc[b, "status"] == "ungraded" and out.loc[b, "reason"] == REASON_NO_PUBLISHED_BENCHMARK


def test_benchmarks_table_is_read_when_the_methodology_lists_none(duck):
    city = City(2023)
    a = city.firm(1, industry="2821", value_added=1000.0, energy={"raw_coal": 1000.0})
    m = methodology(2023, benchmark={"origin": "imported"})
    t = city.tables()
    t["benchmarks"] = pd.DataFrame({"industry_code": ["28", "28"], "year": pd.Series([2022, 2023], dtype="int32"),
                                    "intensity": [9.0, 3.8006], "source": ["2022 公布值", "浙江省 2023 年行业基准"]})
    out = run_on(duck, evaluate, t, m, 2023).set_index("credit_code")
    assert out.loc[a, "benchmark_intensity"] == pytest.approx(3.8006)
    assert out.loc[a, "k_value"] == pytest.approx(0.5)
    assert out.loc[a, "benchmark_source"] == "浙江省 2023 年行业基准"


# ---------------------------------------------------------------------------- population


def test_only_above_scale_firms_existing_in_the_year_are_graded_by_default(duck):
    city = City(2022)
    big = city.firm(1, value_added=1000.0, energy={"raw_coal": 1000.0})
    small = city.firm(2, value_added=100.0, energy={"raw_coal": 900.0}, above_scale=False)
    later = city.firm(3, value_added=1000.0, energy={"raw_coal": 1000.0}, founded_on=dt.date(2023, 3, 1))
    out = _run(duck, city)
    assert list(out.index) == [big]
    assert out.loc[big, "track"] == "above_scale" and out.loc[big, "k_value"] == pytest.approx(1.0)
    both = _run(duck, city, methodology(2022, population={"tracks": ["above_scale", "below_scale"]}))
    assert set(both.index) == {big, small} and later not in both.index
    # 规下 is its own track with its own benchmark: never mixed into the 规上 one
    assert both.loc[small, "track"] == "below_scale"
    assert both.loc[small, "k_value"] == pytest.approx(1.0) and both.loc[big, "k_value"] == pytest.approx(1.0)
    assert both.loc[big, "benchmark_firms"] == 1


# ---------------------------------------------------------------------------- the gate


def _mixup_city(n: int = 6, seed: int = 4) -> tuple[City, str]:
    city = random_city(n, seed=seed)
    cc = city.firm(500, industry="2821", value_added=800.0, energy={"electricity": 1_200_000.0})
    city.scale_month(cc, 12, 10_000.0)  # a 千瓦时 figure labelled 万千瓦时
    return city, cc


def test_a_unit_mixup_is_held_with_its_check_and_counts_in_no_benchmark(engine, duck):
    # DuckDB = Spark on a held case
    city, cc = _mixup_city()
    m = methodology(2022)
    got = run_on(engine, evaluate, city.tables(), m, 2022)
    ref = run_on(duck, evaluate, city.tables(), m, 2022)
    assert_same(got, ref)
    out = ref.set_index("credit_code")
    row = out.loc[cc]
    assert row["status"] == "held" and row["held_check"] == "unit_mixup"
    assert "单位误标" in row["reason"]
    assert pd.isna(row["grade"]) and pd.isna(row["k_value"]) and pd.isna(row["benchmark_intensity"])
    assert row["emissions_t"] > 5e5  # the figure is kept for the reviewer
    peers = out[(out["benchmark_code"] == "28") & (out.index != cc)]
    assert (peers["benchmark_firms"] == (peers["status"] == "graded").sum()).all()


def test_a_month_ten_times_the_firms_median_is_held(duck):
    city = City(2022)
    cc = city.firm(1, value_added=1000.0, energy={"electricity": 1_200_000.0})
    city.firm(2, value_added=1000.0, energy={"electricity": 1_200_000.0})
    city.scale_month(cc, 7, 10.0)
    row = _run(duck, city).loc[cc]
    assert row["status"] == "held" and row["held_check"] == "month_spike"
    nine = City(2022)
    ok = nine.firm(1, value_added=1000.0, energy={"electricity": 1_200_000.0})
    nine.scale_month(ok, 7, 9.5)
    assert _run(duck, nine).loc[ok, "status"] == "graded"


def test_energy_without_output_and_output_without_energy_are_held(duck):
    city = City(2022)
    city.firm(1, value_added=1000.0, energy={"raw_coal": 100.0})
    no_output = city.firm(2, value_added=10.0, gross_output=0.0, energy={"raw_coal": 100.0})
    no_energy = city.firm(3, value_added=1000.0)
    out = _run(duck, city)
    assert out.loc[no_output, "held_check"] == "energy_without_output"
    assert out.loc[no_energy, "held_check"] == "output_without_energy"
    assert out.loc[no_energy, "reason"].startswith("有产出无能耗")


def test_a_released_firm_is_graded_by_the_ordinary_rules(duck):
    city = City(2022)
    city.firm(1, value_added=1000.0, energy={"raw_coal": 100.0})
    no_energy = city.firm(3, value_added=1000.0)
    spike = city.firm(4, value_added=1000.0, energy={"electricity": 1_200_000.0})
    city.scale_month(spike, 7, 10.0)
    out = _run(duck, city, released=[no_energy, spike])
    assert out.loc[no_energy, "status"] == "ungraded" and out.loc[no_energy, "reason"] == REASON_NO_ENERGY
    assert out.loc[spike, "status"] == "graded" and out.loc[spike, "benchmark_firms"] == 2


firm_st = st.fixed_dictionaries({
    "value_added": st.floats(10.0, 1e5),
    "energy": st.dictionaries(st.sampled_from(["electricity", "raw_coal", "natural_gas"]), st.floats(1.0, 1e7),
                              min_size=1, max_size=3),
    "industry": st.sampled_from(["2821", "2822", "3311"]),
})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(firm_st, min_size=1, max_size=8), st.sampled_from(["2821", "3311"]),
       st.sampled_from([10_000.0, 1e-4, 25.0]), st.integers(1, 12))
def test_a_held_firm_never_changes_the_others_beyond_its_own_exclusion(firms, industry, factor, month):
    """Adding a firm that the gate holds leaves every other firm's row exactly as without it."""
    base = City(2022)
    for i, f in enumerate(firms):
        base.firm(i, industry=f["industry"], value_added=f["value_added"], energy=f["energy"])
    with_held = City(2022)
    with_held.firms = list(base.firms)  # the same firms (scale_month below changes only the new one)
    cc = with_held.firm(900, industry=industry, value_added=500.0, energy={"electricity": 600_000.0})
    with_held.scale_month(cc, month, factor)
    m = methodology(2022)
    a = run_on(_duck(), evaluate, base.tables(), m, 2022).set_index("credit_code")
    b = run_on(_duck(), evaluate, with_held.tables(), m, 2022).set_index("credit_code")
    assert b.loc[cc, "status"] == "held"
    others = b.drop(index=cc)
    assert_same(a.reset_index(), others.reset_index(), rel=1e-12)


def test_a_month_reported_in_two_rows_is_checked_on_its_total(duck):
    # six months reported; each of March's two rows is six times the median month, March's
    # total twelve times: held
    city = City(2022)
    cc = city.firm(1, value_added=1000.0, months=6, energy={"electricity": 600_000.0})
    city.firm(2, value_added=1000.0, energy={"electricity": 1_200_000.0})
    city.scale_month(cc, 3, 6.0)
    tables = city.tables()
    e = tables["energy"]
    march = e[(e["credit_code"] == cc) & (e["month"].map(lambda d: d.month) == 3)]
    tables["energy"] = pd.concat([e, march], ignore_index=True)
    out = run_on(duck, evaluate, tables, methodology(2022), 2022).set_index("credit_code")
    assert out.loc[cc, "status"] == "held" and out.loc[cc, "held_check"] == "month_spike"
    assert _run(duck, city).loc[cc, "status"] == "graded"  # one row of six times the median passes


# the month checks' edges (methodology: spike at 10× the median month, mix-up at 10,000 ÷/× 3)
_EDGES = [1.0, 1.3, 6.0, 9.999999, 10.0, 10.000001, 3333.333, 3333.3334, 10_000.0, 29_999.99, 30_000.0, 30_000.01,
          1e-4, 1 / 3333.333, 0.0, -5.0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(2, 12), st.lists(st.sampled_from(_EDGES), min_size=1, max_size=3),
                          st.lists(st.sampled_from([1, 6, 11]), max_size=3), st.booleans()),
                min_size=1, max_size=6))
@example(firms=[(2, [1.0], [], False), (7, [1.0, 0.0001], [6, 6], True)])
def test_the_gate_holds_exactly_the_firms_whose_monthly_totals_fail_a_check(firms):
    """The gate screens (firm, energy type) pairs on their rows before it sums months and takes
    medians; the firms it holds are those that the straightforward definition holds: every
    month's total, its median, the thresholds (several rows in one month included). A month's
    total is added exactly, as the method adds (zhizao.sums): a ratio that falls on a threshold
    exactly (three rows of a tenth of a thousandth of the median month: 10,000 ÷ 3) is then
    judged the same way by both, where two float sums could land either side of it."""
    city = City(2022)
    for i, (months, factors, _, _) in enumerate(firms):
        cc = city.firm(i, value_added=1000.0, months=months, energy={"electricity": 1_200_000.0, "raw_coal": 600.0})
        for k, f in enumerate(factors):
            city.scale_month(cc, 1 + (k * 5) % months, f, "electricity" if k % 2 == 0 else "raw_coal")
    tables = city.tables()
    energy = tables["energy"]
    extra = []
    for i, (_, _, repeats, both) in enumerate(firms):
        cc = city.firms[i].code
        for month in repeats:  # a second row in a month (often a scaled one): the month's total counts
            rows = energy[(energy["credit_code"] == cc) & (energy["month"].map(lambda d: d.month) == month)]
            extra.append(rows.head(2 if both else 1))
    if extra:
        tables["energy"] = pd.concat([energy, *extra], ignore_index=True)
    m = methodology(2022)
    out = run_on(_duck(), evaluate, tables, m, 2022).set_index("credit_code")
    checks = {c.id: c for c in m.gate}
    mix, spike = checks["unit_mixup"], checks["month_spike"]
    lo, hi = mix.ratio.value / mix.tolerance.value, mix.ratio.value * mix.tolerance.value
    import duckdb

    con = duckdb.connect()
    con.register("energy", tables["energy"])
    expected = dict(con.execute(f"""
        WITH pm AS (SELECT credit_code, energy_type, month, sum(quantity::DECIMAL(38, {SCALE}))::DOUBLE AS q FROM energy
                    WHERE quantity > 0 GROUP BY ALL),
        med AS (SELECT credit_code, energy_type, quantile_cont(q, 0.5) AS med, count(*) AS months, max(q) AS top,
                       min(q) AS bottom FROM pm GROUP BY ALL)
        SELECT credit_code,
               CASE WHEN max(med > 0 AND months >= {mix.min_months.value} AND ((top / med >= {lo!r} AND top / med <= {hi!r})
                                 OR (med / bottom >= {lo!r} AND med / bottom <= {hi!r}))) THEN 'unit_mixup'
                    WHEN max(med > 0 AND months >= {spike.min_months.value} AND top >= {spike.factor.value!r} * med)
                    THEN 'month_spike' END
        FROM med GROUP BY 1""").fetchall())
    con.close()
    got = {cc: (None if pd.isna(v) else v) for cc, v in out["held_check"].items()}
    assert got == {cc: expected.get(cc) for cc in got}
