"""The criteria engine on both engines: outcomes, gaps, routes, prerequisites, validation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conformance import assert_same, run_on

from zhizao.criteria import CriteriaError, Measure, RuleSet, criteria_rows, load_ruleset, node_columns, screen

RULES = """
name: sample-rules
version: "1"
title: 示例规则
subject: specialised_sme
level: provincial
valid_from: 2022-01-01
sources: {doc: 示例文件}
criteria:
  - {id: revenue, label: 营业收入, measure: revenue, op: "≥", threshold: 1000, unit: 万元, source: doc}
  - id: scale
    label: 规模（营收或股权融资）
    any:
      - {id: revenue_route, label: 营业收入不低于2000万元, measure: revenue, op: ">=", threshold: 2000, unit: 万元, source: doc}
      - {id: equity_route, label: 股权融资不低于2000万元, measure: equity_financing, op: ">=", threshold: 2000, unit: 万元, source: doc}
  - {id: debt_ratio, label: 资产负债率, measure: debt_ratio, op: "≤", threshold: 70, unit: "%", source: doc}
  - {id: band, label: 营收区间, measure: revenue, op: between, threshold: [500, 200000], unit: 万元, source: doc}
  - {id: strict, label: 研发强度高于3%, measure: rd_share, op: ">", threshold: 3, unit: "%", source: doc}
  - {id: holds_tech, label: 持有科技型中小企业, title: tech_sme, level: provincial, source: doc}
  - id: clean
    label: 无失信记录
    not: {id: blacklisted, label: 列入失信名单, measure: blacklisted, op: "=", threshold: 1, source: doc}
