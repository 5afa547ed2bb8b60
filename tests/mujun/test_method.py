"""亩均效益综合评价: the published 黄岩 2022 formula, tracks, merging, exemptions, ranks and classes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from tests.mujun.citydata import Firm, code, tables

from zhizao.engine.conformance import assert_same, run_on
from zhizao.methodology import find
from zhizao.mujun import evaluate, to_rows
from zhizao.mujun.methodology import MujunMethodology

HUANGYAN = find("huangyan-2022", "mujun", 2022)
HUZHOU = find("huzhou-mujun", "mujun", 2022)


def run(engine, firms: list[Firm], m: MujunMethodology = HUANGYAN, year: int = 2022) -> pd.DataFrame:
    return run_on(engine, evaluate, tables(firms, year), m, year).set_index("credit_code", drop=False)


def above(i: int, *, land: float = 10.0, tax: float = 240.0, va: float = 1000.0, kwh: float = 1e6,
          coal: float = 100.0, emissions: float | None = 0.8, employees: int = 50, rd: float = 150.0,
          revenue: float = 5000.0, **kw) -> Firm:
    return Firm(code(i), above=True, tax=tax, value_added=va, employees=employees, rd=rd, revenue=revenue,
                parcels=[(f"P{i}", land, "owned")], energy={"electricity": kwh, "raw_coal": coal},
                emissions={} if emissions is None else {"cod": emissions / 2, "so2": emissions / 2}, **kw)


def below(i: int, *, land: float = 5.0, tax: float = 20.0, kwh: float = 2e5, tenure: str = "owned", **kw) -> Firm:
    return Firm(code(i), above=False, tax=tax, value_added=None, revenue=None, employees=None, rd=None,
                parcels=[(f"P{i}", land, tenure)], energy={"electricity": kwh}, **kw)


def test_huangyan_2022_published_case_above_scale_formula(duck):
    """S = 亩均税收/24.097×30 + 亩均增加值/136.16×20 + 单位能耗增加值/2.694×20
    + 单位排放增加值/4929.81×10 + 全员劳动生产率/18.14×10 + R&D占比/0.0302×10, each x/B capped at 2."""
    firms = [
        above(1),  # the worked firm below
        above(2, tax=600.0),  # 亩均税收 60 → x/B = 2.49, capped at 2
        above(3, va=200.0, tax=50.0, rd=10.0),
    ]
    df = run(duck, firms)
    tce = 1e6 * 4.04 / 1e4 + 100 * 0.7143  # 等价值 electricity + raw coal = 475.43 tce
    expected_1 = (24 / 24.097 * 30 + 100 / 136.16 * 20 + (1000 / tce) / 2.694 * 20 + (1000 / 0.8) / 4929.81 * 10
                  + (1000 / 50) / 18.14 * 10 + (150 / 5000) / 0.0302 * 10)
    expected_2 = expected_1 - 24 / 24.097 * 30 + 2.0 * 30
    expected_3 = (5 / 24.097 * 30 + 20 / 136.16 * 20 + (200 / tce) / 2.694 * 20 + (200 / 0.8) / 4929.81 * 10
                  + (200 / 50) / 18.14 * 10 + (10 / 5000) / 0.0302 * 10)
    assert df.loc[code(1), "unit_energy_tce"] == pytest.approx(475.43)
    assert df.loc[code(1), "score"] == pytest.approx(expected_1, abs=1e-6)
    assert df.loc[code(1), "score"] == pytest.approx(83.677705, abs=1e-6)
    assert df.loc[code(2), "score"] == pytest.approx(expected_2, abs=1e-6)
    assert df.loc[code(3), "score"] == pytest.approx(expected_3, abs=1e-6)
    assert df.loc[code(1), "bench_tax_per_mu"] == 24.097
    assert list(df.sort_values("rank")["credit_code"]) == [code(2), code(1), code(3)]
    # n = 3: A if rank ≤ ceil(0.75) = 1, B if ≤ ceil(2.1) = 3
    assert list(df.sort_values("rank")["class"]) == ["A", "B", "B"]


def test_huangyan_2022_below_scale_formula_with_computed_benchmarks(duck):
    """规下: 亩均税收/B × 50 + 单位电耗税收/B × 50, B = the track's Σtax/Σland and Σtax/Σkwh."""
    firms = [below(1, land=5, tax=20, kwh=2e5), below(2, land=10, tax=10, kwh=1e5), below(3, land=4, tax=30, kwh=5e5)]
    df = run(duck, firms)
    b_mu = 60 / 19
    b_kwh = 60 / 80  # 万元 per 万kWh
    for i, (land, tax, kwh) in enumerate([(5, 20, 20), (10, 10, 10), (4, 30, 50)], start=1):
        exp = min(tax / land / b_mu, 2) * 50 + min(tax / kwh / b_kwh, 2) * 50
        assert df.loc[code(i), "score"] == pytest.approx(exp, abs=1e-6)
        assert df.loc[code(i), "track"] == "below_scale_3mu_plus"
    assert df.loc[code(1), "bench_tax_per_mu"] == pytest.approx(b_mu)


