"""The room's pages in Debian's Chromium at desktop (1440 px) and phone (390 px) widths: they
render (charts drawn), nothing overflows the phone screen sideways, a district edits a project."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from charts import chart_problems
from shots import capture
from tests.projects.bookcity import PASSWORD, BookCity, build

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> BookCity:
    return build(tmp_path_factory.mktemp("bookcity"))


@pytest.fixture(scope="module")
def server(city: BookCity) -> Iterator[str]:
    import uvicorn

    from zhizao.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(create_app(city.settings), host="127.0.0.1", port=port, log_level="warning",
                                        access_log=False, lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _page(browser, server: str, user: str, width: int):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    page.goto(server + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")
    return ctx, page


def _no_sideways_overflow(page) -> None:  # type: ignore[no-untyped-def]
    doc, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert doc <= inner + 1, f"page is {doc}px wide on a {inner}px screen"


@pytest.mark.parametrize("width", [1440, 390])
def test_board_stalled_list_and_timeline_render(browser, server, width: int) -> None:  # type: ignore[no-untyped-def]
    """Each page captured when ``$ZHIZAO_SCREENSHOTS`` is set (``shots.capture``)."""
    ctx, page = _page(browser, server, "city", width)
    try:
        page.goto(server + "/projects?as_of=2024-12-31")
        assert "“双进双产”区县排名" in page.content()
        page.wait_for_selector("#states-box canvas, #states-box svg")
        assert chart_problems(page) == []
        _no_sideways_overflow(page)
        capture(page, f"projects-board-{width}")
        page.goto(server + "/projects/stalls?as_of=2024-12-31")
        rows = page.locator("#stalls-table tbody tr")
        assert rows.count() >= 1
        _no_sideways_overflow(page)
        capture(page, f"projects-stalls-{width}")
        href = page.locator("#stalls-table tbody tr a").first.get_attribute("href")
        page.goto(server + str(href))
        page.wait_for_selector("#timeline-box canvas, #timeline-box svg")
        assert chart_problems(page) == []  # the stall's marked area included
        _no_sideways_overflow(page)
        capture(page, f"projects-project-{width}")
    finally:
        ctx.close()


def test_a_district_records_a_milestone_on_a_phone(browser, server, city) -> None:  # type: ignore[no-untyped-def]
    ctx, page = _page(browser, server, "district", 390)
    try:
        page.goto(server + "/projects/stalls?as_of=2024-12-31")
        href = page.locator("#stalls-table tbody tr a").first.get_attribute("href")
        page.goto(server + str(href).split("?")[0])
        form = page.locator("form:has(input[value=reached])")
        form.locator("input[name=on]").fill("2024-12-30")
        form.locator("input[name=reason]").fill("已开工建设")  # the next milestone is preselected
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("load")
        assert "已记录" in page.content() and "已开工建设" in page.content()
        _no_sideways_overflow(page)
    finally:
        ctx.close()
