"""审计日志: the auditor's (and the city's) page over the append-only log, filtered by user,
action, date range and firm, paged in the query, and its export to a spreadsheet. Every read of
the log by an auditor is itself in the log."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from zhizao import clock
from zhizao.reports.xlsx import Sheet, write_workbook
from zhizao.store import audit as audit_log
from zhizao.web.audit_view import ACTIONS, FAMILIES, action_name, row
from zhizao.web.deps import PageUser, SessionDep, audit
from zhizao.web.templating import render
from zhizao.web.ui import PAGE_SIZE, PageError, audit_page_read, forbid, pages_of, query_string

router = APIRouter(include_in_schema=False)

#: the most rows one export holds (a narrower filter gets the rest)
EXPORT_LIMIT = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date(value: str, what: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PageError(status_code=400, detail=f"{what}格式有误，请用 年-月-日") from None


def _filters(user: str, action: str, since: str, until: str, firm: str) -> dict[str, Any]:
    a, b = _date(since, "起始日期"), _date(until, "截止日期")
    if a and b and a > b:
        a, b = b, a  # reversed dates: the range the user meant
    return {"username": user.strip() or None, "action": action.strip() or None, "since": a, "until": b,
            "firm": firm.strip().upper() or None}


def _action_choices(session: Any) -> list[tuple[str, str]]:
    recorded = audit_log.actions(session)
    families = sorted({a.split(".", 1)[0] for a in recorded})
    out = [(f"{f}.", f"{FAMILIES.get(f, '其他操作')}（全部）") for f in families if f in FAMILIES]
    out += sorted(((a, action_name(a)) for a in recorded if a in ACTIONS), key=lambda x: x[1])
    return out


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: PageUser, session: SessionDep, username: str = "", action: str = "",
               since: str = "", until: str = "", firm: str = "", page: int = 1) -> Response:
    forbid(user, "auditor", "city")
    f = _filters(username, action, since, until, firm)
    total, _ = audit_log.entries(session, **f, utc_offset_h=clock.utc_offset_hours(), limit=1, offset=0)
    pages = pages_of(total)
    page = max(1, min(page, pages))
    _, entries = audit_log.entries(session, **f, utc_offset_h=clock.utc_offset_hours(), limit=PAGE_SIZE,
                                   offset=(page - 1) * PAGE_SIZE)
    rows = [row(e) for e in entries]
    audit_page_read(session, user, "page.audit", "audit", request,
                    detail={k: str(v) for k, v in f.items() if v} | {"page": page})
    params = query_string(username=username, action=action, since=f["since"], until=f["until"], firm=firm)
    return render(request, "audit.html", {
        "breadcrumbs": [("审计日志", None)], "rows": rows, "total": total, "page": page, "pages": pages,
        "params": params, "f": {"username": username, "action": action, "since": f["since"] or "",
                                "until": f["until"] or "", "firm": firm},
        "actions": _action_choices(session), "users": audit_log.usernames(session),
    }, user=user)


COLUMNS: list[tuple[str, str, str | None]] = [
    ("id", "序号", "0"), ("at", "时间（北京时间）", None), ("username", "用户", None), ("role", "角色", None),
    ("action", "操作", None), ("target", "对象", None), ("detail", "详情", None), ("ip", "来源地址", None),
]


@router.get("/audit/export.xlsx")
def audit_export(request: Request, user: PageUser, session: SessionDep, username: str = "", action: str = "",
                 since: str = "", until: str = "", firm: str = "") -> Response:
    """The filtered log as a spreadsheet (newest first, at most :data:`EXPORT_LIMIT` rows)."""
    forbid(user, "auditor", "city")
    f = _filters(username, action, since, until, firm)
    total, entries = audit_log.entries(session, **f, utc_offset_h=clock.utc_offset_hours(),
                                          limit=EXPORT_LIMIT, offset=0)
    rows = [row(e) for e in entries]
    for r in rows:
        r["at"] = r["at"].strftime("%Y-%m-%d %H:%M:%S") if r["at"] else ""
    labels = {"username": "用户", "action": "操作", "since": "起始日期", "until": "截止日期", "firm": "企业"}
    shown = {**f, "action": action_name(f["action"].rstrip(".")) if f["action"] else None}
    notes = ["筛选条件：" + ("；".join(f"{labels[k]} {v}" for k, v in shown.items() if v) or "无")]
    if total > len(rows):
        notes.append(f"共 {total:,} 条，仅导出最新的 {len(rows):,} 条，请缩小筛选范围。")
    audit(session, user, "export.audit", "audit", request=request,
          detail={k: (str(v) if v else None) for k, v in f.items()} | {"rows": len(rows)})
    folder = Path(tempfile.mkdtemp())
    out = write_workbook(folder / "audit.xlsx", [Sheet("审计日志", COLUMNS, rows, title="审计日志", notes=notes)])
    return FileResponse(out, filename=f"审计日志-{dt.date.today():%Y%m%d}.xlsx", media_type=XLSX,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
