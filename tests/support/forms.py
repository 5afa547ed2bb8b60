"""The web forms' CSRF field, as tests that post a form read it from the page, and a client
logged in through the login form the way a person logs in."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The form's CSRF token on ``html`` (fails the test when the page has none)."""
    m = CSRF.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


def logged_in(app: Any, username: str, password: str) -> Any:
    """A ``TestClient`` of ``app`` logged in as ``username``: the login page read, its form posted
    with the page's CSRF token (fails the test unless the login succeeds)."""
    from fastapi.testclient import TestClient

    c = TestClient(app)
    r = c.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(c.get("/login").text),
                               "next": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return c
