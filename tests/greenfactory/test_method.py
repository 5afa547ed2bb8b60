"""星级绿色工厂 scoring: hand-computed cases for each kind of indicator, vetoes, not-assessed
firms, derived indicators and the path to the next star, on DuckDB and Spark."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pyarrow as pa
import pytest
from conformance import assert_same, run_on
from tests.greenfactory.greendata import Firm, code, tables

from zhizao.greenfactory import evaluate, to_rows
from zhizao.methodology import find

GB2025 = find("gbt-36132@2025", "greenfactory")
GB2018 = find("gbt-36132@2018", "greenfactory")
ELEC_TCE_PER_KWH = 1.229e-4  # GB/T 2589 当量值, 1.229 tce per 万kWh

#: a chemicals firm (division 26) with every indicator: the worked case of docs/methods/greenfactory.md
WORKED = dict(
    industry="2614", energy={"electricity": 2350 / ELEC_TCE_PER_KWH}, land_mu=10.0,
    indicators={
        "energy_per_output": 150,  # supplied, but derived as 235: reported beside it
        "carbon_per_output": 600, "carbon_platform_functions": 12, "material_saving": (1, "节材方案及台账"),
        "water_intensity": 13, "water_reuse_rate": 99, "solid_waste_utilisation": 84, "advanced_equipment": 10,
        "green_retrofit_projects": 1, "pollutant_concentration_margin": 25, "green_design": 1,
        "carbon_footprint_coverage": 40, "output_per_mu": 1050, "building_coefficient": 45, "plot_ratio": 0.5,
    },
)


def _good() -> dict:
    return {**WORKED["indicators"], "renewable_share": 20, "green_design": (1, "生态设计证书")}


def _at(i: int, frac: float) -> Firm:
    """A division-34 firm with every quantitative indicator at ``frac`` of its span, without statistics."""
    inds: dict = {}
    for ind in GB2025.indicators:
        if ind.kind == "qualitative":
            inds[ind.id] = (1, "证明") if frac >= 0.5 else 0
        elif ind.derived is None:
            b, lead = ind.baseline.value, ind.leading.value
            inds[ind.id] = b + frac * (lead - b)
    return Firm(code(i), gross_output=None, indicators=inds)


#: each test's firms, methodology, year and whether the year has a carbon run
CASES: dict[str, tuple[list[Firm], object, int, bool]] = {
    "worked": ([Firm(code(1), **WORKED)], GB2025, 2025, True),
    "carbon_derived": ([Firm(code(1), carbon_t=4_000.0, indicators={"carbon_per_output": 100.0})], GB2025, 2025, True),
    "carbon_supplied": ([Firm(code(2), indicators={"carbon_per_output": 65.0})], GB2025, 2025, False),
    # 20,000 tce of coal, 5 GWh green power
    "renewable": ([Firm(code(1), energy={"raw_coal": 20_000 / 0.7143}, zero_carbon={"green_power": 5e6},
                        requirements={"discharge_permit": True})], GB2025, 2025, True),
    "vetoed": ([Firm(code(1), indicators=_good(), requirements={"discharge_permit": False, "iso14001": True}),
                Firm(code(2), indicators=_good(), requirements={"not_dishonest_debtor": False,
                                                                "operating_normally": False})], GB2025, 2025, True),
    "too_little": ([Firm(code(1), gross_output=None, indicators={"water_reuse_rate": 90}),
                    Firm(code(2), gross_output=None, requirements={"discharge_permit": True})], GB2025, 2025, True),
    "cut_offs": ([_at(1, 1.0), _at(2, 0.0)], GB2025, 2025, True),
    "gb2018": ([Firm(code(1), land_mu=10.0, energy={"electricity": 1e6}, indicators={
        "green_building": (1, "绿色建筑标识"), "efficient_equipment": (1, "设备清单"),
        "management_systems": (1, "四体系证书"), "water_reuse_rate": 77.5, "solid_waste_utilisation": 84})],
        GB2018, 2022, True),
    "mixed": ([Firm(code(1), **WORKED),
               Firm(code(2), carbon_t=900.0, energy={"natural_gas": 2e5}, zero_carbon={"pv_self_use": 3e5},
                    land_mu=25.0, indicators={"water_reuse_rate": 88, "material_saving": (1, "方案")},
                    requirements={"discharge_permit": True}),
               Firm(code(3), requirements={"iso50001": False}),
               Firm(code(4), gross_output=None, indicators={"plot_ratio": 1.4})], GB2025, 2025, True),
}


def _indexed(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("credit_code", drop=False)


def run_alone(engine, name: str) -> pd.DataFrame:
    firms, m, year, carbon_run = CASES[name]
    return _indexed(run_on(engine, evaluate, tables(firms, year, carbon_run), m, year))


@pytest.fixture(scope="module")
def on_spark(request) -> dict[str, pd.DataFrame]:
    """Every case on Spark, the cases of one methodology, year and carbon-run choice evaluated
    together: a Spark job costs 3–6 s however few firms it scores, and the method scores each
    firm on its own (no ranking, no benchmark computed from the others), so the other cases'
    firms change nothing. Each case's firms get codes of their own for the job and their own
    back in its rows."""
    engine = request.getfixturevalue("spark_engine")
    groups: dict[tuple, list[str]] = {}
    for name, (_, m, year, carbon_run) in CASES.items():
        groups.setdefault((id(m), year, carbon_run), []).append(name)
    out: dict[str, pd.DataFrame] = {}
    for names in groups.values():
        firms, back = [], {}
        for k, name in enumerate(names, start=1):
            for f in CASES[name][0]:
                new = code(100 * k + int(f.code[10:17]))
                back[new] = f.code
                # the name the firm has under its own code (the builder names a firm after it)
                firms.append(dataclasses.replace(f, code=new, name=f.name or f"测试企业{f.code[-5:-1]}"))
        _, m, year, carbon_run = CASES[names[0]]
        df = run_on(engine, evaluate, tables(firms, year, carbon_run), m, year)
        df["case"] = [names[int(c[10:17]) // 100 - 1] for c in df["credit_code"]]
        df["credit_code"] = df["credit_code"].map(back)
        for name, part in df.groupby("case", sort=False):
            out[str(name)] = part.drop(columns="case").sort_values("credit_code", kind="mergesort").reset_index(drop=True)
    return out


@pytest.fixture
def run(engine, request):  # type: ignore[no-untyped-def]
    """``run(case)``: the case's rows on the engine of the test. DuckDB evaluates the case alone;
    Spark's rows come from :func:`on_spark`."""
    if engine.name == "spark":
        spark = request.getfixturevalue("on_spark")
        return lambda name: _indexed(spark[name])
    return lambda name: run_alone(engine, name)


