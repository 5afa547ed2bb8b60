"""The 数据打架 spreadsheet names both sources as departments read them, with units, shares as
percentages and multiples as multiples."""

from __future__ import annotations

from pathlib import Path

from sheets import sheet_rows, table_after

from zhizao.contract.tables import source_label
from zhizao.monitoring.export import write_conflicts

NAMES = {"region": lambda c: {"330502": "吴兴区"}.get(c, c), "industry": lambda c: c}


def failure(check: str, a: tuple[str, str, float], b: tuple[str, str, float], dev: float) -> dict:
    return {"check": check, "check_name": {"tax_vs_revenue": "税收与营业收入", "power_vs_output": "用电与产值"}[check],
            "credit_code": "91330502MA2B0001X6", "name": "湖州示范纺织有限公司1", "region_code": "330502",
            "period": "2024", "deviation": dev, "tolerance": "容差说明",
            "sources": [{"table": a[0], "field": a[1], "value": a[2], "batches": [3]},
                        {"table": b[0], "field": b[1], "value": b[2], "batches": [5, 7]}]}


def test_sources_read_as_departments_name_them() -> None:
    assert source_label("statistics_annual", "revenue") == "统计年报·营业收入（万元）"
    assert source_label("tax", "tax_paid") == "税收·实缴税金（万元）"
    assert source_label("power_daily", "kwh") == "日用电量·用电量（千瓦时）"


def test_the_sheet_has_chinese_sources_percentages_and_multiples(tmp_path: Path) -> None:
    checks = {"failures": [
        failure("tax_vs_revenue", ("tax", "tax_paid", 950.0), ("statistics_annual", "revenue", 5000.0), 0.19),
        failure("power_vs_output", ("energy", "quantity", 2_500_000.0), ("statistics_annual", "gross_output", 800.0),
                6.4),
    ]}
    path = write_conflicts(tmp_path / "c.xlsx", checks, NAMES, "2024年 跨部门数据不一致清单（全市）", [])
    header, body = table_after(sheet_rows(path.read_bytes()), "检查项")
    row = dict(zip(header, body[0], strict=False))
    assert row["来源一"] == "税收·实缴税金（万元）" and row["来源二"] == "统计年报·营业收入（万元）"
    assert row["区县"] == "吴兴区" and row["来源二导入批次"] == "5、7"
    assert row["偏差（%）"] == 0.19 and row["偏差（倍）"] in ("", None)
    row2 = dict(zip(header, body[1], strict=False))
    assert row2["偏差（倍）"] == 6.4 and row2["偏差（%）"] in ("", None)
    assert row2["来源一"] == "能源消费·消费量（千瓦时）"
