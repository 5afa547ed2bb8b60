"""Web edits by the owning district: a milestone reached, a date re-planned (with its reason), a
disposal. Each is recorded in ``project_edits`` (who, when, why) and imported as a one-row batch
of the contract table it changes, through the same importer and checks as any department file
(a future date is rejected the same way). The superseded row stays in the warehouse: a re-plan
adds a plan version that takes effect on the day it is made, never rewriting the days before.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.projects.codes import MILESTONE_NAMES, MILESTONE_ORDER, OUTCOMES
from zhizao.projects.models import ProjectEdit
from zhizao.settings import Settings
from zhizao.store import audit

#: extra column naming the edit: makes every edit's file content unique (never a "duplicate")
EDIT_COLUMN = "平台编辑编号"
MILESTONE_HEADER = ["项目编号", "节点", "计划日期", "实际日期", "计划调整日期", "调整原因"]


class EditError(ValueError):
    """An edit that cannot be made (message in Chinese)."""


def can_edit(user: Any, region_code: str | None) -> bool:
    role = _attr(user, "role")
    return role == "city" or (role == "district" and bool(region_code) and _attr(user, "region_code") == region_code)


def can_see(user: Any, project: dict[str, Any]) -> bool:
    role = _attr(user, "role")
    if role in ("city", "auditor"):
        return True
    if role == "district":
        return bool(project.get("region_code")) and _attr(user, "region_code") == project.get("region_code")
    if role == "enterprise":
        return _attr(user, "credit_code") == project.get("credit_code")
    return False


def _attr(user: Any, name: str) -> Any:
    return getattr(user, name, None) if not isinstance(user, dict) else user.get(name)


def _con(settings: Settings) -> duckdb.DuckDBPyConnection:
    from zhizao.engine.warehouse import connect

    return connect(settings.warehouse_path, read_only=True)


def project(settings: Settings, project_id: str) -> dict[str, Any] | None:
    """The project's current row with its milestones (current plan, actual, the plan's start)."""
    if not settings.warehouse_path.exists():
        return None
    con = _con(settings)
    try:
        cur = con.execute("SELECT * EXCLUDE (_batch_id) FROM projects WHERE project_id = ?", [project_id])
        row = cur.fetchone()
        if row is None:
            return None
        p = dict(zip([d[0] for d in cur.description], row, strict=True))
        ms = con.execute("SELECT milestone, planned_on, actual_on, planned_since, reason FROM project_milestones "
                         "WHERE project_id = ?", [project_id]).fetchall()
        p["milestones"] = {m: {"planned_on": a, "actual_on": b, "planned_since": c, "reason": d}
                           for m, a, b, c, d in ms}
        hist = con.execute(
            "SELECT milestone, planned_on, planned_since, reason, _current, _imported_on "
            "FROM history_project_milestones WHERE project_id = ? ORDER BY _batch_id", [project_id]).fetchall()
        p["plan_history"] = [{"milestone": m, "planned_on": pl, "planned_since": s, "reason": r, "current": c,
                              "imported_on": at} for m, pl, s, r, c, at in hist]
        d = con.execute("SELECT disposed_on, outcome, note FROM project_disposals WHERE project_id = ?",
                        [project_id]).fetchone()
        p["disposal"] = {"disposed_on": d[0], "outcome": d[1], "note": d[2]} if d else None
        return p
    finally:
        con.close()


def _import(settings: Settings, table: str, header: list[str], row: list[Any], edit: ProjectEdit) -> int:
    from zhizao.ingest import import_file

    folder = settings.home / "edits"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / f"{table}-edit-{edit.id}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow([*header, EDIT_COLUMN])
            w.writerow([*("" if v is None else v for v in row), edit.id])
        r = import_file(settings, table, path, source=f"网页编辑（{edit.by}）")
    if r.rows_rejected:
        raise EditError(r.rejects[0].message)
    return int(r.batch_id or 0)


def _begin(session: Session, user: Any, p: dict[str, Any] | None, **fields: Any) -> ProjectEdit:
    if p is None:
        raise EditError("项目不存在")
    if not can_edit(user, p.get("region_code")):
        raise EditError("只有项目所在区县（或市局）可以修改该项目")
    if not str(fields.get("reason") or "").strip():
        raise EditError("请填写修改原因")
    e = ProjectEdit(project_id=p["project_id"], region_code=p["region_code"], by=_attr(user, "username") or "",
                    at=dt.datetime.now(dt.UTC).replace(tzinfo=None), **fields)
    session.add(e)
    # committed before the import, not held open across it: the import tells the rooms of the new
    # data, which queue the pages' refresh in the store on connections of their own; on SQLite
    # each waited out this transaction's write lock (10 s) and failed, so an edit took 20 s and
    # queued nothing. Until its batch is set the edit is not applied (``history`` leaves it out)
    session.commit()
    return e


def _apply(settings: Settings, session: Session, user: Any, e: ProjectEdit, table: str, header: list[str],
           row: list[Any]) -> ProjectEdit:
    """Import the edit's one-row batch and record it; an import that fails removes the edit."""
    try:
        batch = _import(settings, table, header, row, e)
    except BaseException:
        session.rollback()
        session.delete(e)
        session.commit()
        raise
    return _finish(session, user, e, batch)


