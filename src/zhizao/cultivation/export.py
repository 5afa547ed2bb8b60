"""Excel lists of a tier screening: qualifiers, near misses, next candidates, expiring titles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhizao.criteria import OUTCOME_TEXT, RESULT_TEXT
from zhizao.reports.xlsx import Sheet, write_workbook

FIRM_COLS = [("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_code", "行政区划代码", None)]


def _flat(rows: list[dict[str, Any]], with_failing: bool = False) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        item = {k: r.get(k) for k in ("credit_code", "name", "region_code", "unmet_count", "gap_score")}
        item["outcome"] = RESULT_TEXT.get(r["outcome"], r["outcome"])
        if with_failing:
            item["failing"] = "；".join(
                f"{c['label']}（{OUTCOME_TEXT[c['outcome']]}"
                + (f"，差 {c['gap']:,.2f}{c['unit']}" if c.get("gap") is not None else "") + "）"
                for c in r.get("failing", []))
        out.append(item)
    return out


def write_lists(path: Path, title: str, qualifiers: list[dict[str, Any]], near: list[dict[str, Any]],
                candidates: list[dict[str, Any]], expiring: list[dict[str, Any]], notes: list[str]) -> Path:
    outcome = [("outcome", "认定结果", None)]
    miss = [("unmet_count", "未达标条件数", "0"), ("gap_score", "差距指数", "0.000"), ("failing", "未达标或缺数据的条件", None)]
    sheets = [
        Sheet("符合条件", [*FIRM_COLS, *outcome], _flat(qualifiers), title=f"{title}：符合条件企业", notes=notes),
        Sheet("差一点", [*FIRM_COLS, *outcome, *miss], _flat(near, True), title=f"{title}：接近达标企业（按未达标条件数、差距排序）",
              notes=notes),
        Sheet("后备梯队", [*FIRM_COLS, *outcome, *miss], _flat(candidates, True),
              title=f"{title}：已获下一层级称号的后备企业", notes=notes),
        Sheet("称号到期", [*FIRM_COLS, ("title_name", "称号", None), ("level_name", "级别", None),
                          ("granted_on", "认定日期", "yyyy-mm-dd"), ("expires_on", "有效期至", "yyyy-mm-dd"),
                          ("window_opens", "复核窗口开启", "yyyy-mm-dd"), ("days_left", "剩余天数", "#,##0")],
              expiring, title="进入复核窗口的称号", notes=notes),
    ]
    write_workbook(path, sheets)
    return path
