"""Importing firm_facts and titles: Chinese headers and names accepted; an unknown fact id, a
share above 100 %, a negative count and a title expiring before it was granted are rejected with
row, column, code and a Chinese message."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from zhizao.codes.credit_code import make
from zhizao.ingest import import_file
from zhizao.settings import Settings

FIRMS = [make("9", "1", "330502", f"MA7C8D9E{i}") for i in range(2)]


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def home(settings: Settings, tmp_path: Path) -> Settings:
    ent = write(tmp_path / "e.csv", ["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "成立日期"],
                [[FIRMS[0], "湖州培育甲有限公司", "330502", "3411", "2010-01-05"],
                 [FIRMS[1], "湖州培育乙有限公司", "330502", "3411", "2015-01-05"]])
    assert import_file(settings, "enterprises", ent).rows_loaded == 2
    return settings


def rejects(result) -> dict[int, tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {r.row: (r.column, r.code, r.message) for r in result.rejects}


def test_firm_facts_load_by_chinese_name_and_reject_bad_rows(home: Settings, tmp_path: Path):
    path = write(tmp_path / "facts.csv", ["统一社会信用代码", "年度", "指标", "数值"], [
        [FIRMS[0], 2024, "细分市场占有率", "12.5"],         # 2 loaded (Chinese name)
        [FIRMS[0], 2024, "class_i_ip", "3"],                # 3 loaded (id)
        [FIRMS[0], 2024, "年度利润率", "8"],                 # 4 unknown fact
        [FIRMS[1], 2024, "main_business_share", "100.5"],   # 5 share above 100 %
        [FIRMS[1], 2024, "rd_staff_share", "100"],          # 6 loaded (exactly 100 %)
        [FIRMS[1], 2024, "class_i_ip", "-1"],               # 7 negative count
        [FIRMS[1], 2024, "net_profit", "-120"],             # 8 loaded (a loss)
    ])
    r = import_file(home, "firm_facts", path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (7, 4, 3)
    bad = rejects(r)
    assert bad[4][:2] == ("指标", "unknown_code") and "年度利润率" in bad[4][2]
    assert bad[5][:2] == ("数值", "out_of_range") and "100.5" in bad[5][2] and "不得超过 100" in bad[5][2]
    assert bad[7][:2] == ("数值", "negative_value")


def test_titles_reject_expiry_before_grant(home: Settings, tmp_path: Path):
    path = write(tmp_path / "titles.csv", ["统一社会信用代码", "称号", "级别", "认定日期", "有效期至", "撤销日期"], [
        [FIRMS[0], "专精特新中小企业", "省级", "2023-07-01", "2026-06-30", ""],   # 2 loaded
        [FIRMS[0], "小巨人", "国家级", "2024-07-01", "2024-06-30", ""],           # 3 expires before granted
        [FIRMS[1], "单项冠军", "国家", "2022-01-01", "", "2021-12-31"],          # 4 revoked before granted
        [FIRMS[1], "五星企业", "省", "2022-01-01", "", ""],                      # 5 unknown title
        [FIRMS[1], "tech_centre", "provincial", "2020-05-01", "", ""],          # 6 loaded (no expiry)
    ])
    r = import_file(home, "titles", path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 2, 3)
    bad = rejects(r)
    assert bad[3][:2] == ("有效期至", "bad_period") and "2024-06-30" in bad[3][2]
    assert bad[4][:2] == ("撤销日期", "bad_period")
    assert bad[5][:2] == ("称号", "unknown_code")


def test_a_file_with_rejects_still_loads_its_good_rows_atomically(home: Settings, tmp_path: Path):
    import duckdb

    path = write(tmp_path / "t.csv", ["credit_code", "title", "level", "granted_on", "expires_on"], [
        [FIRMS[0], "tech_sme", "provincial", "2024-01-01", "2027-01-01"],
        [FIRMS[0], "tech_sme", "provincial", "2024-01-01", "2023-01-01"],
    ])
    r = import_file(home, "titles", path)
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    con = duckdb.connect(str(home.warehouse_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM titles").fetchone()[0] == 1
    finally:
        con.close()
