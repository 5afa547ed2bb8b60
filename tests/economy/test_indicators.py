"""The indicators on the hand-computed mini city (see conftest)."""

from __future__ import annotations

import pytest

from zhizao.economy import indicators
from zhizao.engine.duckdb_engine import DuckDBEngine


def values(settings, y_from, y_to, region=None):
    vals = indicators.for_settings(settings, y_from, y_to, region=region)
    return {(v.id, v.region, v.year): v for v in vals}


@pytest.fixture(scope="module")
def span(mini_city):
    """The 2020–2021 figures, computed once for the module's read-only checks."""
    return values(mini_city, 2020, 2021)


def test_comparable_growth_on_the_same_firm_set(span):
    v = span
    g = v[("value_added_growth", "330500", 2021)]
    assert g.value == pytest.approx((120 + 200) / (100 + 200) * 100 - 100)
    assert "同口径企业2家" in g.basis
    assert v[("value_added_growth", "330502", 2021)].value == pytest.approx(320 / 300 * 100 - 100)
    # 南浔区: C entered and D left, so no firm is in both years and there is no growth figure
    assert ("value_added_growth", "330503", 2021) not in v


def test_levels_are_above_scale_at_current_prices(span):
    v = span
    assert v[("value_added", "330500", 2021)].value == pytest.approx(126 + 204 + 50)
    assert v[("value_added", "330500", 2020)].value == pytest.approx(100 + 200 + 80)
    assert v[("gross_output", "330503", 2021)].value == pytest.approx(200)
    assert v[("above_scale_count", "330500", 2021)].value == 3
    assert v[("above_scale_count", "330503", 2020)].value == 1


def test_cagr_chains_comparable_rates_and_states_n(span):
    v = span
    c = v[("value_added_cagr", "330500", 2021)]
    assert c.value == pytest.approx(320 / 300 * 100 - 100)
    assert "n=1" in c.basis and "基年2020" in c.basis


def test_shares_use_the_mapping_when_no_flag_is_given(span):
    v = span
    # equipment: A (div 38) and C (div 33) by mapping
    assert v[("share_equipment", "330500", 2021)].value == pytest.approx((126 + 50) / 380 * 100)
    assert v[("share_equipment", "330500", 2020)].value == pytest.approx(100 / 380 * 100)
    assert v[("share_equipment_change_pp", "330500", 2021)].value == pytest.approx((176 - 100) / 380 * 100)


def test_firm_flags_override_the_industry_mapping(settings):
    from minicity import MINI_CITY, build, stat

    data = dict(MINI_CITY)
    data["statistics_annual"] = [
        # A is equipment by its code but the statistics bureau says no; B (textiles) says yes
        stat(r["credit_code"], r["year"], r["value_added"], r["above_scale"],
             **({"equipment": False} if r["value_added"] == 126 else
                {"equipment": True} if r["value_added"] == 204 else {}))
        for r in MINI_CITY["statistics_annual"]
    ]
    build(settings.warehouse_path, data)
    v = values(settings, 2021, 2021)
    assert v[("share_equipment", "330500", 2021)].value == pytest.approx((204 + 50) / 380 * 100)


def test_per_mu_are_totals_over_the_firms_evaluated(span):
    v = span
    assert v[("tax_per_mu", "330500", 2020)].value == pytest.approx(17 / 40)
    assert v[("tax_per_mu", "330500", 2021)].value == pytest.approx(21 / 35)
    assert v[("value_added_per_mu", "330500", 2021)].value == pytest.approx(380 / 35)
    assert v[("tax_per_mu_cagr", "330500", 2021)].value == pytest.approx((21 / 35) / (17 / 40) * 100 - 100)


def test_energy_in_standard_coal_and_intensity(span):
    v = span
    tce = 100000 * 1.229e-4 + 1000 * 12.143e-4 + 10 * 0.7143
    assert v[("energy_tce", "330500", 2021)].value == pytest.approx(tce)
    assert v[("energy_per_value_added", "330500", 2021)].value == pytest.approx(tce / (126 + 204))


def test_districts_are_ranked_within_the_city(span):
    v = span
    # 吴兴区 20/30 = 0.667 万元/亩 against 南浔区 1/5 = 0.2
    assert v[("rank_tax_per_mu", "330502", 2021)].value == 1
    assert v[("rank_tax_per_mu", "330503", 2021)].value == 2


def test_region_filter_keeps_one_region(mini_city):
    v = values(mini_city, 2020, 2021, region="330503")
    assert {k[1] for k in v} == {"330503"}


