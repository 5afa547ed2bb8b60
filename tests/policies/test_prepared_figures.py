"""The policies pages read the ledger and the match counts prepared off the request path: when
the matches are saved, after a step on the page or the API, and in the background after an
import; a change in the ledger's inputs shows on the next page; a district reads only its firms."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from city import credit_code
from fastapi.testclient import TestClient
from forms import csrf_of, logged_in
from typer.testing import CliRunner
from world import add_user_fast, issue_token

from zhizao import prepared as stored
from zhizao.cli import app as cli_app
from zhizao.ingest.importer import import_file
from zhizao.policies import prepared
from zhizao.policies import workflow as wf
from zhizao.policies.ledger import ledger
from zhizao.store.accounts import hash_password
from zhizao.store.db import init_store, session_scope

CODES = [credit_code(i) for i in range(3)]
PASSWORD = "password-123"
KPI = re.compile(r'<div class="label">(应享金额|已兑现|逾期未兑现)</div><span class="value">([\d,.]+)</span>')
STALE = "数据已更新，新的台账正在计算"


def load(s, tmp, table: str, text: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp / f"{table}.csv"
    f.write_text(text, encoding="utf-8")
    assert import_file(s, table, f).rows_rejected == 0


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from zhizao.settings import load_settings

    tmp = tmp_path_factory.mktemp("policies-prepared")
    s = load_settings(tmp / "home").ensure()
    load(s, tmp, "enterprises", "统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n" + "".join(
        f"{c},测试企业{i},{'330502' if i < 2 else '330503'},3670,2010-01-01\n" for i, c in enumerate(CODES)))
    load(s, tmp, "statistics_annual", "统一社会信用代码,年度,是否规上,工业总产值,工业增加值,营业收入,年平均从业人员,研发费用\n"
         f"{CODES[0]},2023,是,800,200,900,50,10\n{CODES[0]},2024,是,2600,600,2500,60,20\n"
         f"{CODES[1]},2023,是,3000,700,3000,80,30\n{CODES[1]},2024,是,3200,800,3100,80,30\n"
         f"{CODES[2]},2023,是,700,100,800,10,0\n{CODES[2]},2024,是,1200,300,1300,10,0\n")
    init_store(s)
    res = CliRunner().invoke(cli_app, ["--home", str(s.home), "policies", "match", "--year", "2024", "--save", "--json"])
    assert res.exit_code == 0, res.output
    pw = hash_password(PASSWORD)
    with session_scope(s) as ses:
        users = {"city": add_user_fast(ses, "city", "city", password_hash=pw),
                 "firm": add_user_fast(ses, "firm0", "enterprise", password_hash=pw, credit_code=CODES[0]),
                 "firm2": add_user_fast(ses, "firm2", "enterprise", password_hash=pw, credit_code=CODES[2]),
                 "district": add_user_fast(ses, "dist", "district", password_hash=pw, region_code="330503")}
        tokens = {k: issue_token(ses, u) for k, u in users.items()}
    from zhizao.web.app import create_app

    return s, tmp, create_app(s), tokens


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return logged_in(app, username, PASSWORD)


def kpis(html: str) -> dict[str, str]:
    return dict(KPI.findall(html))


def prepared_file(s):  # type: ignore[no-untyped-def]
    whole, _ = prepared.state_digest(s)
    return stored.folder(s, prepared.FIGURES, "2024") / f"{whole}.json"


def test_the_page_is_served_from_what_saving_the_matches_prepared(city):
    s, _, app, _ = city
    path = prepared_file(s)
    assert path.exists()  # prepared by `policies match --save`, before any visit
    before = path.stat().st_mtime_ns
    html = login(app, "city").get("/policies").text
    direct = ledger(s, 2024, prepared=True)["total"]
    assert direct["expected"] > 0
    assert kpis(html)["应享金额"] == f"{direct['expected']:,.2f}"
    assert STALE not in html
    assert path.stat().st_mtime_ns == before  # read, not computed again


def test_a_payout_shows_on_the_ledger_of_the_next_page(city):
    s, _, app, tok = city
    c = login(app, "city")
    assert kpis(c.get("/policies").text)["已兑现"] == "0.00"
    html = c.get("/policies").text
    r = c.post("/policies/notices", data={"item_id": "hz23-revenue-milestone", "year": 2024, "days": 5,
                                          "csrf_token": csrf_of(html)}, follow_redirects=False)
    assert r.status_code == 303 and "done=notice" in r.headers["location"]
    assert prepared_file(s).exists()  # the step prepared the figures of the state it left
    # the rest from the command line's functions (the figures of that state prepared by no step)
    today = dt.date.today()
    n = wf.notices(s, 2024)[0]
    for e in wf.notice(s, n["id"])["entries"]:
        wf.grant_consent(s, e["credit_code"], "payout", "市财政局", today, today + dt.timedelta(days=30), "firm")
    wf.close_notice(s, n["id"], "city", force=True)
    paid = wf.pay_notice(s, n["id"], "city")["amount"]
    assert paid > 0 and not prepared_file(s).exists()
    html = c.get("/policies").text
    assert kpis(html)["已兑现"] == f"{paid:,.2f}" and STALE not in html
    api = TestClient(app).get("/api/policies/2024/ledger", headers={"Authorization": f"Bearer {tok['city']}"})
    assert api.json()["total"]["paid"] == pytest.approx(paid)
    assert api.json() == ledger(s, 2024, prepared=True)


def test_a_district_and_a_firm_read_only_their_own_ledger(city):
    s, _, app, tok = city
    c = TestClient(app)
    d = c.get("/api/policies/2024/ledger", headers={"Authorization": f"Bearer {tok['district']}"}).json()
    assert d == ledger(s, 2024, region="330503", prepared=True)
    assert {f["credit_code"] for f in d["firms"]} <= {CODES[2]}
    assert all(r["region_code"] == "330503" for r in d["by_region"])
    firm = c.get("/api/policies/2024/ledger", headers={"Authorization": f"Bearer {tok['firm']}"}).json()
    assert [f["credit_code"] for f in firm["firms"]] == [CODES[0]]
    html = login(app, "dist").get("/policies").text
    assert "测试企业0" not in html and CODES[0] not in html


def test_after_an_import_the_page_shows_the_earlier_ledger_marked_until_the_job_prepares_it(city):
    s, tmp, app, _ = city
    c = login(app, "city")
    before = kpis(c.get("/policies").text)
    # a benefit recorded by the finance bureau for firm 2: the ledger's input changed
    load(s, tmp, "benefits", "统一社会信用代码,年度,政策条目编号,类别,应享金额(万元),已兑现金额(万元),兑现日期\n"
         f"{CODES[2]},2024,hz23-revenue-milestone,奖补,30,30,2025-03-01\n")
    html = c.get("/policies").text
    assert STALE in html and kpis(html) == before
    from zhizao.ingest import jobs

    assert jobs.queued(s, prepared.PREPARE)
    assert prepared.run_prepare(s, {}, lambda _stage: None) == {"prepared": [2024]}
    html = c.get("/policies").text
    assert STALE not in html
    assert kpis(html)["已兑现"] != before["已兑现"]
    assert kpis(html)["应享金额"] == f"{ledger(s, 2024, prepared=True)['total']['expected']:,.2f}"


def test_a_second_ledger_of_the_year_builds_and_compiles_nothing(city, own_sql):
    """The ledger's expressions (the firm and project profiles, the items, the ledger itself) do
    not depend on the data: the five-year review asks for a year's ledger per section, and only
    the first compiles."""
    from zhizao.engine import compiled

    s = city[0]
    before = dict(compiled.stats)
    first = ledger(s, 2024)
    made = compiled.stats["compiled"] - before["compiled"]
    assert made >= 3  # the firm profile, the items, the ledger (and the project profile when projects are in)
    assert ledger(s, 2024) == first
    assert compiled.stats["compiled"] - before["compiled"] == made
    assert compiled.stats["memory"] - before["memory"] == made
    assert first["total"]["expected"] == ledger(s, 2024, prepared=True)["total"]["expected"]


def test_the_ledgers_sql_is_kept_in_the_home_for_the_next_process(city, own_sql):
    """A new process (a command, the worker after a restart) reads the year's matches and ledger
    SQL from the home instead of compiling them (here: the memory forgotten, as a new process
    starts)."""
    from zhizao.engine import compiled

    s = city[0]
    first = ledger(s, 2024)
    assert list(s.sql_cache_dir.glob("*.json"))
    compiled.clear()
    before = dict(compiled.stats)
    assert ledger(s, 2024) == first
    assert compiled.stats["compiled"] == before["compiled"]
    assert compiled.stats["disk"] - before["disk"] >= 3
