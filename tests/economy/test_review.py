"""The five-year review prints exactly the figures of ``zhizao indicators`` for the same span,
and reads as an official text (亿元, 增长/下降, notes in the 说明, charts without exponents, the
demo mark on every page, one CJK font)."""

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


#: a row printed in a larger unit: the indicator's unit → (printed unit, divisor)
LARGER = {"万元": ("亿元", 1e4), "吨": ("万吨", 1e4), "吨标准煤": ("万吨标准煤", 1e4)}


def assert_report_matches(text: str, rows: list[dict], city: str) -> int:
    """Every city figure sits on its table row, in year order (a 亿元 row: the 万元 figure ÷ 10⁴
    with one decimal); returns how many were checked."""
    checked = 0
    for r in rows:
        if r["region"] != city:
            continue
        ind = CATALOGUE[r["id"]]
        label = f"{ind.name}（2020–2021）" if ind.kind == "span" else ind.name
        lines = _lines_with(text, label)
        assert lines, f"{label} not in the report"
        for ln in lines:
            rest = ln[len(label):]
            big = LARGER.get(ind.unit)
            if big and rest.split() and rest.split()[0] == big[0]:
                value = f"{r['value'] / big[1]:.1f}"
            else:
                value = catalogue.formatted(r["id"], r["value"])
            pattern = re.compile(r"(?<![\d.])" + re.escape(value) + r"(?![\d.])")
            if pattern.search(rest):
                break
        else:
            raise AssertionError(f"{label}: {r['value']} not in {lines}")
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
    assert "<svg" in page and "说明" in page and "n = 1" in page
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


@pytest.fixture(scope="module")
def big_review(big_city):
    from zhizao.economy import review

    return review.build(big_city, 2020, 2021, demo=True)


def _body(html: str) -> str:
    """The report before its 说明 (where working notes belong)."""
    return html[:html.index('<section class="explanation">')]


def test_review_html_reads_as_an_official_text(big_review):
    from zhizao.economy import review

    html = review.render_html(big_review)
    body = _body(html)
    text = re.sub(r"<[^>]+>", "", body)
    # money in 亿元 with one decimal: 1520 万元 × 10⁴ = 1520.0 亿元; tax per mu stays 万元/亩
    assert "规上工业总产值1520.0亿元" in text and "规上工业增加值380.0亿元" in text
    assert re.search(r"\d{5,}万元", text) is None  # no raw 万元 amounts of 1 亿 or more
    # 增长 / 下降 wording in the text, never a signed change or a reading hint (tables may sign)
    paras = "".join(re.findall(r"<p>(.*?)</p>", body))
    assert paras and "变动" not in paras and "（正数为提升）" not in html and "-" not in paras
    assert "较2020年下降" in text and "比上年增长6.7%" in text
    assert re.search(r"(提高|下降)\d+\.\d个百分点", text)
    # working notes only in the 说明
    assert "n = " not in body and "n=" not in body and "同口径企业" not in body
    assert "n = 1" in html[len(body):]
    # charts: Chinese units and years, no scientific notation anywhere
    assert "e+" not in html and "E+" not in html
    assert "单位：亿元" in html and "2021年" in body
    # 亩均 on the 规上 basis, stated; the classification names its list
    assert "规上工业企业亩均税收" in text
    assert "高技术制造业" in text and "高新技术产业" not in text
    assert "《高技术产业（制造业）分类（2017）》" in html[len(body):]
    # intensities at comparable prices with one set of factors, stated
    assert "按可比价、统一排放因子计算" in text and "统一取2020年" in html[len(body):]
    # the province's figure: 6.7 against 5.9, third of the province
    assert "比上年增长6.7%，高于全省平均0.8个百分点，居全省第3位" in text
    # the demo mark: title, banner (fixed: on every screen) and the PDF's page header
    assert "【演示数据】" in html and 'class="demo-banner"' in html and "@top-center" in html
    assert "湖州市（演示数据）" in text


def test_review_pdf_is_marked_demo_on_every_page_and_uses_one_font(big_review, tmp_path):
    from zhizao.economy import review

    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils missing")
    out = review.write(big_review, "pdf", tmp_path / "review.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    pages = [pg for pg in text.split("\f") if pg.strip()]
    assert len(pages) >= 3
    assert all("演示数据" in pg for pg in pages)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    names = {ln.split()[0].split("+", 1)[-1] for ln in fonts.splitlines()[2:] if ln.strip()}
    assert names and all(n.startswith("Noto-Sans-CJK-SC") for n in names), names


def test_a_real_city_report_has_no_demo_mark(mini_city):
    from zhizao.economy import review

    rep = review.build(mini_city, 2020, 2021)
    assert not rep.demo
    html = review.render_html(rep)
    assert "演示数据" not in html and "demo-banner" not in html
    assert "全省平均" not in html  # no province rows, no comparison


def test_big_city_report_figures_equal_zhizao_indicators(big_city, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils missing")
    rows = json.loads(cli(big_city, "indicators", "--from", "2020", "--to", "2021", "--json").stdout)["indicators"]
    out = tmp_path / "review.pdf"
    cli(big_city, "report", "review", "--from", "2020", "--to", "2021", "--format", "pdf", "--out", str(out))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "亿元" in text
    assert assert_report_matches(text, rows, "330500") >= 20