def test_published_rows_are_rounded_by_the_catalogue(mini_city):
    with DuckDBEngine(mini_city.warehouse_path, read_only=True) as eng:
        rows = indicators.rows(indicators.compute(eng, 2020, 2021))
    g = next(r for r in rows if r["id"] == "value_added_growth" and r["region"] == "330500")
    assert g == {"id": "value_added_growth", "name": "规上工业增加值增速（可比价）", "region": "330500",
                 "year": 2021, "value": 6.7, "exact": g["exact"], "unit": "%", "basis": g["basis"]}
    # the exact figure beside the published one: the same number before rounding
    assert g["exact"] != g["value"] and round(g["exact"], 1) == 6.7


@pytest.fixture(scope="module")
def kept_years(mini_city):
    """The yearly figures of 2018–2022 as the background job prepares them, through JSON."""
    import json

    with DuckDBEngine(mini_city.warehouse_path, read_only=True) as eng:
        yr = indicators.yearly(eng, 2018, 2022)
    return indicators.Yearly.from_json(json.loads(json.dumps(yr.to_json())))


@pytest.mark.parametrize("first, last", [(a, b) for a in range(2018, 2023) for b in range(a, 2023)])
def test_a_span_derived_from_the_kept_years_equals_the_span_computed(mini_city, kept_years, first, last):
    """Any span within the prepared years gives the figures computing that span gives: the
    yearly ones, and the span's own (chained growth, changes at the base year's prices and
    coefficients), with the same basis."""
    with DuckDBEngine(mini_city.warehouse_path, read_only=True) as eng:
        want = indicators.rows(indicators.compute(eng, first, last))
    got = indicators.rows(indicators.span(kept_years, first, last))
    assert [(r["id"], r["region"], r["year"], r["value"], r["basis"]) for r in got] == \
        [(r["id"], r["region"], r["year"], r["value"], r["basis"]) for r in want]
    assert [r["exact"] for r in got] == pytest.approx([r["exact"] for r in want], rel=1e-12)


def test_a_span_outside_the_kept_years_is_refused(kept_years):
    with pytest.raises(indicators.IndicatorError, match="不在已计算的2018–2022年之内"):
        indicators.span(kept_years, 2017, 2021)


def test_2020_coefficients_come_from_the_economy_methodology_file():
    from zhizao.economy.coefficients import coefficient_table, file_for

    f = file_for(2020)
    assert f.ref == "zhejiang-energy@2020" and f.grid_factor.default and f.grid_factor.year == 2021
    for c in f.energy.values():
        assert c.tce.source in f.sources and (c.co2 is None or c.co2.source in f.sources)
    table, notes = coefficient_table(range(2020, 2022))
    rows = {(r["c_year"], r["c_type"]): r for r in table.to_pylist()}
    assert rows[(2020, "natural_gas")]["tce_per_unit"] == pytest.approx(12.143e-4)
    assert rows[(2020, "electricity")]["co2_per_unit"] == pytest.approx(0.5568e-3)
    assert rows[(2020, "exported_heat")]["co2_per_unit"] == pytest.approx(-0.11)
    assert "zhejiang-energy@2020" in notes[2020] and "2021" in notes[2020]
    assert "zhejiang-carbon@2021" in notes[2021]


def test_grade_and_class_distributions_come_from_the_newest_run(settings):
    import pyarrow as pa
    from minicity import MINI_CITY, A, B, C, build

    from zhizao import runs
    from zhizao.methodology import find

    build(settings.warehouse_path, MINI_CITY)
    carbon = find(None, "carbon", 2021)
    old = pa.table({"credit_code": [A, B, C], "grade": [5, 5, 5]})
    new = pa.table({"credit_code": [A, B, C], "grade": [1, 3, 3]})
    for t in (old, new):
        runs.register(settings, "carbon", 2021, carbon, "duckdb", [], t, 0.0, {}, [])
    mujun = find(None, "mujun", 2021)
    runs.register(settings, "mujun", 2021, mujun, "duckdb", [],
                  pa.table({"credit_code": [A, C], "class": ["A", "D"]}), 0.0, {}, [])
    v = values(settings, 2021, 2021)
    assert [v[(f"carbon_grade_{g}", "330500", 2021)].value for g in range(1, 6)] == [1, 0, 2, 0, 0]
    assert v[("carbon_grade_3", "330503", 2021)].value == 1
    assert "carbon-2021-0002" in v[("carbon_grade_1", "330500", 2021)].basis
    assert [v[(f"mujun_class_{c}", "330500", 2021)].value for c in "ABCD"] == [1, 0, 0, 1]


