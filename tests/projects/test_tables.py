"""The room's contract tables: every row loaded or rejected with row, column and code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from tests.projects.files import FIRM, MILESTONE_HEADER, OTHER_FIRM, PROJECT_HEADER, firms, load

from zhizao.contract import TABLES
from zhizao.settings import Settings


def _projects(settings: Settings, tmp: Path) -> None:
    firms(settings, tmp)
    r = load(settings, tmp, "projects", PROJECT_HEADER, [
        ["P1", "年产10万台电机项目", FIRM, "330502", "3011", "新建", "35000", "120", "吴兴区经信局", "张三"],
        ["P2", "智能工厂技改", OTHER_FIRM, "330503", "3911", "技改", "12000", "", "南浔区经信局", "李四"],
    ])
    assert r.rows_rejected == 0, r.rejects


def test_the_four_tables_are_in_the_contract() -> None:
    for name in ("projects", "project_milestones", "project_disposals", "project_investment"):
        assert name in TABLES


def test_a_project_naming_an_unknown_firm_is_rejected_with_row_and_column(settings: Settings, tmp_path: Path) -> None:
    firms(settings, tmp_path)
    r = load(settings, tmp_path, "projects", PROJECT_HEADER, [
        ["P1", "甲项目", FIRM, "330502", "3011", "新建", "35000", "", "", ""],
        ["P9", "乙项目", make_unknown(), "330502", "3011", "扩建", "5000", "", "", ""],
    ])
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    rej = r.rejects[0]
    assert (rej.row, rej.column, rej.code) == (3, "统一社会信用代码", "unknown_enterprise")
    assert "不在企业名录中" in rej.message


def make_unknown() -> str:
    from zhizao.codes.credit_code import make

    return make("9", "1", "330502", "MA0000099")


def test_a_milestone_outside_the_six_is_rejected(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    r = load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [
        ["P1", "签约", "2021-01-10", "2021-01-10"],
        ["P1", "验收", "2022-01-10", ""],
    ])
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    rej = r.rejects[0]
    assert (rej.row, rej.column, rej.code) == (3, "节点", "unknown_code")
    assert "签约" in rej.message and "达产" in rej.message


def test_an_actual_date_in_the_future_is_rejected(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    r = load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [
        ["P1", "签约", "2021-01-10", dt.date.today().isoformat()],
        ["P1", "开工", "2021-06-10", tomorrow],
    ])
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    rej = r.rejects[0]
    assert (rej.row, rej.column, rej.code) == (3, "实际日期", "future_date")
    assert tomorrow in rej.message and "晚于今天" in rej.message


def test_a_future_planned_date_is_fine(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    r = load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [["P1", "达产", "2031-01-10", ""]])
    assert r.rows_rejected == 0


def test_a_negative_investment_is_rejected(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    r = load(settings, tmp_path, "project_investment", ["项目编号", "月份", "本月完成投资(万元)"], [
        ["P1", "2021-03", "1200"],
        ["P1", "2021-04", "-5"],
    ])
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    rej = r.rejects[0]
    assert (rej.row, rej.column, rej.code) == (3, "本月完成投资(万元)", "negative_value")


def test_a_negative_total_investment_is_rejected(settings: Settings, tmp_path: Path) -> None:
    firms(settings, tmp_path)
    r = load(settings, tmp_path, "projects", PROJECT_HEADER, [
        ["P1", "甲项目", FIRM, "330502", "3011", "新建", "-1", "", "", ""]])
    assert r.rejects[0].code == "negative_value" and r.rejects[0].column == "计划总投资(万元)"


def test_a_milestone_of_an_unknown_project_is_rejected(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    r = load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [["P404", "签约", "2021-01-10", ""]])
    rej = r.rejects[0]
    assert (rej.row, rej.column, rej.code) == (2, "项目编号", "unknown_reference")
    assert "P404" in rej.message and "投资项目" in rej.message


def test_an_actual_date_before_the_previous_milestones_is_loaded_but_flagged(settings: Settings,
                                                                            tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    r = load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [
        ["P1", "签约", "2021-01-10", "2021-03-01"],
        ["P1", "开工", "2021-06-10", "2021-02-01"],
        ["P2", "签约", "2021-01-10", "2021-01-10"],
        ["P2", "开工", "2021-06-10", "2021-06-01"],
    ])
    assert (r.rows_loaded, r.rows_rejected) == (4, 0)
    flagged = [w for w in r.warnings if "早于" in w]
    assert flagged == ["第 3 行“实际日期”：实际日期 2021-02-01 早于“签约”的实际日期 2021-03-01（已入库，请核实）"]


def test_the_flag_also_compares_with_milestones_loaded_earlier(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [["P1", "竣工", "2022-01-10", "2022-05-01"]],
         name="a.csv")
    r = load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [["P1", "投产", "2022-06-10", "2022-04-01"]],
             name="b.csv")
    assert r.rows_loaded == 1
    assert any("早于“竣工”" in w for w in r.warnings)


def test_a_replan_keeps_the_original_plan_in_the_warehouse(settings: Settings, tmp_path: Path) -> None:
    _projects(settings, tmp_path)
    load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [["P1", "开工", "2021-06-10", ""]], name="a.csv")
    load(settings, tmp_path, "project_milestones", ["项目编号", "节点", "计划日期", "计划调整日期", "调整原因"],
         [["P1", "开工", "2021-12-10", "2021-07-01", "环评批复延后"]], name="b.csv")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("SELECT planned_on, planned_since, reason, _current FROM fact_project_milestones "
                           "ORDER BY _batch_id").fetchall()
    finally:
        con.close()
    assert rows == [(dt.date(2021, 6, 10), None, None, False),
                    (dt.date(2021, 12, 10), dt.date(2021, 7, 1), "环评批复延后", True)]
