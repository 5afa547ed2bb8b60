"""The room's pages with the real app over a small project book: the board, the stalled list
(filters, paging, export), a project's timeline, web edits by the owning district (recorded who,
when, why; the original plan kept), the issue log, the agenda, and who may see and edit what."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from forms import csrf_of, logged_in
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from tests.projects.files import FIRM, MILESTONE_HEADER, OTHER_FIRM, PROJECT_HEADER, firms, load
from world import add_user_fast

from zhizao.settings import Settings, load_settings
from zhizao.store.accounts import hash_password
from zhizao.store.db import init_store, session_scope
from zhizao.store.models import AuditEntry

PASSWORD = "correct-horse"
USERS = {"city": ("city", None, None), "dist_a": ("district", "330502", None), "dist_b": ("district", "330503", None),
         "firm": ("enterprise", None, FIRM), "auditor": ("auditor", None, None)}
#: the accounts that have a display name (the pages show it for who did what)
DISPLAY_NAMES = {"dist_a": "吴兴区经信局"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("projects-web")
    s = load_settings(tmp / "home").ensure()
    firms(s, tmp)
    load(s, tmp, "projects", PROJECT_HEADER, [
        ["P1", "年产10万台电机项目", FIRM, "330502", "3011", "新建", "35000", "120", "吴兴区经信局", "张三"],
        ["P2", "智能工厂技改", OTHER_FIRM, "330503", "3911", "技改", "12000", "", "南浔区经信局", "李四"],
        ["P3", "高端装备基地", FIRM, "330502", "3011", "新建", "80000", "300", "吴兴区发改局", "王五"],
    ])
    load(s, tmp, "project_milestones", MILESTONE_HEADER, [
        ["P1", "签约", "2021-01-10", "2021-01-10"], ["P1", "开工", "2021-06-30", ""],
        ["P2", "签约", "2021-01-10", "2021-01-10"], ["P2", "开工", "2021-03-31", "2021-05-01"],
        ["P2", "竣工", "2022-03-31", ""],
        ["P3", "签约", "2022-01-10", "2022-01-10"], ["P3", "开工", "2022-03-01", "2022-02-20"],
    ])
    init_store(s)
    pw = hash_password(PASSWORD)
    with session_scope(s) as db:
        for name, (role, region, code) in USERS.items():
            add_user_fast(db, name, role, password_hash=pw, region_code=region, credit_code=code,
                          display_name=DISPLAY_NAMES.get(name))
    return s


@pytest.fixture(scope="module")
def app(home: Settings):  # type: ignore[no-untyped-def]
    from zhizao.web.app import create_app

    return create_app(home)


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return logged_in(app, username, PASSWORD)


@pytest.fixture(scope="module")
def clients(app):  # type: ignore[no-untyped-def]
    return {u: login(app, u) for u in USERS}


def test_the_board_shows_the_account_and_the_district_ranking(clients) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/projects?as_of=2021-12-31&year=2021")
    assert r.status_code == 200
    for text in ("项目全生命周期管理", "“破五未”化解台账", "双进双产", "吴兴区", "南浔区", "签约未开工"):
        assert text in r.text, text
    assert "“双进双产”区县排名（2021年）" in r.text and "截至12月" not in r.text
    # a day within the year ends the year's figures: the headings say so
    r = clients["city"].get("/projects?as_of=2021-06-30&year=2021")
    assert "“双进双产”区县排名（2021年，截至6月30日）" in r.text and "化解台账<small" in r.text


def test_the_year_s_figures_count_nothing_after_the_as_of_day(home: Settings) -> None:
    """P3 started on 2022-02-20, nine days ahead of its plan (2022-03-01): the board as of
    2022-02-10 neither lists it among the milestones reached early nor counts it as due or
    reached in the year's ranking; as of 2022-03-31 it does."""
    from zhizao.projects.pages import board_figures

    def figures(day: str) -> tuple[list[tuple[str, str]], tuple[int, ...]]:
        _counts, _acc, drive, early, _regions = board_figures(home, day, 2022, None, False)  # type: ignore[misc]
        wx = next(r for r in drive if r["region_code"] == "330502")
        return ([(r["project_id"], r["milestone"]) for r in early],
                (wx["due"], wx["on_time"], wx["early"], wx["started"]))

    assert figures("2022-02-10") == ([], (1, 1, 0, 0))  # P3 signed on plan on 2022-01-10
    assert figures("2022-03-31") == ([("P3", "started")], (2, 2, 1, 1))


