"""The bureau's objection queue: every room's objections with firm names, districts and the
reply deadline; the city decides on the page with a reason; evidence opens for those who may
see the objection and for nobody else."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from forms import csrf_of
from world import World

from zhizao.store.db import session_scope
from zhizao.store.models import Objection
from zhizao.web.auth import SESSION_COOKIE
from zhizao.web.objections import DEFAULT_REPLY_DAYS

EVIDENCE = "电费发票扫描件".encode() * 10


def file_one(client: TestClient, world: World, who: str = "firm_a0") -> int:
    r = client.post("/api/objections", data={"method": "carbon", "year": "2024", "subject": "排放量有误",
                                             "content": "外购电力重复计入"},
                    files={"evidence": ("发票.pdf", EVIDENCE, "application/pdf")}, headers=world.auth(who))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def browse(client: TestClient, world: World, who: str) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, world.tokens[who])


def queue_table(html: str) -> str:
    return html.split('id="objection-queue"', 1)[1].split("</table>", 1)[0]


def test_the_queue_shows_firm_names_districts_and_the_deadline(client: TestClient, world: World) -> None:
    oid = file_one(client, world)
    browse(client, world, "city")
    html = queue_table(client.get("/objections").text)
    assert "测试企业0" in html and world.firms["a0"] not in html.replace(f"/enterprises/{world.firms['a0']}", "")
    assert "上城区" in html and "2024年 碳效码" in html
    due = (dt.date.today() + dt.timedelta(days=DEFAULT_REPLY_DAYS)).isoformat()
    assert due in html and f"剩 {DEFAULT_REPLY_DAYS} 天" in html
    assert f"/objections/{oid}/evidence" in html


def test_an_overdue_objection_is_marked(client: TestClient, world: World) -> None:
    oid = file_one(client, world)
    with session_scope(world.settings) as s:
        s.get(Objection, oid).filed_at -= dt.timedelta(days=DEFAULT_REPLY_DAYS + 2)  # type: ignore[union-attr]
    browse(client, world, "city")
    assert "已超期 2 天" in queue_table(client.get("/objections").text)


def test_the_city_decides_with_a_reason_on_the_page(client: TestClient, world: World) -> None:
    oid = file_one(client, world)
    browse(client, world, "city")
    token = csrf_of(client.get("/objections").text)
    r = client.post(f"/objections/{oid}/decide", data={"csrf_token": token, "decision": "rejected", "reason": ""},
                    follow_redirects=False)
    assert r.status_code == 303 and "bad_input" in r.headers["location"]
    r = client.post(f"/objections/{oid}/decide", data={"csrf_token": token, "decision": "accepted",
                                                       "reason": "已核实，更正电力数据", "back": "/objections?status=all"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/objections?status=all")
    with session_scope(world.settings) as s:
        o = s.get(Objection, oid)
        assert o is not None and o.status == "accepted" and o.decided_by == "city"
    html = queue_table(client.get("/objections?status=all").text)
    assert "已采纳" in html and "已核实，更正电力数据" in html
    assert "没有符合条件的异议" in client.get("/objections").text  # nothing pending any more


def test_the_district_reads_its_own_and_cannot_decide(client: TestClient, world: World) -> None:
    oid = file_one(client, world)
    browse(client, world, "district_a")
    html = client.get("/objections").text
    assert "测试企业0" in queue_table(html) and "待市级处理" in html
    browse(client, world, "district_b")
    assert "测试企业0" not in queue_table(client.get("/objections").text)
    assert client.get(f"/objections/{oid}/evidence").status_code == 404


def test_evidence_opens_for_those_who_may_see_the_objection(client: TestClient, world: World) -> None:
    oid = file_one(client, world)
    for who in ("city", "district_a", "auditor", "firm_a0"):
        browse(client, world, who)
        r = client.get(f"/objections/{oid}/evidence")
        assert r.status_code == 200 and r.content == EVIDENCE, who
    for who in ("district_b", "bank", "firm_b0"):
        browse(client, world, who)
        r = client.get(f"/objections/{oid}/evidence")
        assert r.status_code == 404, who


def test_banks_and_firms_have_no_queue(client: TestClient, world: World) -> None:
    for who in ("bank", "firm_a0"):
        browse(client, world, who)
        assert client.get("/objections").status_code == 403
