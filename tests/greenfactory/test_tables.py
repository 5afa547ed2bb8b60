"""The green-factory exchange tables: Chinese headers, indicator codes from the methodology,
percentages above 100 and negative values rejected with the row and column named."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ingest_helpers import ENTERPRISE_HEADER, ENTERPRISE_ROWS, FIRMS, STRANGER

from zhizao.contract import TABLES
from zhizao.ingest import import_file
from zhizao.methodology import find
from zhizao.settings import Settings


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def home(settings: Settings, tmp_path: Path) -> Settings:
    r = import_file(settings, "enterprises", _csv(tmp_path / "e.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS))
    assert r.rows_loaded == 5
    return settings


def test_indicator_codes_are_every_shipped_methodologys_ids():
    codes = TABLES["green_indicators"].column("indicator").values
    for ref in ("gbt-36132@2018", "gbt-36132@2025"):
        for ind in find(ref, "greenfactory").indicators:
            assert ind.id in codes and ind.title in codes[ind.id]
    reqs = TABLES["green_requirements"].column("requirement").values
    assert "discharge_permit" in reqs and "not_dishonest_debtor" in reqs


def test_green_indicators_rows_loaded_or_rejected_with_row_column_and_code(home, tmp_path):
    header = ["统一社会信用代码", "年度", "指标", "数值", "佐证材料"]
    rows = [
        [FIRMS[0], 2025, "water_reuse_rate", "92.5", ""],               # 2 loaded (code)
        [FIRMS[0], 2025, "工业用水重复利用率", "93", ""],                 # 3 duplicate of row 2 (by title)
        [FIRMS[1], 2025, "一般工业固体废物综合利用率", "100", "台账"],     # 4 loaded: 100 % is allowed
        [FIRMS[1], 2025, "water_reuse_rate", "104.2", ""],              # 5 out_of_range (percentage > 100)
        [FIRMS[2], 2025, "water_intensity", "-3", ""],                  # 6 negative_value (intensity)
        [FIRMS[2], 2025, "happiness_index", "7", ""],                   # 7 unknown_code
        [FIRMS[3], 2025, "plot_ratio", "1.8", ""],                      # 8 loaded: no bound on a ratio
        [FIRMS[3], 2025, "energy_per_output", "1,250", ""],             # 9 loaded: 1,250 kgce/万元 (not a %)
        [STRANGER, 2025, "plot_ratio", "1.2", ""],                      # 10 unknown_enterprise
        [FIRMS[4], 2025, "material_saving", "1", "节材方案"],            # 11 loaded
    ]
    r = import_file(home, "green_indicators", _csv(tmp_path / "gi.csv", header, rows))
    assert r.rows_read == r.rows_loaded + r.rows_rejected == 10
    assert r.rows_loaded == 5
    got = {(x["row"], x["column"], x["code"]) for x in r.to_dict()["rejects"]}
    assert got == {(3, "统一社会信用代码、年度、指标", "duplicate_key"), (5, "数值", "out_of_range"),
                   (6, "数值", "negative_value"), (7, "指标", "unknown_code"),
                   (10, "统一社会信用代码", "unknown_enterprise")}
    msg = {x["row"]: x["message"] for x in r.to_dict()["rejects"]}
    assert msg[5] == "“数值”的值“104.2”超出范围（工业用水重复利用率不得超过 100）"
    assert "无法识别" in msg[7] and "工业用水重复利用率" in msg[7]


def test_green_requirements_booleans(home, tmp_path):
    header = ["统一社会信用代码", "年度", "基本要求", "是否满足"]
    rows = [[FIRMS[0], 2025, "排污许可", "是"], [FIRMS[0], 2025, "依法取得排污许可", "否"],
            [FIRMS[1], 2025, "失信被执行人", "否"], [FIRMS[1], 2025, "not_dishonest_debtor", "也许"]]
    r = import_file(home, "green_requirements", _csv(tmp_path / "gr.csv", header, rows))
    codes = sorted((x["row"], x["code"]) for x in r.to_dict()["rejects"])
    # 排污许可 is not a spelling (the title is 依法取得排污许可); 失信被执行人 neither
    assert codes == [(2, "unknown_code"), (4, "unknown_code"), (5, "unknown_code")]
    assert r.rows_loaded == 1