def test_a_district_sees_only_its_districts_projects(clients) -> None:  # type: ignore[no-untyped-def]
    r = clients["dist_b"].get("/projects/stalls?as_of=2022-06-30")
    assert r.status_code == 200
    assert "智能工厂技改" in r.text and "年产10万台电机项目" not in r.text
    assert clients["dist_b"].get("/projects/p/P1").status_code == 404
    assert clients["dist_a"].get("/projects/p/P1").status_code == 200
    assert clients["dist_b"].get("/projects/p/P2").status_code == 200


def test_the_stalled_list_filters_pages_and_exports(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients["city"]
    r = c.get("/projects/stalls?as_of=2022-06-30")
    assert "年产10万台电机项目" in r.text and "智能工厂技改" in r.text
    r = c.get("/projects/stalls?as_of=2022-06-30&stall=started_not_completed")
    assert "智能工厂技改" in r.text and "年产10万台电机项目" not in r.text
    r = c.get("/projects/stalls?as_of=2022-06-30&min_days=200")
    assert "年产10万台电机项目" in r.text and "智能工厂技改" not in r.text
    r = c.get("/projects/stalls?as_of=2022-06-30&owner=南浔区经信局")
    assert "智能工厂技改" in r.text and "年产10万台电机项目" not in r.text
    x = c.get("/projects/stalls.xlsx?as_of=2022-06-30")
    assert x.status_code == 200
    path = Path(__file__).parent / "_stalls.xlsx"
    try:
        path.write_bytes(x.content)
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    finally:
        path.unlink(missing_ok=True)
    assert "项目编号" in rows[2] and "逾期天数" in rows[2]
    assert {r[1] for r in rows[3:]} == {"P1", "P2"}


def test_the_timeline_shows_plan_actual_and_the_stall(clients) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/projects/p/P1?as_of=2021-12-31")
    assert r.status_code == 200
    assert "节点计划与实际" in r.text and "markArea" in r.text and "签约未开工" in r.text and "echarts.min.js" in r.text


def test_a_firm_sees_its_own_projects_read_only(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients["firm"]
    r = c.get("/projects/p/P1")
    assert r.status_code == 200 and "记录完成" not in r.text
    assert c.get("/projects/p/P2").status_code == 404
    assert c.get("/projects/stalls").status_code == 403
    token = csrf_of(r.text) if "csrf_token" in r.text else ""
    r = c.post("/projects/p/P1/edit", data={"action": "reached", "milestone": "started", "on": "2021-09-01",
                                             "reason": "x", "csrf_token": token}, follow_redirects=False)
    assert r.status_code in (403, 404)


def test_the_auditor_reads_and_is_audited_but_cannot_edit(clients, home) -> None:  # type: ignore[no-untyped-def]
    r = clients["auditor"].get("/projects/p/P2")
    assert r.status_code == 200 and "记录完成" not in r.text
    with session_scope(home) as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.username == "auditor",
                                                  AuditEntry.action == "read.project")).first() is not None


def test_a_district_edit_is_recorded_and_a_replan_keeps_the_original_plan(clients, home) -> None:  # type: ignore[no-untyped-def]
    c = clients["dist_a"]
    page = c.get("/projects/p/P1")
    assert "调整计划（原计划保留）" in page.text
    r = c.post("/projects/p/P1/edit", data={"action": "replan", "milestone": "started", "planned": "2027-06-30",
                                             "reason": "环评批复延后", "csrf_token": csrf_of(page.text)},
               follow_redirects=False)
    assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        plans = con.execute("SELECT planned_on, planned_since, _current FROM fact_project_milestones "
                            "WHERE project_id = 'P1' AND milestone = 'started' ORDER BY _batch_id").fetchall()
    finally:
        con.close()
    assert plans[0] == (dt.date(2021, 6, 30), None, False)
    assert plans[-1] == (dt.date(2027, 6, 30), dt.date.today(), True)
    page = c.get("/projects/p/P1")
    # the edit's reason and who made it, by the account's display name
    assert "环评批复延后" in page.text and "<td>吴兴区经信局</td>" in page.text and "dist_a" not in page.text
    # the stall that began in 2021 is still in the account of 2021
    acc = c.get("/projects?as_of=2021-12-31&year=2021")
    assert "签约未开工" in acc.text
    with session_scope(home) as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "projects.replan")).first() is not None


