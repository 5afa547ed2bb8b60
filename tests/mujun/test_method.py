"""亩均效益综合评价: the published 黄岩 2022 formula, tracks, merging, exemptions, ranks and classes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conformance import assert_same, run_on
from tests.mujun.citydata import Firm, code, tables

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
    + 单位排放增加值/4929.81×10 + 全员劳动生产率/18.14×10 + R&D占比/0.0302×10, no cap (the
    published 计算说明 has none)."""
    firms = [
        above(1),  # the worked firm below
        above(2, tax=600.0),  # 亩均税收 60 → x/B = 2.49, not capped
        above(3, va=200.0, tax=50.0, rd=10.0),
    ]
    df = run(duck, firms)
    tce = 1e6 * 4.04 / 1e4 + 100 * 0.7143  # 等价值 electricity + raw coal = 475.43 tce
    expected_1 = (24 / 24.097 * 30 + 100 / 136.16 * 20 + (1000 / tce) / 2.694 * 20 + (1000 / 0.8) / 4929.81 * 10
                  + (1000 / 50) / 18.14 * 10 + (150 / 5000) / 0.0302 * 10)
    expected_2 = expected_1 - 24 / 24.097 * 30 + 60 / 24.097 * 30
    expected_3 = (5 / 24.097 * 30 + 20 / 136.16 * 20 + (200 / tce) / 2.694 * 20 + (200 / 0.8) / 4929.81 * 10
                  + (200 / 50) / 18.14 * 10 + (10 / 5000) / 0.0302 * 10)
    assert HUANGYAN.ratio_cap is None
    assert df.loc[code(1), "unit_energy_tce"] == pytest.approx(475.43)
    assert df.loc[code(1), "score"] == pytest.approx(expected_1, abs=1e-6)
    assert df.loc[code(1), "score"] == pytest.approx(83.677705, abs=1e-6)
    assert df.loc[code(2), "score"] == pytest.approx(expected_2, abs=1e-6)
    assert df.loc[code(3), "score"] == pytest.approx(expected_3, abs=1e-6)
    assert df.loc[code(1), "bench_tax_per_mu"] == 24.097
    assert list(df.sort_values("rank")["credit_code"]) == [code(2), code(1), code(3)]
    # n = 3: A if rank ≤ ceil(0.75) = 1, B if ≤ ceil(2.1) = 3
    assert list(df.sort_values("rank")["class"]) == ["A", "B", "B"]


def _at_benchmarks(i: int, b_mu: float, b_kwh: float, land: float = 10.0, **kw) -> Firm:
    """A 规下 firm whose 亩均税收 is ``b_mu`` 万元/亩 and 单位用电税收 ``b_kwh`` 万元/万千瓦时."""
    tax = b_mu * land
    return below(i, land=land, tax=tax, kwh=tax / b_kwh * 1e4, **kw)


@pytest.mark.parametrize(("year", "b_mu", "b_kwh"), [(2022, 11.5932, 0.2352), (2021, 16.601058, 0.236565)])
def test_huangyan_below_scale_firm_at_the_published_benchmarks_scores_100(duck, year, b_mu, b_kwh):
    """规下企业得分 = 亩均税收 ÷ B₁ × 50 + 单位用电税收 ÷ B₂ × 50 with the published B (计算说明
    2022: 11.5932 and 0.2352; 2021: 16.601058 and 0.236565): a firm exactly at both scores 100."""
    m = find(f"huangyan-{year}", "mujun", year)
    firms = [_at_benchmarks(1, b_mu, b_kwh), _at_benchmarks(2, 2 * b_mu, b_kwh / 2, land=4.0),
             _at_benchmarks(3, b_mu, b_kwh, land=2.0, tenure="leased")]
    df = run(duck, firms, m, year)
    assert df.loc[code(1), "score"] == pytest.approx(100.0, abs=1e-6)
    assert df.loc[code(1), "bench_tax_per_mu"] == b_mu
    assert df.loc[code(1), "bench_tax_per_electricity"] == b_kwh
    # x/B = 2 and 0.5: 100 + 25, never capped
    assert df.loc[code(2), "score"] == pytest.approx(125.0, abs=1e-6)
    # one 规下 track: under 3 mu and leased firms are scored the same way
    assert set(df["track"]) == {"below_scale"}
    assert df.loc[code(3), "score"] == pytest.approx(100.0, abs=1e-6)
    assert [t.id for t in m.tracks] == ["above_scale", "below_scale"] and m.ratio_cap is None


