"""The gate on the command line: ``runs show`` lists held firms, ``publish`` refuses them unless
``--with-held`` (recorded), ``runs release`` is audited and produces a new run."""

from __future__ import annotations

import json

import pytest
from carbon_city import City
from city import load_warehouse
from forms import csrf_of, logged_in
from sqlalchemy import select
from typer.testing import CliRunner

from zhizao.cli import app


@pytest.fixture
def held_home(settings):  # type: ignore[no-untyped-def]
    city = City(2023)
    for i in range(4):
        city.firm(i, industry="2221", value_added=1000.0 + 100 * i, energy={"electricity": 1_500_000.0 + 1e5 * i},
                  name=f"示例纸业{i}")
    bad = city.firm(9, industry="2221", value_added=1200.0, energy={"electricity": 1_800_000.0}, name="浙江示例纸业有限公司")
    city.scale_month(bad, 12, 10_000.0)  # December's 千瓦时 figure labelled 万千瓦时
    load_warehouse(settings, city.tables())
    return settings, bad


def _cli(settings, *args: str):  # type: ignore[no-untyped-def]
    r = CliRunner().invoke(app, ["--home", str(settings.home), *args],
                           env={"ZHIZAO_STORE_URL": settings.store_url})
    return r


def test_held_firms_are_shown_refused_released_and_recorded(held_home):
    settings, bad = held_home
    res = _cli(settings, "evaluate", "carbon", "--year", "2023", "--json")
    assert res.exit_code == 0, res.output
    run_id = json.loads(res.stdout)["run_id"]

    shown = json.loads(_cli(settings, "runs", "show", run_id, "--json").stdout)
    assert [h["credit_code"] for h in shown["held"]] == [bad]
    assert shown["held"][0]["check"] == "unit_mixup"
    assert any("0.5306" in n for n in shown["notes"])  # every factor is stated
    text = _cli(settings, "runs", "show", run_id).stdout
    assert "待核企业 1 家" in text and "浙江示例纸业有限公司" in text and "unit_mixup" not in text

    refused = _cli(settings, "publish", run_id)
    assert refused.exit_code == 1 and "--with-held" in refused.output and "浙江示例纸业有限公司" in refused.output

    pub = json.loads(_cli(settings, "publish", run_id, "--with-held", "--json").stdout)
    assert pub["held"] == [bad] and pub["rows"] == 4
    from zhizao.store.db import session_scope
    from zhizao.store.models import AuditEntry, Publication, PublishedResult

    with session_scope(settings) as s:
        p = s.scalars(select(Publication).where(Publication.run_id == run_id)).one()
        assert json.loads(p.held or "[]")[0]["credit_code"] == bad
        assert s.scalar(select(PublishedResult).where(PublishedResult.credit_code == bad)) is None

    no_reason = _cli(settings, "runs", "release", run_id, bad, "--reason", " ")
    assert no_reason.exit_code == 1 and "理由" in no_reason.output
    rel = _cli(settings, "runs", "release", run_id, bad, "--reason", "供电公司确认12月读数无误（大修试车）", "--json")
    assert rel.exit_code == 0, rel.output
    new = json.loads(rel.stdout)
    assert new["run_id"] != run_id and new["parent_run_id"] == run_id
    shown2 = json.loads(_cli(settings, "runs", "show", new["run_id"], "--json").stdout)
    assert shown2["held"] == [] and shown2["parent_run_id"] == run_id
    assert any("已放行" in n and bad in n for n in shown2["notes"])
    assert shown2["releases"][0]["reason"].startswith("供电公司确认")
    with session_scope(settings) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "gate.release")).one()
        assert entry.target == run_id and bad in (entry.detail or "")
    ok = _cli(settings, "publish", new["run_id"], "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["held"] == []
    # a later run of the same year honours the release
    again = json.loads(_cli(settings, "evaluate", "carbon", "--year", "2023", "--json").stdout)
    assert again["counts"]["status"] == {"graded": 5}
    # releasing a firm that is not held is refused
    assert _cli(settings, "runs", "release", new["run_id"], bad, "--reason", "再次").exit_code == 1


def test_the_runs_pages_list_held_firms_and_the_page_refuses_to_publish(held_home):
    from zhizao.store.accounts import NewUser, add_user
    from zhizao.store.db import init_store, session_scope
    from zhizao.web.app import create_app

    settings, _ = held_home
    run_id = json.loads(_cli(settings, "evaluate", "carbon", "--year", "2023", "--json").stdout)["run_id"]
    init_store(settings)
    with session_scope(settings) as s:
        add_user(s, NewUser("city1", "city", display_name="市经信局"), "pw-for-tests-1")
    c = logged_in(create_app(settings), "city1", "pw-for-tests-1")
    listing = c.get("/runs").text
    assert "待核 1 家" in listing
    html = c.get(f"/runs/{run_id}").text
    assert "待核企业 1 家" in html and "浙江示例纸业有限公司" in html and "单位误标" in html
    assert "发布此运行" not in html and "unit_mixup" not in html
    r = c.post(f"/runs/{run_id}/publish", data={"csrf_token": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 409 and "--with-held" in r.text
    # released by the city's account: the year's releases name it by its display name
    from zhizao.runs import gate

    held = gate.held(settings, run_id)[0]["credit_code"]
    new = gate.release(settings, run_id, [held], "供电公司确认读数无误", user="city1").run_id
    page = c.get(f"/runs/{new}").text
    released = page[page.index("<h3>本年度已放行</h3>"):]
    assert "<span data-verbatim>市经信局</span>" in released[:released.index("</ul>")]
