"""The login form: CSRF-checked, sets the session cookie, safe redirects, logout by form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from forms import csrf_of
from hypothesis import given
from hypothesis import strategies as st
from world import PASSWORD

from zhizao.web.pages_auth import safe_next


def form_token(client: TestClient, path: str = "/login") -> str:
    r = client.get(path)
    assert r.status_code == 200 and "登录" in r.text
    return csrf_of(r.text)


def test_login_form_logs_in_and_redirects_to_next(client, world):
    token = form_token(client, "/login?next=/carbon")
    r = client.post("/login", data={"username": "city", "password": PASSWORD, "csrf_token": token,
                                    "next": "/carbon"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/carbon"
    assert "HttpOnly" in r.headers["set-cookie"]
    assert client.get("/api/me").json()["username"] == "city"


def test_login_form_without_a_valid_csrf_token_is_refused(client, world):
    form_token(client)
    r = client.post("/login", data={"username": "city", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and "表单已过期" in r.text
    other = TestClient(client.app)
    stolen = form_token(other)  # a token bound to another visitor's pre-login cookie
    r = client.post("/login", data={"username": "city", "password": PASSWORD, "csrf_token": stolen})
    assert r.status_code == 403


def test_wrong_password_shows_the_form_again(client, world):
    token = form_token(client)
    r = client.post("/login", data={"username": "city", "password": "nope-nope", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_enterprise_lands_on_its_own_profile_and_logout_needs_csrf(client, world):
    token = form_token(client)
    r = client.post("/login", data={"username": "firm_a0", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.headers["location"] == f"/enterprises/{world.firms['a0']}"
    assert client.post("/logout", data={"csrf_token": "x"}, follow_redirects=False).status_code == 403
    tok = client.get("/api/auth/csrf").json()["csrf_token"]
    out = client.post("/logout", data={"csrf_token": tok}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert client.get("/api/me").status_code == 401


def test_next_is_never_an_open_redirect():
    assert safe_next("/carbon?year=2024") == "/carbon?year=2024"
    for bad in ("https://evil.example", "//evil.example", "/\\evil", "javascript:alert(1)", "", None):
        assert safe_next(bad) is None


@given(st.text(max_size=40))
def test_next_is_always_a_local_path_or_nothing(url):
    got = safe_next(url)
    assert got is None or (got == url and got.startswith("/") and not got.startswith("//") and "\\" not in got)
