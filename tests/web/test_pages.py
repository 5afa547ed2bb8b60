"""Server-side checks of every page with the real app over the tiny city: status, the Chinese
text each page must show, and scope (a firm outside a user's scope is the same 404 as none)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from forms import CSRF, csrf_of, logged_in

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import tinycity
from city import credit_code

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tinycity.City:
    return tinycity.shared(tmp_path_factory)


@pytest.fixture(scope="module")
def app(city: tinycity.City):  # type: ignore[no-untyped-def]
    from zhizao.web.app import create_app

    return create_app(city.settings)


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return logged_in(app, username, tinycity.PASSWORD)


@pytest.fixture(scope="module")
def clients(app, city):  # type: ignore[no-untyped-def]
    return {role: login(app, username) for role, username in city.users.items()}


def test_pages_need_a_login(app) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    for path in ("/", "/carbon", "/mujun", "/economy", "/imports", "/runs"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=" + path)


@pytest.mark.parametrize("path,text", [
    ("/", "工业经济驾驶舱"),
    ("/carbon", "工业碳效码"),
    ("/mujun", "亩均效益综合评价"),
    ("/imports", "导入批次"),
    ("/runs", "评价运行"),
])
def test_city_opens_every_page(clients, path: str, text: str) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get(path)
    assert r.status_code == 200
    assert text in r.text
    assert '<html lang="zh-CN">' in r.text
    # ECharts is served by the app itself, and only to pages that draw charts
    assert ("/static/vendor/echarts/echarts.min.js" in r.text) == ("data-chart=" in r.text)


def test_static_echarts_is_served_locally_and_is_the_recorded_build(clients) -> None:  # type: ignore[no-untyped-def]
    """The app serves the ECharts bundle scripts/echarts/build.sh made, byte for byte the one whose
    sha256 its VERSION records, and the bundle holds only what the pages draw (the full build of
    ECharts is 1,034,102 bytes)."""
    import hashlib

    from zhizao.web.app import STATIC_DIR

    r = clients["city"].get("/static/vendor/echarts/echarts.min.js")
    assert r.status_code == 200
    version = (STATIC_DIR / "vendor" / "echarts" / "VERSION").read_text(encoding="utf-8")
    assert "scripts/echarts/build.sh" in version and "echarts 5.6.0" in version
    assert f"sha256(echarts.min.js): {hashlib.sha256(r.content).hexdigest()}" in version
    assert 300_000 < len(r.content) < 700_000


def test_the_static_files_come_compressed_and_pages_never(clients) -> None:  # type: ignore[no-untyped-def]
    """A browser that accepts gzip gets the chart library and the stylesheet compressed (the same
    bytes once inflated); a page, which carries the session's CSRF token beside what the user
    typed, never (BREACH), nor an Excel export."""
    c = clients["city"]
    for path in ("/static/vendor/echarts/echarts.min.js", "/static/css/app.css"):
        r = c.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", path
        assert "Accept-Encoding" in r.headers.get("vary", ""), path
    assert c.get("/static/css/app.css", headers={"Accept-Encoding": "identity"}).headers.get("content-encoding") is None
    for path in ("/", "/carbon?q=abc", "/carbon/export.xlsx"):
        r = c.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") is None, path


def test_cockpit_embeds_chart_data_for_the_city(clients, city) -> None:  # type: ignore[no-untyped-def]
    html = clients["city"].get("/").text
    assert 'data-chart="grade_pie"' in html
    assert "吴兴区" in html and "南浔区" in html


def test_district_cockpit_shows_its_district_only(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["district"].get("/").text
    assert "吴兴区" in html
    assert "南浔区" not in html


def test_district_carbon_list_is_its_firms(clients, city) -> None:  # type: ignore[no-untyped-def]
    # the carbon code covers 规上 firms (DB33/T 1347-2023): the district's 规上 firms, only those
    html = clients["district"].get("/carbon").text
    for code, region, firm in zip(city.codes, city.regions, tinycity.FIRMS, strict=True):
        above = firm[2]
        assert (code in html) == (region == tinycity.WUXING and above), code


def test_firm_outside_scope_is_the_same_404_as_a_missing_firm(clients, city) -> None:  # type: ignore[no-untyped-def]
    other = city.codes[city.regions.index(tinycity.NANXUN)]
    missing = credit_code(99, tinycity.WUXING)
    for role in ("district", "enterprise", "bank"):
        a = clients[role].get(f"/enterprises/{other}")
        b = clients[role].get(f"/enterprises/{missing}")
        assert a.status_code == b.status_code == 404, role
        # identical but for the signed (time-stamped) CSRF token of the logout form
        assert CSRF.sub("", a.text) == CSRF.sub("", b.text)
        assert "页面不存在" in a.text


def test_enterprise_lands_on_its_own_profile(clients, city) -> None:  # type: ignore[no-untyped-def]
    c = clients["enterprise"]
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/enterprises/{city.codes[0]}"
    html = c.get(f"/enterprises/{city.codes[0]}").text
    assert "工业碳效码" in html and "carbon-tile" in html
    assert re.search(r"[低中高]碳[1-5]级", html)
    assert "亩均效益评价" in html
    assert "各部门数据" in html and "统计（统计局）" in html
    assert "提出异议" in html and "银行查询授权" in html


@pytest.mark.parametrize("path", ["/imports", "/runs", "/economy", "/monitoring", "/economy/review"])
def test_enterprise_cannot_open_bureau_pages(clients, path: str) -> None:  # type: ignore[no-untyped-def]
    r = clients["enterprise"].get(path)
    assert r.status_code == 403
    assert "无权访问" in r.text


def test_city_sees_any_profile_but_no_firm_forms(clients, city) -> None:  # type: ignore[no-untyped-def]
    html = clients["city"].get(f"/enterprises/{city.codes[6]}").text
    assert "湖州示范建材有限公司7" in html
    assert "提出异议" not in html and "新增授权" not in html


def test_objection_filed_by_a_firm_reaches_the_city(clients, city) -> None:  # type: ignore[no-untyped-def]
    firm = clients["enterprise"]
    page = firm.get(f"/enterprises/{city.codes[0]}").text
    r = firm.post(f"/enterprises/{city.codes[0]}/objections", data={
        "csrf_token": csrf_of(page), "target": "mujun:2024", "subject": "用地面积有误（页面测试）",
        "content": "宗地 ZD-000 实际面积 36 亩。"}, files={"evidence": ("证明.txt", "土地证复印件".encode())},
        follow_redirects=False)
    assert r.status_code == 303 and "msg=objection_filed" in r.headers["location"]
    assert "用地面积有误（页面测试）" in firm.get(r.headers["location"]).text
    city_page = clients["city"].get("/mujun?year=2024").text
    assert "用地面积有误（页面测试）" in city_page and "证明.txt" in city_page
    oid = re.search(r'/mujun/objections/(\d+)/decide', city_page).group(1)
    r = clients["city"].post(f"/mujun/objections/{oid}/decide", data={
        "csrf_token": csrf_of(city_page), "decision": "rejected", "reason": "经核实面积无误"}, follow_redirects=False)
    assert r.status_code == 303
    assert "经核实面积无误" in firm.get(f"/enterprises/{city.codes[0]}").text
    # the objection and its decision are steps of the year's round
    steps = clients["city"].get("/mujun?year=2024").text
    assert "异议提交" in steps and "异议处理" in steps


def test_forms_without_csrf_are_refused(clients, city) -> None:  # type: ignore[no-untyped-def]
    r = clients["enterprise"].post(f"/enterprises/{city.codes[0]}/objections", data={
        "target": "carbon:2024", "subject": "x", "content": "y"})
    assert r.status_code == 403


def test_a_firm_cannot_file_for_another_firm(clients, city) -> None:  # type: ignore[no-untyped-def]
    page = clients["enterprise"].get(f"/enterprises/{city.codes[0]}").text
    r = clients["enterprise"].post(f"/enterprises/{city.codes[6]}/objections", data={
        "csrf_token": csrf_of(page), "target": "carbon:2024", "subject": "x", "content": "y"})
    assert r.status_code == 404


def test_bank_sees_a_firm_s_carbon_code_only_after_its_consent_and_never_its_profile(clients, city) -> None:  # type: ignore[no-untyped-def]
    code = city.codes[1]
    bank = clients["bank"]
    assert code not in bank.get("/carbon").text
    assert bank.get(f"/enterprises/{code}").status_code == 404
    from zhizao.store.accounts import NewUser, add_user
    from zhizao.store.db import session_scope

    with session_scope(city.settings) as s:
        add_user(s, NewUser("firm2bank", "enterprise", credit_code=code), tinycity.PASSWORD)
    firm = login(clients["city"].app, "firm2bank")
    page = firm.get(f"/enterprises/{code}").text
    r = firm.post(f"/enterprises/{code}/consents", data={"csrf_token": csrf_of(page), "bank": "bank1",
                                                        "valid_to": NEXT_YEAR}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=consent_granted#consents")
    assert code in bank.get("/carbon").text
    # the profile answers as the API does: a bank reads carbon codes, not firm profiles
    assert bank.get(f"/enterprises/{code}").status_code == 404
    assert bank.get(f"/api/enterprises/{code}").status_code == 404
    # revoking closes it again
    page = firm.get(f"/enterprises/{code}").text
    cid = re.search(rf"/enterprises/{code}/consents/(\d+)/revoke", page).group(1)
    firm.post(f"/enterprises/{code}/consents/{cid}/revoke", data={"csrf_token": csrf_of(page)})
    assert code not in bank.get("/carbon").text


def test_bank_and_auditor_reads_are_audited(clients, city) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from zhizao.store.db import session_scope
    from zhizao.store.models import AuditEntry

    def count(user: str) -> int:
        with session_scope(city.settings) as s:
            return int(s.scalar(select(func.count()).where(AuditEntry.username == user)) or 0)

    before = count("audit1")
    assert clients["auditor"].get(f"/enterprises/{city.codes[3]}").status_code == 200
    assert count("audit1") > before


def test_auditor_reads_but_cannot_change(clients, city) -> None:  # type: ignore[no-untyped-def]
    a = clients["auditor"]
    assert "上传文件" not in a.get("/imports").text
    run_page = a.get(f"/runs/{city.runs[('carbon-rerun', 2024)]}").text
    assert "发布此运行" not in run_page
    r = a.post(f"/runs/{city.runs[('carbon-rerun', 2024)]}/publish", data={"csrf_token": csrf_of(run_page)})
    assert r.status_code == 403


def test_upload_is_queued_and_its_job_page_shows_the_reject_report(clients, city, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zhizao.ingest import jobs

    c = clients["city"]
    page = c.get("/imports").text
    path = tinycity.bad_tax_file(tmp_path, city.codes)
    r = c.post("/imports", data={"csrf_token": csrf_of(page), "table": "tax", "source": "税务局"},
               files={"file": (path.name, path.read_bytes(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/imports/jobs/")
    waiting = c.get(r.headers["location"]).text
    assert "排队中" in waiting and 'http-equiv="refresh"' in waiting  # follows the job until it is done
    jobs.work(city.settings, once=True, kinds=("import",))  # what the import worker does with an upload
    html = c.get(r.headers["location"]).text
    assert "已完成" in html and "拒收报告" in html and 'http-equiv="refresh"' not in html
    for code in ("bad_credit_code", "unknown_enterprise", "bad_number"):
        assert code in html
    assert re.search(r"读取行数</div><div class=\"value\">5<", html)
    assert re.search(r"导入行数</div><div class=\"value\">2<", html)
    assert path.name in c.get("/imports").text  # listed among the upload jobs


def test_runs_list_detail_and_diff(clients, city) -> None:  # type: ignore[no-untyped-def]
    c = clients["city"]
    a, b = city.runs[("carbon", 2024)], city.runs[("carbon-rerun", 2024)]
    assert a in c.get("/runs").text
    detail = c.get(f"/runs/{b}").text
    assert "发布此运行" in detail and "复核重算" in detail
    diff = c.get(f"/runs/diff?a={a}&b={b}").text
    assert "两次运行的结果没有变动" in diff  # same inputs, same methodology: nobody moves
    assert c.get("/runs/diff?a=nope&b=" + b).status_code == 404


def test_carbon_filters_and_paging(clients, city) -> None:  # type: ignore[no-untyped-def]
    c = clients["city"]
    html = c.get(f"/carbon?region={tinycity.NANXUN}").text
    shown = [code for code in city.codes if code in html]
    assert shown and all(city.regions[city.codes.index(x)] == tinycity.NANXUN for x in shown)
    html = c.get("/carbon?grade=9").text
    assert "暂无数据" in html


def test_unknown_page_is_a_chinese_404(clients) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/runs/carbon-1999-0001")
    assert r.status_code == 404
    assert "页面不存在" in r.text or "未找到" in r.text


def test_mujun_rankings_by_track(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["city"].get("/mujun").text
    assert "规上企业" in html and "排名" in html
    assert "亩均税收" in html


def test_economy_page_shows_the_indicators_of_zhizao_indicators(clients, city) -> None:  # type: ignore[no-untyped-def]
    from zhizao.economy import catalogue, indicators

    html = clients["city"].get("/economy?y_from=2023&y_to=2024").text
    assert "工业经济运行" in html and "规上工业增加值" in html and "分区县比较" in html
    rows = indicators.rows(indicators.for_settings(city.settings, 2023, 2024))
    va = next(r for r in rows if r["id"] == "value_added" and r["year"] == 2024 and r["region"].endswith("00"))
    # the same figure, the same rounding; from 1 亿元 on it is shown in 亿元 with separators
    from zhizao.web import fmt

    shown, unit = fmt.money_parts(va["value"]) if va["value"] >= fmt.YI else (catalogue.formatted("value_added", va["value"]), "万元")
    assert f'{shown}<span class="unit">{unit}</span>' in html
    for chart in ("econ-va", "econ-shares", "econ-per_mu"):
        assert f'data-chart="{chart}"' in html


def test_district_economy_page_is_its_own_district(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["district"].get("/economy?y_from=2023&y_to=2024&region=330503").text
    assert "吴兴区" in html
    assert "分区县比较" not in html and "南浔区" not in html


def test_review_report_downloads(clients, city) -> None:  # type: ignore[no-untyped-def]
    from zhizao.ingest import jobs

    for fmt in ("html", "xlsx"):  # prepared by the worker (tests/economy/test_prepared_review.py)
        r = clients["city"].get(f"/economy/review?y_from=2023&y_to=2024&format={fmt}")
        assert r.status_code == 200 and ("正在生成报告…" in r.text or "规上工业" in r.text)
    jobs.work(city.settings, once=True, kinds=("economy.review",))
    r = clients["city"].get("/economy/review?y_from=2023&y_to=2024&format=html")
    assert r.status_code == 200 and "规上工业" in r.text
    r = clients["city"].get("/economy/review?y_from=2023&y_to=2024&format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert clients["city"].get("/economy/review?y_from=2023&y_to=2024&format=doc").status_code == 400
    assert clients["enterprise"].get("/economy/review?y_from=2023&y_to=2024").status_code == 403


def test_monitoring_lists_the_stalled_firm(clients, city) -> None:  # type: ignore[no-untyped-def]
    html = clients["city"].get("/monitoring?month=2024-12").text
    assert "预警企业清单" in html and "数据打架" in html
    stalled = city.codes[tinycity.STALLED]
    table = html[html.index('id="warning-table"'):html.index('id="consistency"')]
    assert stalled in table and "疑似停产" in table
    assert sum(code in table for code in city.codes) == 1
    assert clients["enterprise"].get("/monitoring").status_code == 403


def test_the_data_conflicts_of_every_published_year_are_prepared_for_each_scope(city) -> None:  # type: ignore[no-untyped-def]
    """Another year's month reads its year's 数据打架 list as prepared (0.25 s of a first visit
    when it was computed on the request); the warning list of the default month only."""
    from zhizao import prepared

    wanted = {(ref.rsplit(":", 1)[1], tuple(args)) for name, ref, args in prepared.defaults(city.settings)
              if name == "monitoring"}
    scopes = prepared.scopes(city.settings)
    assert tinycity.WUXING in scopes
    assert {("consistency_list", (y, None, r)) for y in tinycity.YEARS for r in scopes} <= wanted
    assert {a for f, a in wanted if f == "power_list"} == {(tinycity.YEARS[-1], 12, r) for r in scopes}


def test_every_room_s_warm_up_runs_on_the_city(city) -> None:  # type: ignore[no-untyped-def]
    """Each ``Room.warm_up`` runs through (a web process runs them and only logs a failure: a
    warm-up that broke would leave its pages' first visits slow, silently)."""
    from zhizao.rooms import contributions

    warmed = []
    for room, warm in contributions("warm_up"):
        warm(city.settings)
        warmed.append(room.name)
    assert {"mujun", "monitoring", "projects"} <= set(warmed)


def test_carbon_export_is_the_scope_of_the_user(clients, city, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    r = clients["district"].get("/carbon/export.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    path = tmp_path / "list.xlsx"
    path.write_bytes(r.content)
    wb = CalamineWorkbook.from_path(str(path))
    text = "\n".join(str(c) for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python() for c in row)
    for code, region, firm in zip(city.codes, city.regions, tinycity.FIRMS, strict=True):
        assert (code in text) == (region == tinycity.WUXING and firm[2]), code  # 规上 only


def test_mujun_notices_show_the_round_and_its_objection_window(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["district"].get("/mujun?year=2024").text
    assert "评价流程与公示" in html and "结果公示中" in html
    assert 'id="objection-window"' in html and "（7 天）" in html
    for step in ("数据冻结", "用地面积公示", "评价计算", "结果公示"):
        assert step in html
    assert 'action="/mujun/workflow"' not in html  # only the city takes steps


def test_final_publication_waits_for_the_objection_window(clients) -> None:  # type: ignore[no-untyped-def]
    page = clients["city"].get("/mujun?year=2024").text
    assert 'action="/mujun/workflow"' in page
    r = clients["city"].post("/mujun/workflow", data={"csrf_token": csrf_of(page), "year": 2024, "action": "publish"})
    assert r.status_code == 409
    assert "异议期" in r.text and "暂不能办理" in r.text


def test_land_notice_export_is_the_district_s_firms(clients, city, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    r = clients["district"].get("/mujun/land-notice.xlsx?year=2024")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    (tmp_path / "land.xlsx").write_bytes(r.content)
    wb = CalamineWorkbook.from_path(str(tmp_path / "land.xlsx"))
    text = "\n".join(str(c) for row in wb.get_sheet_by_index(0).to_python() for c in row)
    assert "用地面积公示" in text
    for code, region in zip(city.codes, city.regions, strict=True):
        assert (code in text) == (region == tinycity.WUXING), code


def test_malformed_query_is_a_chinese_400_page(clients) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/carbon?year=abc")
    assert r.status_code == 400
    assert "请求参数不正确" in r.text and '<html lang="zh-CN">' in r.text


def test_an_unexpected_error_is_a_chinese_500_page(app, clients, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from zhizao.web import pages_cockpit

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(pages_cockpit, "tiles", broken)
    c = TestClient(app, raise_server_exceptions=False, cookies=clients["city"].cookies)
    r = c.get("/")
    assert r.status_code == 500
    assert "系统错误" in r.text and "boom" not in r.text


def test_profile_still_shows_results_while_the_cli_writes_the_warehouse(clients, city) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    # a web read of this process holds the file read-only (the shared reader stays open) ...
    assert clients["city"].get(f"/enterprises/{city.codes[4]}").status_code == 200
    # ... and another process takes DuckDB's write lock as `zhizao import` does: it waits for that
    # reader to let go, then holds the lock
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from zhizao.engine.warehouse import connect; con = connect(sys.argv[1]); "
        "print('locked', flush=True); time.sleep(60)"),
        str(city.settings.warehouse_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = clients["city"].get(f"/enterprises/{city.codes[4]}")  # a 规上 firm: it has a carbon code
        assert r.status_code == 200
        assert "数据仓库正在更新" in r.text
        assert "carbon-tile" in r.text  # the published carbon code does not need the warehouse
    finally:
        holder.terminate()
        holder.wait(timeout=10)


def test_city_publishes_a_run_from_its_page(clients, city) -> None:  # type: ignore[no-untyped-def]
    c = clients["city"]
    rerun = city.runs[("carbon-rerun", 2024)]
    page = c.get(f"/runs/{rerun}").text
    r = c.post(f"/runs/{rerun}/publish", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/runs/{rerun}?msg=published"
    after = c.get(r.headers["location"]).text
    assert "评价结果已发布" in after and "已发布" in after and "发布此运行" not in after
    # the publication record names who published by the account's display name
    record = after[after.index("<h3>发布记录</h3>"):]
    assert "<span data-verbatim>市经信局分析员</span>" in record[:record.index("</ul>")]  # (not "city1")
    runs_page = c.get("/runs").text
    row = re.search(rf'<a href="/runs/{rerun}">.*?</tr>', runs_page, re.S)
    assert row and "已发布" in row.group(0)


def test_a_month_without_power_data_does_not_read_as_an_all_clear(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["city"].get("/monitoring?month=2030-05").text
    assert "2030年5月暂无用电数据" in html and "没有风险" in html
    assert "本月监测企业均未触发预警" not in html


def test_the_carbon_list_answers_every_role_of_one_scope_from_its_kept_figures(clients, city) -> None:  # type: ignore[no-untyped-def]
    """The list page keeps its HTML beside its prepared figures: the city's visit, then the
    auditor's (the same city-wide figures, its own page) and the city's again all answer (the
    auditor's was a 500: the kept page had landed among the figures spread into the context)."""
    pages = [clients[who].get("/carbon") for who in ("city", "auditor", "city", "auditor")]
    assert [r.status_code for r in pages] == [200, 200, 200, 200]
    assert all("工业碳效码" in r.text for r in pages)