def _finish(session: Session, user: Any, e: ProjectEdit, batch_id: int) -> ProjectEdit:
    e.batch_id = batch_id
    audit.record(session, f"projects.{e.kind}", username=_attr(user, "username"), role=_attr(user, "role"),
                 target=f"project:{e.project_id}",
                 detail={"milestone": e.milestone, "old": e.old_value, "new": e.new_value, "reason": e.reason,
                         "batch_id": batch_id})
    session.commit()
    return e


def _check_milestone(milestone: str) -> None:
    if milestone not in MILESTONE_ORDER:
        raise EditError(f"未知节点：{milestone}")


def reached(settings: Settings, session: Session, user: Any, project_id: str, milestone: str, on: dt.date,
            reason: str) -> ProjectEdit:
    """Record that ``milestone`` was reached on ``on`` (not after today)."""
    _check_milestone(milestone)
    if on > dt.date.today():
        raise EditError("实际日期不能晚于今天")
    p = project(settings, project_id)
    cur = (p or {}).get("milestones", {}).get(milestone) or {}
    old = cur.get("actual_on")
    e = _begin(session, user, p, kind="reached", milestone=milestone, old_value=old.isoformat() if old else None,
               new_value=on.isoformat(), effective_on=on, reason=reason.strip())
    return _apply(settings, session, user, e, "project_milestones", MILESTONE_HEADER,
                  [project_id, milestone, (cur.get("planned_on") or on).isoformat(), on.isoformat(),
                   cur["planned_since"].isoformat() if cur.get("planned_since") else None, cur.get("reason")])


def replan(settings: Settings, session: Session, user: Any, project_id: str, milestone: str, planned: dt.date,
           reason: str, effective: dt.date | None = None) -> ProjectEdit:
    """A new planned date for ``milestone``, in force from ``effective`` (default today). The
    earlier plan stays: days already judged against it are not judged again."""
    _check_milestone(milestone)
    today = dt.date.today()
    effective = effective or today
    if effective > today:
        raise EditError("计划调整只能自今天起生效")
    p = project(settings, project_id)
    cur = (p or {}).get("milestones", {}).get(milestone) or {}
    if cur.get("actual_on"):
        raise EditError(f"“{MILESTONE_NAMES[milestone]}”已于 {cur['actual_on']} 完成，无需调整计划")
    old = cur.get("planned_on")
    e = _begin(session, user, p, kind="replan", milestone=milestone, old_value=old.isoformat() if old else None,
               new_value=planned.isoformat(), effective_on=effective, reason=reason.strip())
    return _apply(settings, session, user, e, "project_milestones", MILESTONE_HEADER,
                  [project_id, milestone, planned.isoformat(), None, effective.isoformat(), reason.strip()])


def dispose(settings: Settings, session: Session, user: Any, project_id: str, on: dt.date, outcome: str,
            reason: str) -> ProjectEdit:
    """The project disposed of (terminated, land recovered, new investor) on ``on``."""
    if outcome not in OUTCOMES:
        raise EditError(f"未知处置方式：{outcome}")
    if on > dt.date.today():
        raise EditError("处置日期不能晚于今天")
    p = project(settings, project_id)
    old = (p or {}).get("disposal") or {}
    e = _begin(session, user, p, kind="disposal", milestone=None, old_value=old.get("outcome"), new_value=outcome,
               effective_on=on, reason=reason.strip())
    return _apply(settings, session, user, e, "project_disposals", ["项目编号", "处置日期", "处置方式", "说明"],
                  [project_id, on.isoformat(), outcome, reason.strip()])


def history(session: Session, project_id: str) -> list[ProjectEdit]:
    """The project's applied edits, newest first (an edit whose import never finished is not one)."""
    return list(session.scalars(select(ProjectEdit).where(ProjectEdit.project_id == project_id,
                                                          ProjectEdit.batch_id.is_not(None))
                                .order_by(ProjectEdit.id.desc())))