def _frames():
    import pandas as pd
    from minicity import MINI_CITY

    from zhizao.codes.industries import industry_flags
    from zhizao.contract import TABLES
    from zhizao.economy.coefficients import coefficient_table

    out = {}
    for name, rows in MINI_CITY.items():
        df = pd.DataFrame(rows)
        for c in TABLES[name].columns:
            if c.name not in df.columns:
                dtype = {"bool": "boolean", "float": "float64", "int": "Int64"}.get(c.type, "string")
                df[c.name] = pd.Series([None] * len(df), dtype=dtype)
            if c.type in ("date", "month"):
                df[c.name] = pd.to_datetime(df[c.name]).dt.date
            if c.type == "year":
                df[c.name] = df[c.name].astype("int32")
        out[name] = df
    out["ref_industry_flags"] = industry_flags().to_pandas()
    out["ref_energy_coefficients"] = coefficient_table(range(2020, 2022))[0].to_pandas()
    return out


@pytest.mark.parametrize("query, key", [("scale_totals", ()), ("per_mu_totals", ()), ("energy_totals", ()),
                                        ("energy_by_type", ("energy_type",)), ("energy_by_division", ("division",))])
def test_totals_are_the_same_on_duckdb_and_spark(engine, query, key):
    from conformance import assert_same, run_on

    from zhizao.engine.duckdb_engine import DuckDBEngine

    if engine.name == "duckdb":
        pytest.skip("the comparison runs on the Spark parametrisation")
    fn = getattr(indicators, query)
    with DuckDBEngine() as duck:
        want = run_on(duck, fn, _frames(), 2020, 2021, sort_by=("region", "year", *key))
    got = run_on(engine, fn, _frames(), 2020, 2021, sort_by=("region", "year", *key))
    for df in (want, got):
        for c in df.columns:
            if df[c].dtype.kind in "iu":
                df[c] = df[c].astype("int64")
    assert_same(want, got)


def test_monthly_figures_and_year_to_date_comparable_growth(settings):
    from minicity import A, B, build, enterprise, stat

    from zhizao.economy.indicators import monthly_for_settings

    months = []
    for y, (va_a, va_b) in ((2020, (10.0, 20.0)), (2021, (10.5, 22.0))):
        for m in (1, 2):
            months += [{"credit_code": A, "month": f"{y}-{m:02d}-01", "gross_output": 40.0, "value_added": va_a,
                        "revenue": 40.0},
                       {"credit_code": B, "month": f"{y}-{m:02d}-01", "gross_output": 80.0, "value_added": va_b,
                        "revenue": 80.0}]
    build(settings.warehouse_path, {
        "enterprises": [enterprise(A, "330502", "3841", "甲"), enterprise(B, "330503", "1711", "乙")],
        "statistics_annual": [stat(A, 2020, 120), stat(A, 2021, 126), stat(B, 2020, 240), stat(B, 2021, 264)],
        "statistics_monthly": months,
        "price_indices": [{"year": 2021, "division": "38", "index": 105.0}],
        "energy": [{"credit_code": A, "month": f"{y}-01-01", "energy_type": "electricity", "quantity": q,
                    "unit": "千瓦时"} for y, q in ((2020, 1000.0), (2021, 1200.0))],
    })
    v = {(x.id, x.region, x.month): x.value for x in monthly_for_settings(settings, 2021, 2021)}
    assert v[("value_added_month", "330500", 2)] == pytest.approx(32.5)
    assert v[("value_added_ytd", "330500", 2)] == pytest.approx(65.0)
    # A deflated by 105, B (division 17) has no index: (2 × 10 + 2 × 22) / (2 × 10 + 2 × 20) − 1
    assert v[("value_added_ytd_growth", "330500", 2)] == pytest.approx((20 + 44) / 60 * 100 - 100)
    assert v[("electricity_index", "330502", 1)] == pytest.approx(120.0)


def test_grade_distribution_on_every_engine(engine):
    import pandas as pd
    from conformance import run_on
    from minicity import A, B, C, D

    ent = pd.DataFrame({"credit_code": [A, B, C, D], "region_code": ["330502", "330502", "330503", "330503"]})
    res = pd.DataFrame({"credit_code": [A, B, C, D], "grade": pd.array([1, 3, 3, None], dtype="Int64")})

    def dist(t):
        return indicators.distribution_totals(t["results"], t["enterprises"], "grade")

    out = run_on(engine, dist, {"results": res, "enterprises": ent}, sort_by=("region", "category"))
    got = {(r.region, r.category): int(r.firms) for r in out.itertuples(index=False)}
    assert got == {("330500", "1"): 1, ("330500", "3"): 2, ("330502", "1"): 1, ("330502", "3"): 1,
                   ("330503", "3"): 1}


