"""The 星级绿色工厂 list as a bureau reads it: sorted over the whole result in the query (not
only the page shown), the order and the firm filter kept by the export, scoped by role."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from forms import logged_in
from sheets import sheet_rows, table_after
from tests.greenfactory.test_cli import import_city, vcode
from typer.testing import CliRunner

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TestClient]:
    from world import add_user_fast

    from zhizao.cli import app
    from zhizao.settings import load_settings
    from zhizao.store.accounts import hash_password
    from zhizao.store.db import init_store, session_scope
    from zhizao.web.app import create_app

    tmp = tmp_path_factory.mktemp("green-pages")
    s = load_settings(tmp / "home").ensure()
    init_store(s)
    import_city(s, Path(tmp))
    runner = CliRunner()
    res = runner.invoke(app, ["--home", str(s.home), "evaluate", "greenfactory", "--year", "2024", "--json"])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["--home", str(s.home), "publish", json.loads(res.stdout)["run_id"]]).exit_code == 0
    with session_scope(s) as db:
        pw = hash_password(PASSWORD)
        add_user_fast(db, "city", "city", password_hash=pw)
        add_user_fast(db, "dist", "district", password_hash=pw, region_code="330502")  # every firm's district
    app = create_app(s)
    return {u: logged_in(app, u, PASSWORD) for u in ("city", "dist")}


def _codes(html: str) -> list[str]:
    return re.findall(r'href="/enterprises/([0-9A-Z]{18})#greenfactory"', html)


def _scores(html: str) -> list[float]:
    body = html.split('id="green-table"', 1)[1].split("</table>", 1)[0]
    return [float(x.replace(",", "")) for x in re.findall(r'<td class="num">([0-9,.]+)</td>', body)]


def test_the_list_sorts_the_whole_result_and_keeps_the_sort_in_links(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["city"].get("/greenfactory", params={"year": 2024, "sort": "-score"}).text
    scores = _scores(html)
    assert len(scores) >= 7 and scores == sorted(scores, reverse=True)
    assert 'aria-sort="descending"' in html and "sort=-score" in html.split("导出评价结果")[0]
    up = _scores(clients["city"].get("/greenfactory", params={"year": 2024, "sort": "score"}).text)
    assert up == sorted(up)


def test_the_export_keeps_the_page_s_order_and_firm_filter(clients) -> None:  # type: ignore[no-untyped-def]
    r = clients["city"].get("/greenfactory/export.xlsx", params={"year": 2024, "sort": "-score"})
    assert r.status_code == 200
    header, body = table_after(sheet_rows(r.content), "统一社会信用代码")
    col = next(i for i, h in enumerate(header) if "得分" in str(h))
    scores = [float(x) for x in (row[col] for row in body) if x not in (None, "")]
    assert len(scores) >= 7 and scores == sorted(scores, reverse=True)
    one = clients["city"].get("/greenfactory/export.xlsx", params={"year": 2024, "q": vcode(4)})
    _, rows = table_after(sheet_rows(one.content), "统一社会信用代码")
    assert [row[0] for row in rows] == [vcode(4)]


def test_a_district_lists_its_own_firms_whatever_it_asks(clients) -> None:  # type: ignore[no-untyped-def]
    html = clients["dist"].get("/greenfactory", params={"year": 2024, "region": "330503", "sort": "name"}).text
    assert len(_codes(html)) == 8  # its own district's firms, not the one it asked for
    assert "region=330502" in html.split("导出评价结果")[0] and "region=330503" not in html


def test_the_cockpit_tile_chart_says_what_it_shows(clients) -> None:  # type: ignore[no-untyped-def]
    """The star-rated factories' pie on the cockpit carries a title as every other chart does."""
    html = clients["city"].get("/").text
    titles = {m.group(1): json.loads(m.group(2)).get("title", {}).get("text")
              for m in re.finditer(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)}
    assert "2024年 绿色工厂星级分布" in titles.values(), titles
    assert all(titles.values()), titles