def test_tracks_follow_the_methodology_rules(duck):
    firms = [above(1), below(2, land=5), below(3, land=2), below(4, land=6, tenure="leased"),
             Firm(code(5), above=None, tax=3.0, parcels=[("P5", 1.0, "owned")], energy={"electricity": 1e4})]
    df = run(duck, firms)
    assert df.loc[code(1), "track"] == "above_scale"
    assert df.loc[code(2), "track"] == "below_scale_3mu_plus"
    assert df.loc[code(3), "track"] == "below_scale_under_3mu"
    assert df.loc[code(4), "track"] == "lessee"
    # no statistics row: treated as below scale (tax and land are known)
    assert df.loc[code(5), "track"] == "below_scale_under_3mu"
    assert df.loc[code(1), "track_title"] == "规上企业"


def test_missing_emission_data_gets_the_track_average_score(duck):
    firms = [above(1, emissions=0.8), above(2, emissions=2.0), above(3, emissions=None)]
    df = run(duck, firms)
    s1, s2 = df.loc[code(1), "score_value_added_per_emission"], df.loc[code(2), "score_value_added_per_emission"]
    assert df.loc[code(3), "score_value_added_per_emission"] == pytest.approx((s1 + s2) / 2)
    assert math.isnan(df.loc[code(3), "ind_value_added_per_emission"])
    assert df.loc[code(3), "status"] == "graded"


def test_missing_required_data_is_not_graded_and_says_why(duck):
    firms = [above(1), above(2, kwh=0.0, coal=0.0)]
    df = run(duck, firms)
    assert df.loc[code(2), "status"] == "insufficient_data"
    assert pd.isna(df.loc[code(2), "class"]) and pd.isna(df.loc[code(2), "rank"])
    assert "单位能耗增加值" in df.loc[code(2), "reason"]
    assert df.loc[code(1), "rank"] == 1 and df.loc[code(1), "ranked_units"] == 1


def test_firms_sharing_a_parcel_are_merged_and_share_the_result(duck):
    # A and B share P1, B and C share P2: one unit of three firms (transitively)
    a = Firm(code(1), above=False, tax=10.0, value_added=None, revenue=None, employees=None, rd=None,
             parcels=[("P1", 4.0, "owned")], energy={"electricity": 1e5})
    b = Firm(code(2), above=False, tax=20.0, value_added=None, revenue=None, employees=None, rd=None,
             parcels=[("P1", 4.0, "owned"), ("P2", 2.0, "owned")], energy={"electricity": 1e5})
    c = Firm(code(3), above=False, tax=30.0, value_added=None, revenue=None, employees=None, rd=None,
             parcels=[("P2", 2.0, "owned")], energy={"electricity": 2e5})
    d = below(4, land=5, tax=5, kwh=1e5)
    df = run(duck, [a, b, c, d])
    unit = df.loc[[code(1), code(2), code(3)]]
    assert set(unit["group_id"]) == {code(1)}
    assert (unit["group_size"] == 3).all()
    assert (unit["land_mu"] == 6.0).all()  # distinct parcels, not 4 + 6 + 2
    assert (unit["unit_tax"] == 60.0).all()
    assert unit["score"].nunique() == 1 and unit["rank"].nunique() == 1 and unit["class"].nunique() == 1
    assert df.loc[code(1), "ind_tax_per_mu"] == pytest.approx(10.0)
    # two units ranked, not four firms
    assert df.loc[code(4), "ranked_units"] == 2


def test_exempt_firms_are_ungraded_handled_as_b_and_not_ranked(duck):
    firms = [above(1), above(2, tax=100), above(3, industry="4411"),  # utility
             above(4, founded="2022-03-01"),  # start-up (founded within 2 years)
             Firm(code(5), above=False, tax=0.0, revenue=0.0, value_added=None, employees=None, rd=None,
                  parcels=[("P5", 30.0, "owned")])]  # under construction
    df = run(duck, firms)
    for i, word in ((3, "公用事业"), (4, "新办企业"), (5, "在建")):
        r = df.loc[code(i)]
        assert r["status"] == "exempt" and r["class"] == "B" and pd.isna(r["rank"])
        assert word in r["reason"] and "不定等级" in r["reason"]
    assert df.loc[code(1), "ranked_units"] == 2


