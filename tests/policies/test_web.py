"""Pages and API of the policies room, scoped by role: a firm sees and claims its own policies,
a district its own firms, the city everything; a bank only firms that authorised it."""

from __future__ import annotations

import pytest
from city import credit_code
from fastapi.testclient import TestClient
from forms import csrf_of, logged_in
from typer.testing import CliRunner
from world import add_user_fast, issue_token

from zhizao.cli import app as cli_app
from zhizao.ingest.importer import import_file
from zhizao.store.accounts import hash_password
from zhizao.store.db import init_store, session_scope

CODES = [credit_code(i) for i in range(3)]
PASSWORD = "password-123"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from zhizao.settings import load_settings

    tmp = tmp_path_factory.mktemp("policies-web")
    s = load_settings(tmp / "home").ensure()

    def load(table: str, text: str) -> None:
        f = tmp / f"{table}.csv"
        f.write_text(text, encoding="utf-8")
        assert import_file(s, table, f).rows_rejected == 0

    load("enterprises", "统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n" + "".join(
        f"{c},测试企业{i},{'330502' if i < 2 else '330503'},3670,2010-01-01\n" for i, c in enumerate(CODES)))
    load("statistics_annual", "统一社会信用代码,年度,是否规上,工业总产值,工业增加值,营业收入,年平均从业人员,研发费用\n"
         f"{CODES[0]},2023,是,800,200,900,50,10\n{CODES[0]},2024,是,2600,600,2500,60,20\n"
         f"{CODES[1]},2023,是,3000,700,3000,80,30\n{CODES[1]},2024,是,3200,800,3100,80,30\n"
         f"{CODES[2]},2023,是,700,100,800,10,0\n{CODES[2]},2024,是,1200,300,1300,10,0\n")
    # a 技改 project of firm 0 that went into production in 2024: the basic item is paid from the
    # data, the “标杆示范” one needs the designation (快申快享, one tap)
    load("projects", "项目编号,项目名称,统一社会信用代码,行政区划代码,行业代码,项目类型,计划总投资(万元),设备投资(万元)\n"
         f"XM2024001,智能化改造项目,{CODES[0]},330502,3670,技改,3000,2000\n")
    load("project_milestones", "项目编号,节点,计划日期,实际日期\n"
         "XM2024001,签约,2023-01-10,2023-01-10\nXM2024001,开工,2023-03-01,2023-03-01\n"
         "XM2024001,竣工,2024-05-01,2024-05-20\nXM2024001,投产,2024-06-01,2024-06-15\n")
    init_store(s)
    res = CliRunner().invoke(cli_app, ["--home", str(s.home), "policies", "match", "--year", "2024", "--save", "--json"])
    assert res.exit_code == 0, res.output
    pw = hash_password(PASSWORD)
    with session_scope(s) as ses:
        users = {"city": add_user_fast(ses, "city", "city", password_hash=pw),
                 "firm": add_user_fast(ses, "firm0", "enterprise", password_hash=pw, credit_code=CODES[0]),
                 "district": add_user_fast(ses, "dist", "district", password_hash=pw, region_code="330503"),
                 "bank": add_user_fast(ses, "bank", "bank", password_hash=pw)}
        tokens = {k: issue_token(ses, u) for k, u in users.items()}
    from zhizao.web.app import create_app

    return s, create_app(s), tokens


def login(app, username: str) -> TestClient:
    return logged_in(app, username, PASSWORD)


def test_firm_sees_what_it_gets_and_misses_and_claims_with_one_tap(city):
    s, app, _ = city
    c = login(app, "firm0")
    html = c.get("/policies").text
    assert "我能享受的（免申即享）" in html and "营业收入首次突破奖励" in html and "20.00 万元" in html
    assert "技术改造项目设备投资奖励" in html and "160.00 万元" in html   # 8 % of 2,000万
    assert "测试企业1" not in html and CODES[1] not in html
    assert "暂不符合的，以及差在哪里" in html
    # the benchmark 技改 item needs a project: no project, nothing to claim; claim a fast item directly
    from zhizao.policies import prepared
    with session_scope(s) as ses:
        rows = prepared.for_firm(ses, 2024, CODES[0])
    fast = [r for r in rows if r["mode"] == "fast_application" and r["eligible"] == "unknown"]
    assert fast, rows
    token = csrf_of(html)
    r = c.post("/policies/claim", data={"item_id": fast[0]["item_id"], "year": 2024, "subject": fast[0]["subject"] or "",
                                        "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and "done=claimed" in r.headers["location"]
    assert "已申请" in c.get("/policies").text
    # a claim for an item the firm has no match for is the same 404 as nothing
    r = c.post("/policies/claim", data={"item_id": "nope", "year": 2024, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 404


def test_bureau_pages_are_scoped_by_role(city):
    _, app, _ = city
    cityc = login(app, "city")
    html = cityc.get("/policies").text
    assert "政策条目与匹配" in html and "发布公示" in html
    item = cityc.get("/policies/items/hz23-revenue-milestone?year=2024").text
    assert CODES[0] in item and CODES[2] in item
    dist = login(app, "dist")
    item = dist.get("/policies/items/hz23-revenue-milestone?year=2024").text
    assert CODES[2] in item and CODES[0] not in item
    assert "发布公示" not in dist.get("/policies").text
    assert login(app, "bank").get("/policies").status_code == 403


def test_api_matches_and_ledger_in_scope(city):
    s, app, tok = city
    c = TestClient(app)
    h = {k: {"Authorization": f"Bearer {v}"} for k, v in tok.items()}
    own = c.get(f"/api/policies/2024/matches/{CODES[0]}", headers=h["firm"])
    assert own.status_code == 200
    rev = next(r for r in own.json() if r["item_id"] == "hz23-revenue-milestone")
    assert rev["eligible"] is True and rev["expected_benefit"] == 20.0
    assert c.get(f"/api/policies/2024/matches/{CODES[1]}", headers=h["firm"]).status_code == 404
    assert c.get(f"/api/policies/2024/matches/{CODES[0]}", headers=h["district"]).status_code == 404
    assert c.get(f"/api/policies/2024/matches/{CODES[2]}", headers=h["district"]).status_code == 200
    assert c.get(f"/api/policies/2024/matches/{CODES[0]}", headers=h["bank"]).status_code == 404
    import datetime as dt

    from zhizao.policies import workflow as wf
    wf.grant_consent(s, CODES[0], "bank_credit", "bank", dt.date.today(), dt.date.today() + dt.timedelta(days=30),
                     "firm0")
    assert c.get(f"/api/policies/2024/matches/{CODES[0]}", headers=h["bank"]).status_code == 200
    led = c.get("/api/policies/2024/ledger", headers=h["firm"]).json()
    assert [f["credit_code"] for f in led["firms"]] == [CODES[0]]
    assert c.get("/api/policies/2024/ledger", headers=h["bank"]).status_code == 404
    assert c.get("/api/policies/items", headers=h["firm"]).json()["items"]


def test_the_firm_profile_lists_the_policies_it_gets(city):
    _, app, _ = city
    c = login(app, "firm0")
    r = c.get(f"/enterprises/{CODES[0]}")
    assert r.status_code == 200, r.text[:300]
    section = r.text.split('id="policies"', 1)[1]
    assert "营业收入首次突破奖励" in section and "20.00" in section
    assert "技术改造项目设备投资奖励" in section and "160.00" in section