def test_computed_benchmarks_are_the_track_aggregate(duck):
    """Without a published B, B = the track's Σtax/Σland and Σtax/Σkwh over the evaluated units."""
    data = HUANGYAN.model_dump(mode="json")
    for ti in data["tracks"][1]["indicators"]:
        ti["benchmark"] = None
    m = MujunMethodology.model_validate(data | {"name": "test-computed"})
    firms = [below(1, land=5, tax=20, kwh=2e5), below(2, land=10, tax=10, kwh=1e5), below(3, land=4, tax=30, kwh=5e5),
             below(4, land=6, tax=50, kwh=1e5, industry="4411")]  # a utility: 不定等级, not in the benchmark
    df = run(duck, firms, m)
    b_mu = 60 / 19
    b_kwh = 60 / 80  # 万元 per 万kWh
    for i, (land, tax, kwh) in enumerate([(5, 20, 20), (10, 10, 10), (4, 30, 50)], start=1):
        assert df.loc[code(i), "score"] == pytest.approx(tax / land / b_mu * 50 + tax / kwh / b_kwh * 50, abs=1e-6)
    assert df.loc[code(1), "bench_tax_per_mu"] == pytest.approx(b_mu)


def test_tracks_follow_the_methodology_rules(duck):
    firms = [above(1), below(2, land=5), below(3, land=2), below(4, land=6, tenure="leased"),
             Firm(code(5), above=None, tax=3.0, parcels=[("P5", 4.0, "owned")], energy={"electricity": 1e4})]
    df = run(duck, firms, HUZHOU)
    assert df.loc[code(1), "track"] == "above_scale"
    assert df.loc[code(2), "track"] == "below_scale_3mu_plus"
    assert df.loc[code(4), "track"] == "lessee"
    # no statistics row: treated as below scale (tax and land are known)
    assert df.loc[code(5), "track"] == "below_scale_3mu_plus"
    assert df.loc[code(1), "track_title"] == "规上企业"
    # huangyan: one 规下 track for every below-scale firm
    hy = run(duck, firms)
    assert set(hy.loc[[code(i) for i in (2, 3, 4, 5)], "track"]) == {"below_scale"}


def test_huzhou_coverage_under_3_mu_and_no_land_are_not_evaluated(duck):
    """湖州: firms using ≥ 3 亩 are evaluated; 2.9 亩 and no land at all are 不参评 with the reason."""
    def full_below(i: int, land: float, tenure: str = "owned") -> Firm:
        return Firm(code(i), above=False, tax=20.0, value_added=300.0, revenue=2000.0, employees=20, rd=10.0,
                    parcels=[(f"P{i}", land, tenure)], energy={"electricity": 2e5, "raw_coal": 10.0},
                    emissions={"cod": 0.5})

    firms = [full_below(1, 3.0), full_below(2, 2.9), above(3, land=2.9),
             Firm(code(4), above=True, tax=100.0, parcels=[], energy={"electricity": 1e5}),
             full_below(5, 8.0), full_below(6, 1.5, "leased")]
    for year in (2020, 2022, 2024):
        m = find("huzhou-mujun", "mujun", year)
        assert m.version == str(year)
        df = run(duck, firms, m, year)
        for i in (2, 3, 6):
            r = df.loc[code(i)]
            assert r["status"] == "not_evaluated" and pd.isna(r["class"]) and pd.isna(r["score"])
            assert "不足 3 亩" in r["reason"] and "不参评" in r["reason"]
        r4 = df.loc[code(4)]
        assert r4["status"] == "not_evaluated" and "无用地" in r4["reason"] and pd.isna(r4["class"])
        assert df.loc[code(1), "status"] == "graded" and df.loc[code(5), "status"] == "graded"
        # the benchmark is over the evaluated units only: Σtax / Σland of firms 1 and 5
        assert df.loc[code(1), "bench_tax_per_mu"] == pytest.approx(40.0 / 11.0)


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


