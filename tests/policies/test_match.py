"""Matching firms and projects against policy items (METHODS.md section 6), by the published cases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policies.citydata import YEAR, Firm, code, register, tables, upgrade_project

from zhizao.policies.catalogue import Catalogue, parse
from zhizao.policies.match import match, to_rows

ALL_TABLES = {"enterprises", "statistics_annual", "energy", "water_use", "land", "projects", "project_milestones",
              "titles", "tax", "emissions"}


def run(engine, firms, items, *, catalogue=None, tables_declared=ALL_TABLES):
    t = match(register(engine, tables(firms)), YEAR, catalogue=catalogue, items=items, tables=tables_declared)
    return to_rows(engine.to_pyarrow(t.order_by(["credit_code", "item_id", "subject"])))


def by_subject(rows, item):
    return {r["subject"]: r for r in rows if r["item_id"] == item}


def test_tech_upgrade_item_at_400_500_2000_12500_20000_wan_equipment(duck):
    firms = [Firm(code(i), projects=[upgrade_project(f"P{i}", e)]) for i, e in enumerate([400, 500, 2000, 12500, 20000])]
    rows = by_subject(run(duck, firms, ["hz23-tech-upgrade"]), "hz23-tech-upgrade")
    p0 = rows["P0"]
    assert p0["eligible"] is False and p0["expected_benefit"] is None
    assert p0["gaps"] == [{"criterion": "设备投资", "value": 400.0, "threshold": 500.0, "gap": 100.0, "unit": "万元"}]
    assert "设备投资 400 万元" in p0["reason"] and "500" in p0["reason"]
    assert [rows[p]["expected_benefit"] for p in ("P1", "P2", "P3", "P4")] == [40.0, 160.0, 1000.0, 1000.0]
    assert all(rows[p]["eligible"] is True and rows[p]["mode"] == "no_application" for p in ("P1", "P2", "P3", "P4"))
    # 12,500 × 8 % is exactly the cap; 20,000 × 8 % = 1,600 is capped
    assert rows["P4"]["gaps"] == []


def test_tech_upgrade_needs_the_project_completed_that_year(duck):
    firms = [Firm(code(0), projects=[upgrade_project("P0", 2000, done=dt.date(YEAR - 1, 12, 1))]),
             Firm(code(1), projects=[upgrade_project("P1", 2000, kind="new")])]
    rows = by_subject(run(duck, firms, ["hz23-tech-upgrade"]), "hz23-tech-upgrade")
    assert rows["P0"]["eligible"] is False and "竣工" in rows["P0"]["reason"]
    assert rows["P1"]["eligible"] is False and "技术改造项目" in rows["P1"]["reason"]


def test_unknown_equipment_is_unknown_not_ineligible(duck):
    rows = run(duck, [Firm(code(0), projects=[upgrade_project("P0", None)])], ["hz23-tech-upgrade"])
    assert rows[0]["eligible"] == "unknown" and "设备投资" in rows[0]["reason"]


def test_benchmark_item_is_fast_application_with_the_designation_as_reason(duck):
    firm = Firm(code(0), projects=[{"id": "P0", "kind": "upgrade", "equipment": 20000.0,
                              "milestones": {"completed": dt.date(YEAR, 3, 1), "in_production": dt.date(YEAR, 5, 1)}}])
    rows = by_subject(run(duck, [firm], ["hz23-tech-upgrade-benchmark"]), "hz23-tech-upgrade-benchmark")
    r = rows["P0"]
    assert r["mode"] == "fast_application" and r["eligible"] == "unknown"
    assert "标杆示范" in r["reason"]
    # the potential amount is shown: 12 % of 20,000 = 2,400 (under the 3,000 cap)
    assert r["expected_benefit"] == pytest.approx(2400.0)


def test_without_the_projects_tables_project_items_are_fast_application(duck):
    cat = Catalogue()
    from zhizao.policies.catalogue import mode

    m, reason = mode(cat.item("hz23-tech-upgrade"), {"enterprises", "statistics_annual"})
    assert m == "fast_application" and "设备投资" in reason
    assert mode(cat.item("hz23-tech-upgrade"), ALL_TABLES)[0] == "no_application"


STACK_DOC = {
    "name": "stack-test", "version": "1", "title": "叠加规则测试", "number": "测试〔2024〕1号", "issuer": "测试",
    "valid_from": "2024-01-01", "source": "t", "sources": {"t": "测试来源"},
    "items": [
        {"id": "reward-fixed", "title": "定额奖励", "type": "奖补", "kind": "award", "office": "甲处", "hotline": "12345",
         "eligibility": [{"id": "scale", "label": "规上", "measure": "above_scale", "op": "==", "value": True}],
         "benefit": {"formula": "fixed", "amount": {"value": 20, "source": "t"}},
         "stacking": {"group": "g", "rule": "highest", "source": "t"},
         "payout_working_days": {"value": 60, "source": "t"}},
        {"id": "reward-rate", "title": "按收入奖励", "type": "奖补", "kind": "award", "office": "乙处", "hotline": "12345",
         "eligibility": [{"id": "rev", "label": "营业收入", "measure": "revenue", "op": ">=", "value": 1000,
                          "unit": "万元", "source": "t"}],
         "benefit": {"formula": "rate", "base": "revenue", "rate": {"value": 0.01, "source": "t"},
                     "cap": {"value": 50, "source": "t"}},
         "stacking": {"group": "g", "rule": "highest", "source": "t"},
         "payout_working_days": {"value": 60, "source": "t"}},
    ],
}


def test_stacking_highest_pays_only_the_larger_of_two_items_of_a_group(duck):
    cat = Catalogue([parse(STACK_DOC)])
    firms = [Firm(code(0), revenue=1500.0),   # rate gives 15 < fixed 20 → fixed paid
             Firm(code(1), revenue=4000.0),   # rate gives 40 > 20 → rate paid
             Firm(code(2), revenue=500.0)]    # rate not eligible → fixed paid alone
    rows = run(duck, firms, None, catalogue=cat)
    got = {(r["credit_code"][-1], r["item_id"]): (r["eligible"], r["expected_benefit"], r["reason"]) for r in rows}
    c = [f.code[-1] for f in firms]
    assert got[(c[0], "reward-fixed")][:2] == (True, 20.0)
    assert got[(c[0], "reward-rate")][:2] == (True, 0.0) and "从高不重复" in got[(c[0], "reward-rate")][2]
    assert "定额奖励" in got[(c[0], "reward-rate")][2]
    assert got[(c[1], "reward-rate")][:2] == (True, 40.0)
    assert got[(c[1], "reward-fixed")][:2] == (True, 0.0)
    assert got[(c[2], "reward-fixed")][:2] == (True, 20.0)
    assert got[(c[2], "reward-rate")][0] is False


def test_stacking_sum_pays_both():
    doc = {**STACK_DOC, "items": [{**i, "stacking": {**i["stacking"], "rule": "sum"}} for i in STACK_DOC["items"]]}
    cat = Catalogue([parse(doc)])
    assert all(it.stacking and it.stacking.rule == "sum" for it in cat.items)


def test_differential_electricity_price_by_class(duck):
    kwh = 2_000_000.0
    firms = [Firm(code(i), kwh=kwh, mujun_class=c) for i, c in enumerate(["A", "B", "C", "D"])] + [Firm(code(4), kwh=kwh)]
    rows = {r["credit_code"]: r for r in run(duck, firms, ["zj-diff-electricity"])}
    a, b, c, d, none = (rows[f.code] for f in firms)
    assert a["eligible"] is False and b["eligible"] is False
    # C: +0.05 元/kWh × 2,000,000 kWh = 100,000 元 = 10 万元 paid by the firm (a burden, negative)
    assert c["eligible"] is True and c["expected_benefit"] == pytest.approx(-10.0)
    assert d["eligible"] is True and d["expected_benefit"] == pytest.approx(-20.0)
    assert none["eligible"] == "unknown"  # not (yet) classed: no surcharge guessed


def test_land_tax_reduction_by_class_in_wan_yuan(duck):
    firms = [Firm(code(0), land_mu=30.0, mujun_class="A"), Firm(code(1), land_mu=30.0, mujun_class="B"),
             Firm(code(2), land_mu=30.0, mujun_class="D")]
    rows = {r["credit_code"]: r for r in run(duck, firms, ["zj-diff-land-tax"])}
    assert rows[firms[0].code]["expected_benefit"] == pytest.approx(12.0)   # 30 亩 × 4,000 元
    assert rows[firms[1].code]["expected_benefit"] == pytest.approx(6.0)
    assert rows[firms[2].code]["eligible"] is False


def test_revenue_first_passing_pays_the_highest_threshold_first_passed(duck):
    firms = [Firm(code(0), revenue=2500.0, revenue_prev_max=900.0),    # passes 1000 and 2000 → 20
             Firm(code(1), revenue=2500.0, revenue_prev_max=2100.0),   # passed 2000 before → nothing new
             Firm(code(2), revenue=12000.0, revenue_prev_max=6000.0),  # passes 1亿 → 100
             Firm(code(3), revenue=2500.0)]                             # no history → unknown
    rows = {r["credit_code"]: r for r in run(duck, firms, ["hz23-revenue-milestone"])}
    assert rows[firms[0].code]["expected_benefit"] == 20.0 and rows[firms[0].code]["eligible"] is True
    assert rows[firms[1].code]["eligible"] is False and "此前已突破" in rows[firms[1].code]["reason"]
    assert rows[firms[2].code]["expected_benefit"] == 100.0
    assert rows[firms[3].code]["eligible"] == "unknown"


def test_carbon_grade_and_title_rules(duck):
    firms = [Firm(code(0), carbon_grade=1), Firm(code(1), carbon_grade=3), Firm(code(2))]
    rows = {r["credit_code"]: r for r in run(duck, firms, ["zj-carbon-green-priority"])}
    assert rows[firms[0].code]["eligible"] is True and rows[firms[0].code]["expected_benefit"] is None
    assert rows[firms[1].code]["eligible"] is False
    assert rows[firms[1].code]["gaps"][0]["gap"] == pytest.approx(1.0)
    assert rows[firms[2].code]["eligible"] == "unknown"


@settings(max_examples=12, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=60000, allow_nan=False).map(lambda x: round(x, 2)),
                min_size=1, max_size=12))
def test_tech_upgrade_amount_is_eight_percent_capped_and_eligible_iff_at_least_500(equipments):
    from zhizao.engine.duckdb_engine import DuckDBEngine

    eng = DuckDBEngine()
    try:
        firms = [Firm(code(i), projects=[upgrade_project(f"P{i}", e)]) for i, e in enumerate(equipments)]
        rows = by_subject(run(eng, firms, ["hz23-tech-upgrade"]), "hz23-tech-upgrade")
    finally:
        eng.close()
    for i, e in enumerate(equipments):
        r = rows[f"P{i}"]
        assert (r["eligible"] is True) == (e >= 500)
        if e >= 500:
            assert r["expected_benefit"] == pytest.approx(min(0.08 * e, 1000.0))
            assert r["expected_benefit"] <= 1000.0
        else:
            assert r["gaps"][0]["gap"] == pytest.approx(500 - e)


@pytest.mark.spark
def test_matching_is_the_same_on_spark(spark_engine, duck):
    firms = [Firm(code(i), kwh=1e6, mujun_class=c, projects=[upgrade_project(f"P{i}", e)])
             for i, (c, e) in enumerate([("A", 400.0), ("C", 2000.0), ("D", 20000.0)])]
    items = ["hz23-tech-upgrade", "zj-diff-electricity"]
    assert run(spark_engine, firms, items) == run(duck, firms, items)


def test_matching_again_reuses_the_compiled_items_and_reads_the_new_data(duck, own_sql):
    from zhizao.engine import compiled

    items = ["hz23-tech-upgrade", "zj-diff-electricity"]
    firms = [Firm(code(i), kwh=1e6, mujun_class=c, projects=[upgrade_project(f"P{i}", e)])
             for i, (c, e) in enumerate([("A", 400.0), ("C", 2000.0)])]
    before = dict(compiled.stats)
    first = run(duck, firms, items)
    # the firm profile, the project profile and the items' union
    assert compiled.stats["compiled"] == before["compiled"] + 3
    # the same tables with other rows: nothing built or compiled, the answer is the new data's
    firms[0] = Firm(code(0), kwh=1e6, mujun_class="A", projects=[upgrade_project("P0", 900.0)])
    second = run(duck, firms, items)
    assert compiled.stats["compiled"] == before["compiled"] + 3 and compiled.stats["memory"] == before["memory"] + 3
    p0 = [by_subject(rows, "hz23-tech-upgrade")["P0"] for rows in (first, second)]
    assert p0[0]["eligible"] is False and p0[1]["eligible"] is True
    assert p0[1]["expected_benefit"] == pytest.approx(72.0)


def test_an_unmet_membership_or_yes_no_rule_says_what_is_wrong() -> None:
    from zhizao.policies.catalogue import Rule
    from zhizao.policies.match import _flag_text

    def rule(op: str, value: object) -> Rule:
        return Rule(id="c", label="亩均效益评价类别", measure="mujun_class", op=op, value=value)  # type: ignore[arg-type]

    assert _flag_text(rule("in", ["C", "D"])) == "亩均效益评价类别不是 C、D 之一"
    assert _flag_text(rule("in", ["A"])) == "亩均效益评价类别不是 A"
    assert _flag_text(rule("not_in", ["D"])) == "亩均效益评价类别属于 D"
    assert _flag_text(Rule(id="b", label="是否规上企业", measure="above_scale", op="==", value=True)) == "是否规上企业：否"
