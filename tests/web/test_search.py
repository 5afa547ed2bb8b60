"""The header's firm search: by name or a part of the credit code, within the user's scope."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from world import World

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, Consent, User
from zhizao.web.auth import SESSION_COOKIE


def browse(client: TestClient, world: World, who: str) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, world.tokens[who])


def found(client: TestClient, q: str) -> str:
    r = client.get("/search", params={"q": q})
    assert r.status_code == 200
    return r.text.split('id="search-results"', 1)[1].split("</table>", 1)[0]


def test_the_city_finds_firms_by_name_and_by_part_of_the_code(client: TestClient, world: World) -> None:
    browse(client, world, "city")
    rows = found(client, "测试企业")
    assert all(world.firms[k] in rows for k in ("a0", "a1", "b0", "b1"))
    part = world.firms["b1"][6:14].lower()
    rows = found(client, part)
    assert world.firms["b1"] in rows and f'href="/enterprises/{world.firms["b1"]}"' in rows
    assert world.firms["a0"] not in rows


def test_a_whole_credit_code_goes_straight_to_the_firm(client: TestClient, world: World) -> None:
    browse(client, world, "city")
    r = client.get("/search", params={"q": world.firms["a1"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/enterprises/{world.firms['a1']}"


def test_a_district_finds_only_its_own_firms(client: TestClient, world: World) -> None:
    browse(client, world, "district_a")
    rows = found(client, "测试企业")
    assert world.firms["a0"] in rows and world.firms["a1"] in rows
    assert world.firms["b0"] not in rows and world.firms["b1"] not in rows
    r = client.get("/search", params={"q": world.firms["b0"]}, follow_redirects=False)
    assert r.status_code == 200 and "未找到符合条件的企业" in r.text


def test_a_bank_finds_only_firms_that_authorised_it_and_reaches_their_carbon_code(client: TestClient,
                                                                                   world: World) -> None:
    browse(client, world, "bank")
    assert world.firms["a0"] not in found(client, "测试企业")
    today = dt.date.today()
    with session_scope(world.settings) as s:
        bank = s.scalar(select(User).where(User.username == "bank1"))
        s.add(Consent(credit_code=world.firms["a0"], bank_user_id=bank.id, scope="carbon",  # type: ignore[union-attr]
                      valid_from=today, valid_to=today + dt.timedelta(days=30), granted_by="firm"))
    rows = found(client, "测试企业")
    assert f'href="/carbon?q={world.firms["a0"]}"' in rows and world.firms["a1"] not in rows
    with session_scope(world.settings) as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.username == "bank1",
                                                    AuditEntry.action == "page.search")) is not None


def test_a_firm_finds_itself_only(client: TestClient, world: World) -> None:
    browse(client, world, "firm_a0")
    rows = found(client, "测试企业")
    assert world.firms["a0"] in rows and world.firms["a1"] not in rows


def test_the_search_box_is_in_the_header_of_bureau_pages(client: TestClient, world: World) -> None:
    browse(client, world, "city")
    html = client.get("/accounts").text
    assert 'action="/search"' in html and "修改密码" in html
    assert "请输入至少 2 个字" in client.get("/search", params={"q": "x"}).text
