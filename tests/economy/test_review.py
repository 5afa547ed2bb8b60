"""The five-year review prints exactly the figures of ``zhizao indicators`` for the same span."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.economy import catalogue
from zhizao.economy.catalogue import CATALOGUE

runner = CliRunner()


def cli(settings, *args):
    res = runner.invoke(app, ["--home", str(settings.home), *args])
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def indicators_json(mini_city):
    return json.loads(cli(mini_city, "indicators", "--from", "2020", "--to", "2021", "--json").stdout)


def _lines_with(text: str, label: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip().startswith(label)]


def assert_report_matches(text: str, rows: list[dict], city: str) -> int:
    """Every city figure sits on its table row, in year order; returns how many were checked."""
    checked = 0
    for r in rows:
        if r["region"] != city:
            continue
        ind = CATALOGUE[r["id"]]
        value = catalogue.formatted(r["id"], r["value"])
        label = f"{ind.name}（2020–2021）" if ind.kind == "span" else ind.name
        lines = _lines_with(text, label)
        assert lines, f"{label} not in the report"
        pattern = re.compile(r"(?<![\d.])" + re.escape(value) + r"(?![\d.])")
        assert any(pattern.search(ln[len(label):]) for ln in lines), f"{label}: {value} not in {lines}"
        checked += 1
    return checked


def test_pdf_text_contains_the_indicator_figures(mini_city, indicators_json, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils missing")
    out = tmp_path / "review.pdf"
    cli(mini_city, "report", "review", "--from", "2020", "--to", "2021", "--format", "pdf", "--out", str(out))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "湖州市" in text and "规模质效迈上新台阶" in text
    assert assert_report_matches(text, indicators_json["indicators"], "330500") >= 20
    # the narrative quotes the same rounded figures
    growth = next(r for r in indicators_json["indicators"] if r["id"] == "value_added_growth" and r["region"] == "330500")
    assert f"比上年增长{catalogue.formatted('value_added_growth', growth['value'])}%" in text.replace("\n", "")


def test_html_and_xlsx_carry_the_same_figures(mini_city, indicators_json, tmp_path):
    from python_calamine import CalamineWorkbook

    html = tmp_path / "review.html"
    cli(mini_city, "report", "review", "--from", "2020", "--to", "2021", "--format", "html", "--out", str(html))
    page = html.read_text(encoding="utf-8")
    assert "<svg" in page and "指标口径说明" in page and "n = 1" in page
    xlsx = tmp_path / "review.xlsx"
    cli(mini_city, "report", "review", "--from", "2020", "--to", "2021", "--format", "xlsx", "--out", str(xlsx))
    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()
    header = next(i for i, row in enumerate(sheet) if row and row[0] == "地区代码")
    got = {(str(r[0]), r[2], int(r[4])): r[5] for r in sheet[header + 1:]}
    for r in indicators_json["indicators"]:
        assert got[(r["region"], r["id"], r["year"])] == pytest.approx(r["value"])


def test_review_needs_two_years(mini_city):
    res = runner.invoke(app, ["--home", str(mini_city.home), "report", "review", "--from", "2021", "--to", "2021"])
    assert res.exit_code != 0
    assert "至少两个年度" in res.output
