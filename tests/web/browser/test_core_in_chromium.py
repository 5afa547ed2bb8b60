"""The web's core behaviour in Chromium, by role, at 1440×900 and on a 390×844 phone: the whole
result sorted (the biggest emitter first), a login that always works and returns the user to
where they were with the typed draft kept, Chinese error pages, no cached data after logout,
tables that fit, and the firm's 撤销 button on a phone screen."""

from __future__ import annotations

import pytest
import tinycity

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def fill_login(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", tinycity.PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")


def emissions(page) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(v.replace(",", "")) for v in page.locator("#carbon-table tbody tr td:nth-child(6)").all_inner_texts()]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sorting_emissions_descending_puts_the_citys_biggest_emitter_first(login, city, viewport) -> None:  # type: ignore[no-untyped-def]
    from zhizao.store import publish
    from zhizao.store.db import session_scope

    with session_scope(city.settings) as s:
        _, rows = publish.list_published(s, "carbon", tinycity.YEARS[-1], limit=10_000)
    biggest = max(r["emissions_t"] for r in rows if r.get("emissions_t") is not None)
    s = login(city.users["city"], viewport=viewport)
    s.goto("/carbon")
    page = s.page
    page.locator("#carbon-table th[data-sort-key=emissions_t] a").click()
    page.wait_for_url("**sort=-emissions_t**")
    shown = emissions(page)
    assert shown[0] == pytest.approx(biggest, abs=0.05)
    assert shown == sorted(shown, reverse=True)
    assert page.locator("#carbon-table th[data-sort-key=emissions_t]").get_attribute("aria-sort") == "descending"


def test_an_out_of_range_page_shows_the_last_page_with_a_chinese_note(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"], viewport=DESKTOP)
    s.goto("/carbon?page=999")
    page = s.page
    text = page.inner_text("main")
    assert "页码超出范围" in text and "第 999" not in text
    assert page.locator("#carbon-table tbody tr:not(.empty-row)").count() > 0


def test_login_after_a_revoked_session_returns_to_the_page(login, city, server) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"], viewport=DESKTOP)
    stale = [c for c in s.context.cookies() if c["name"] == "zhizao_session"]
    s.page.click("header form[action='/logout'] button")
    s.page.wait_for_url("**/login**")
    s.context.add_cookies(stale)  # the browser still sends the revoked session cookie
    s.goto("/mujun?year=2024")
    assert "/login" in s.page.url
    fill_login(s.page, city.users["city"])
    assert s.page.url.endswith("/mujun?year=2024"), s.page.url
    assert "表单已过期" not in s.page.inner_text("body")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_draft_objection_survives_the_session_ending(login, city, viewport) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["enterprise"], viewport=viewport)
    page = s.page
    subject, content = "增加值口径（会话过期测试）", "四季度补报数未计入，请复核。"
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=content]", content)
    s.context.clear_cookies()  # the session ends while the firm writes
    page.click("form[action$='/objections'] button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" in page.url and "登录已过期" in page.inner_text("body")
    assert "Method Not Allowed" not in page.content()
    fill_login(page, city.users["enterprise"])
    assert page.url.split("#")[0].endswith(f"/enterprises/{city.codes[0]}"), page.url
    assert page.input_value("input[name=subject]") == subject
    assert page.input_value("textarea[name=content]") == content
    assert "Method Not Allowed" not in page.content()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/auditing", "/admin", "/carbn"])
def test_an_unknown_path_is_a_chinese_404_page(login, city, path, viewport) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"], viewport=viewport)
    resp = s.goto(path)
    assert resp is not None and resp.status == 404
    body = s.page.inner_text("body")
    assert "页面不存在" in body and "Not Found" not in body and "detail" not in body
    assert s.page.locator("a[href='/']").count() >= 1  # a way back


def test_back_after_logout_shows_the_login_page(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"], viewport=DESKTOP)
    s.goto("/carbon")
    assert s.page.locator("#carbon-table tbody tr").count() > 0
    s.page.click("header form[action='/logout'] button")
    s.page.wait_for_url("**/login**")
    s.page.go_back()
    s.page.wait_for_load_state("load")
    assert "/login" in s.page.url
    assert s.page.locator("#carbon-table").count() == 0


def test_the_mujun_ranking_fits_a_desktop_screen_without_an_inner_scroll(login, city) -> None:  # type: ignore[no-untyped-def]
    s = login(city.users["city"], viewport=DESKTOP)
    s.goto("/mujun")
    hidden = s.page.evaluate("""() => { const t = document.querySelector('#mujun-table');
        return t.scrollWidth - t.parentElement.clientWidth; }""")
    assert hidden <= 0, f"{hidden} px of the ranking hidden in an inner scroll area"


def test_the_firms_revoke_button_is_on_the_phone_screen(login, city) -> None:  # type: ignore[no-untyped-def]
    desk = login(city.users["enterprise"], viewport=DESKTOP)
    desk.page.select_option("select[name=bank]", city.users["bank"])
    desk.page.click("form[action$='/consents'] button[type=submit]")
    desk.page.wait_for_load_state("load")
    phone = login(city.users["enterprise"], viewport=PHONE)
    button = phone.page.locator("#consents form[action*='/revoke'] button").first
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    widths = phone.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
