"""Browser fixtures: the tiny city served by uvicorn on a free loopback port, and Debian's
Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import tinycity

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> tinycity.City:
    return tinycity.shared(tmp_path_factory)


@pytest.fixture(scope="session")
def server(city: tinycity.City, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, ZHIZAO_HOME=str(city.settings.home), ZHIZAO_STORE_URL=city.settings.store_url)
    log = (tmp_path_factory.mktemp("server") / "uvicorn.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "zhizao.web.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("uvicorn did not start: " + Path(log.name).read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
        self.page = self.context.new_page()
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
