"""The 亩均 results notice (结果公示) and the exports of the 亩均 results, the monitoring warnings
and the 数据打架 list: Chinese headers with units, the page's filters honoured, scoped by role."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
import tinycity
from fastapi.testclient import TestClient
from forms import logged_in
from sheets import sheet_names, sheet_rows, table_after

from zhizao.store import publish
from zhizao.store.db import session_scope


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tinycity.City:
    return tinycity.shared(tmp_path_factory)


@pytest.fixture(scope="module")
def clients(city: tinycity.City) -> dict[str, TestClient]:
    from zhizao.web.app import create_app

    app = create_app(city.settings)
    return {role: logged_in(app, username, tinycity.PASSWORD) for role, username in city.users.items()}


def mujun_rows(city: tinycity.City) -> list[dict]:
    with session_scope(city.settings) as s:
        return publish.list_published(s, "mujun", 2024, publish.Filters(), limit=1000)[1]


def test_the_notice_states_its_window_and_lists_every_classed_firm(clients, city) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/mujun/notice?year=2024")
    assert r.status_code == 200
    assert "关于 2024 年度工业企业亩均效益综合评价结果的公示" in r.text
    text = r.text.split('id="notice-text"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"公示期：<strong>\d{4}年\d{2}月\d{2}日 \d{2}:\d{2} 至 \d{4}年\d{2}月\d{2}日", text)
    assert "公示中" in text and "证明材料" in text
    table = r.text.split('id="notice-table"', 1)[1].split("</table>", 1)[0]
    classed = [x for x in mujun_rows(city) if x.get("class")]
    assert classed and all(x["name"] in table for x in classed)
    assert not any(code in table for code in city.codes)  # names, not codes


def test_a_district_sees_its_own_firms_in_the_notice(clients, city) -> None:  # type: ignore[no-untyped-def]
    table = clients["district"].get("/mujun/notice?year=2024").text.split('id="notice-table"', 1)[1]
    for x in mujun_rows(city):
        if x.get("class"):
            assert (x["name"] in table) == (x["region_code"] == tinycity.WUXING), x["name"]


def test_a_firm_reads_the_notice_and_only_its_own_line(clients, city) -> None:  # type: ignore[no-untyped-def]
    html = clients["enterprise"].get("/mujun/notice?year=2024").text
    table = html.split('id="notice-table"', 1)[1].split("</table>", 1)[0]
    names = [x["name"] for x in mujun_rows(city) if x.get("class")]
    own = [x["name"] for x in mujun_rows(city) if x["credit_code"] == city.codes[0]]
    assert [n for n in names if n in table] == own
    assert f"/enterprises/{city.codes[0]}#objections" in html
    assert clients["bank"].get("/mujun/notice").status_code == 403


def test_the_mujun_export_honours_the_filters(clients, city) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/mujun/export.xlsx", params={"year": 2024, "region": tinycity.NANXUN})
    assert r.status_code == 200
    assert "亩均效益评价结果-南浔区" in unquote(r.headers["content-disposition"])
    first = sheet_names(r.content)[0]
    header, body = table_after(sheet_rows(r.content, first), "行政区划代码")
    assert "区县" in header and "亩均税收（万元/亩）" in header and "综合得分" in header
    assert any(h.endswith("（%）") for h in header)  # the R&D share as a percentage
    assert body and {row[1] for row in body} == {"南浔区"}
    only_a = clients["city"].get("/mujun/export.xlsx", params={"year": 2024, "cls": "A"})
    classes = {row[header.index("分类")] for s in sheet_names(only_a.content) if s != "分类汇总"
               for row in table_after(sheet_rows(only_a.content, s), "行政区划代码")[1]}
    assert classes <= {"A"}
    district = clients["district"].get("/mujun/export.xlsx", params={"year": 2024, "region": tinycity.NANXUN})
    _, rows = table_after(sheet_rows(district.content, first), "行政区划代码")
    assert {row[1] for row in rows} <= {"吴兴区"}  # a district's export is its own, whatever is asked
    assert clients["enterprise"].get("/mujun/export.xlsx").status_code == 403


def test_the_warning_export_is_the_page_s_list(clients, city) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/monitoring/warnings.xlsx", params={"month": "2024-11"})
    assert r.status_code == 200
    header, body = table_after(sheet_rows(r.content), "预警类型")
    assert header[:3] == ["预警类型", "统一社会信用代码", "企业名称"]
    assert "本月用电量（千瓦时）" in header and "用电指数（上年同月=100）" in header
    stalled = city.codes[tinycity.STALLED]
    assert any(row[1] == stalled for row in body)
    assert all(row[0] in ("数据缺失", "疑似停产", "用电骤降", "用电激增") for row in body)
    nanxun = clients["city"].get("/monitoring/warnings.xlsx", params={"month": "2024-11", "region": tinycity.NANXUN})
    assert all(row[1] != stalled for row in table_after(sheet_rows(nanxun.content), "预警类型")[1])


def test_the_conflict_export_names_sources_in_chinese(clients, city) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/monitoring/conflicts.xlsx", params={"month": "2024-12"})
    assert r.status_code == 200
    header, body = table_after(sheet_rows(r.content), "检查项")
    assert "来源一" in header and "偏差（%）" in header and "容差" in header
    text = "\n".join(str(c) for row in body for c in row)
    assert "statistics_annual" not in text and "." not in "".join(str(row[header.index("来源一")]) for row in body)
    assert clients["enterprise"].get("/monitoring/conflicts.xlsx").status_code == 403


def _numbers(column: list) -> list[float]:  # type: ignore[type-arg]
    return [float(str(x).replace(",", "")) for x in column if x not in (None, "", "—")]


def test_the_mujun_export_keeps_the_page_s_sort(clients, city) -> None:  # type: ignore[no-untyped-def]
    # the 亩均 page sorted by score (highest first): the export lists the track in that order
    r = clients["city"].get("/mujun/export.xlsx", params={"year": 2024, "track": "above_scale", "sort": "-score"})
    first = sheet_names(r.content)[0]
    header, body = table_after(sheet_rows(r.content, first), "行政区划代码")
    scores = _numbers([row[header.index("综合得分")] for row in body])
    assert len(scores) >= 3 and scores == sorted(scores, reverse=True)
    ranked = clients["city"].get("/mujun/export.xlsx", params={"year": 2024, "track": "above_scale"})
    h2, b2 = table_after(sheet_rows(ranked.content, first), "行政区划代码")
    keys = [(str(row[h2.index("行政区划代码")]), int(row[h2.index("排名")])) for row in b2
            if row[h2.index("排名")] not in (None, "")]
    assert len(keys) >= 3 and keys == sorted(keys)  # unsorted page: ranked within each district
