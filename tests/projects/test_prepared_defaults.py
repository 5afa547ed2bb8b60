"""Each role's first project pages (the board and the stalled list of its scope, as of the
default day) are prepared by the background refresh an import queues, before anyone visits: the
first visit reads them, and a milestone imported later shows once they are prepared again."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from forms import logged_in
from tests.projects.files import FIRM, MILESTONE_HEADER, OTHER_FIRM, PROJECT_HEADER, firms, load
from world import add_user_fast

from zhizao import prepared
from zhizao.settings import Settings, load_settings
from zhizao.store.accounts import hash_password
from zhizao.store.db import init_store, session_scope

PASSWORD = "correct-horse"
USERS = {"city": ("city", None), "dist_a": ("district", "330502"), "dist_b": ("district", "330503")}


@pytest.fixture
def home(tmp_path: pytest.TempPathFactory) -> Settings:
    s = load_settings(tmp_path / "home").ensure()
    init_store(s)
    pw = hash_password(PASSWORD)
    with session_scope(s) as db:
        for name, (role, region) in USERS.items():
            add_user_fast(db, name, role, password_hash=pw, region_code=region)
    firms(s, tmp_path)
    load(s, tmp_path, "projects", PROJECT_HEADER, [
        ["P1", "年产10万台电机项目", FIRM, "330502", "3011", "新建", "35000", "120", "吴兴区经信局", "张三"],
        ["P2", "智能工厂技改", OTHER_FIRM, "330503", "3911", "技改", "12000", "", "南浔区经信局", "李四"],
    ])
    load(s, tmp_path, "project_milestones", MILESTONE_HEADER, [
        ["P1", "签约", "2021-01-10", "2021-01-10"], ["P1", "开工", "2021-06-30", ""],
        ["P2", "签约", "2021-01-10", "2021-01-10"], ["P2", "开工", "2021-03-31", "2021-05-01"],
        ["P2", "竣工", "2022-03-31", "2022-06-30"],
    ])
    return s


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return logged_in(app, username, PASSWORD)


def _files(s: Settings) -> dict[str, int]:
    root = s.home / "prepared" / prepared.PAGES / "projects"
    return {str(p): p.stat().st_mtime_ns for p in root.glob("*/*.json")}


def test_each_scopes_first_project_pages_are_prepared_before_the_first_visit(home, tmp_path) -> None:
    from zhizao.ingest import jobs
    from zhizao.web.app import create_app

    assert prepared.scopes(home) == [None, "330502", "330503"]
    assert jobs.queued(home, prepared.REFRESH)  # queued by the imports, though no page was ever read
    prepared.refresh(home, {}, lambda _stage: None)
    kept = _files(home)
    # the board and the stalled list of 3 scopes, every project's state today, every stall case
    assert len(kept) == 8
    app = create_app(home)
    # as of the latest day on record (2022-06-30): P1 signed but not started, P2 completed
    for who, seen, unseen in (("city", ("年产10万台电机项目",), ("智能工厂技改",)),
                              ("dist_a", ("年产10万台电机项目",), ("智能工厂技改",)),
                              ("dist_b", (), ("年产10万台电机项目", "智能工厂技改"))):
        c = login(app, who)
        for path in ("/projects", "/projects/stalls"):
            r = c.get(path)
            assert r.status_code == 200, (who, path)
        html = c.get("/projects/stalls").text
        assert all(t in html for t in seen) and not any(t in html for t in unseen), who
    # a project's own page (today) takes its state and stall cases from what was prepared: nothing
    # compiled for it (filtering the inputs by the project compiled a new expression per project)
    from zhizao.engine import compiled

    before = compiled.stats["compiled"]
    for pid, name in (("P1", "年产10万台电机项目"), ("P2", "智能工厂技改")):
        page = login(app, "city").get(f"/projects/p/{pid}")
        assert page.status_code == 200 and name in page.text
    assert compiled.stats["compiled"] == before
    # the page labels copies of the cases: the prepared value is shared by every request
    shared = prepared.page_value(home, "projects", "zhizao.projects.pages:all_cases", []).value
    assert shared["P1"] and not any("how_name" in c for cases in shared.values() for c in cases)
    p1 = login(app, "city").get("/projects/p/P1?as_of=2021-12-31").text  # another day: computed
    assert "签约未开工" in p1
    assert _files(home) == kept  # every first visit read what was prepared
    # P1 started: once the refresh ran, the stalled list no longer counts it as not started
    load(home, tmp_path, "project_milestones", MILESTONE_HEADER,
         [["P1", "开工", "2021-06-30", "2021-07-02"]], name="more.csv")
    # before the refresh: the project's own page shows the new milestone's state at once (what
    # was prepared is of the earlier state), as it does after an edit on that page
    def reached(html: str) -> str:
        found = re.search(r'已完成节点</div><div class="value"[^>]*>([^<]+)<', html)
        assert found, html[:500]
        return found.group(1)

    assert reached(p1) == "签约" and reached(login(app, "city").get("/projects/p/P1").text) == "开工"
    prepared.refresh(home, {}, lambda _stage: None)
    html = login(app, "dist_a").get("/projects/stalls?stall=signed_not_started").text
    assert "年产10万台电机项目" not in html
    assert _files(home) != kept
