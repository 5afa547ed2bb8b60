"""``zhizao policies list / show / match / ledger / differential`` on a real warehouse (CONTRACT.md)."""

from __future__ import annotations

import json

import pytest
from city import credit_code
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.ingest.importer import import_file

CODES = [credit_code(i) for i in range(3)]


@pytest.fixture
def home(settings, tmp_path):
    def load(table: str, text: str) -> None:
        f = tmp_path / f"{table}.csv"
        f.write_text(text, encoding="utf-8")
        r = import_file(settings, table, f)
        assert r.rows_rejected == 0, r.rejects

    load("enterprises", "统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n" + "".join(
        f"{c},测试企业{i},{'330502' if i < 2 else '330503'},3670,2010-01-01\n" for i, c in enumerate(CODES)))
    load("statistics_annual", "统一社会信用代码,年度,是否规上,工业总产值,工业增加值,营业收入,年平均从业人员,研发费用\n"
         f"{CODES[0]},2023,是,800,200,900,50,10\n{CODES[0]},2024,是,2600,600,2500,60,20\n"
         f"{CODES[1]},2023,是,3000,700,3000,80,30\n{CODES[1]},2024,是,3200,800,3100,80,30\n"
         f"{CODES[2]},2024,否,100,30,120,10,0\n")
    load("energy", "统一社会信用代码,月份,能源品种,消费量,计量单位\n"
         f"{CODES[0]},2024-03,电力,100,万千瓦时\n{CODES[1]},2024-03,电力,200,万千瓦时\n")
    load("benefits", "统一社会信用代码,年度,政策条目编号,类别,应享金额(万元),已兑现金额(万元),兑现日期\n"
         f"{CODES[1]},2024,zj-diff-land-tax,减税,6,3,2025-03-01\n")
    return settings


def _run(home, *args: str):
    res = CliRunner().invoke(app, ["--home", str(home.home), *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_list_and_show(home):
    items = _run(home, "policies", "list", "--year", "2024", "--json")["items"]
    ids = {i["item_id"] for i in items}
    assert {"hz23-tech-upgrade", "hz23-revenue-milestone", "zj-diff-electricity"} <= ids
    rev = next(i for i in items if i["item_id"] == "hz23-revenue-milestone")
    assert rev["mode"] == "no_application" and rev["document"]["number"] == "湖政办发〔2023〕23号"
    show = _run(home, "policies", "show", "hz23-tech-upgrade", "--json")
    assert show["benefit"]["rate"]["value"] == 0.08 and show["source"]["citation"].startswith("湖州市人民政府办公室")
    res = CliRunner().invoke(app, ["--home", str(home.home), "policies", "show", "nope"])
    assert res.exit_code == 1 and "未知的政策条目" in res.output


def test_match_rows_follow_the_contract(home):
    d = _run(home, "policies", "match", "--year", "2024", "--json")
    rows = {(r["credit_code"], r["item_id"]): r for r in d["matches"]}
    first = rows[(CODES[0], "hz23-revenue-milestone")]
    assert set(first) >= {"credit_code", "item_id", "eligible", "mode", "expected_benefit", "reason", "gaps"}
    assert first["eligible"] is True and first["expected_benefit"] == 20.0 and first["mode"] == "no_application"
    assert rows[(CODES[1], "hz23-revenue-milestone")]["eligible"] is False
    small = rows[(CODES[2], "hz23-revenue-milestone")]
    # below scale (a yes/no criterion: no gap) and 880 万元 short of the first threshold
    assert small["eligible"] is False
    assert [(g["criterion"], g["gap"]) for g in small["gaps"]] == [("营业收入", 880.0)]
    # no 亩均 class published: the differential price is unknown, never guessed
    assert rows[(CODES[0], "zj-diff-electricity")]["eligible"] == "unknown"
    one = _run(home, "policies", "match", "--year", "2024", "--credit-code", CODES[0], "--json")
    assert {r["credit_code"] for r in one["matches"]} == {CODES[0]}


def test_ledger_per_firm_and_kind_with_totals(home):
    d = _run(home, "policies", "ledger", "--year", "2024", "--json")
    firms = {f["credit_code"]: f for f in d["firms"]}
    assert firms[CODES[0]]["kinds"] == [{"kind": "award", "kind_label": "奖补", "expected": 20.0, "paid": 0.0,
                                         "rate": 0.0, "overdue": 0.0}]
    assert firms[CODES[1]]["kinds"][0]["kind"] == "tax" and firms[CODES[1]]["rate"] == 0.5
    assert d["total"]["expected"] == 26.0 and d["total"]["paid"] == 3.0
    assert {r["region_code"] for r in d["by_region"]} == {"330502"}
    one = _run(home, "policies", "ledger", "--year", "2024", "--credit-code", CODES[1], "--json")
    assert [f["credit_code"] for f in one["firms"]] == [CODES[1]]


def test_differential_list_for_the_power_company(home, tmp_path):
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.publish import publish_rows

    init_store(home)
    with session_scope(home) as s:
        publish_rows(s, "mujun", 2024, "mujun-2024-test",
                     [{"credit_code": CODES[0], "class": "D", "region_code": "330502"},
                      {"credit_code": CODES[1], "class": "A", "region_code": "330502"}])
    out = tmp_path / "power.xlsx"
    d = _run(home, "policies", "differential", "--year", "2024", "--item", "zj-diff-electricity", "--out", str(out),
             "--json")
    assert d["firms"] == 1 and d["rows"][0]["credit_code"] == CODES[0]
    assert d["total_effect"] == pytest.approx(-10.0)  # 1,000,000 kWh × 0.10 元 = 100,000 元
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    flat = [str(c) for row in sheet for c in row]
    assert any("供电公司" in c for c in flat) and CODES[0] in flat


def test_ledger_of_the_city_code_covers_its_counties(home):
    city = _run(home, "policies", "ledger", "--year", "2024", "--region", "330500", "--json")
    county = _run(home, "policies", "ledger", "--year", "2024", "--region", "330502", "--json")
    assert city["total"] == county["total"] and city["total"]["firms"] == 2
    other = _run(home, "policies", "ledger", "--year", "2024", "--region", "330503", "--json")
    assert other["total"]["firms"] == 0


def test_indicator_rows_and_review_section(home):
    from zhizao.policies.hooks import indicators, review_section

    rows = indicators(home, 2024, 2024, "330500")
    assert {r["id"] for r in rows} == {"policy_firms", "policy_expected", "policy_paid", "policy_paid_rate",
                                       "policy_overdue"}
    assert all(set(r) >= {"id", "name", "region", "year", "value", "unit", "basis"} for r in rows)
    assert next(r for r in rows if r["id"] == "policy_expected")["value"] == 26.0
    secs = review_section(home, 2023, 2024, "330500")
    assert secs and secs[0]["paras"] and "一指减负" in secs[0]["paras"][0]
