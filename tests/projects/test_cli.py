"""``zhizao projects status`` and ``zhizao projects stalls`` on a real warehouse (CONTRACT.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.projects.files import FIRM, MILESTONE_HEADER, OTHER_FIRM, PROJECT_HEADER, firms, load
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.settings import Settings


@pytest.fixture
def home(settings: Settings, tmp_path: Path) -> Settings:
    firms(settings, tmp_path)
    load(settings, tmp_path, "projects", PROJECT_HEADER, [
        ["P1", "年产10万台电机项目", FIRM, "330502", "3011", "新建", "35000", "120", "吴兴区经信局", "张三"],
        ["P2", "智能工厂技改", OTHER_FIRM, "330503", "3911", "技改", "12000", "", "南浔区经信局", "李四"],
    ])
    load(settings, tmp_path, "project_milestones", MILESTONE_HEADER, [
        ["P1", "签约", "2021-01-10", "2021-01-10"],
        ["P1", "开工", "2021-06-30", ""],
        ["P2", "签约", "2021-01-10", "2021-01-10"],
        ["P2", "开工", "2021-03-31", "2021-05-01"],
        ["P2", "竣工", "2022-03-31", ""],
    ], name="m1.csv")
    # P1 re-planned on 2021-09-01 (after its stall began on 2021-07-01)
    load(settings, tmp_path, "project_milestones", ["项目编号", "节点", "计划日期", "计划调整日期", "调整原因"],
         [["P1", "开工", "2022-06-30", "2021-09-01", "环评批复延后"]], name="m2.csv")
    return settings


def _run(home: Settings, *args: str, env: dict[str, str] | None = None) -> dict:
    res = CliRunner().invoke(app, ["--home", str(home.home), *args, "--json"], env=env)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_a_lake_gives_the_warehouse_s_states_and_account_judged_by_the_plan_in_force(home: Settings,
                                                                                   tmp_path: Path) -> None:
    """P1's stall began on 2021-07-01 under its first plan; the re-plan of 2021-09-01 moved the
    start to 2022-06-30. Read from the lake (its copy of every plan), the states and the account
    are the warehouse's: judged by today's plan alone, P1 was never stalled."""
    lake = tmp_path / "lake"
    res = CliRunner().invoke(app, ["--home", str(home.home), "lake", "export", "--lake", str(lake)])
    assert res.exit_code == 0, res.output
    questions = (("projects", "status", "--as-of", "2021-08-01"),
                 ("projects", "stalls", "--from", "2021-01-01", "--to", "2021-12-31"))
    got = [_run(home, *q, env={"ZHIZAO_LAKE": str(lake)}) for q in questions]
    assert got == [_run(home, *q) for q in questions]
    assert {r["project_id"]: r["stall"] for r in got[0]["projects"]} == {"P1": "signed_not_started", "P2": None}
    assert {c["project_id"] for c in got[1]["cases"]} == {"P1", "P2"}


def test_a_lake_without_the_plans_history_is_refused_not_judged_by_today_s_plans(home: Settings,
                                                                              tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    tables = ["--table", "projects", "--table", "project_milestones", "--table", "project_disposals",
              "--table", "project_investment"]
    res = CliRunner().invoke(app, ["--home", str(home.home), "lake", "export", "--lake", str(lake), *tables])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["--home", str(home.home), "projects", "status", "--as-of", "2021-08-01"],
                             env={"ZHIZAO_LAKE": str(lake)})
    assert res.exit_code != 0
    said = " ".join(res.stderr.split())  # as the terminal wrapped it
    assert "zhizao lake export" in said and "历次计划" in said


def test_a_warehouse_of_an_earlier_version_is_upgraded_before_its_lake_is_exported(home: Settings,
                                                                                  tmp_path: Path) -> None:
    import duckdb

    from zhizao.engine import lake as lk

    con = duckdb.connect(str(home.warehouse_path))
    con.execute("DROP VIEW history_project_milestones")  # as a warehouse made before the view was
    con.close()
    res = CliRunner().invoke(app, ["--home", str(home.home), "lake", "export", "--lake", str(tmp_path / "lake")])
    assert res.exit_code == 0, res.output
    assert lk.read_manifest(tmp_path / "lake")["tables"]["history_project_milestones"]["rows"] == 6


def test_status_rows_carry_the_contract_fields(home: Settings) -> None:
    d = _run(home, "projects", "status", "--as-of", "2021-10-01")
    assert d["as_of"] == "2021-10-01"
    rows = {r["project_id"]: r for r in d["projects"]}
    assert set(rows["P1"]) >= {"project_id", "name", "credit_code", "region_code", "reached", "state", "stall",
                               "overdue_days"}
    assert (rows["P1"]["state"], rows["P1"]["stall"], rows["P1"]["overdue_days"]) == (
        "stalled", "signed_not_started", 93)
    assert (rows["P2"]["state"], rows["P2"]["reached"], rows["P2"]["stall"]) == ("on_track", "started", None)


def test_stalls_account_counts_the_stall_that_began_before_the_replan(home: Settings) -> None:
    d = _run(home, "projects", "stalls", "--from", "2021-01-01", "--to", "2021-12-31")
    assert (d["stock_at_start"], d["new"], d["resolved"], d["open_at_end"]) == (0, 2, 1, 1)
    assert d["resolution_rate"] == 0.5
    assert {(c["project_id"], c["stall"], c["how"]) for c in d["cases"]} == {
        ("P1", "signed_not_started", None), ("P2", "signed_not_started", "milestone")}


def test_stalls_for_one_region(home: Settings) -> None:
    d = _run(home, "projects", "stalls", "--from", "2021-01-01", "--to", "2021-12-31", "--region", "330503")
    assert [c["project_id"] for c in d["cases"]] == ["P2"]
    assert [r["region_code"] for r in d["by_region"]] == ["330503"]


def test_a_bad_date_is_a_clear_error(home: Settings) -> None:
    res = CliRunner().invoke(app, ["--home", str(home.home), "projects", "status", "--as-of", "2021-13-45"])
    assert res.exit_code != 0
    assert "不是有效日期" in res.stderr


def test_agenda_lists_the_red_stalls_by_district(home: Settings, tmp_path: Path) -> None:
    from zhizao.store.db import init_store

    init_store(home)
    out = tmp_path / "agenda.xlsx"
    d = _run(home, "projects", "agenda", "--as-of", "2022-12-31", "--out", str(out))
    # P1: 签约未开工 since 2021-07-01 (red after 90 days); P2: 开工未竣工 since 2022-04-01 (red after 180)
    assert (d["stalls"], d["issues"]) == (2, 0)
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("红色未按期项目").to_python()
    assert "未按期类型" in rows[3] and {r[1] for r in rows[4:]} == {"P1", "P2"}


@pytest.mark.spark
def test_spark_reading_the_lake_gives_duckdb_s_states_and_account(home: Settings, tmp_path: Path,
                                                                   spark_engine) -> None:  # type: ignore[no-untyped-def]
    """The same lifecycle code on Spark, over the lake's copy of every plan: DuckDB's states on
    a day under each plan and its account of the year."""
    import dataclasses
    import datetime as dt

    from zhizao.projects import query

    lake = tmp_path / "lake"
    res = CliRunner().invoke(app, ["--home", str(home.home), "lake", "export", "--lake", str(lake)])
    assert res.exit_code == 0, res.output
    on_lake = dataclasses.replace(home, lake=lake)
    for day in (dt.date(2021, 8, 1), dt.date(2022, 7, 31)):  # under the first plan, then under the second
        assert query.status(on_lake, day, engine_name="spark") == query.status(home, day), day
    span = (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert query.stalls(on_lake, *span, engine_name="spark") == query.stalls(home, *span)
