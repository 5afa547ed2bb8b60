"""Excel lists of the green-factory room (Chinese headers): the star list, the candidates for
recommendation to the next level and the re-review list."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zhizao.codes import industries, regions
from zhizao.greenfactory.methodology import LEVEL_TITLES
from zhizao.reports.xlsx import Sheet, write_workbook

STATUS_ZH = {"rated": "已评星", "vetoed": "否决", "not_assessed": "数据不足未评价"}


def _named(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        x = dict(r)
        x["region_name"] = regions.name(r.get("region_code")) or r.get("region_code")
        if r.get("industry_code"):
            x["industry_name"] = industries.name(str(r["industry_code"])[:2]) or ""
        for k in ("level", "current_level", "candidate_level"):
            if k in x:
                x[f"{k}_zh"] = LEVEL_TITLES.get(x[k] or "", "无" if k == "current_level" else "")
        if "status" in x:
            x["status_zh"] = STATUS_ZH.get(x["status"], x["status"])
        if "overdue" in x:
            x["overdue_zh"] = "已逾期" if x["overdue"] else "本年到期"
        if isinstance(x.get("reasons"), list):
            x["reasons_zh"] = "；".join(x["reasons"])
        if isinstance(x.get("stars"), int | float) and x["stars"] == x["stars"]:
            x["stars_zh"] = f"{int(x['stars'])}星"
        out.append(x)
    return out


CANDIDATE_COLUMNS = (
    ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_name", "区县", None),
    ("industry_name", "行业", None), ("score", "综合得分", "0.00"), ("stars_zh", "星级", None),
    ("current_level_zh", "现有绿色工厂级别", None), ("candidate_level_zh", "拟推荐级别", None),
)
REREVIEW_COLUMNS = (
    ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_name", "区县", None),
    ("level_zh", "绿色工厂级别", None), ("granted_on", "认定日期", None), ("due_on", "复评到期日", None),
    ("overdue_zh", "复评状态", None), ("score", "本年综合得分", "0.00"), ("stars_zh", "本年星级", None),
    ("status_zh", "本年评价状态", None),
)
REMOVAL_COLUMNS = (
    ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_name", "区县", None),
    ("level_zh", "绿色工厂级别", None), ("reasons_zh", "拟撤销原因", None),
)
STAR_COLUMNS = (
    ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_name", "区县", None),
    ("industry_name", "行业", None), ("status_zh", "评价状态", None), ("score", "综合得分", "0.00"),
    ("stars_zh", "星级", None), ("path", "升星路径", None), ("reason", "说明", None),
)


def write_candidates(path: str | Path, year: int, rows: Sequence[dict[str, Any]], notes: Sequence[str] = ()) -> Path:
    return write_workbook(path, [Sheet("推荐候选", CANDIDATE_COLUMNS, _named(rows),
                                       title=f"{year}年 绿色工厂逐级推荐候选名单", notes=list(notes))])


def write_rereview(path: str | Path, year: int, rows: Sequence[dict[str, Any]],
                   removals: Sequence[dict[str, Any]] = (), notes: Sequence[str] = ()) -> Path:
    sheets = [Sheet("复评名单", REREVIEW_COLUMNS, _named(rows), title=f"{year}年 绿色工厂三年复评到期名单",
                    notes=list(notes))]
    sheets.append(Sheet("拟撤销名单", REMOVAL_COLUMNS, _named(removals), title=f"{year}年 绿色工厂拟撤销名单"))
    return write_workbook(path, sheets)


def write_star_list(path: str | Path, year: int, rows: Sequence[dict[str, Any]]) -> Path:
    return write_workbook(path, [Sheet("星级评价", STAR_COLUMNS, _named(rows), title=f"{year}年 星级绿色工厂评价结果")])
