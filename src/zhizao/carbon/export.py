"""The carbon-efficiency grade list as an Excel workbook, by district and industry.

Sheets: ``汇总`` (counts by grade and level per district), ``按行业`` (counts by grade per
GB/T 4754 division), then one sheet per district listing its firms by industry and grade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from zhizao.carbon.method import CONTRACT_FIELDS
from zhizao.reports.xlsx import Sheet, write_workbook

_LIST_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("credit_code", "统一社会信用代码", None),
    ("name", "企业名称", None),
    ("industry_code", "行业代码", None),
    ("industry_name", "行业名称", None),
    ("value_added", "工业增加值(万元)", "#,##0.00"),
    ("emissions_t", "碳排放总量(tCO2)", "#,##0.00"),
    ("net_emissions_t", "净排放量(tCO2)", "#,##0.00"),
    ("intensity", "碳排放强度(tCO2/万元)", "0.0000"),
    ("benchmark_code", "对标行业", None),
    ("benchmark_intensity", "行业基准强度(tCO2/万元)", "0.0000"),
    ("k_value", "碳效值K", "0.0000"),
    ("level", "碳效水平", None),
    ("grade", "碳效等级", "0"),
    ("label", "碳效标识", None),
    ("colour", "颜色", None),
    ("neutrality_rate", "碳中和率", "0.00%"),
    ("status_zh", "评价状态", None),
    ("reason", "未评级原因", None),
)
GRADES = (1, 2, 3, 4, 5)
LEVELS = ("低碳", "中碳", "高碳")


def _region_name(code: str) -> str:
    try:
        from zhizao.codes.regions import name
    except ImportError:  # the code tables are optional for a bare export
        return code
    return name(code) or code


def _industry_name(code: str) -> str:
    try:
        from zhizao.codes.industries import name
    except ImportError:
        return ""
    return name(code) or ""


def _counts(df: pd.DataFrame) -> dict[str, Any]:
    graded = df[df["status"] == "graded"]
    out: dict[str, Any] = {"firms": len(df), "graded": len(graded), "ungraded": len(df) - len(graded)}
    for g in GRADES:
        out[f"grade_{g}"] = int((graded["grade"] == g).sum())
    for i, lv in enumerate(LEVELS):
        out[f"level_{i}"] = int((graded["level"] == lv).sum())
    return out


def write_grade_list(run_table: pa.Table, path: str | Path, title: str | None = None,
                     notes: list[str] | None = None, order: tuple[str, bool] | None = None) -> dict[str, Any]:
    """Write the workbook; returns ``{firms, sheets, districts}``. ``order`` (column, descending):
    the order of each district's list (the web list's sort), else by industry and grade."""
    missing = [c for c in CONTRACT_FIELDS if c not in run_table.column_names]
    if missing:
        raise ValueError(f"结果缺少字段: {', '.join(missing)}")
    df = run_table.to_pandas()
    if "month" in df.columns:
        raise ValueError("月度累计结果不能导出为年度等级清单")
    df["division"] = df["industry_code"].str[:2]
    df["industry_name"] = [_industry_name(c) for c in df["industry_code"]]
    df["status_zh"] = df["status"].map({"graded": "已评级", "ungraded": "未评级"})
    df["grade"] = df["grade"].astype("Int64")
    if order is not None and order[0] in df.columns:
        df = df.sort_values([order[0], "credit_code"], ascending=[not order[1], True], na_position="last",
                            kind="mergesort")
    else:
        df = df.sort_values(["region_code", "industry_code", "grade", "credit_code"], na_position="last",
                            kind="mergesort")
    count_cols: list[tuple[str, str, str | None]] = [
        ("firms", "企业数", "0"), ("graded", "已评级", "0"),
        *((f"grade_{g}", f"{g}级", "0") for g in GRADES),
        *((f"level_{i}", lv, "0") for i, lv in enumerate(LEVELS)),
        ("ungraded", "未评级", "0"),
    ]
    districts = []
    for code, part in df.groupby("region_code", sort=True):
        districts.append({"region_code": code, "region_name": _region_name(str(code)), **_counts(part)})
    districts.append({"region_code": "合计", "region_name": "", **_counts(df)})
    industries = []
    for code, part in df.groupby("division", sort=True):
        industries.append({"division": code, "division_name": _industry_name(str(code)), **_counts(part)})
    sheets = [
        Sheet("汇总", [("region_code", "区县代码", None), ("region_name", "区县名称", None), *count_cols], districts,
              title=title or "工业碳效等级清单", notes=list(notes or [])),
        Sheet("按行业", [("division", "行业大类代码", None), ("division_name", "行业大类名称", None), *count_cols],
              industries, title="按行业大类统计"),
    ]
    for code, part in df.groupby("region_code", sort=True):
        name = _region_name(str(code))
        rows = [{k: (None if pd.isna(v) else (int(v) if k == "grade" else v)) for k, v in r.items()}
                for r in part.to_dict("records")]
        sheets.append(Sheet(name if name != code else str(code), list(_LIST_COLUMNS), rows,
                            title=f"{name}（{code}）碳效等级清单"))
    write_workbook(path, sheets)
    return {"firms": len(df), "sheets": len(sheets), "districts": len(districts) - 1}
