"""Browser fixtures: the tiny city served by uvicorn on a free loopback port, and Debian's
Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import tinycity
from serving import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Session:
    """A logged-in browser context for one account."""

    def __init__(self, browser, base: str, username: str, viewport: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
        self.base = base
        self.context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
        # a shared two-core machine under load: waits measured in tens of seconds are no failure
        self.context.set_default_timeout(90_000)
        self.page = self.context.new_page()
        # the first cockpit of a session computes every room's tiles: on a loaded test machine
        # that can take longer than Playwright's default 30 s
        self.page.set_default_timeout(120_000)
        self.page.goto(base + "/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", tinycity.PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_load_state("load")
        assert "/login" not in self.page.url, f"{username} could not log in"

    def goto(self, path: str):  # type: ignore[no-untyped-def]
        return self.page.goto(self.base + path)

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
