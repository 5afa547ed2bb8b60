"""Every shipped tier rule set, by name: firms at, just above and just below every threshold,
the alternative routes, an expired prerequisite title, a missing fact → unknown.

Threshold tests screen a table of measure values directly (each measure a column, as the criteria
engine allows), so every comparison of every rule set is exercised on its own; the measures'
computation from the contract tables is tested in test_measures.py and end to end in test_method.py.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest
from conformance import shared_duck as _duck
from tests.cultivation.tierdata import rules, title, titles_frame

from zhizao.criteria import Comparison, CriteriaError, children, screen, walk

CC = "9133050200000001TC"

#: a firm meeting every criterion of each rule set (values in the measures' units)
BASELINES: dict[str, dict[str, float]] = {
    "miit-specialised-sme@2022": {"niche_years": 4, "rd_expense": 300, "rd_share": 6, "revenue": 5000,
                                  "equity_financing": 0, "evaluation_score": 75, "rd_avg2": 280},
    "miit-specialised-sme@2026-04-01": {"niche_years": 5, "revenue": 5000, "equity_financing": 0,
                                        "main_business_share": 90, "debt_ratio": 50, "rd_expense": 300,
                                        "rd_share_min2": 6, "class_i_ip": 3, "evaluation_score": 70},
    "miit-little-giant@2022": {"niche_years": 6, "main_business_share": 85, "revenue_growth_avg2": 12,
                               "debt_ratio": 50, "market_share": 15, "revenue": 20000, "rd_share_min2": 5,
                               "equity_financing": 0, "rd_total_2y": 1800, "rd_staff_share": 20, "class_i_ip": 5},
    "miit-little-giant@2026-04-01": {"niche_years": 6, "revenue": 20000, "main_business_share": 95,
                                     "revenue_growth_avg2": 12, "debt_ratio": 50, "rd_total_2y": 2000,
                                     "rd_share_min2": 5, "class_i_ip": 6, "market_share": 15,
                                     "market_rank_national": 5, "evaluation_score": 80},
    "miit-single-champion@2023": {"niche_years": 15, "new_product": 0, "revenue_avg3": 60000,
                                  "market_rank_global": 2},
    "zhejiang-hidden-champion@2025": {"firm_age": 15, "revenue": 30000, "revenue_growth_min2": 8,
                                      "net_profit_growth_avg2": 15, "debt_ratio": 50, "niche_years": 12,
                                      "lead_product_count": 2, "main_business_share": 85, "market_rank_global": 5,
                                      "market_rank_national": 8, "rd_share_min2": 5},
    "huzhou-golden-elephant@2020": {"tax_paid": 40000, "revenue": 800000, "industrial_investment_3y": 50000},
    "huzhou-golden-bull@2020": {"tax_paid": 25000, "revenue": 300000, "industrial_investment_3y": 30000},
}
#: titles every baseline firm holds (valid on the evaluation day)
TITLES = [("tech_sme", "provincial"), ("specialised_sme", "provincial"), ("tech_centre", "provincial")]
YEAR = 2026
#: overall outcome of each baseline (manual_review where the rule set has a manual criterion)
EXPECTED_BASELINE = {
    "miit-specialised-sme@2022": "qualified", "miit-specialised-sme@2026-04-01": "qualified",
    "miit-little-giant@2022": "manual_review", "miit-little-giant@2026-04-01": "qualified",
    "miit-single-champion@2023": "manual_review", "zhejiang-hidden-champion@2025": "manual_review",
    "huzhou-golden-elephant@2020": "manual_review", "huzhou-golden-bull@2020": "manual_review",
}


@functools.cache
def load(ref: str):  # type: ignore[no-untyped-def]
    name, _, version = ref.partition("@")
    return rules(name, version)


def screen_rows(ref: str, rows: list[dict[str, float | None]], titles: list[dict] | None = None,
                as_of: dt.date | None = None) -> pd.DataFrame:
    m = load(ref)
    measures = sorted({n.measure for n in walk(m.criteria) if isinstance(n, Comparison)})
    frame = pd.DataFrame([{"credit_code": f"F{i:03d}", **{k: r.get(k) for k in measures}}
                          for i, r in enumerate(rows)])
    frame = frame.astype({k: "float64" for k in measures})
    if titles is None:
        titles = [title(f"F{i:03d}", t, level) for i in range(len(rows)) for t, level in TITLES]
    eng = _duck()
    f = eng.register("rs_firms", frame)
    t = eng.register("rs_titles", titles_frame(titles))
    out = eng.to_pandas(screen(m.criteria, f, titles=t, as_of=as_of or m.as_of(YEAR)))
    return out.sort_values("credit_code").reset_index(drop=True)


def _cases() -> list[tuple[str, str, str, float, str]]:
    """(rule set, criterion id, position, value, expected outcome) for every comparison."""
    out = []
    for ref in BASELINES:
        m = load(ref)
        for n in walk(m.criteria):
            if not isinstance(n, Comparison):
                continue
            eps = 0.01
            bounds = [("low", n.low), ("high", n.high)] if n.op == "between" else [("", n.low)]
            for tag, t in bounds:
                for pos, v in (("at", t), ("above", t + eps), ("below", t - eps)):
                    if n.op == "between":
                        ok = n.low <= v <= n.high
                    else:
                        ok = {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "=": v == t}[n.op]
                    out.append((ref, n.id, f"{tag}{'_' if tag else ''}{pos}", v, "met" if ok else "unmet"))
    return out


def _top_level(ref: str, node_id: str) -> bool:
    return any(n.id == node_id and isinstance(n, Comparison) for n in load(ref).criteria)


@pytest.mark.parametrize("ref", list(BASELINES))
def test_baseline_firm_meets_every_criterion(ref):
    out = screen_rows(ref, [BASELINES[ref]])
    assert out.loc[0, "outcome"] == EXPECTED_BASELINE[ref]
    assert out.loc[0, "unmet_count"] == 0 and out.loc[0, "unknown_count"] == 0


@functools.cache
def _screened(ref: str) -> dict[tuple[str, str], dict]:
    """All threshold cases of one rule set screened at once (one row per case)."""
    m = load(ref)
    cases = [c for c in _cases() if c[0] == ref]
    rows = [{**BASELINES[ref], m.ruleset().node(node).measure: value} for _, node, _, value, _ in cases]
    out = screen_rows(ref, rows).to_dict("records")
    return {(node, pos): r for (_, node, pos, _, _), r in zip(cases, out, strict=True)}


@pytest.mark.parametrize(("ref", "node", "position", "value", "expected"), _cases(),
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in _cases()])
def test_threshold(ref, node, position, value, expected):
    leaf = load(ref).ruleset().node(node)
    r = _screened(ref)[(node, position)]
    assert r[f"{node}__outcome"] == expected, (node, position, value)
    if expected == "unmet" and leaf.op not in (">", "<"):
        assert r[f"{node}__gap"] == pytest.approx(0.01, abs=1e-6)
    if _top_level(ref, node):
        assert r["outcome"] == (EXPECTED_BASELINE[ref] if expected == "met" else "not_qualified")


def test_every_shipped_rule_set_is_tested_here():
    from zhizao.methodology.loader import shipped

    refs = {e.methodology.ref for e in shipped() if e.methodology.method == "tiers"}
    assert refs - set(BASELINES) == {"zhejiang-eagle@template"}


# ----------------------------------------------------------------- routes, titles, missing data


def test_specialised_2022_equity_route_replaces_revenue():
    ref = "miit-specialised-sme@2022"
    small = {**BASELINES[ref], "revenue": 800, "rd_expense": 100, "rd_share": 12.5}
    out = screen_rows(ref, [{**small, "equity_financing": 2000}, {**small, "equity_financing": 1999}])
    assert list(out["scale__outcome"]) == ["met", "unmet"]
    assert list(out["outcome"]) == ["qualified", "not_qualified"]


def test_specialised_2022_direct_routes_replace_the_score():
    ref = "miit-specialised-sme@2022"
    base = {**BASELINES[ref], "evaluation_score": 40}
    out = screen_rows(ref, [{**base, "rd_avg2": 1000}, {**base, "equity_financing": 6000}, base])
    assert list(out["evaluation__outcome"]) == ["met", "met", "manual"]
    # neither score nor a computable direct route: a person checks the award routes
    assert out.loc[2, "outcome"] == "manual_review"


def test_specialised_2026_needs_a_valid_tech_sme_title():
    ref = "miit-specialised-sme@2026-04-01"
    titles = [title("F000", "tech_sme", "provincial", expires="2026-12-30")]
    out = screen_rows(ref, [BASELINES[ref]], titles=titles)
    assert out.loc[0, "holds_tech_sme__outcome"] == "unmet"
    assert out.loc[0, "outcome"] == "not_qualified"


def test_little_giant_2022_middle_band_needs_six_percent_each_year():
    ref = "miit-little-giant@2022"
    mid = {**BASELINES[ref], "revenue": 8000}
    out = screen_rows(ref, [{**mid, "rd_share_min2": 6}, {**mid, "rd_share_min2": 5.99}])
    assert list(out["band_middle__outcome"]) == ["met", "unmet"]
    assert list(out["rd_band__outcome"]) == ["met", "unmet"]


def test_little_giant_2022_small_band_needs_equity_rd_and_staff():
    ref = "miit-little-giant@2022"
    small = {**BASELINES[ref], "revenue": 4000, "equity_financing": 8000, "rd_total_2y": 3000, "rd_staff_share": 50}
    out = screen_rows(ref, [small, {**small, "rd_staff_share": 49}, {**small, "rd_staff_share": None}])
    assert list(out["band_small__outcome"]) == ["met", "unmet", "unknown"]
    assert list(out["outcome"]) == ["manual_review", "not_qualified", "unknown"]


def test_little_giant_expired_specialised_title_fails_the_prerequisite():
    ref = "miit-little-giant@2022"
    as_of = dt.date(2025, 12, 31)
    titles = [title("F000", "specialised_sme", "provincial", granted="2022-07-01", expires="2025-06-30"),
              title("F001", "specialised_sme", "provincial", granted="2022-07-01", expires="2025-12-31"),
              title("F002", "specialised_sme", "city", granted="2022-07-01", expires="2026-06-30")]
    out = screen_rows(ref, [BASELINES[ref]] * 3, titles=titles, as_of=as_of)
    assert list(out["holds_specialised_sme__outcome"]) == ["unmet", "met", "unmet"]
    assert list(out["outcome"]) == ["not_qualified", "manual_review", "not_qualified"]


def test_little_giant_2026_share_or_national_top_three():
    ref = "miit-little-giant@2026-04-01"
    base = BASELINES[ref]
    out = screen_rows(ref, [{**base, "market_share": 5, "market_rank_national": 3},
                            {**base, "market_share": 5, "market_rank_national": 4}])
    assert list(out["market_position__outcome"]) == ["met", "unmet"]


def test_single_champion_new_product_route_needs_five_years():
    ref = "miit-single-champion@2023"
    base = {**BASELINES[ref], "niche_years": 5}
    out = screen_rows(ref, [{**base, "new_product": 1}, {**base, "new_product": 0},
                            {**base, "new_product": 1, "niche_years": 4.99}])
    assert list(out["focus_years__outcome"]) == ["met", "unmet", "unmet"]


def test_single_champion_lower_revenue_route_needs_a_specialised_title():
    ref = "miit-single-champion@2023"
    row = {**BASELINES[ref], "revenue_avg3": 25000}
    with_title = screen_rows(ref, [row])
    without = screen_rows(ref, [row], titles=[title("F000", "tech_centre", "provincial")])
    assert with_title.loc[0, "main_revenue__outcome"] == "met"
    assert without.loc[0, "main_revenue__outcome"] == "unmet"


def test_hidden_champion_revenue_band_and_market_routes():
    ref = "zhejiang-hidden-champion@2025"
    base = BASELINES[ref]
    out = screen_rows(ref, [{**base, "revenue": 200000}, {**base, "revenue": 200000.01},
                            {**base, "market_rank_global": 11, "market_rank_national": 3},
                            {**base, "market_rank_global": 11, "market_rank_national": 4}])
    assert list(out["revenue_band__outcome"]) == ["met", "unmet", "met", "met"]
    assert list(out["market_position__outcome"]) == ["met", "met", "met", "unmet"]


def test_hidden_champion_needs_strictly_rising_revenue():
    ref = "zhejiang-hidden-champion@2025"
    out = screen_rows(ref, [{**BASELINES[ref], "revenue_growth_min2": 0}])
    assert out.loc[0, "revenue_rising__outcome"] == "unmet"


@pytest.mark.parametrize("ref", ["huzhou-golden-elephant@2020", "huzhou-golden-bull@2020"])
def test_golden_tiers_take_tax_or_revenue(ref):
    m = load(ref)
    tax_t = m.ruleset().node("tax_paid").low
    rev_t = m.ruleset().node("revenue").low
    base = BASELINES[ref]
    out = screen_rows(ref, [{**base, "tax_paid": tax_t - 1, "revenue": rev_t},
                            {**base, "tax_paid": tax_t, "revenue": rev_t - 1},
                            {**base, "tax_paid": tax_t - 1, "revenue": rev_t - 1}])
    assert list(out["scale__outcome"]) == ["met", "met", "unmet"]


@pytest.mark.parametrize("ref", list(BASELINES))
def test_a_missing_fact_is_unknown_never_unmet(ref):
    m = load(ref)
    first = next(n for n in m.criteria if isinstance(n, Comparison))
    out = screen_rows(ref, [{**BASELINES[ref], first.measure: None}])
    assert out.loc[0, f"{first.id}__outcome"] == "unknown"
    assert out.loc[0, "unmet_count"] == 0
    assert out.loc[0, "outcome"] == "unknown"


def test_eagle_template_is_refused_until_a_city_fills_it():
    from zhizao.cultivation.method import evaluate

    m = rules("zhejiang-eagle")
    assert m.template and m.criteria == []
    with pytest.raises(CriteriaError, match="空模板"):
        evaluate({}, m, 2025)


def test_every_value_names_a_declared_source():
    for ref in BASELINES:
        m = load(ref)
        for n in walk(m.criteria):
            if not children(n):
                assert n.source in m.sources, (ref, n.id)
