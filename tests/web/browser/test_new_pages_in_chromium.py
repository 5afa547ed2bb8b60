"""The pages of issue 17's missing list in Debian's Chromium, as the role that uses each, at a
desktop (1440×900) and a phone (390×844) width: each opens, fits the screen (no sideways scroll
of the page itself), shows no internal names (snake_case, table.column, English status words),
and its main action works. With ``$ZHIZAO_SCREENSHOTS`` set, each page is captured there
(``shots.capture``), never into the repository."""

from __future__ import annotations

import re

import pytest
import tinycity
from pagetext import shown_text
from shots import capture

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
#: what must never be on screen: snake_case names, table.column, English words of the code
INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\b|\b(pending|accepted|rejected|carbon|mujun|"
                      r"district|enterprise|auditor|city|bank|None|null|true|false)\b")

# (role, path, heading)
PAGES = [
    ("auditor", "/audit", "审计日志"),
    ("city", "/accounts", "账户管理"),
    ("city", "/objections?status=all", "异议处理"),
    ("district", "/objections?status=all", "异议处理"),
    ("city", "/search?q=湖州示范", "企业检索"),
    ("city", "/mujun/notice", "亩均效益综合评价结果的公示"),
    ("enterprise", "/mujun/notice", "亩均效益综合评价结果的公示"),
    ("district", "/account/password", "修改密码"),
    ("bank", "/consents", "授权本行查询的企业"),
    ("city", "/imports#templates", "导入模板"),
    ("enterprise", "/enterprises/{firm}", "示范纺织"),
]


#: identifiers shown as references on purpose (a run 运行编号, a methodology 方法论 version)
REFERENCES = re.compile(r"\b[a-z][a-z-]*-\d{4}-\d{4}\b|\b[a-z][a-z-]*@\d{4}\b")


def visible_text(page, selector: str = "main") -> str:  # type: ignore[no-untyped-def]
    return REFERENCES.sub("", shown_text(page, selector))


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("role,path,heading", PAGES)
def test_each_new_page_opens_fits_and_speaks_chinese(login, city, role, path, heading, width) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users[role], viewport=DESKTOP if width == "desktop" else PHONE)
    resp = s.goto(path.format(firm=city.codes[0]))
    assert resp is not None and resp.status == 200, (role, path)
    assert heading in s.page.inner_text("body")
    text = visible_text(s.page, "#templates" if path.startswith("/imports") else "main")
    bad = [m.group(0) for m in INTERNAL.finditer(text)]
    assert not bad, (role, path, bad[:10])
    overflow = s.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, (role, path, width, overflow)
    name = re.sub(r"[^a-z0-9]+", "-", f"{role}{path}".lower()).strip("-")
    capture(s.page, f"{name}-{width}")


def test_the_bank_s_carbon_page_has_no_distribution_charts(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["bank"], viewport=PHONE)
    s.goto("/carbon")
    assert s.page.locator("[data-chart]").count() == 0
    assert "仅列出授权本行查询的企业" in s.page.inner_text("main")


def test_the_firm_s_mujun_section_explains_itself(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["enterprise"], viewport=PHONE)
    s.goto(f"/enterprises/{city.codes[0]}#mujun")
    table = s.page.locator("#mujun-indicators")
    assert table.count() == 1
    head = table.locator("thead").text_content() or ""  # on a phone the header row is hidden (cards)
    assert "组内平均" in head and "权重" in head and "得分" in head
    assert re.search(r"组内排名 \d+ / \d+", s.page.inner_text("main"))


def test_the_city_decides_an_objection_in_the_queue(login, city) -> None:  # type: ignore[no-untyped-def]
    firm = login(city.users["enterprise"], viewport=PHONE)
    firm.goto(f"/enterprises/{city.codes[0]}#objections")
    form = firm.page.locator("form[action$='/objections']")
    form.locator("select[name=target]").select_option(index=0)
    form.locator("input[name=subject]").fill("用地面积有误（浏览器测试）")
    form.locator("textarea[name=content]").fill("租赁厂房已退租，请复核。")
    form.locator("button[type=submit]").click()
    firm.page.wait_for_load_state("load")
    s = login(city.users["city"], viewport=DESKTOP)
    s.goto("/objections")
    row = s.page.locator("#objection-queue tbody tr", has_text="用地面积有误（浏览器测试）").first
    assert "湖州示范纺织有限公司1" in row.inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2}（剩 \d+ 天）", row.inner_text())
    row.locator("input[name=reason]").fill("已核实，维持原结果")
    row.locator("select[name=decision]").select_option("rejected")
    row.locator("button[type=submit]").click()
    s.page.wait_for_load_state("load")
    assert "异议已处理" in s.page.inner_text("main")


def test_the_pager_jump_goes_to_the_page_typed(login, city) -> None:  # type: ignore[no-untyped-def]
    from zhizao.store.db import session_scope
    from zhizao.store.models import AuditEntry

    with session_scope(city.settings) as db:  # three pages of one user's exports
        db.add_all([AuditEntry(username="jumper", role="city", action="export.carbon", target="carbon:2024")
                    for _ in range(120)])
    s = login(city.users["auditor"], viewport=PHONE)
    s.goto("/audit?username=jumper")
    jump = s.page.locator("form.jump")
    jump.locator("input[name=page]").fill("2")
    jump.locator("button").click()
    s.page.wait_for_load_state("load")
    assert "page=2" in s.page.url and "username=jumper" in s.page.url
    assert "共 120 条，第 2 / 3 页" in s.page.inner_text(".pager")


def test_the_header_search_finds_a_firm(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["district"], viewport=DESKTOP)
    s.goto("/")
    s.page.fill("header form.search input[name=q]", "示范")
    s.page.click("header form.search button")
    s.page.wait_for_load_state("load")
    rows = s.page.locator("#search-results tbody tr")
    assert rows.count() == sum(1 for r in tinycity.FIRMS if r[0] == tinycity.WUXING) or rows.count() > 0
    assert "南浔区" not in s.page.inner_text("#search-results")