"""

MEASURES = {
    "revenue": Measure("营业收入", "万元", "revenue"),
    "equity_financing": Measure("股权融资", "万元", "equity_financing"),
    "debt_ratio": Measure("资产负债率", "%", lambda t: t.liabilities / t.assets * 100),
    "rd_share": Measure("研发费用占营业收入比重", "%", lambda t: t.rd * 100 / t.revenue),
}

AS_OF = dt.date(2023, 6, 30)


def rules() -> RuleSet:
    return load_ruleset(RULES)


def firm(code: str, **kw: float | None) -> dict:
    base = {"credit_code": code, "revenue": 2500.0, "equity_financing": None, "liabilities": 50.0, "assets": 100.0,
            "rd": 100.0, "blacklisted": 0.0}
    base.update(kw)
    return base


def title(code: str, name: str = "tech_sme", level: str = "provincial", granted: str = "2021-01-01",
          expires: str | None = "2024-01-01", revoked: str | None = None) -> dict:
    return {"credit_code": code, "title": name, "level": level, "granted_on": pd.Timestamp(granted),
            "expires_on": pd.Timestamp(expires) if expires else pd.NaT,
            "revoked_on": pd.Timestamp(revoked) if revoked else pd.NaT}


def firms_frame(firms: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(firms).astype({"revenue": "float64", "equity_financing": "float64", "liabilities": "float64",
                                       "assets": "float64", "rd": "float64", "blacklisted": "float64"})


def titles_frame(titles: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(titles or [title("none", name="other")]).astype(
        {"granted_on": "datetime64[us]", "expires_on": "datetime64[us]", "revoked_on": "datetime64[us]"})


def run(engine, firms: list[dict], titles: list[dict], as_of: dt.date = AS_OF) -> pd.DataFrame:
    frame, tframe = firms_frame(firms), titles_frame(titles)

    def method(t):
        return screen(rules(), t["firms"], titles=t["titles"], measures=MEASURES, as_of=as_of)

    return run_on(engine, method, {"firms": frame, "titles": tframe})


def by_code(out: pd.DataFrame) -> dict[str, dict]:
    return {r["credit_code"]: r for r in out.to_dict("records")}


def test_codes_are_the_outcomes_as_ordered_integers(duck):
    from zhizao.criteria import MANUAL, MET, UNKNOWN, UNMET

    frame, tframe = firms_frame([firm("ok"), firm("low", revenue=900.0), firm("gap", equity_financing=None,
                                                                              revenue=None)]), titles_frame([])
    t = {"firms": duck.register("f", frame), "titles": duck.register("ti", tframe)}
    named = screen(rules(), t["firms"], titles=t["titles"], measures=MEASURES, as_of=AS_OF)
    coded = screen(rules(), t["firms"], titles=t["titles"], measures=MEASURES, as_of=AS_OF, codes=True)
    assert set(coded.columns) - set(named.columns) == {"outcome_code", *(f"{n}__code" for n in
                                                                          [c.removesuffix("__outcome") for c in
                                                                           named.columns if c.endswith("__outcome")])}
    rows = duck.to_pandas(coded).to_dict("records")
    names = {UNMET: "unmet", UNKNOWN: "unknown", MANUAL: "manual", MET: "met"}
    results = {UNMET: "not_qualified", UNKNOWN: "unknown", MANUAL: "manual_review", MET: "qualified"}
    for r in rows:
        assert results[r["outcome_code"]] == r["outcome"]
        for c in [c for c in r if c.endswith("__outcome")]:
            assert names[r[c.replace("__outcome", "__code")]] == r[c]


def test_a_firm_meeting_everything_qualifies(engine):
    out = by_code(run(engine, [firm("ok")], [title("ok")]))
    assert out["ok"]["outcome"] == "qualified"
    assert out["ok"]["unmet_count"] == 0 and out["ok"]["met_count"] == 7


def test_threshold_inclusive_for_at_least_and_exclusive_for_strict(engine):
    firms = [firm("at", revenue=1000.0, rd=30.0), firm("above", revenue=1000.01, rd=30.1),
             firm("below", revenue=999.99, rd=30.0)]
    out = by_code(run(engine, firms, []))
    assert out["at"]["revenue__outcome"] == "met"
    assert out["above"]["revenue__outcome"] == "met"
    assert out["below"]["revenue__outcome"] == "unmet"
    assert out["below"]["revenue__gap"] == pytest.approx(0.01)
    # rd 30 / revenue 1000 = 3 %: "高于 3 %" is strict
    assert out["at"]["strict__outcome"] == "unmet"
    assert out["above"]["strict__outcome"] == "met"


def test_alternative_route_equity_replaces_revenue(engine):
    firms = [firm("equity", revenue=1500.0, equity_financing=2000.0), firm("neither", revenue=1500.0,
                                                                         equity_financing=1900.0)]
    out = by_code(run(engine, firms, [title("equity"), title("neither")]))
    assert out["equity"]["scale__outcome"] == "met"
    assert out["equity"]["revenue_route__outcome"] == "unmet"
    assert out["neither"]["scale__outcome"] == "unmet"
    # the closest route gives the group's relative gap: 100 / 2000 (equity) < 500 / 2000 (revenue)
    assert out["neither"]["scale__rel_gap"] == pytest.approx(0.05)


def test_missing_value_is_unknown_never_unmet(engine):
    out = by_code(run(engine, [firm("nodebt", liabilities=None)], [title("nodebt")]))
    r = out["nodebt"]
    assert r["debt_ratio__outcome"] == "unknown"
    assert r["outcome"] == "unknown"
    assert r["unmet_count"] == 0 and r["unknown_count"] == 1
    # a missing route in an `any` is unknown while the other route fails
    out = by_code(run(engine, [firm("route", revenue=1500.0)], [title("route")]))
    assert out["route"]["scale__outcome"] == "unknown"


def test_an_unmet_criterion_outweighs_a_missing_one(engine):
    out = by_code(run(engine, [firm("x", liabilities=None, revenue=900.0)], [title("x")]))
    assert out["x"]["outcome"] == "not_qualified"


def test_between_gives_the_distance_to_the_nearer_bound(engine):
    out = by_code(run(engine, [firm("low", revenue=400.0), firm("high", revenue=200100.0)], []))
    assert out["low"]["band__gap"] == pytest.approx(100.0)
    assert out["high"]["band__gap"] == pytest.approx(100.0)
    assert out["high"]["band__outcome"] == "unmet"


def test_title_prerequisite_valid_on_the_evaluation_date(engine):
    titles = [title("expired", expires="2023-06-29"), title("lastday", expires="2023-06-30"),
              title("revoked", revoked="2023-01-01"), title("future", granted="2023-07-01"),
              title("lowlevel", level="city"), title("higher", level="national"), title("noexpiry", expires=None)]
    firms = [firm(c) for c in ("expired", "lastday", "revoked", "future", "lowlevel", "higher", "noexpiry", "none")]
    out = by_code(run(engine, firms, titles))
    assert {c: out[c]["holds_tech__outcome"] for c in out} == {
        "expired": "unmet", "lastday": "met", "revoked": "unmet", "future": "unmet", "lowlevel": "unmet",
        "higher": "met", "noexpiry": "met", "none": "unmet"}
    assert out["expired"]["outcome"] == "not_qualified"
    assert out["expired"]["holds_tech__rel_gap"] == 1.0


def test_not_swaps_met_and_unmet(engine):
    out = by_code(run(engine, [firm("bad", blacklisted=1.0), firm("unk", blacklisted=None)], [title("bad")]))
    assert out["bad"]["clean__outcome"] == "unmet"
    assert out["unk"]["clean__outcome"] == "unknown"


def test_manual_criterion_makes_a_manual_review():
    from zhizao.engine.duckdb_engine import DuckDBEngine

    rs = load_ruleset(RULES.replace(
        "  - {id: holds_tech", "  - {id: no_incident, label: 无重大事故, manual: true, source: doc}\n  - {id: holds_tech"))
    with DuckDBEngine() as eng:
        t = eng.register("f", firms_frame([firm("m")]))
        ti = eng.register("ti", titles_frame([title("m")]))
        out = eng.to_pandas(screen(rs, t, titles=ti, measures=MEASURES, as_of=AS_OF))
    assert out.loc[0, "outcome"] == "manual_review"
    assert out.loc[0, "no_incident__outcome"] == "manual"


def test_near_misses_rank_by_criteria_failed_then_by_how_much(engine):
    firms = [firm("close", revenue=990.0), firm("far", revenue=600.0), firm("two", revenue=990.0, liabilities=80.0)]
    out = by_code(run(engine, firms, [title(c) for c in ("close", "far", "two")]))
    ranked = sorted(out.values(), key=lambda r: (r["unmet_count"], r["gap_score"]))
    assert [r["credit_code"] for r in ranked] == ["close", "far", "two"]


def test_one_rule_set_gives_the_same_answer_on_both_engines(duck, spark_engine):
    firms = [firm("a"), firm("b", revenue=900.0), firm("c", liabilities=None), firm("d", equity_financing=5000.0,
                                                                                    revenue=1200.0)]
    titles = [title("a"), title("d", expires="2022-01-01")]
    assert_same(run(duck, firms, titles), run(spark_engine, firms, titles))


test_one_rule_set_gives_the_same_answer_on_both_engines = pytest.mark.spark(
    test_one_rule_set_gives_the_same_answer_on_both_engines)


def test_columns_follow_the_documented_order(duck):
    out = run(duck, [firm("a")], [title("a")])
    assert list(out.columns) == ["credit_code", "outcome", "met_count", "unmet_count", "unknown_count",
                                 "manual_count", "gap_score", *node_columns(rules())]


def test_unknown_measure_is_named(duck):
    bad = load_ruleset(RULES.replace("measure: debt_ratio", "measure: leverage"))
    t = duck.register("f", firms_frame([firm("a")]))
    ti = duck.register("ti", titles_frame([title("a")]))
    with pytest.raises(CriteriaError, match="leverage"):
        screen(bad, t, titles=ti, measures=MEASURES, as_of=AS_OF)


def test_unknown_title_and_missing_titles_table_are_named(duck):
    t = duck.register("f", firms_frame([firm("a")]))
    with pytest.raises(CriteriaError, match="titles"):
        screen(rules(), t, measures=MEASURES, as_of=AS_OF)
    ti = duck.register("ti", titles_frame([title("a")]))
    with pytest.raises(CriteriaError, match="tech_sme"):
        screen(rules(), t, titles=ti, measures=MEASURES, as_of=AS_OF, known_titles={"little_giant"})


def test_unit_mismatch_between_criterion_and_measure_is_refused(duck):
    bad = load_ruleset(RULES.replace('threshold: 70, unit: "%"', "threshold: 70, unit: 万元"))
    t = duck.register("f", firms_frame([firm("a")]))
    ti = duck.register("ti", titles_frame([title("a")]))
    with pytest.raises(CriteriaError, match="单位"):
        screen(bad, t, titles=ti, measures=MEASURES, as_of=AS_OF)


@pytest.mark.parametrize(("edit", "message"), [
    (("source: doc}\n  - id: scale", "source: nowhere}\n  - id: scale"), "nowhere"),
    (("id: band", "id: revenue"), "重复"),
    (('op: "≤"', 'op: "≈"'), "比较符"),
    (("threshold: [500, 200000]", "threshold: 500"), "between"),
    (("threshold: [500, 200000]", "threshold: [500, 100]"), "下限"),
    (("valid_from: 2022-01-01", "valid_from: 2022-01-01\nvalid_to: 2021-12-31"), "valid_to"),
])
def test_bad_rule_files_are_refused_with_a_reason(edit, message):
    with pytest.raises(CriteriaError, match=message):
        load_ruleset(RULES.replace(*edit))


def test_criteria_rows_carry_value_threshold_gap_and_unit(duck):
    out = run(duck, [firm("b", revenue=900.0)], [title("b")])
    rows = {r["id"]: r for r in criteria_rows(out.iloc[0].to_dict(), rules())}
    assert rows["revenue"] == {**rows["revenue"], "outcome": "unmet", "value": 900.0, "threshold": 1000.0,
                               "gap": pytest.approx(100.0), "unit": "万元"}
    assert rows["revenue_route"]["depth"] == 1
    assert rows["holds_tech"]["outcome"] == "met"
