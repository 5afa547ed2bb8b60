"""The web UI in a real browser (Debian's Chromium through Playwright) over the tiny city:
each role logs in and opens its pages, charts are drawn (non-blank canvases), a file is
uploaded and its reject report shown, a firm files an objection, a firm cannot reach another
firm, and the profile fits a phone screen."""

from __future__ import annotations

import re

import pytest
import tinycity
from charts import chart_problems

pytestmark = pytest.mark.browser

# Distinct colours on a chart's canvas: a blank (or single-colour) canvas has one or two.
CANVAS_COLOURS = """
() => Array.from(document.querySelectorAll('[data-chart] canvas')).map(c => {
  const ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4 * 7) { seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2] | (d[i + 3] << 24)); if (seen.size > 50) break; }
  return {w: c.width, h: c.height, colours: seen.size};
})
"""

ROLE_PAGES = {
    "city": [("/", "工业经济驾驶舱", True), ("/carbon", "工业碳效码", True), ("/mujun", "亩均效益综合评价", True),
             ("/economy", "工业经济运行", True), ("/monitoring", "电力看经济", True),
             ("/imports", "数据导入", False), ("/runs", "评价运行", False)],
    "district": [("/", "工业经济驾驶舱", True), ("/carbon", "工业碳效码", True), ("/mujun", "亩均效益综合评价", True),
                 ("/economy", "工业经济运行", True)],
    "auditor": [("/", "工业经济驾驶舱", True), ("/carbon", "工业碳效码", True), ("/runs", "评价运行", False)],
    "bank": [("/carbon", "工业碳效码", False)],
}


def assert_charts_drawn(page, minimum: int = 1) -> None:  # type: ignore[no-untyped-def]
    assert chart_problems(page) == []  # waits until every chart has drawn
    canvases = page.evaluate(CANVAS_COLOURS)
    assert len(canvases) >= minimum, canvases
    for c in canvases:
        assert c["w"] > 100 and c["h"] > 100, c
        assert c["colours"] > 5, f"blank chart canvas: {c}"


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_role_opens_its_pages(login, city, role: str) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users[role])
    for path, heading, charts in ROLE_PAGES[role]:
        resp = s.goto(path)
        assert resp is not None and resp.status == 200, (role, path)
        assert heading in s.page.inner_text("h1")
        if charts:
            assert_charts_drawn(s.page)
        nav = s.page.inner_text("header nav")
        if role in ("district", "bank"):  # the bureau's own tools are not offered
            assert "数据导入" not in nav and "评价运行" not in nav


def test_firm_profile_shows_coloured_code_and_history_chart(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["enterprise"])
    assert s.page.url.endswith(f"/enterprises/{city.codes[0]}")  # a firm lands on its own profile
    label = s.page.inner_text(".carbon-label")
    assert re.fullmatch(r"[低中高]碳[1-5]级", label.strip()), label
    colour = s.page.eval_on_selector(".carbon-tile i:not(.off)", "e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    assert_charts_drawn(s.page)


def test_firm_cannot_reach_another_firm_nor_the_cockpit(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["enterprise"])
    other = city.codes[6]
    resp = s.goto(f"/enterprises/{other}")
    assert resp is not None and resp.status == 404
    assert "页面不存在" in s.page.inner_text("main")
    assert "建材" not in s.page.inner_text("main")
    s.goto("/")
    assert s.page.url.endswith(f"/enterprises/{city.codes[0]}")
    assert "各区县碳效等级" not in s.page.content()
    resp = s.goto("/carbon")
    assert s.page.url.endswith(f"/enterprises/{city.codes[0]}#carbon-code")


def test_firm_files_an_objection(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["enterprise"])
    page = s.page
    page.select_option("select[name=target]", "carbon:2024")
    page.fill("input[name=subject]", "增加值口径有误（浏览器测试）")
    page.fill("textarea[name=content]", "2024年工业增加值应含四季度补报数。")
    page.set_input_files("input[name=evidence]", files=[{"name": "补报说明.txt", "mimeType": "text/plain",
                                                        "buffer": "四季度补报".encode()}])
    page.click("form[action$='/objections'] button[type=submit]")
    page.wait_for_load_state("load")
    # the confirmation among the page's notes (the profile may also say its figures are being
    # recomputed after the city's latest import)
    assert page.locator(".flash", has_text="异议已提交").count() == 1
    row = page.locator("#objections tbody tr", has_text="增加值口径有误（浏览器测试）")
    assert row.count() == 1
    assert "待处理" in row.inner_text()


def test_city_uploads_a_file_and_sees_the_reject_report(login, city, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"])
    s.goto("/imports")
    path = tinycity.bad_tax_file(tmp_path, city.codes, year=2021)
    s.page.select_option("select[name=table]", "tax")
    s.page.fill("input[name=source]", "税务局")
    s.page.set_input_files("input[name=file]", str(path))
    s.page.click("form[action='/imports'] button[type=submit]")
    s.page.wait_for_selector("#import-job")  # the job page: queued until the worker takes it
    from zhizao.ingest import jobs

    jobs.work(city.settings, once=True, kinds=("import",))  # what the import worker does with an upload
    s.page.wait_for_selector("#rejects", timeout=15_000)  # the page reloads itself every 2 s
    rows = s.page.locator("#rejects tbody tr")
    assert rows.count() == 3
    text = s.page.inner_text("#rejects")
    for code in ("bad_credit_code", "unknown_enterprise", "bad_number"):
        assert code in text
    assert re.search(r"^4\s", rows.nth(0).inner_text())  # file row numbers: header is row 1


def test_sorting_headers_sort_the_whole_list_on_the_server(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"])
    s.goto("/carbon")
    s.page.locator("#carbon-table th", has_text="K值").locator("a").click()
    s.page.wait_for_url("**sort=-k_value**")  # numbers start with the largest; the order is in the URL
    values = [float(v) for v in s.page.locator("#carbon-table tbody tr td:nth-child(9)").all_inner_texts()]
    assert values == sorted(values, reverse=True)
    s.page.locator("#carbon-table th", has_text="K值").locator("a").click()
    s.page.wait_for_url("**sort=k_value**")
    values = [float(v) for v in s.page.locator("#carbon-table tbody tr td:nth-child(9)").all_inner_texts()]
    assert values == sorted(values)
    assert "sort=k_value" in s.page.get_attribute("a.btn[href^='/carbon/export.xlsx']", "href")


def test_profile_fits_a_phone_screen(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["enterprise"], viewport={"width": 390, "height": 844})
    s.goto(f"/enterprises/{city.codes[0]}")
    widths = s.page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[2] and widths[1] <= widths[2], widths
    # the menu collapses behind a button and opens on tap
    assert not s.page.is_visible("header nav")
    s.page.click(".nav-toggle")
    assert s.page.is_visible("header nav")
    assert_charts_drawn(s.page)
