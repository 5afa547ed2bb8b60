"""Login, tokens, cookies, lock-out, logout, expiry, CSRF on cookie-authenticated API changes."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update
from world import PASSWORD

from zhizao.store.db import session_scope
from zhizao.store.models import ApiToken, AuditEntry, LoginThrottle, User
from zhizao.web.auth import AuthConfig, clear_cache


def login(client, username="city", password=PASSWORD):
    return client.post("/api/auth/login", json={"username": username, "password": password})


def test_login_returns_token_and_httponly_samesite_cookie(client):
    r = login(client)
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["role"] == "city" and len(body["token"]) >= 32
    cookie = r.headers["set-cookie"]
    assert "zhizao_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP on loopback; Secure is set behind HTTPS
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["username"] == "city"


def test_bad_password_and_unknown_user_answer_the_same_401(client, world):
    a = login(client, "city", "wrong-password")
    b = login(client, "nobody", "wrong-password")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() == {"detail": "用户名或密码错误"}
    with session_scope(world.settings) as s:
        assert s.query(AuditEntry).filter_by(action="login.failed").count() == 2


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(3):  # FAST_AUTH: locked after 3 failures
        login(client, "dist_a", "nope-nope")
    r = login(client, "dist_a", PASSWORD)
    assert r.status_code == 429 and "锁定" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
    with session_scope(world.settings) as s:
        t = s.get(LoginThrottle, "dist_a")
        assert t is not None and t.failures == 3 and t.locked_until is not None
        s.execute(update(LoginThrottle).where(LoginThrottle.username == "dist_a")
                  .values(locked_until=dt.datetime(2000, 1, 1)))
    assert login(client, "dist_a", PASSWORD).status_code == 200  # lock expired: the right password works
    with session_scope(world.settings) as s:
        assert s.get(LoginThrottle, "dist_a") is None  # a success clears the count


@given(st.integers(min_value=0, max_value=50))
def test_failure_delay_grows_and_is_capped(n):
    cfg = AuthConfig()
    assert cfg.delay_for(n) <= cfg.delay_for(n + 1) <= cfg.max_delay_s
    assert (cfg.delay_for(n) == 0) == (n == 0)


def test_disabled_account_cannot_log_in(client, world):
    with session_scope(world.settings) as s:
        s.execute(update(User).where(User.username == "auditor").values(active=False))
    assert login(client, "auditor").status_code == 401


def test_logout_revokes_the_token(client):
    token = login(client).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/auth/logout", headers=h).status_code == 204
    assert client.get("/api/me", headers=h).status_code == 401


def test_expired_or_unknown_tokens_are_401(client, world):
    with session_scope(world.settings) as s:
        s.execute(update(ApiToken).values(expires_at=dt.datetime(2000, 1, 1)))
    clear_cache()
    r = client.get("/api/me", headers=world.auth("city"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.get("/api/me").status_code == 401


def test_every_api_read_needs_authentication(client, world):
    a0 = world.firms["a0"]
    for path in ["/api/me", f"/api/carbon/2024/{a0}", f"/api/mujun/2024/{a0}", f"/api/enterprises/{a0}",
                 "/api/carbon/2024", "/api/runs", "/api/imports", "/api/objections", "/api/consents",
                 "/api/audit"]:
        assert client.get(path).status_code == 401, path


def test_cookie_authenticated_api_change_needs_the_csrf_header(client, world):
    r = login(client, "firm_a0")
    assert r.status_code == 200  # the client now carries the session cookie
    body = {"bank_username": "bank1", "valid_from": str(dt.date.today()),
            "valid_to": str(dt.date.today() + dt.timedelta(days=90))}
    refused = client.post("/api/consents", json=body)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = client.get("/api/auth/csrf").json()["csrf_token"]
    # one character of the signature changed, five from the end: it carries six bits of the MAC
    # (the last character carries only four, and ``token[:-2] + "xx"`` decoded to the same MAC
    # about once in a thousand runs)
    i = len(token) - 5
    forged = client.post("/api/consents", json=body,
                         headers={"X-CSRF-Token": token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]})
    assert forged.status_code == 403
    ok = client.post("/api/consents", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    # a bearer token is not sent by browsers on their own: no CSRF header needed
    client.cookies.clear()
    assert client.post("/api/consents", json=body, headers=world.auth("firm_a0")).status_code == 201
