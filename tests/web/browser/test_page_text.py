"""The browser checks' reading of page text (tests/support/pagetext.py) against the real
stylesheet: what users typed or sent (``data-verbatim``) is left out at every width, including
the phone's card layout, where the stylesheet sets table cells to ``display: flex``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagetext import shown_text

import zhizao.web

CSS = Path(zhizao.web.__file__).parent / "static" / "css" / "app.css"
PAGE = """<!doctype html><html lang="zh-CN"><body>
<div class="table-wrap"><table><thead><tr><th>用户</th><th>详情</th></tr></thead>
<tbody><tr><td data-label="用户" data-verbatim>alice</td><td data-label="详情" class="wrap" data-verbatim
 style="color: red">拒收 3 行，见 errors.csv</td></tr></tbody></table></div>
<p>审计日志只增不改</p></body></html>"""


@pytest.mark.parametrize("width", [1440, 390])
def test_verbatim_cells_are_left_out_at_desktop_and_phone_width(browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(PAGE)
        page.add_style_tag(path=str(CSS))
        text = shown_text(page)
        assert "审计日志只增不改" in text
        assert "errors.csv" not in text and "alice" not in text
        # the cells are shown again afterwards, with their own style kept
        assert page.locator("td.wrap").get_attribute("style") == "color: red"
        assert page.locator("td.wrap").is_visible()
        assert "errors.csv" in page.inner_text("body")
    finally:
        page.close()
