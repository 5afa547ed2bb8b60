"""The web forms' CSRF field, as tests that post a form read it from the page."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The form's CSRF token on ``html`` (fails the test when the page has none)."""
    m = CSRF.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)
