"""The demo's project book: deterministic for the seed, every row loaded, and a 破五未 account
shaped like the seed's (hundreds of cases since 2017, nearly all resolved)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.projects.bookcity import build, firms

from zhizao.projects import demo, query
from zhizao.projects.methodology import STALL_CODES


def test_the_same_seed_writes_the_same_book_and_another_seed_another() -> None:
    fs = firms()
    assert demo.generate(fs, 7) == demo.generate(fs, 7)
    assert demo.generate(fs, 7) != demo.generate(fs, 8)


def test_the_demo_book_loads_whole_and_resembles_the_seeds_campaign(tmp_path: Path) -> None:
    city = build(tmp_path, with_users=False)
    assert all(r["rows_rejected"] == 0 for r in city.imports), city.imports
    assert city.imports[0]["rows_loaded"] == demo.N_PROJECTS
    a = query.stalls(city.settings, dt.date(2017, 1, 1), demo.DATA_UNTIL)
    cases = a["stock_at_start"] + a["new"]
    assert 300 <= cases <= 1200
    assert a["resolution_rate"] >= 0.93
    assert a["resolved_by_milestone"] > a["resolved_by_disposal"] > 0
    assert {s["stall"] for s in a["by_stall"]} == set(STALL_CODES.values())  # all five kinds occur


def test_the_demos_coordination_issues_were_opened_weeks_ago_two_now_overdue(tmp_path: Path) -> None:
    """The demo's bureau opened its coordination issues at meetings of the last weeks, each due
    after it was opened; two are overdue today, one still runs (not opened today and due years ago)."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from zhizao.projects.models import ProjectIssue
    from zhizao.store.db import session_scope

    city = build(tmp_path, with_users=False)
    said: list[str] = []
    demo._work(SimpleNamespace(settings=city.settings, actor="city", say=said.append))
    today = dt.datetime.now(dt.UTC).date()
    with session_scope(city.settings) as s:
        found = [(i.created_at.date(), i.due_on, i.created_by, [st.at.date() for st in i.steps])
                 for i in s.scalars(select(ProjectIssue))]
    assert len(found) == 3 and said
    assert all(opened < today and opened < due and steps == [opened] for opened, due, _, steps in found)
    assert sorted(due < today for _, due, _, _ in found) == [False, True, True]
    assert {by for _, _, by, _ in found} == {"city"}
