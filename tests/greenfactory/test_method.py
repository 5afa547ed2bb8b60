"""星级绿色工厂 scoring: hand-computed cases for each kind of indicator, vetoes, not-assessed
firms, derived indicators and the path to the next star, on DuckDB and Spark."""

from __future__ import annotations

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


def run(engine, firms: list[Firm], m=GB2025, year: int = 2025, carbon_run: bool = True) -> pd.DataFrame:
    return run_on(engine, evaluate, tables(firms, year, carbon_run), m, year).set_index("credit_code", drop=False)


def test_worked_case_each_indicator_kind_by_hand(engine):
    df = run(engine, [Firm(code(1), **WORKED)])
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


def test_carbon_per_output_is_derived_from_the_carbon_run(engine):
    f = Firm(code(1), carbon_t=4_000.0, indicators={"carbon_per_output": 100.0})
    r = run(engine, [f]).loc[code(1)]
    # 4,000 t / 10,000 万元 = 400 kgCO2/万元, 基准 100 / 引领 30 for division 34 → 0 points
    assert r["x_carbon_per_output"] == pytest.approx(400.0) and r["src_carbon_per_output"] == "derived"
    assert r["diff_carbon_per_output"] == 100.0 and r["s_carbon_per_output"] == 0.0
    # without a carbon run the supplied value is used (100 = 基准 → 0 points, 65 = half-way → 5)
    f2 = Firm(code(2), indicators={"carbon_per_output": 65.0})
    r2 = run(engine, [f2], carbon_run=False).loc[code(2)]
    assert r2["src_carbon_per_output"] == "supplied" and r2["s_carbon_per_output"] == pytest.approx(5.0)


def test_renewable_share_and_energy_band_routing(engine):
    # 20,000 tce of coal, 5 GWh green power: share = 5e6 × 1.229e-4 / 20,000 = 3.07 %; band ≥ 10,000 tce
    coal_t = 20_000 / 0.7143
    f = Firm(code(1), energy={"raw_coal": coal_t}, zero_carbon={"green_power": 5e6},
             requirements={"discharge_permit": True})
    r = run(engine, [f]).loc[code(1)]
    share = 5e6 * ELEC_TCE_PER_KWH * 100 / 20_000
    assert r["x_renewable_share"] == pytest.approx(share)
    assert (r["b_renewable_share"], r["l_renewable_share"]) == (0.5, 5.0)
    assert r["s_renewable_share"] == pytest.approx(8 * (share - 0.5) / 4.5)


def test_a_failed_requirement_vetoes_whatever_the_score(engine):
    good = {**WORKED["indicators"], "renewable_share": 20, "green_design": (1, "生态设计证书")}
    firms = [Firm(code(1), indicators=good, requirements={"discharge_permit": False, "iso14001": True}),
             Firm(code(2), indicators=good, requirements={"not_dishonest_debtor": False, "operating_normally": False})]
    df = run(engine, firms)
    assert list(df["status"]) == ["vetoed", "vetoed"]
    assert df["stars"].isna().all()
    assert df.loc[code(1), "vetoes"] == "discharge_permit;"
    rows = {r["credit_code"]: r for r in to_rows(pa.Table.from_pandas(df.reset_index(drop=True)), GB2025)}
    assert rows[code(2)]["vetoes"] == ["operating_normally", "not_dishonest_debtor"]
    assert rows[code(1)]["reason"] == "否决：依法取得排污许可"
    assert rows[code(1)]["gaps"] == []


def test_too_little_data_is_not_assessed_not_zero_stars(engine):
    firms = [Firm(code(1), gross_output=None, indicators={"water_reuse_rate": 90}),
             Firm(code(2), gross_output=None, requirements={"discharge_permit": True})]
    df = run(engine, firms)
    assert list(df["status"]) == ["not_assessed", "not_assessed"]
    assert df["score"].isna().all() and df["stars"].isna().all()
    assert df.loc[code(1), "coverage"] == pytest.approx(0.07)
    row = to_rows(pa.Table.from_pandas(df.reset_index(drop=True)), GB2025)[0]
    assert row["reason"].startswith("数据不足，未评价")


def test_stars_at_the_cut_offs_and_a_combined_path(engine):
    # division 34; every quantitative indicator at a known fraction of its span
    def firm(i: int, frac: float) -> Firm:
        inds: dict = {}
        for ind in GB2025.indicators:
            if ind.kind == "qualitative":
                inds[ind.id] = (1, "证明") if frac >= 0.5 else 0
            elif ind.derived is None:
                b, lead = ind.baseline.value, ind.leading.value
                inds[ind.id] = b + frac * (lead - b)
        return Firm(code(i), gross_output=None, indicators=inds)
    df = run(engine, [firm(1, 1.0), firm(2, 0.0)])
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


def test_2018_methodology_scores_its_own_tree(engine):
    inds = {"green_building": (1, "绿色建筑标识"), "efficient_equipment": (1, "设备清单"),
            "management_systems": (1, "四体系证书"), "water_reuse_rate": 77.5, "solid_waste_utilisation": 84}
    df = run(engine, [Firm(code(1), land_mu=10.0, energy={"electricity": 1e6}, indicators=inds)], m=GB2018, year=2022)
    r = df.loc[code(1)]
    assert r["area_infrastructure"] == 20.0 and r["area_management"] == 10.0
    assert r["s_water_reuse_rate"] == pytest.approx(2.5)  # weight 5, half-way between 60 and 95
    assert r["methodology"] == "gbt-36132@2018"


def test_duckdb_and_spark_agree(engine, duck):
    firms = [Firm(code(1), **WORKED),
             Firm(code(2), carbon_t=900.0, energy={"natural_gas": 2e5}, zero_carbon={"pv_self_use": 3e5},
                  land_mu=25.0, indicators={"water_reuse_rate": 88, "material_saving": (1, "方案")},
                  requirements={"discharge_permit": True}),
             Firm(code(3), requirements={"iso50001": False}),
             Firm(code(4), gross_output=None, indicators={"plot_ratio": 1.4})]
    assert_same(run(duck, firms).reset_index(drop=True), run(engine, firms).reset_index(drop=True))