def test_exempt_firms_are_undetermined_counted_apart_and_managed_as_b(duck):
    """不定等级 is its own class, not B: counted apart, not ranked, managed as B."""
    firms = [above(1), above(2, tax=100), above(3, industry="4411"),  # utility
             above(4, founded="2022-03-01"),  # start-up (founded within 2 years)
             Firm(code(5), above=False, tax=0.0, revenue=0.0, value_added=None, employees=None, rd=None,
                  parcels=[("P5", 30.0, "owned")])]  # under construction
    df = run(duck, firms)
    for i, word in ((3, "公用事业"), (4, "新办企业"), (5, "在建")):
        r = df.loc[code(i)]
        assert r["status"] == "exempt" and r["class"] == "不定等级" and pd.isna(r["rank"])
        assert r["managed_as"] == "B"
        assert word in r["reason"] and "不定等级" in r["reason"]
    assert df.loc[code(1), "ranked_units"] == 2
    counts = df["class"].value_counts().to_dict()
    assert counts["不定等级"] == 3 and counts.get("B", 0) == 1  # firm 1 or 2, not the exempt ones
    assert df.loc[[code(1), code(2)], "managed_as"].isna().all()


def _one_indicator(by: str, *, thresholds: list[float] | None = None,
                   cutoffs: list[float] | None = None) -> MujunMethodology:
    """Score = 亩均税收 × 10 (B = 10 万元/亩, weight 100), classes by ``by``."""
    data = HUANGYAN.model_dump(mode="json")
    data["name"] = f"test-{by}"
    data["tracks"][0]["indicators"] = [{"id": "tax_per_mu", "weight": {"value": 100, "source": "methods-default"},
                                        "benchmark": {"value": 10, "source": "methods-default"}}]
    src = {"source": "methods-default"}
    data["classes"] = {"labels": ["A", "B", "C", "D"], "by": by,
                       "cutoffs": [{"value": v} | src for v in cutoffs] if cutoffs else None,
                       "thresholds": [{"value": v} | src for v in thresholds] if thresholds else None}
    return MujunMethodology.model_validate(data)


def _jingning() -> list[Firm]:
    """39 规上 firms: 11 score ≥ 100, 21 in [75, 100), 7 in [60, 75), none below 60."""
    scores = [100 + 9 * k for k in range(11)] + [75 + 1.2 * k for k in range(21)] + [60 + 2 * k for k in range(7)]
    return [above(i, tax=s, land=10.0) for i, s in enumerate(scores, start=1)]  # 亩均税收 = s/10


def test_jingning_2022_shape_by_score_thresholds(duck):
    """景宁 2022, 39 规上 firms: A 11 / B 21 / C 7 / D 0, which no rank-share rule can give."""
    m = _one_indicator("score", thresholds=[100, 75, 60])
    df = run(duck, _jingning(), m)
    assert df["class"].value_counts().to_dict() == {"A": 11, "B": 21, "C": 7}
    assert df.loc[code(11), "score"] == pytest.approx(190.0) and df.loc[code(11), "class"] == "A"
    assert df.loc[code(12), "score"] == pytest.approx(75.0) and df.loc[code(12), "class"] == "B"  # at the threshold
    assert df.loc[code(33), "score"] == pytest.approx(60.0) and df.loc[code(33), "class"] == "C"
    # the same firms by the default rank shares: 10 / 18 / 10 / 1, always a D
    by_rank = run(duck, _jingning(), _one_indicator("rank", cutoffs=[25, 70, 95]))
    assert by_rank["class"].value_counts().to_dict() == {"A": 10, "B": 18, "C": 10, "D": 1}


def test_both_rules_give_the_lower_of_rank_class_and_score_class(duck):
    m = _one_indicator("both", thresholds=[100, 75, 60], cutoffs=[25, 70, 95])
    df = run(duck, _jingning(), m)
    # firm 1 scores 100 (an A score) but ranks 11th, outside the A share ceil(39 × 25 %) = 10: B;
    # firm 15 scores 91.8 (a B score) but ranks 29th, in the C share; firm 33 scores 60 (a C
    # score) but ranks last, in the bottom 5 %: D
    assert df.loc[code(11), "class"] == "A" and df.loc[code(1), "class"] == "B"
    assert df.loc[code(15), "class"] == "C" and df.loc[code(33), "class"] == "D"
    assert df["class"].value_counts().to_dict() == {"A": 10, "B": 18, "C": 10, "D": 1}
    # score thresholds alone put firm 15 in B
    assert run(duck, _jingning(), _one_indicator("score", thresholds=[100, 75, 60])).loc[code(15), "class"] == "B"


