"""Each tier published as bureaus publish it: its own list, its own notice (公示) window with
objections, its own announcement (通知) — the city grants 金象/金牛 (拟认定), and recommends the
national and provincial tiers upward (拟推荐). CLI, pages by role."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from city import credit_code as code
from city import load_warehouse
from forms import csrf_of, logged_in
from tests.cultivation.tierdata import City, rules
from typer.testing import CliRunner

from zhizao.cultivation import publishing as pb
from zhizao.settings import Settings, load_settings

#: the tests build on each other (draft → notice → objections → announcement): one worker, in order
pytestmark = pytest.mark.xdist_group("cultivation-publishing")

YEAR = 2024
PASSWORD = "correct-horse"
FACTS = {"niche_years": 6, "evaluation_score": 72, "class_i_ip": 3, "main_business_share": 85, "market_share": 12}
GOLD = {"industrial_investment_3y": 50000}


def city() -> City:
    c = City(YEAR)
    c.firm(1, revenue=(3000.0, 2800.0, 2500.0), rd=(150.0, 140.0, 120.0), facts=FACTS, name="湖州甲精密有限公司")
    c.firm(2, revenue=(3000.0, 2800.0, 2500.0), rd=(95.0, 90.0, 80.0), facts=FACTS, name="湖州乙电子有限公司")
    c.firm(3, revenue=(2600.0, 2400.0, 2200.0), rd=(130.0, 120.0, 110.0), facts=FACTS, region="330503",
           name="南浔丙新材有限公司")
    # 4: holds the specialised title: a little-giant candidate
    c.firm(4, revenue=(12000.0, 10500.0, 9500.0), rd=(600.0, 520.0, 480.0), facts=FACTS, region="330503",
           titles=[("specialised_sme", "provincial")], name="南浔丁装备有限公司")
    # 7: 金牛 by tax (2.5亿) and investment; 8: 金象 (tax 4亿) — both wait for the manual "no major incident"
    c.firm(7, revenue=(300000.0, 280000.0, 260000.0), tax=25000.0, facts={**FACTS, **GOLD, "industrial_investment_3y": 25000},
           titles=[("tech_centre", "provincial")], name="湖州庚集团有限公司")
    c.firm(8, revenue=(900000.0, 800000.0, 700000.0), tax=40000.0, facts={**FACTS, **GOLD}, region="330503",
           titles=[("tech_centre", "national")], name="南浔辛控股有限公司")
    return c


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from world import add_user_fast

    from zhizao import runs
    from zhizao.engine import connect
    from zhizao.store.accounts import hash_password
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.publish import publish

    s = load_settings(tmp_path_factory.mktemp("lists") / "home").ensure()
    load_warehouse(s, city().tables())
    init_store(s)
    eng = connect(s)
    try:
        for ref in ("miit-specialised-sme@2022", "miit-little-giant@2022", "huzhou-golden-elephant@2020",
                    "huzhou-golden-bull@2020"):
            run = runs.execute(s, eng, "tiers", YEAR, rules(*ref.split("@")))
            publish(s, run.run_id, user="test")
    finally:
        eng.close()
    pw = hash_password(PASSWORD)
    with session_scope(s) as db:
        for name, role, region, cc in (("city", "city", None, None), ("dist", "district", "330503", None),
                                       ("audit", "auditor", None, None), ("firm", "enterprise", None, code(4, "330503")),
                                       ("bank", "bank", None, None)):
            add_user_fast(db, name, role, password_hash=pw, region_code=region, credit_code=cc)
    return s


def _summary(home: Settings, list_id: int) -> dict:
    from zhizao.store.db import session_scope

    with session_scope(home) as s:
        return pb.summary(s, pb.get(s, list_id))


def _do(home: Settings, fn):  # type: ignore[no-untyped-def]
    from zhizao.store.db import session_scope

    with session_scope(home) as s:
        out = fn(s)
        return out.id


def test_each_tier_is_its_own_list_with_its_own_notice(home):
    sme = _do(home, lambda s: pb.draft(home, s, "specialised_sme", YEAR, "city"))
    lg = _do(home, lambda s: pb.draft(home, s, "little_giant", YEAR, "city"))
    a, b = _summary(home, sme), _summary(home, lg)
    assert a["notice"] == "2024年度专精特新中小企业拟推荐名单公示"
    assert b["notice"] == "2024年度专精特新“小巨人”企业拟推荐名单公示"
    assert a["announcement"] == "关于公布2024年度专精特新中小企业推荐名单的通知"
    # only the firms the published run qualifies (乙 misses R&D by 5万), each list from its own run
    assert sorted(e["name"] for e in a["entries"]) == ["南浔丁装备有限公司", "南浔丙新材有限公司", "湖州甲精密有限公司"]
    assert set(a["runs"]) == {"specialised_sme"} and set(b["runs"]) == {"little_giant"}
    # one list's notice leaves the other in draft
    _do(home, lambda s: pb.open_notice(s, sme, dt.date(2025, 3, 3), "city", days=7, contact="企业服务处 0572-1234567"))
    assert _summary(home, sme)["stage"] == "notice" and _summary(home, lg)["stage"] == "draft"
    assert _summary(home, sme)["notice_until"] == dt.date(2025, 3, 9)


def test_golden_list_is_granted_by_the_city_and_lists_a_firm_once_on_its_higher_tier(home):
    with pytest.raises(pb.ListError, match="不在待人工核定之列"):
        _do(home, lambda s: pb.draft(home, s, "golden", YEAR, "city", confirmed=(code(1),)))
    gid = _do(home, lambda s: pb.draft(home, s, "golden", YEAR, "city", confirmed=(code(7), code(8, "330503"))))
    d = _summary(home, gid)
    assert d["notice"] == "2024年度“金象”“金牛”企业拟认定名单公示" and d["act"] == "认定"
    # 辛 qualifies for both 金象 and 金牛: listed once, as 金象
    assert [(e["name"], e["tier_name"], e["reason"]) for e in d["entries"]] == [
        ("南浔辛控股有限公司", "金象", "人工核定后列入"), ("湖州庚集团有限公司", "金牛", "人工核定后列入")]


def test_a_list_needs_its_tiers_published_and_one_active_list_per_year(home):
    with pytest.raises(pb.ListError, match="尚未发布制造业单项冠军的梯度筛选结果"):
        _do(home, lambda s: pb.draft(home, s, "single_champion", YEAR, "city"))
    with pytest.raises(pb.ListError, match="已有"):
        _do(home, lambda s: pb.draft(home, s, "little_giant", YEAR, "city"))
    lg = next(r for r in _lists(home) if r["list"] == "little_giant")
    _do(home, lambda s: pb.withdraw(s, lg["id"], "数据更正后重拟", "city"))
    again = _do(home, lambda s: pb.draft(home, s, "little_giant", YEAR, "city"))
    assert again != lg["id"] and _summary(home, lg["id"])["stage"] == "withdrawn"


def _lists(home: Settings) -> list[dict]:
    from zhizao.store.db import session_scope

    with session_scope(home) as s:
        return [pb.summary(s, r) for r in pb.all_lists(s, YEAR)]


def test_objections_in_the_window_and_announcement_after_it(home):
    sme = next(r for r in _lists(home) if r["list"] == "specialised_sme" and r["stage"] == "notice")["id"]
    cc = code(3, "330503")
    with pytest.raises(pb.ListError, match="不在公示期"):
        _do(home, lambda s: pb.receive_objection(s, sme, cc, "研发费用含非研发支出", dt.date(2025, 3, 10), "city"))
    with pytest.raises(pb.ListError, match="不在该名单中"):
        _do(home, lambda s: pb.receive_objection(s, sme, code(2), "x", dt.date(2025, 3, 5), "city"))
    obj = _do(home, lambda s: pb.receive_objection(s, sme, cc, "研发费用含非研发支出", dt.date(2025, 3, 5), "city"))
    with pytest.raises(pb.ListError, match="2025-03-09 结束"):
        _do(home, lambda s: pb.announce(s, sme, "湖经信〔2025〕12号", dt.date(2025, 3, 9), "city"))
    with pytest.raises(pb.ListError, match="1 项异议未处理"):
        _do(home, lambda s: pb.announce(s, sme, "湖经信〔2025〕12号", dt.date(2025, 3, 10), "city"))
    # the objection stands: the firm leaves the list, with the reason
    from zhizao.store.db import session_scope

    with session_scope(home) as s:
        pb.decide(s, obj, True, "经核查，研发费用归集不符合要求", "city")
    _do(home, lambda s: pb.announce(s, sme, "湖经信〔2025〕12号", dt.date(2025, 3, 10), "city"))
    d = _summary(home, sme)
    assert d["stage"] == "announced" and d["doc_number"] == "湖经信〔2025〕12号"
    assert d["listed"] == 2 and d["withdrawn"] == 1
    gone = next(e for e in d["entries"] if e["credit_code"] == cc)
    assert gone["status"] == "withdrawn" and "研发费用归集不符合要求" in gone["reason"]
    with pytest.raises(pb.ListError, match="已公布"):
        _do(home, lambda s: pb.withdraw(s, sme, "x", "city"))


def test_the_notice_window_is_five_to_thirty_days_with_a_contact(home):
    lg = next(r for r in _lists(home) if r["list"] == "little_giant" and r["stage"] == "draft")["id"]
    with pytest.raises(pb.ListError, match="公示期应为 5–30 天"):
        _do(home, lambda s: pb.open_notice(s, lg, dt.date(2025, 3, 3), "city", days=3, contact="x"))
    with pytest.raises(pb.ListError, match="联系人"):
        _do(home, lambda s: pb.open_notice(s, lg, dt.date(2025, 3, 3), "city", days=7, contact=" "))


def cli(home: Settings, *args: str, ok: bool = True) -> dict:
    from zhizao.cli import app

    res = CliRunner().invoke(app, ["--home", str(home.home), *args, "--json"])
    assert (res.exit_code == 0) == ok, res.output
    return json.loads(res.stdout) if ok else {"error": res.output}


def test_cli_lists_and_shows_each_list(home):
    d = cli(home, "tiers", "list", "all", "--year", str(YEAR))
    assert {r["list"] for r in d["lists"]} >= {"specialised_sme", "little_giant", "golden"}
    gid = next(r["id"] for r in d["lists"] if r["list"] == "golden")
    shown = cli(home, "tiers", "list", "show", str(gid))
    assert shown["notice"] == "2024年度“金象”“金牛”企业拟认定名单公示" and shown["listed"] == 2
    bad = cli(home, "tiers", "list", "notice", str(gid), "--contact", "x", "--days", "40", ok=False)
    assert "公示期应为" in bad["error"]


# --------------------------------------------------------------------------- pages


@pytest.fixture(scope="module")
def clients(home):  # type: ignore[no-untyped-def]
    from zhizao.web.app import create_app

    app = create_app(home)
    return {u: logged_in(app, u, PASSWORD) for u in ("city", "dist", "audit", "firm", "bank")}


def _golden(home: Settings) -> int:
    return next(r["id"] for r in _lists(home) if r["list"] == "golden")


def test_the_city_notices_a_list_and_records_an_objection_on_the_page(clients, home):
    gid = _golden(home)
    c = clients["city"]
    page = c.get(f"/cultivation/lists/{gid}")
    assert page.status_code == 200 and "拟认定以下 2 家企业" in page.text and "开始公示" in page.text
    token = csrf_of(page.text)
    r = c.post(f"/cultivation/lists/{gid}/step", data={"csrf_token": token, "action": "notice", "days": "3",
                                                        "contact": "x", "start": ""})
    assert r.status_code == 409 and "公示期应为 5–30 天" in r.text
    r = c.post(f"/cultivation/lists/{gid}/step", data={"csrf_token": token, "action": "notice", "days": "7",
                                                        "contact": "企业服务处 0572-1234567", "start": ""},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=notice")
    page = c.get(r.headers["location"])
    assert "公示已开始" in page.text and "公示期为" in page.text and "登记异议" in page.text
    r = c.post(f"/cultivation/lists/{gid}/step", data={
        "csrf_token": token, "action": "objection", "credit_code": code(7), "content": "去年发生较大安全事故",
        "received_on": ""}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(f"/cultivation/lists/{gid}")
    assert "去年发生较大安全事故" in page.text and "待处理 1 项" in page.text


def test_a_district_reads_its_own_firms_and_cannot_act(clients, home):
    gid = _golden(home)
    page = clients["dist"].get(f"/cultivation/lists/{gid}")
    assert page.status_code == 200 and "南浔辛控股有限公司" in page.text and "湖州庚集团有限公司" not in page.text
    assert "登记异议" not in page.text
    token = csrf_of(page.text)
    r = clients["dist"].post(f"/cultivation/lists/{gid}/step", data={"csrf_token": token, "action": "withdraw",
                                                                      "reason": "x"})
    assert r.status_code == 403
    assert clients["audit"].get("/cultivation/lists").status_code == 200
    assert clients["bank"].get("/cultivation/lists").status_code == 403
    r = clients["firm"].get("/cultivation/lists", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#cultivation")


def test_the_lists_page_shows_every_tier_list_and_drafts_one(clients, home):
    page = clients["city"].get("/cultivation/lists")
    assert "2024年度专精特新中小企业推荐名单" in page.text and "已公布" in page.text
    assert "2024年度“金象”“金牛”企业拟认定名单公示" in page.text
    token = csrf_of(page.text)
    r = clients["city"].post("/cultivation/lists/draft", data={"csrf_token": token, "key": "hidden_champion",
                                                               "year": str(YEAR), "confirm": ""})
    assert r.status_code == 409 and "尚未发布隐形冠军的梯度筛选结果" in r.text


def test_the_demo_runs_the_lists_as_a_bureau_would(tmp_path):
    from types import SimpleNamespace

    from city import load_warehouse
    from tests.cultivation.tierdata import rules

    from zhizao import runs
    from zhizao.cultivation.demo import _publish_lists
    from zhizao.engine import connect
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.publish import publish

    s = load_settings(tmp_path / "home").ensure()
    load_warehouse(s, city().tables())
    init_store(s)
    eng = connect(s)
    try:
        for ref in ("miit-specialised-sme@2022", "huzhou-golden-elephant@2020", "huzhou-golden-bull@2020"):
            publish(s, runs.execute(s, eng, "tiers", YEAR, rules(*ref.split("@"))).run_id, user="test")
    finally:
        eng.close()
    said: list[str] = []
    ctx = SimpleNamespace(settings=s, say=said.append, actor="city")
    _publish_lists(ctx, YEAR)
    _publish_lists(ctx, YEAR)  # idempotent
    with session_scope(s) as db:
        got = {r.list_key: pb.summary(db, r) for r in pb.all_lists(db, YEAR)}
        assert {r.created_by for r in pb.all_lists(db, YEAR)} == {"city"}  # the demo's bureau account
    assert set(got) == {"specialised_sme", "golden"} and len(said) == 2
    assert got["specialised_sme"]["stage"] == "announced" and got["specialised_sme"]["listed"] == 3
    assert got["golden"]["stage"] == "notice" and got["golden"]["listed"] == 2 and got["golden"]["pending"] == 1