@pytest.mark.parametrize(("n", "expected"), [
    (4, {"A": 1, "B": 2, "C": 1}), (20, {"A": 5, "B": 9, "C": 5, "D": 1}),
    (100, {"A": 25, "B": 45, "C": 25, "D": 5}),
])
def test_class_of_rank_r_is_the_first_class_with_r_at_most_ceil_n_p(duck, n, expected):
    firms = [above(i, tax=100.0 + i) for i in range(1, n + 1)]
    df = run(duck, firms)
    counts = df["class"].value_counts().to_dict()
    assert counts == expected
    assert sorted(df["rank"].astype(int)) == list(range(1, n + 1))


def test_ties_are_broken_by_tax_per_mu_then_credit_code(duck):
    # every ratio above the cap: all four score 200; tax per mu decides, then the credit code
    def capped(i: int, tax: float) -> Firm:
        return above(i, tax=tax, va=5000.0, kwh=1e5, coal=0.0, emissions=0.1, employees=10, rd=500.0)

    df = run(duck, [capped(4, 800.0), capped(3, 800.0), capped(2, 1000.0), capped(1, 700.0)])
    assert set(df["score"]) == {200.0}
    assert list(df.sort_values("rank")["credit_code"]) == [code(2), code(3), code(4), code(1)]


def test_inverse_indicators_and_adjustments_from_a_user_methodology(duck):
    data = HUANGYAN.model_dump(mode="json")
    data["name"] = "test-inverse"
    data["indicators"]["energy_per_value_added"] = {"title": "单位增加值能耗", "unit": "吨标准煤/万元",
                                                    "numerator": "energy_tce", "denominator": "value_added",
                                                    "direction": "lower"}
    data["tracks"][0]["indicators"] = [
        {"id": "energy_per_value_added", "weight": {"value": 100, "source": "huangyan-2022"},
         "benchmark": {"value": 0.5, "source": "huangyan-2022"}},
    ]
    data["adjustments"] = [{"id": "rd_bonus", "title": "研发投入加分", "points": {"value": 5, "source": "methods-default"},
                            "when": {"field": "rd_expense", "op": ">=", "value": 150}, "tracks": ["above_scale"]}]
    m = MujunMethodology.model_validate(data)
    df = run(duck, [above(1, va=1000.0), above(2, va=400.0, rd=100.0)], m)
    tce = 475.43
    assert df.loc[code(1), "score"] == pytest.approx(min(0.5 / (tce / 1000), 2) * 100 + 5)
    assert df.loc[code(2), "score"] == pytest.approx(min(0.5 / (tce / 400), 2) * 100)
    assert df.loc[code(1), "adjustment"] == 5 and df.loc[code(2), "adjustment"] == 0


def test_rows_have_the_contract_fields(duck):
    df = run(duck, [above(1), below(2)])
    import pyarrow as pa

    rows = to_rows(pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False))
    r = next(x for x in rows if x["credit_code"] == code(1))
    assert {"credit_code", "name", "track", "year", "indicators", "score", "rank", "class", "status", "reason",
            "region_code"} <= set(r)
    assert r["indicators"]["tax_per_mu"] == pytest.approx(24.0)
    assert "tax_per_electricity" not in r["indicators"]  # not an indicator of the 规上 track
    r2 = next(x for x in rows if x["credit_code"] == code(2))
    assert set(r2["indicators"]) == {"tax_per_mu", "tax_per_electricity"}


def _mixed_city() -> list[Firm]:
    firms = [above(i, tax=50.0 + 37 * i % 300, va=500.0 + 91 * i % 900, emissions=None if i % 4 == 0 else 0.5 + i % 3,
                   region="331003" if i % 2 else "331004") for i in range(1, 13)]
    firms += [below(20 + i, land=1.0 + i, tax=5.0 + 7 * i % 40, kwh=5e4 * (1 + i % 5),
                    tenure="leased" if i % 5 == 0 else "owned") for i in range(1, 11)]
    firms.append(Firm(code(40), above=False, tax=9.0, value_added=None, revenue=None, employees=None, rd=None,
                      parcels=[("P21", 2.0, "owned")], energy={"electricity": 3e4}))
    firms.append(above(41, industry="4411"))
    return firms


def test_both_engines_give_the_same_results(engine, duck):
    # huzhou-mujun: computed benchmarks (window sums), averages for missing data, four tracks
    m = HUZHOU
    firms = _mixed_city()
    a = run(duck, firms, m).reset_index(drop=True)
    b = run(engine, firms, m).reset_index(drop=True)
    assert_same(a, b)
    assert (a["status"] == "graded").sum() >= 12
