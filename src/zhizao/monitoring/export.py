"""Spreadsheets of the monitoring lists, as the pages show them (the same filters): the month's
power-based warning list (用电预警名单) and the year's 数据打架 list (跨部门数据不一致清单)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhizao.contract.tables import source_label
from zhizao.reports.xlsx import Sheet, write_workbook

WARNING_COLUMNS: list[tuple[str, str, str | None]] = [
    ("warning_text", "预警类型", None), ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None),
    ("region_name", "区县", None), ("industry_name", "行业", None), ("kwh", "本月用电量（千瓦时）", "#,##0"),
    ("kwh_last_year", "上年同月用电量（千瓦时）", "#,##0"), ("index", "用电指数（上年同月=100）", "#,##0.0"),
    ("days_reported", "有数据天数（天）", "0"), ("days_expected", "本月天数（天）", "0"),
    ("longest_low_run", "最长连续低用电天数（天）", "0"), ("source", "数据来源", None),
]
#: checks whose deviation is a share (a relative difference or a tax rate); the rest are multiples
PERCENT_CHECKS = ("monthly_vs_annual", "energy_vs_power_daily", "tax_vs_revenue")
CONFLICT_COLUMNS: list[tuple[str, str, str | None]] = [
    ("check_name", "检查项", None), ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None),
    ("region_name", "区县", None), ("period", "期间", None),
    ("a_source", "来源一", None), ("a_value", "来源一数值", "#,##0.00"), ("a_batches", "来源一导入批次", None),
    ("b_source", "来源二", None), ("b_value", "来源二数值", "#,##0.00"), ("b_batches", "来源二导入批次", None),
    ("deviation_pct", "偏差（%）", "0.0%"), ("deviation_x", "偏差（倍）", "#,##0.00"), ("tolerance", "容差", None),
]


def write_warnings(path: str | Path, data: dict[str, Any], names: dict[str, Any], title: str,
                   notes: list[str]) -> Path:
    """``data``: :func:`zhizao.monitoring.lists.power_list`; ``names``: ``region``/``industry``
    code → name functions."""
    rows = []
    for f in data["firms"]:
        rows.append({**f, "region_name": names["region"](f.get("region_code")),
                     "industry_name": names["industry"](f.get("industry_code"))})
    return write_workbook(path, [Sheet("用电预警名单", WARNING_COLUMNS, rows, title=title, notes=notes)])


def write_conflicts(path: str | Path, checks: dict[str, Any], names: dict[str, Any], title: str,
                    notes: list[str]) -> Path:
    """``checks``: :func:`zhizao.monitoring.lists.consistency_list`."""
    rows = []
    for f in checks["failures"]:
        a, b = f["sources"]
        pct = f["check"] in PERCENT_CHECKS
        rows.append({
            "check_name": f["check_name"], "credit_code": f["credit_code"], "name": f.get("name"),
            "region_name": names["region"](f.get("region_code")), "period": f.get("period"),
            "a_source": source_label(a["table"], a["field"]), "a_value": a["value"],
            "a_batches": "、".join(str(x) for x in a["batches"]),
            "b_source": source_label(b["table"], b["field"]), "b_value": b["value"],
            "b_batches": "、".join(str(x) for x in b["batches"]),
            "deviation_pct": f["deviation"] if pct else None, "deviation_x": None if pct else f["deviation"],
            "tolerance": f["tolerance"],
        })
    return write_workbook(path, [Sheet("数据打架", CONFLICT_COLUMNS, rows, title=title, notes=notes)])
