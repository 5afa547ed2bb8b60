"""The monthly project meeting's agenda: every red stall and every overdue issue, by district,
as an Excel workbook (Chinese headers) or a PDF (the platform's WeasyPrint renderer)."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from zhizao.projects import labels, query
from zhizao.projects.models import ISSUE_STAGE_NAMES, PARTY_NAMES
from zhizao.settings import Settings

STALL_COLUMNS = [
    ("region", "区县", None), ("project_id", "项目编号", None), ("name", "项目名称", None),
    ("firm", "投资企业（统一社会信用代码）", None), ("stall", "未按期类型", None), ("since", "未按期起始日", None),
    ("overdue_days", "逾期天数", "#,##0"), ("next_planned_on", "现行计划日期", None), ("owner", "责任单位", None),
    ("facilitator", "代办员", None), ("total_investment", "计划总投资（万元）", "#,##0"), ("land", "用地预警", None),
]
ISSUE_COLUMNS = [
    ("region", "区县", None), ("project_id", "项目编号", None), ("title", "协调事项", None), ("stage", "当前环节", None),
    ("waiting", "等待方", None), ("waiting_on", "被等待方", None), ("assignee", "责任人", None),
    ("due_on", "办结时限", None), ("days_over", "超期天数", "#,##0"),
]


def build(settings: Settings, as_of: dt.date, region: str | None = None) -> dict[str, Any]:
    """Red stalls (from the lifecycle on ``as_of``) and overdue issues (from the store), by district."""
    from zhizao.projects import issues
    from zhizao.store.db import session_scope

    rows = query.status(settings, as_of, region)["projects"]
    stalls = sorted((r for r in rows if r["state"] == "stalled" and r["colour"] == "red"),
                    key=lambda r: (r["region_code"], -int(r["overdue_days"] or 0), r["project_id"]))
    out_stalls = [{"region": labels.region_label(r["region_code"]), "project_id": r["project_id"], "name": r["name"],
                   "firm": r["credit_code"], "stall": labels.stall_name(r["stall"]), "since": r["since"],
                   "overdue_days": r["overdue_days"], "next_planned_on": r["next_planned_on"], "owner": r["owner"] or "",
                   "facilitator": r["facilitator"] or "", "total_investment": r["total_investment"],
                   "land": labels.LAND_WARNINGS.get(r["land_warning"] or "", "")} for r in stalls]
    with session_scope(settings) as s:
        over = issues.overdue(s, as_of, region)
        out_issues = [{"region": labels.region_label(i.region_code), "project_id": i.project_id, "title": i.title,
                       "stage": ISSUE_STAGE_NAMES.get(i.stage, i.stage), "waiting": PARTY_NAMES.get(i.waiting, i.waiting),
                       "waiting_on": PARTY_NAMES.get(i.waiting_on, i.waiting_on), "assignee": i.assignee or "",
                       "due_on": i.due_on, "days_over": (as_of - i.due_on).days} for i in over]
    return {"as_of": as_of, "region": region, "stalls": out_stalls, "issues": out_issues}


def write(data: dict[str, Any], out: Path) -> Path:
    if out.suffix.lower() == ".pdf":
        return write_pdf(data, out)
    return write_xlsx(data, out)


def _title(data: dict[str, Any]) -> str:
    where = labels.region_label(data["region"]) if data.get("region") else "全市"
    return f"{where}项目推进月度例会议程（{data['as_of']:%Y年%-m月%-d日}）"


def write_xlsx(data: dict[str, Any], out: Path) -> Path:
    from zhizao.reports.xlsx import Sheet, write_workbook

    note = "红色未按期：逾期超过方法论规定的红色天数；逾期协调事项：超过办结时限仍未解决。"
    return write_workbook(out, [
        Sheet("红色未按期项目", STALL_COLUMNS, data["stalls"], title=_title(data), notes=[note]),
        Sheet("逾期协调事项", ISSUE_COLUMNS, data["issues"], title=_title(data)),
    ])


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return html.escape(str(v))


def _table(cols: list[tuple[str, str, str | None]], rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in cols)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(k))}</td>" for k, _, _ in cols) + "</tr>" for r in rows)
    if not rows:
        body = f"<tr><td colspan='{len(cols)}'>无</td></tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(data: dict[str, Any]) -> str:
    parts = [f"<h1>{html.escape(_title(data))}</h1>"]
    regions = sorted({r["region"] for r in data["stalls"]} | {r["region"] for r in data["issues"]})
    parts.append(f"<p>红色未按期项目 {len(data['stalls']):,} 个，逾期协调事项 {len(data['issues']):,} 项。</p>")
    for g in regions:
        parts.append(f"<h2>{html.escape(g)}</h2>")
        parts.append("<h3>红色未按期项目</h3>")
        parts.append(_table([c for c in STALL_COLUMNS if c[0] != "region"], [r for r in data["stalls"] if r["region"] == g]))
        parts.append("<h3>逾期协调事项</h3>")
        parts.append(_table([c for c in ISSUE_COLUMNS if c[0] != "region"], [r for r in data["issues"] if r["region"] == g]))
    if not regions:
        parts.append("<p>本期无红色未按期项目和逾期协调事项。</p>")
    return "<html><head><meta charset='utf-8'></head><body>" + "".join(parts) + "</body></html>"


def write_pdf(data: dict[str, Any], out: Path) -> Path:
    from zhizao.reports.pdf import html_to_pdf

    css = "@page { size: A4 landscape; } table { font-size: 8pt; } th, td { padding: 2px 4px; }"
    return html_to_pdf(to_html(data), out, extra_css=css)
