"""The 五企培育 pages in Debian's Chromium, as the roles that use them, on a desk (1440×900) and a
phone (390×844): the city (overview, a tier's near misses, the tier lists, a list in its notice
with an objection, the rule comparison) and a district (its own firms). Each page: no horizontal
scrolling of the page, no internal names, codes or English on screen, numbers with separators.
Screenshots go to ``$ZHIZAO_SCREENSHOTS`` when set (for a person to look at: ``shots.capture``)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from shots import capture

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
#: text that may contain Latin letters: a credit code (18 characters), nothing else
CREDIT_CODE = re.compile(r"\b[0-9A-HJ-NPQRTUWXY]{18}\b")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PHONE_NUMBER = re.compile(r"\b0\d{2,3}-\d{7,8}\b")
YEAR = re.compile(r"(?<![\d,.])(19|20)\d{2}(?![\d,.])")


@pytest.fixture(scope="module")
def tiers_home(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from city import credit_code as code
    from city import load_warehouse
    from tests.cultivation.test_publishing import PASSWORD, city
    from tests.cultivation.test_publishing import YEAR as Y
    from tests.cultivation.tierdata import rules
    from world import add_user_fast

    from zhizao import runs
    from zhizao.cultivation import publishing as pb
    from zhizao.engine import connect
    from zhizao.settings import load_settings
    from zhizao.store.accounts import hash_password
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.publish import publish

    s = load_settings(tmp_path_factory.mktemp("tiers-browser") / "home").ensure()
    load_warehouse(s, city().tables())
    init_store(s)
    eng = connect(s)
    try:
        for ref in ("miit-specialised-sme@2022", "miit-specialised-sme@2026-04-01", "miit-little-giant@2022",
                    "huzhou-golden-elephant@2020", "huzhou-golden-bull@2020"):
            run = runs.execute(s, eng, "tiers", Y, rules(*ref.split("@")))
            if ref != "miit-specialised-sme@2026-04-01":
                publish(s, run.run_id, user="test")
    finally:
        eng.close()
    today = dt.date.today()
    with session_scope(s) as db:
        pw = hash_password(PASSWORD)
        add_user_fast(db, "city", "city", password_hash=pw, display_name="市经信局 企业服务处")
        add_user_fast(db, "dist", "district", password_hash=pw, region_code="330503", display_name="南浔区经信局")
        sme = pb.draft(s, db, "specialised_sme", Y, "city")
        pb.open_notice(db, sme.id, today - dt.timedelta(days=20), "city", days=7, contact="企业服务处 0572-2399001")
        pb.announce(db, sme.id, "湖经信〔2025〕12号", today - dt.timedelta(days=10), "city")
        gold = pb.draft(s, db, "golden", Y, "city", confirmed=(code(7), code(8, "330503")))
        pb.open_notice(db, gold.id, today - dt.timedelta(days=2), "city", days=7, contact="企业服务处 0572-2399001")
        pb.receive_objection(db, gold.id, code(7), "反映该企业去年发生一般安全生产事故，请核实", today, "city")
        pb.draft(s, db, "little_giant", Y, "city")
        gold_id = gold.id
    return s, gold_id


@pytest.fixture(scope="module")
def tiers_server(tiers_home) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import socket

    import uvicorn

    from zhizao.web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(tiers_home[0]), host="127.0.0.1", port=port, log_level="warning",
                                       access_log=False, lifespan="off"))
    thread = threading.Thread(target=srv.run, name="uvicorn-tiers", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
        assert r.status == 200
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _open(browser, base: str, user: str, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    from tests.cultivation.test_publishing import PASSWORD

    ctx = browser.new_context(locale="zh-CN", viewport=viewport)
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")
    assert "/login" not in page.url
    return ctx, page


def _check_text(text: str, where: str) -> None:
    plain = PHONE_NUMBER.sub("", DATE.sub("", CREDIT_CODE.sub("", text)))
    latin = re.findall(r"[A-Za-z_]{2,}", plain)
    assert not latin, f"{where}: English or internal names on screen: {sorted(set(latin))[:10]}"
    bare = [n for n in re.findall(r"(?<![\d,.])\d{5,}(?![\d,])", YEAR.sub("", plain))]
    assert not bare, f"{where}: numbers without thousands separators: {bare[:5]}"


def _pages(gold_id: int) -> list[tuple[str, str, str]]:
    return [("overview", "/cultivation", "五企培育"),
            ("tier-near", "/cultivation/tier/specialised_sme?view=near", "专精特新中小企业"),
            ("lists", "/cultivation/lists", "名单公示与公布"),
            ("list-notice", f"/cultivation/lists/{gold_id}", "拟认定名单公示"),
            ("compare", "/cultivation/compare?tier=specialised_sme", "对比"),
            ("expiring", "/cultivation/expiring", "称号")]


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
@pytest.mark.parametrize("user", ["city", "dist"])
def test_cultivation_pages_read_well_for_each_role(browser, tiers_server, tiers_home, user: str,
                                                   viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    ctx, page = _open(browser, tiers_server, user, viewport)
    try:
        for name, path, heading in _pages(tiers_home[1]):
            resp = page.goto(tiers_server + path)
            assert resp is not None and resp.status == 200, path
            assert heading in page.inner_text("main"), (path, heading)
            page.wait_for_function("() => document.querySelectorAll('[data-chart][data-rendered]').length"
                                   " === document.querySelectorAll('[data-chart]').length")
            wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 1, f"{path} scrolls sideways by {wide}px at {viewport['width']} px"
            _check_text(page.inner_text("main"), f"{user} {path} {viewport['width']}")
            capture(page, f"{name}-{user}-{viewport['width']}")
    finally:
        ctx.close()


def test_the_list_in_notice_shows_the_notice_text_and_the_objection(browser, tiers_server, tiers_home) -> None:  # type: ignore[no-untyped-def]
    ctx, page = _open(browser, tiers_server, "city", PHONE)
    try:
        page.goto(f"{tiers_server}/cultivation/lists/{tiers_home[1]}")
        notice = page.inner_text("#notice")
        assert "拟认定以下 2 家企业为2024年度“金象”“金牛”企业" in notice and "公示期为" in notice
        assert "金象企业" in notice and "南浔辛控股有限公司" in notice
        assert "去年发生一般安全生产事故" in page.inner_text("#objections")
        # the decision form is usable on a phone: the select and the button are inside the screen
        box = page.locator("#objections form button").bounding_box()
        assert box is not None and box["x"] >= 0
    finally:
        ctx.close()