def test_worked_case_each_indicator_kind_by_hand(run):
    df = run("worked")
    r = df.loc[code(1)]
    # sector-routed reverse, derived: 2,350 tce / 10,000 万元 = 235 kgce/万元; 化工 基准 350, 引领 120
    assert r["x_energy_per_output"] == pytest.approx(235.0)
    assert (r["b_energy_per_output"], r["l_energy_per_output"]) == (350.0, 120.0)
    assert r["s_energy_per_output"] == pytest.approx(12 * (235 - 350) / (120 - 350))  # 6.0
    # the supplied 150 differs from the derived 235 by more than 10 %: kept beside it
    assert r["src_energy_per_output"] == "derived" and r["diff_energy_per_output"] == 150.0
    # derived output per mu 10,000/10 = 1,000 (one parcel listed twice counts once); supplied 1,050 is
    # within 10 %: not reported
    assert r["x_output_per_mu"] == pytest.approx(1000.0) and pd.isna(r["diff_output_per_mu"])
    assert r["s_output_per_mu"] == pytest.approx(7 * 700 / 900)
    # reverse, sector-routed (化工 取水 基准 20, 引领 6): 13 is half-way
    assert r["s_water_intensity"] == pytest.approx(3.5)
    # positive: 84 % between 70 and 98
    assert r["s_solid_waste_utilisation"] == pytest.approx(3.0)
    # capped at full marks above 引领值 (99 > 95; 10 > 5) and at 0 below 基准值 (plot ratio 0.5 < 1.0)
    assert r["s_water_reuse_rate"] == 7.0 and r["s_advanced_equipment"] == 5.0 and r["s_plot_ratio"] == 0.0
    # qualitative: passed with evidence 5; claimed without evidence 0
    assert r["s_material_saving"] == 5.0 and r["s_green_design"] == 0.0
    # renewable share derived as 0 % (no green power), band 1,000–10,000 tce: 基准 1, 引领 10 → 0
    assert (r["x_renewable_share"], r["b_renewable_share"], r["l_renewable_share"]) == (0.0, 1.0, 10.0)
    assert r["area_energy_low_carbon"] == pytest.approx(6 + 5 + 0 + 5)
    total = 6 + 5 + 0 + 5 + 5 + 3.5 + 7 + 3 + 5 + 5 / 3 + 2.5 + 0 + 2.5 + 7 * 700 / 900 + 2 + 0
    assert r["score"] == pytest.approx(total, abs=1e-6)  # 53.611111
    assert r["status"] == "rated" and r["stars"] == 0
    assert r["next_need"] == pytest.approx(60 - total, abs=1e-6)
    # only the renewable share alone can bring 6.39 points: from 0 % (below 基准 1 %) to
    # 1 + 6.388889 / 8 × 9 = 8.19 %
    row = to_rows(pa.Table.from_pandas(df.reset_index(drop=True)), GB2025)[0]
    assert [g["indicator"] for g in row["gaps"]] == ["renewable_share"]
    assert row["gaps"][0]["change"] == pytest.approx(1 + (60 - total) / 8 * 9, abs=1e-6)
    assert row["path"] == "可再生能源利用率提高8.19个百分点"
    ind = {i["id"]: i for i in row["indicators"]}
    assert ind["energy_per_output"]["supplied"] == 150.0 and "supplied" not in ind["output_per_mu"]