def test_an_edit_tells_the_rooms_without_waiting_on_its_own_store_transaction(clients, caplog) -> None:  # type: ignore[no-untyped-def]
    """The edit's import tells the rooms of the new data, which queue the pages' refresh in the
    store on connections of their own: none of them may fail on the edit's own transaction (on
    SQLite they waited out its write lock, 10 s each, and gave up)."""
    import logging

    c = clients["dist_a"]
    page = c.get("/projects/p/P1")
    with caplog.at_level(logging.INFO):
        r = c.post("/projects/p/P1/edit", data={"action": "replan", "milestone": "completed", "planned": "2028-03-31",
                                                 "reason": "设备到货延后", "csrf_token": csrf_of(page.text)},
                   follow_redirects=False)
    assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
    failed = [rec.getMessage() for rec in caplog.records
              if rec.name in ("zhizao.rooms", "zhizao.prepared") and (rec.exc_info or "locked" in rec.getMessage())]
    assert not failed, failed
    assert "设备到货延后" in c.get("/projects/p/P1").text


def test_an_edit_whose_import_fails_leaves_no_edit_behind(home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The edit is committed before its import; an import that fails removes it again, and the
    history lists only applied edits."""
    from zhizao.projects import edits
    from zhizao.projects.models import ProjectEdit

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise edits.EditError("导入被拒绝")

    monkeypatch.setattr(edits, "_import", refused)
    user = {"username": "dist_a", "role": "district", "region_code": edits.project(home, "P1")["region_code"]}
    with session_scope(home) as s:
        before = s.scalar(select(func.count()).select_from(ProjectEdit))
        with pytest.raises(edits.EditError, match="导入被拒绝"):
            edits.replan(home, s, user, "P1", "completed", dt.date(2029, 1, 31), "测试")
    with session_scope(home) as s:
        assert s.scalar(select(func.count()).select_from(ProjectEdit)) == before
        assert all(e.batch_id is not None for e in edits.history(s, "P1"))


def test_an_edit_with_a_future_date_is_refused_in_chinese(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients["dist_a"]
    page = c.get("/projects/p/P3")
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = c.post("/projects/p/P3/edit", data={"action": "reached", "milestone": "completed", "on": future,
                                             "reason": "竣工验收", "csrf_token": csrf_of(page.text)},
               follow_redirects=True)
    assert "实际日期不能晚于今天" in r.text


def test_another_district_cannot_edit(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients["dist_b"]
    page = c.get("/projects/p/P2")
    r = c.post("/projects/p/P1/edit", data={"action": "reached", "milestone": "started", "on": "2021-09-01",
                                             "reason": "x", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 404


def test_the_issue_log_and_the_agenda(clients) -> None:  # type: ignore[no-untyped-def]
    c = clients["dist_a"]
    page = c.get("/projects/p/P3")
    r = c.post("/projects/p/P3/issues", data={"title": "用电增容审批", "waiting": "firm", "waiting_on": "government",
                                               "assignee": "供电所", "due_on": "2022-01-31",
                                               "csrf_token": csrf_of(page.text)}, follow_redirects=True)
    assert "用电增容审批" in r.text and "企业 等待 政府责任单位" in r.text and "已超期" in r.text
    assert " · 吴兴区经信局：" in r.text  # the step's author by display name
    x = clients["city"].get("/projects/agenda.xlsx")
    assert x.status_code == 200
    path = Path(__file__).parent / "_agenda.xlsx"
    try:
        path.write_bytes(x.content)
        wb = CalamineWorkbook.from_path(str(path))
        issues = wb.get_sheet_by_name("逾期协调事项").to_python()
    finally:
        path.unlink(missing_ok=True)
    assert any("用电增容审批" in str(r) for r in issues)
    p = clients["city"].get("/projects/agenda.pdf")
    assert p.status_code == 200 and p.content[:4] == b"%PDF"