def test_negative_list_forces_d_whatever_the_score(duck):
    """负面清单 → D after the classes, with the entry in the reason; a merged unit is D when any
    member is listed; firms outside the coverage stay 不参评."""
    firms = [above(1, tax=900.0, negative=["重大安全生产事故"]), above(2), above(3, tax=100.0),
             Firm(code(4), above=False, tax=30.0, value_added=None, revenue=None, employees=None, rd=None,
                  parcels=[("P4", 5.0, "owned")], energy={"electricity": 1e5}),
             Firm(code(5), above=False, tax=3.0, value_added=None, revenue=None, employees=None, rd=None,
                  parcels=[("P4", 5.0, "owned")], energy={"electricity": 1e5}, negative=["偷税漏税", "严重失信"]),
             Firm(code(6), above=True, tax=50.0, parcels=[], negative=["重大环境违法"])]
    df = run(duck, firms)
    r1 = df.loc[code(1)]
    assert r1["rank"] == 1 and r1["status"] == "graded" and r1["class"] == "D"
    assert "负面清单" in r1["reason"] and "重大安全生产事故" in r1["reason"]
    assert df.loc[code(2), "class"] in ("A", "B")
    assert df.loc[code(4), "class"] == "D" and df.loc[code(5), "class"] == "D"
    assert "严重失信、偷税漏税" in df.loc[code(4), "reason"]
    assert df.loc[code(6), "status"] == "not_evaluated" and pd.isna(df.loc[code(6), "class"])
    # without the override in the methodology the list changes nothing
    m = MujunMethodology.model_validate(HUANGYAN.model_dump(mode="json") | {"name": "test-no-list", "negative_list": None})
    assert run(duck, firms, m).loc[code(1), "class"] == "A"


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
    # a methodology with a ratio cap of 2: every ratio above it, all four score 200; tax per mu
    # decides, then the credit code
    m = MujunMethodology.model_validate(HUANGYAN.model_dump(mode="json") | {
        "name": "test-cap", "ratio_cap": {"value": 2.0, "source": "methods-default", "default": True}})

    def capped(i: int, tax: float) -> Firm:
        return above(i, tax=tax, va=5000.0, kwh=1e5, coal=0.0, emissions=0.1, employees=10, rd=500.0)

    df = run(duck, [capped(4, 800.0), capped(3, 800.0), capped(2, 1000.0), capped(1, 700.0)], m)
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
    assert df.loc[code(1), "score"] == pytest.approx(0.5 / (tce / 1000) * 100 + 5)
    assert df.loc[code(2), "score"] == pytest.approx(0.5 / (tce / 400) * 100)
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
    firms[2].negative = ["重大环境违法", "偷税漏税"]
    firms.append(Firm(code(42), above=True, tax=80.0, parcels=[], negative=["严重失信"]))
    return firms


def test_both_engines_give_the_same_results(engine, duck):
    # huzhou-mujun: computed benchmarks (window sums), averages for missing data, three tracks,
    # coverage, score thresholds, the negative list
    m = HUZHOU
    firms = _mixed_city()
    a = run(duck, firms, m).reset_index(drop=True)
    b = run(engine, firms, m).reset_index(drop=True)
    assert_same(a, b)
    assert (a["status"] == "graded").sum() >= 12
    assert {"not_evaluated", "exempt", "graded"} <= set(a["status"])


def test_the_evaluation_is_compiled_once_per_methodology_and_year_and_reads_the_data_of_the_moment(duck, own_sql):
    """The expression does not depend on the data: a second city over the same tables reuses the
    first one's SQL and gets its own results; another methodology compiles again."""
    from zhizao.engine import compiled as cc
    from zhizao.mujun.method import build

    before = dict(cc.stats)
    one = run(duck, [above(1), above(2, tax=480.0), below(3)])
    two = run(duck, [above(1, tax=60.0), above(2), above(4, va=3000.0), below(3, tax=90.0)])
    assert (cc.stats["compiled"] - before["compiled"], cc.stats["memory"] - before["memory"]) == (1, 1)
    firms = [above(1, tax=60.0), above(2), above(4, va=3000.0), below(3, tax=90.0)]
    assert_same(two.reset_index(drop=True),
                run_on(duck, build, tables(firms, 2022), HUANGYAN, 2022).reset_index(drop=True))
    assert len(two) == 4 and len(one) == 3 and not two.loc[code(1), "score"] == one.loc[code(1), "score"]
    run(duck, [above(1)], HUZHOU)
    assert cc.stats["compiled"] - before["compiled"] == 2
