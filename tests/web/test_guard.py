"""Limits before authentication and spooling, numeric query overflow, security headers.

The review: a 600 MB anonymous multipart upload was spooled to disk (569 MB) before the 401; a
300 MB JSON body to /api/auth/login grew the server by 0.9 GB; the objection form took 30 MB of
evidence; ``page=9223372036854775807`` answered 500; no CSP / X-Frame-Options / nosniff.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses

import pytest
from fastapi.testclient import TestClient
from store_fixtures import FAST_AUTH

from zhizao.settings import MB, Limits
from zhizao.web.app import create_app


def _asgi(app, method: str, path: str, headers: dict[str, str], total: int, head: bytes = b"") -> tuple[int, int]:
    """Call the app as a server would, streaming a ``total``-byte body in 64 KB messages;
    returns (status, bytes the app consumed). The test client reads bodies whole, so it cannot
    show how much a server consumed before answering."""
    consumed = 0
    chunk = b"x" * 65536

    async def receive():  # type: ignore[no-untyped-def]
        nonlocal consumed
        if consumed >= total:
            return {"type": "http.request", "body": b"", "more_body": False}
        body = head if consumed == 0 and head else chunk
        consumed += len(body)
        return {"type": "http.request", "body": body, "more_body": consumed < total}

    status = 0

    async def send(message):  # type: ignore[no-untyped-def]
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80), "state": {}}
    # in a thread of its own: a Playwright page earlier in this worker may hold this thread's loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return status, consumed


def test_a_300_mb_login_body_is_refused_before_reading(client, world):  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/login", content=b"{}", headers={"content-type": "application/json",
                                                               "content-length": str(300 * MB)})
    assert r.status_code == 413 and "请求过大" in r.json()["detail"]
    # chunked (no Content-Length): counted as it arrives and cut off at the 1 MB cap
    status, consumed = _asgi(client.app, "POST", "/api/auth/login", {"content-type": "application/json"},
                             300 * MB, b'{"username": "city", "password": "')
    assert status == 413
    assert consumed < 2 * MB


def test_anonymous_multipart_upload_is_refused_before_spooling(client, world):  # type: ignore[no-untyped-def]
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    # the API answers 401; a page's form (its session ended) goes to the login page: neither reads a byte
    for path, cookie, code in (("/api/imports/enterprises", "", 401), ("/imports", "zhizao_session=forged", 303)):
        headers = {"content-type": "multipart/form-data; boundary=b"} | ({"cookie": cookie} if cookie else {})
        status, consumed = _asgi(client.app, "POST", path, headers, 600 * MB, head)
        assert (status, consumed) == (code, 0), path
    uploads = world.settings.uploads_dir
    assert not uploads.exists() or not any(uploads.rglob("*.csv"))


@pytest.fixture
def small(world):  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(world.settings, limits=Limits(upload_bytes=2 * MB, evidence_bytes=1 * MB))
    with TestClient(create_app(settings, auth_config=FAST_AUTH)) as c:
        yield c


def test_signed_in_upload_above_the_cap_is_413(small, world):  # type: ignore[no-untyped-def]
    r = small.post("/api/imports/enterprises", files={"file": ("e.csv", b"a,b\n" * (1024 * 1024), "text/csv")},
                   headers=world.auth("city"))
    assert r.status_code == 413


def test_objection_evidence_is_capped_on_the_api_and_the_page(small, world):  # type: ignore[no-untyped-def]
    big = {"evidence": ("发票.pdf", b"%PDF" + b"0" * (3 * MB), "application/pdf")}
    data = {"method": "carbon", "year": "2024", "subject": "x", "content": "y"}
    api = small.post("/api/objections", data=data, files=big, headers=world.auth("firm_a0"))
    page = small.post(f"/enterprises/{world.firms['a0']}/objections", data={"target": "carbon:2024", **data},
                      files=big, headers=world.auth("firm_a0"))
    assert api.status_code == page.status_code == 413
    assert "请求过大" in api.json()["detail"]


@pytest.mark.parametrize("url", ["/api/enterprises?offset=9223372036854775807",
                                 "/carbon?page=9223372036854775807", "/economy/power?page=99999999999999999999",
                                 "/carbon?year=9223372036854775807"])
def test_numeric_overflow_in_the_query_is_400(client, world, url):  # type: ignore[no-untyped-def]
    r = client.get(url, headers=world.auth("city"))
    assert r.status_code == 400


def test_security_headers_and_no_store(client, world):  # type: ignore[no-untyped-def]
    for url in ("/login", "/api/me", "/healthz"):
        r = client.get(url, headers=world.auth("city"))
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"
    assert static.headers["x-content-type-options"] == "nosniff"


def test_every_answer_states_the_servers_own_time(client, world):  # type: ignore[no-untyped-def]
    """``Server-Timing: app;dur=<ms>``: what bench/page_visits.py records per page (also on a
    page, an error and a static file)."""
    import re

    for url in ("/login", "/api/me", "/carbon", "/no-such-page", "/static/css/app.css"):
        r = client.get(url, headers=world.auth("city"))
        m = re.fullmatch(r"app;dur=(\d+\.\d)", r.headers["server-timing"])
        assert m is not None and 0 <= float(m.group(1)) < 60_000, (url, r.headers.get("server-timing"))
