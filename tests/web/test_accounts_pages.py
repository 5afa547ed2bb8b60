"""Account management on the web (the city administrator) and changing one's own password: the
same rules as ``zhizao users …`` (zhizao.store.accounts), one action for the API and the page,
each change audited and logins ended where the rules say so."""

from __future__ import annotations

from fastapi.testclient import TestClient
from forms import csrf_of
from sqlalchemy import select
from world import PASSWORD, REGION_A, World, credit_code

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, User
from zhizao.web.auth import SESSION_COOKIE


def as_page_user(client: TestClient, world: World, who: str) -> str:
    """Browse as ``who`` (the session cookie is the login token); the page's CSRF token."""
    client.cookies.set(SESSION_COOKIE, world.tokens[who])
    r = client.get("/account/password")
    assert r.status_code == 200
    return csrf_of(r.text)


def audit_actions(world: World, target: str) -> list[str]:
    with session_scope(world.settings) as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.target == target).order_by(AuditEntry.id)))


def test_city_adds_a_district_account_on_the_page_and_it_can_log_in(client: TestClient, world: World) -> None:
    token = as_page_user(client, world, "city")
    r = client.post("/accounts", data={"csrf_token": token, "username": "nanxun2", "role": "district",
                                       "region_code": REGION_A, "display_name": "区县二", "password": "long-enough-1"},
                    follow_redirects=False)
    assert r.status_code == 303 and "account_added" in r.headers["location"]
    page = client.get("/accounts").text
    assert "nanxun2" in page and "区县经信部门" in page
    ok = client.post("/api/auth/login", json={"username": "nanxun2", "password": "long-enough-1"})
    assert ok.status_code == 200
    assert audit_actions(world, "nanxun2")[:2] == ["user.add", "login"]


def test_the_page_refuses_what_the_cli_refuses_with_the_cli_message(client: TestClient, world: World) -> None:
    token = as_page_user(client, world, "city")
    cases = [
        ({"username": "d9", "role": "district", "password": "long-enough-1"}, "区县用户必须指定 6 位行政区划代码"),
        ({"username": "f9", "role": "enterprise", "credit_code": "123", "password": "long-enough-1"}, "统一社会信用代码"),
        ({"username": "s9", "role": "auditor", "password": "short"}, "密码至少 8 位"),
        ({"username": "city", "role": "auditor", "password": "long-enough-1"}, "用户已存在"),
    ]
    for form, message in cases:
        r = client.post("/accounts", data={"csrf_token": token, **form})
        assert r.status_code == 422, form
        assert message in r.text
    with session_scope(world.settings) as s:
        assert s.scalar(select(User).where(User.username.in_(["d9", "f9", "s9"]))) is None


def test_disabling_an_account_ends_its_logins_at_once(client: TestClient, world: World) -> None:
    assert client.get("/api/me", headers=world.auth("firm_a0")).status_code == 200
    token = as_page_user(client, world, "city")
    r = client.post("/accounts/firm_a0/disable", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/me", headers=world.auth("firm_a0")).status_code == 401
    r = client.post("/accounts/firm_a0/enable", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert audit_actions(world, "firm_a0") == ["user.disable", "user.enable"]


def test_the_administrator_cannot_disable_themselves(client: TestClient, world: World) -> None:
    token = as_page_user(client, world, "city")
    r = client.post("/accounts/city/disable", data={"csrf_token": token})
    assert r.status_code == 422 and "不能停用自己的账户" in r.text


def test_a_reset_password_replaces_the_old_one(client: TestClient, world: World) -> None:
    token = as_page_user(client, world, "city")
    r = client.post("/accounts/bank1/password", data={"csrf_token": token, "password": "brand-new-pass"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/me", headers=world.auth("bank")).status_code == 401
    assert client.post("/api/auth/login", json={"username": "bank1", "password": PASSWORD}).status_code == 401
    assert client.post("/api/auth/login", json={"username": "bank1", "password": "brand-new-pass"}).status_code == 200


def test_only_the_city_manages_accounts(client: TestClient, world: World) -> None:
    for who in ("district_a", "auditor", "bank", "firm_a0"):
        client.cookies.clear()
        as_page_user(client, world, who)
        assert client.get("/accounts").status_code == 403
        assert client.get("/api/users", headers=world.auth(who)).status_code == 403
        r = client.post("/api/users", headers=world.auth(who),
                        json={"username": "x1", "role": "auditor", "password": "long-enough-1"})
        assert r.status_code == 403


def test_the_api_adds_with_the_same_rules(client: TestClient, world: World) -> None:
    code = credit_code(40, REGION_A)
    r = client.post("/api/users", headers=world.auth("city"),
                    json={"username": "firm40", "role": "enterprise", "credit_code": code.lower(),
                          "password": "long-enough-1"})
    assert r.status_code == 201 and r.json()["credit_code"] == code
    r = client.post("/api/users", headers=world.auth("city"),
                    json={"username": "firm41", "role": "enterprise", "region_code": REGION_A,
                          "credit_code": code, "password": "long-enough-1"})
    assert r.status_code == 422 and "只有区县用户可以指定行政区划代码" in r.json()["detail"]


def test_every_user_changes_their_own_password_and_keeps_this_login(client: TestClient, world: World) -> None:
    token = as_page_user(client, world, "district_a")
    r = client.post("/account/password", data={"csrf_token": token, "old_password": "wrong-one",
                                               "new_password": "next-pass-1", "confirm_password": "next-pass-1"})
    assert r.status_code == 422 and "原密码不正确" in r.text
    r = client.post("/account/password", data={"csrf_token": token, "old_password": PASSWORD,
                                               "new_password": "short", "confirm_password": "short"})
    assert r.status_code == 422 and "密码至少 8 位" in r.text
    other = TestClient(client.app).post("/api/auth/login",
                                        json={"username": "dist_a", "password": PASSWORD}).json()["token"]
    r = client.post("/account/password", data={"csrf_token": token, "old_password": PASSWORD,
                                               "new_password": "next-pass-1", "confirm_password": "next-pass-1"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/account/password").status_code == 200  # this login goes on
    assert client.get("/api/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert client.post("/api/auth/login", json={"username": "dist_a", "password": "next-pass-1"}).status_code == 200
    assert "user.password_change" in audit_actions(world, "dist_a")
