"""Writing small department files (CSV with Chinese headers) and importing them for real."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from zhizao.codes.credit_code import make
from zhizao.ingest.importer import ImportResult, import_file
from zhizao.settings import Settings

FIRM = make("9", "1", "330502", "MA0000001")
OTHER_FIRM = make("9", "1", "330503", "MA0000002")


def write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(["" if v is None else v for v in r] for r in rows)
    return path


def load(settings: Settings, tmp: Path, table: str, header: list[str], rows: list[list[Any]],
         name: str | None = None) -> ImportResult:
    return import_file(settings, table, write(tmp / (name or f"{table}.csv"), header, rows))


def firms(settings: Settings, tmp: Path) -> None:
    r = load(settings, tmp, "enterprises", ["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "成立日期"],
             [[FIRM, "甲制造有限公司", "330502", "3011", "2015-01-01"],
              [OTHER_FIRM, "乙科技有限公司", "330503", "3911", "2016-05-01"]])
    assert r.rows_rejected == 0, r.rejects


PROJECT_HEADER = ["项目编号", "项目名称", "统一社会信用代码", "行政区划代码", "行业代码", "项目类型", "计划总投资(万元)",
                  "用地面积(亩)", "责任单位", "代办员"]
MILESTONE_HEADER = ["项目编号", "节点", "计划日期", "实际日期"]
