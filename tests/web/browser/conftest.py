"""Browser fixtures: the tiny city served by uvicorn on a free loopback port, and a logged-in
browser context per account (Chromium itself: ``browser`` in tests/conftest.py)."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import tinycity
from forms import csrf_of
from serving import free_port


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> tinycity.City:
    return tinycity.shared(tmp_path_factory)


@pytest.fixture(scope="session")
def server(city: tinycity.City) -> Iterator[str]:
    """uvicorn in a thread of the test process, on a free loopback port, stopped at the end
    (in-process, the page tests and the browser tests share the app's warm caches)."""
    import uvicorn

    from zhizao.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(city.settings), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="uvicorn", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    with urllib.request.urlopen(base + "/healthz", timeout=30) as r:
        assert r.status == 200
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


class Session:
    """A logged-in browser context for one account.

    It logs in as the login form does (the form's CSRF token and POST, on the context's own
    cookie jar) without drawing the login page, and draws the page the form lands on (the
    role's home) only when a test reads ``page`` before going anywhere: a test that starts with
    ``goto`` never waits for a cockpit it does not look at (2.3–7.9 s a session on a loaded machine).
    The form itself is driven in Chromium by the tests that log in by hand
    (test_cultivation_in_chromium, tests/projects/test_pages_in_chromium)."""

    def __init__(self, browser, base: str, username: str, viewport: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
        self.base = base
        self.context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
        # a shared two-core machine under load: waits measured in tens of seconds are no failure
        self.context.set_default_timeout(90_000)
        form = self.context.request.get(base + "/login")
        r = self.context.request.post(base + "/login", max_redirects=0, form={
            "username": username, "password": tinycity.PASSWORD, "csrf_token": csrf_of(form.text()), "next": ""})
        self.home = urlsplit(r.headers.get("location", "/login")).path
        assert r.status == 303 and not self.home.startswith("/login"), f"{username} could not log in"
        self._page = self.context.new_page()
        # the first cockpit of a session computes every room's tiles: on a loaded test machine
        # that can take longer than Playwright's default 30 s
        self._page.set_default_timeout(120_000)
        self._landed = False

    @property
    def page(self):  # type: ignore[no-untyped-def]
        """The session's page, on the role's home if the test has not gone anywhere yet."""
        if not self._landed:
            self._landed = True
            self._page.goto(self.base + self.home)
            self._page.wait_for_load_state("load")
        return self._page

    def goto(self, path: str):  # type: ignore[no-untyped-def]
        self._landed = True
        return self._page.goto(self.base + path)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def login(browser, server):  # type: ignore[no-untyped-def]
    opened: list[Session] = []

    def _login(username: str, viewport: dict[str, int] | None = None) -> Session:
        s = Session(browser, server, username, viewport)
        opened.append(s)
        return s

    yield _login
    for s in opened:
        s.close()
