"""The five-year review in Debian's Chromium, at 1440 px and on a 390 px phone: a review nobody
prepared yet shows 正在生成报告… with its progress, and once the worker has built it the page
turns into the report by itself (the PDF: a download with its Chinese file name), with no
click (issues 16 and 18)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import tinycity

from zhizao.economy import prepared
from zhizao.ingest import jobs

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(city: tinycity.City) -> Iterator[Callable[[], None]]:
    """Starts the worker (as ``zhizao serve`` does, here a thread of the test process) on demand."""
    stop = threading.Event()
    started: list[threading.Thread] = []

    def start() -> None:
        t = threading.Thread(target=jobs.work, args=(city.settings,), daemon=True, name="review-worker",
                             kwargs={"stop": stop, "poll_s": 0.2, "kinds": (prepared.KIND,)})
        t.start()
        started.append(t)

    yield start
    stop.set()
    for t in started:
        t.join(timeout=120)


# spans no other test asks for: the review is not prepared yet when the page opens
@pytest.mark.parametrize(("width", "span"), [(1440, "y_from=2022&y_to=2024"), (390, "y_from=2021&y_to=2024")])
def test_the_review_page_goes_from_its_progress_to_the_report(login, city, worker, width: int, span: str) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"], viewport={"width": width, "height": 900})
    resp = s.goto(f"/economy/review?{span}&format=html")
    assert resp is not None and resp.status == 200
    assert s.page.locator("#review-wait").inner_text() == "正在生成报告…"
    assert s.page.locator("#review-job [data-job-field=status_label]").inner_text() == "排队中"
    fits = s.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the progress page is wider than the screen"
    worker()
    s.page.wait_for_function("() => document.body.innerText.includes('规模质效迈上新台阶')", timeout=180_000)
    assert "wait=1" in s.page.url and "正在生成报告" not in s.page.content()
    assert "湖州市" in s.page.inner_text("body")


def test_a_district_pdf_is_downloaded_after_its_progress_page(login, city, worker) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["district"], viewport={"width": 390, "height": 844})
    resp = s.goto("/economy/review?y_from=2022&y_to=2024&format=pdf")
    assert resp is not None and resp.status == 200
    assert "正在生成报告…" in s.page.inner_text("body")
    with s.page.expect_download(timeout=180_000) as dl:
        worker()
    assert dl.value.suggested_filename == "吴兴区2022-2024年工业经济回眸.pdf"
    assert "报告已生成" in s.page.inner_text("body")
    assert s.page.locator("#review-download").get_attribute("href").endswith("format=pdf")
