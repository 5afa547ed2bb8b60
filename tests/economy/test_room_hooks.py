"""The economy iterates the rooms' ``indicators`` and ``review_section`` hooks: a room's rows are
in ``zhizao indicators`` (and its API) after the economy's, its sections in the five-year review.

The room here is declared by the test (the way a room's ``room.py`` declares it) and added to
the registry's rooms for the test's duration; its hooks read the warehouse like a room would.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from zhizao import rooms
from zhizao.cli import app

runner = CliRunner()


def firm_counts(settings, y_from: int, y_to: int, region: str | None) -> list[dict]:
    """A room's indicator: the enterprises on the register per district (counted in SQL)."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("SELECT region_code, count(*) FROM enterprises GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    return [{"id": "testroom_firms", "name": "登记企业数", "region": r, "year": y_to, "value": int(n),
             "unit": "家", "basis": "企业名录", "digits": 0}
            for r, n in rows if region in (None, r)]


def review_section(settings, y_from: int, y_to: int, region: str) -> list[dict]:
    n = sum(r["value"] for r in firm_counts(settings, y_from, y_to, None))
    return [{"title": "测试章节：企业名录", "paras": [f"{y_to}年名录内企业{n}家。"],
             "table": {"head": ["指标", "数值"], "rows": [["登记企业数", str(n)]]}}]


def bad_rows(settings, y_from: int, y_to: int, region: str | None) -> list[dict]:
    return [{"id": "testroom_bad", "value": 1}]


@pytest.fixture
def with_room(monkeypatch):
    def add(**hooks: str) -> None:
        room = rooms.Room(name="testroom", title="测试功能", **hooks)
        real = rooms.all_rooms()
        monkeypatch.setattr(rooms, "all_rooms", lambda: (*real, room))
    return add


def test_a_room_s_indicator_rows_follow_the_economy_s(mini_city, with_room):
    with_room(indicators=f"{__name__}:firm_counts")
    res = runner.invoke(app, ["--home", str(mini_city.home), "indicators", "--from", "2020", "--to", "2021", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["indicators"]
    mine = [r for r in rows if r["id"] == "testroom_firms"]
    assert mine and rows[-len(mine):] == mine
    assert sum(r["value"] for r in mine) == sum(r["value"] for r in firm_counts(mini_city, 2020, 2021, None))
    table = runner.invoke(app, ["--home", str(mini_city.home), "indicators", "--from", "2020", "--to", "2021"])
    assert table.exit_code == 0 and "登记企业数" in table.stdout


def test_a_room_s_row_without_the_row_fields_is_refused_by_name(mini_city, with_room):
    with_room(indicators=f"{__name__}:bad_rows")
    res = runner.invoke(app, ["--home", str(mini_city.home), "indicators", "--from", "2020", "--to", "2021"])
    assert res.exit_code != 0
    assert "testroom" in str(res.exception) and "name" in str(res.exception)


def test_a_room_s_review_section_is_in_the_report(mini_city, with_room, tmp_path):
    with_room(review_section=f"{__name__}:review_section")
    out = tmp_path / "review.html"
    res = runner.invoke(app, ["--home", str(mini_city.home), "report", "review", "--from", "2020", "--to", "2021",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    n = sum(r["value"] for r in firm_counts(mini_city, 2020, 2021, None))
    assert "测试章节：企业名录" in html and f"2021年名录内企业{n}家。" in html
    # after the economy's own sections
    assert html.index("规模质效迈上新台阶") < html.index("测试章节：企业名录")