def test_carbon_per_output_is_derived_from_the_carbon_run(run):
    r = run("carbon_derived").loc[code(1)]
    # 4,000 t / 10,000 万元 = 400 kgCO2/万元, 基准 100 / 引领 30 for division 34 → 0 points
    assert r["x_carbon_per_output"] == pytest.approx(400.0) and r["src_carbon_per_output"] == "derived"
    assert r["diff_carbon_per_output"] == 100.0 and r["s_carbon_per_output"] == 0.0
    # without a carbon run the supplied value is used (100 = 基准 → 0 points, 65 = half-way → 5)
    r2 = run("carbon_supplied").loc[code(2)]
    assert r2["src_carbon_per_output"] == "supplied" and r2["s_carbon_per_output"] == pytest.approx(5.0)


def test_renewable_share_and_energy_band_routing(run):
    # 20,000 tce of coal, 5 GWh green power: share = 5e6 × 1.229e-4 / 20,000 = 3.07 %; band ≥ 10,000 tce
    r = run("renewable").loc[code(1)]
    share = 5e6 * ELEC_TCE_PER_KWH * 100 / 20_000
    assert r["x_renewable_share"] == pytest.approx(share)
    assert (r["b_renewable_share"], r["l_renewable_share"]) == (0.5, 5.0)
    assert r["s_renewable_share"] == pytest.approx(8 * (share - 0.5) / 4.5)


def test_a_failed_requirement_vetoes_whatever_the_score(run):
    df = run("vetoed")
    assert list(df["status"]) == ["vetoed", "vetoed"]
    assert df["stars"].isna().all()
    assert df.loc[code(1), "vetoes"] == "discharge_permit;"
    rows = {r["credit_code"]: r for r in to_rows(pa.Table.from_pandas(df.reset_index(drop=True)), GB2025)}
    assert rows[code(2)]["vetoes"] == ["operating_normally", "not_dishonest_debtor"]
    assert rows[code(1)]["reason"] == "否决：依法取得排污许可"
    assert rows[code(1)]["gaps"] == []


def test_too_little_data_is_not_assessed_not_zero_stars(run):
    df = run("too_little")
    assert list(df["status"]) == ["not_assessed", "not_assessed"]
    assert df["score"].isna().all() and df["stars"].isna().all()
    assert df.loc[code(1), "coverage"] == pytest.approx(0.07)
    row = to_rows(pa.Table.from_pandas(df.reset_index(drop=True)), GB2025)[0]
    assert row["reason"].startswith("数据不足，未评价")


def test_stars_at_the_cut_offs_and_a_combined_path(run):
    # division 34; every quantitative indicator at 引领值 (firm 1) and at 基准值 (firm 2)
    df = run("cut_offs")
    # derived indicators without data (no statistics): their 12+10+8+7 = 37 points are missing, but the
    # supplied 63 % of the weight is enough to be assessed; all at 引领值 → 63 points, 1★
    assert df.loc[code(1), "score"] == pytest.approx(63.0) and df.loc[code(1), "stars"] == 1
    assert df.loc[code(2), "score"] == 0.0 and df.loc[code(2), "stars"] == 0
    rows = {r["credit_code"]: r for r in to_rows(pa.Table.from_pandas(df.reset_index(drop=True)), GB2025)}
    # firm 1 needs 7 points and has none left in any indicator with data: no path
    assert rows[code(1)]["gaps"] == []
    # firm 2 needs 60 points: no single indicator has that many, so a combination, heaviest first
    gaps = rows[code(2)]["gaps"]
    assert gaps and all(g["combined"] for g in gaps)
    assert sum(GB2025.indicator(g["indicator"]).weight.value for g in gaps) >= 60 - 1e-9
    assert "，并" in rows[code(2)]["path"]


def test_2018_methodology_scores_its_own_tree(run):
    r = run("gb2018").loc[code(1)]
    assert r["area_infrastructure"] == 20.0 and r["area_management"] == 10.0
    assert r["s_water_reuse_rate"] == pytest.approx(2.5)  # weight 5, half-way between 60 and 95
    assert r["methodology"] == "gbt-36132@2018"


def test_duckdb_and_spark_agree(run, duck):
    assert_same(run_alone(duck, "mixed").reset_index(drop=True), run("mixed").reset_index(drop=True))