def test_per_mu_is_above_scale_only_and_counts_a_shared_parcel_once(settings):
    """亩均 on the 规上 basis: a below-scale firm's land and tax are left out; a parcel held by
    two firms counts once in every region both belong to."""
    from minicity import MINI_CITY, B, C, E, build

    data = dict(MINI_CITY)
    data["land"] = MINI_CITY["land"] + [
        {"credit_code": E, "year": 2021, "parcel_id": "E-1", "area_mu": 100.0, "tenure": "owned"},
        {"credit_code": C, "year": 2021, "parcel_id": "B-1", "area_mu": 20.0, "tenure": "leased"},
    ]
    data["tax"] = MINI_CITY["tax"] + [{"credit_code": E, "year": 2021, "tax_paid": 50.0}]
    build(settings.warehouse_path, data)
    v = values(settings, 2021, 2021)
    assert B  # B holds B-1 (20 亩) as well: the city counts 10 + 20 + 5 亩, not 10 + 20 + 5 + 20
    assert v[("tax_per_mu", "330500", 2021)].value == pytest.approx(21 / 35)
    assert v[("value_added_per_mu", "330500", 2021)].value == pytest.approx(380 / 35)
    assert "1宗多家企业共用的宗地只计一次" in v[("tax_per_mu", "330500", 2021)].basis
    assert "规上企业3家" in v[("tax_per_mu", "330500", 2021)].basis
    assert v[("tax_per_mu", "330503", 2021)].value == pytest.approx(1 / 25)


def test_intensity_changes_are_at_comparable_prices_and_one_set_of_factors(settings):
    """Same energy, value added 100 → 126 at current prices with a price index of 105: the
    intensity falls by 1 − 100/120 (base-year prices), not 1 − 100/126; the CO2 intensity uses
    the base year's grid factor in both years."""
    from minicity import A, build, enterprise, stat

    build(settings.warehouse_path, {
        "enterprises": [enterprise(A, "330502", "3841", "甲")],
        "statistics_annual": [stat(A, 2020, 100), stat(A, 2021, 126)],
        "price_indices": [{"year": 2021, "division": "38", "index": 105.0}],
        "energy": [{"credit_code": A, "month": f"{y}-01-01", "energy_type": "electricity", "quantity": 1e6,
                    "unit": "千瓦时"} for y in (2020, 2021)],
    })
    v = values(settings, 2020, 2021)
    e = v[("energy_per_value_added_change", "330500", 2021)]
    c = v[("co2_per_value_added_change", "330500", 2021)]
    assert e.value == pytest.approx((100 / 120 - 1) * 100)
    assert c.value == pytest.approx((100 / 120 - 1) * 100)
    assert "2020年价格" in c.basis and "统一取2020年" in c.basis
    # the yearly levels stay at current prices and the year's own factor
    assert v[("energy_per_value_added", "330500", 2021)].value == pytest.approx(1e6 * 1.229e-4 / 126)
    # derived from wider prepared years, the span's changes still take 2020's prices and factors
    with DuckDBEngine(settings.warehouse_path, read_only=True) as eng:
        kept = indicators.yearly(eng, 2018, 2023)
    derived = {(x.id, x.region, x.year): x for x in indicators.span(kept, 2020, 2021)}
    for got, want in ((derived[("energy_per_value_added_change", "330500", 2021)], e),
                      (derived[("co2_per_value_added_change", "330500", 2021)], c)):
        assert (got.value, got.basis) == (pytest.approx(want.value, rel=1e-12), want.basis)


def test_high_tech_share_follows_the_national_list_only(settings):
    """高技术制造业 is the national list (industry mapping); the statistics bureau's 是否高新技术产业
    flag is Zhejiang's wider 高新技术产业 and is not mixed in: every firm flagged, only A (3841,
    锂离子电池制造) is on the national list."""
    from minicity import MINI_CITY, build, stat

    from zhizao.economy.catalogue import CATALOGUE

    data = dict(MINI_CITY)
    data["statistics_annual"] = [stat(r["credit_code"], r["year"], r["value_added"], r["above_scale"], high_tech=True,
                                      equipment=True)
                                 for r in MINI_CITY["statistics_annual"]]
    build(settings.warehouse_path, data)
    v = values(settings, 2021, 2021)
    assert v[("share_high_tech", "330500", 2021)].value == pytest.approx(126 / 380 * 100)
    assert "按行业代码映射" in v[("share_high_tech", "330500", 2021)].basis
    assert v[("share_equipment", "330500", 2021)].value == pytest.approx(100.0)  # other flags still override
    assert CATALOGUE["share_high_tech"].name == "高技术制造业增加值占规上工业比重"
    assert "高技术产业（制造业）分类（2017）" in CATALOGUE["share_high_tech"].formula
