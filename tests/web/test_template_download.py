"""Import templates on the imports page: every contract table's template downloads as the CLI
writes it; firms and banks get none."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi.testclient import TestClient
from sheets import sheet_names, sheet_rows
from world import World

from zhizao.contract import TABLES
from zhizao.web.auth import SESSION_COOKIE


def browse(client: TestClient, world: World, who: str) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, world.tokens[who])


def test_the_imports_page_offers_every_table_s_template(client: TestClient, world: World) -> None:
    browse(client, world, "city")
    html = client.get("/imports").text
    block = html.split('id="templates"', 1)[1].split("</div>", 1)[0]
    for name, t in TABLES.items():
        assert f'href="/imports/templates/{name}.xlsx"' in block and t.title in block
    r = client.get("/imports/templates/land.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "用地导入模板.xlsx" in unquote(r.headers["content-disposition"])
    assert sheet_names(r.content)[:3] == ["数据", "填写示例", "说明"]
    assert sheet_rows(r.content)[0] == ["统一社会信用代码", "年度", "宗地编号", "用地面积（亩）", "权属"]


def test_templates_are_for_the_bureau_only(client: TestClient, world: World) -> None:
    browse(client, world, "city")
    assert client.get("/imports/templates/no_such.xlsx").status_code == 404
    browse(client, world, "district_a")
    assert client.get("/imports/templates/tax.xlsx").status_code == 200
    for who in ("firm_a0", "bank"):
        browse(client, world, who)
        assert client.get("/imports/templates/tax.xlsx").status_code == 403
