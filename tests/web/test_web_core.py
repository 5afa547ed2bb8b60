"""The web's core behaviour over HTTP: Chinese error pages, a login that always works and
returns the user where they were, no caching of data, the whole result sorted."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from forms import csrf_of
from world import PASSWORD

from zhizao.web.auth import SESSION_COOKIE


def form_token(client: TestClient, path: str = "/login") -> str:
    return csrf_of(client.get(path).text)


def login(client: TestClient, username: str, next_url: str = "") -> None:
    token = form_token(client)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token,
                                    "next": next_url}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("path", ["/auditing", "/admin", "/carbn", "/enterprises/x/y/z"])
def test_unknown_pages_answer_a_chinese_404_page(client, world, path):  # type: ignore[no-untyped-def]
    login(client, "city")
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text and "Not Found" not in r.text and '{"detail"' not in r.text


def test_anonymous_unknown_page_is_a_chinese_404_too(client, world):  # type: ignore[no-untyped-def]
    r = client.get("/admin")
    assert r.status_code == 404 and "页面不存在" in r.text


def test_api_errors_stay_json_but_in_chinese(client, world):  # type: ignore[no-untyped-def]
    r = client.get("/api/nothing-here", headers=world.auth("city"))
    assert r.status_code == 404 and r.json() == {"detail": "页面或数据不存在"}
    r = client.delete("/api/me", headers=world.auth("city"))
    assert r.status_code == 405 and re.search(r"[\u4e00-\u9fff]", r.json()["detail"])


def test_a_get_to_a_post_only_page_is_a_chinese_page_not_json(client, world):  # type: ignore[no-untyped-def]
    login(client, "firm_a0")
    r = client.get(f"/enterprises/{world.firms['a0']}/objections")
    assert r.status_code == 405 and "Method Not Allowed" not in r.text and "不支持" in r.text


def test_a_revoked_session_cookie_never_blocks_a_new_login(client, world):  # type: ignore[no-untyped-def]
    login(client, "city")
    old = client.cookies.get(SESSION_COOKIE)
    tok = client.get("/api/auth/csrf").json()["csrf_token"]
    client.post("/logout", data={"csrf_token": tok}, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, old)  # the browser still sends the revoked cookie
    token = form_token(client, "/login?next=/carbon")
    r = client.post("/login", data={"username": "city", "password": PASSWORD, "csrf_token": token,
                                    "next": "/carbon"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/carbon"
    fresh = r.cookies.get(SESSION_COOKIE)
    assert fresh and fresh != old
    me = TestClient(client.app).get("/api/me", headers={"cookie": f"{SESSION_COOKIE}={fresh}"})
    assert me.json()["username"] == "city"


def test_a_forged_session_cookie_never_blocks_a_login(client, world):  # type: ignore[no-untyped-def]
    client.cookies.set(SESSION_COOKIE, "stale-or-forged")
    login(client, "city")


def test_a_form_posted_after_the_session_ended_returns_to_its_page(client, world):  # type: ignore[no-untyped-def]
    code = world.firms["a0"]
    page = f"http://testserver/enterprises/{code}?tab=objection"
    client.cookies.set(SESSION_COOKIE, "expired")
    r = client.post(f"/enterprises/{code}/objections", data={"target": "carbon:2024", "subject": "s", "content": "c"},
                    files={"evidence": ("a.pdf", b"%PDF-1", "application/pdf")},
                    headers={"referer": page}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=/enterprises/{code}%3Ftab%3Dobjection&msg=expired"
    shown = client.get(r.headers["location"])
    assert "登录已过期" in shown.text
    # a plain form (no file) takes the same way back
    r = client.post("/mujun/workflow", data={"year": "2024", "action": "freeze"},
                    headers={"referer": "http://testserver/mujun?year=2024"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/mujun%3Fyear%3D2024")


def test_another_sites_referer_is_not_followed(client, world):  # type: ignore[no-untyped-def]
    r = client.post("/mujun/workflow", data={"year": "2024"}, headers={"referer": "https://evil.example/x"},
                    follow_redirects=False)
    assert r.headers["location"] == "/login?next=/&msg=expired"


@pytest.mark.parametrize("path", ["/", "/carbon", "/mujun", "/api/me", "/login"])
def test_pages_and_answers_with_data_are_never_cached(client, world, path):  # type: ignore[no-untyped-def]
    login(client, "city")
    assert client.get(path).headers["cache-control"] == "no-store"


def test_header_does_not_repeat_the_role_in_brackets(client, world):  # type: ignore[no-untyped-def]
    login(client, "city")  # display name 市经信局, role 市经信局
    assert "市经信局（市经信局）" not in client.get("/carbon").text


def test_carbon_list_sorts_the_whole_result_not_the_page(client, world):  # type: ignore[no-untyped-def]
    login(client, "city")
    r = client.get("/carbon?sort=-emissions_t")
    assert r.status_code == 200
    num = r'<td class="num">([^<]*)</td>'
    rows = re.findall(num + num.replace("(", "").replace(")", "") * 3, r.text)  # the first of four: 排放量
    shown = [float(v.replace(",", "")) for v in rows]
    assert shown == sorted(shown, reverse=True) and shown
    # page 999 of a short list: the last page, said in Chinese
    r = client.get("/carbon?page=999")
    assert "第 999" not in r.text and "页码超出范围" in r.text


def test_sorting_orders_every_page_of_a_long_list_and_the_export(client, world):  # type: ignore[no-untyped-def]
    """120 firms over three pages: page 1 sorted by 排放量 descending starts with the largest
    emitter of the whole list (not of the page), page 2 goes on below it, page 999 is page 3."""
    from world import REGION_A, carbon_row

    from zhizao.codes.credit_code import make
    from zhizao.store.db import session_scope
    from zhizao.store.publish import publish_rows

    year = 2031
    rows = []
    for i in range(120):
        r = carbon_row(make("9", "1", REGION_A, f"MA3C{i:04d}X"), i, REGION_A, 1 + i % 5)
        r["emissions_t"] = float((i * 7919) % 120_000) + 0.5  # the largest sits mid-list, on no first page
        rows.append(r)
    with session_scope(world.settings) as s:
        publish_rows(s, "carbon", year, "seed-carbon-2031", rows, "city")
    login(client, "city")
    values = sorted((r["emissions_t"] for r in rows), reverse=True)
    num = r'<td class="num">([^<]*)</td>'
    pattern = num + num.replace("(", "").replace(")", "") * 3

    def shown(query: str) -> list[float]:
        html = client.get(f"/carbon?year={year}&{query}").text
        return [float(v.replace(",", "")) for v in re.findall(pattern, html)]

    assert shown("sort=-emissions_t") == values[:50]
    assert shown("sort=-emissions_t&page=2") == values[50:100]
    assert shown("sort=-emissions_t&page=999") == values[100:]
    html = client.get(f"/carbon?year={year}&sort=-emissions_t&page=2").text
    assert 'href="?year=2031&amp;sort=-emissions_t&amp;page=3" rel="next"' in html  # the pager keeps the sort
    assert 'href="/carbon/export.xlsx?year=2031&amp;sort=-emissions_t"' in html  # and so does the export
