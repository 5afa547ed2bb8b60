"""Helpers of the importer tests: five firms and a writer of real CSV files."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from zhizao.codes.credit_code import make

#: five valid credit codes, one per Huzhou county
FIRMS = [make("9", "1", region, f"MA2B3C4D{i}") for i, region in
         enumerate(("330502", "330503", "330521", "330522", "330523"))]
#: a valid credit code that is never imported into enterprises
STRANGER = make("9", "1", "330502", "MA9Y9X9W8")

ENTERPRISE_HEADER = ["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "成立日期"]
ENTERPRISE_ROWS = [
    [FIRMS[0], "湖州甲家具有限公司", "330502", "2110", "2010-01-05"],
    [FIRMS[1], "南浔乙纺织有限公司", "330503", "1713", "2012/3/1"],
    [FIRMS[2], "德清丙新材料有限公司", "330521", "3021", "20150301"],
    [FIRMS[3], "长兴丁电池有限公司", "330522", "3841", "2016-06-30"],
    [FIRMS[4], "安吉戊装备有限公司", "330523", "3411", "2018-09-09"],
]

Writer = Callable[..., Path]


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path
