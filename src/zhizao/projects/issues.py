"""The issue log of a project's three parties (government owner, firm, facilitator 代办员):
会商 → 协调 → 解决 → 跟踪, each issue with its due date and who is waiting on whom."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.projects.edits import EditError, can_edit
from zhizao.projects.models import ISSUE_STAGES, PARTIES, ProjectIssue, ProjectIssueStep
from zhizao.store import audit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _by(user: Any) -> str:
    return str(getattr(user, "username", None) or (user.get("username") if isinstance(user, dict) else "") or "")


def open_issue(session: Session, user: Any, project: dict[str, Any], title: str, waiting: str, waiting_on: str,
               due_on: dt.date, assignee: str | None = None, note: str = "",
               now: dt.datetime | None = None) -> ProjectIssue:
    """Register a coordination issue (its first step, 会商), dated ``now`` (UTC; default: this
    moment; the demo dates the issues its bureau opened weeks ago)."""
    if not can_edit(user, project.get("region_code")):
        raise EditError("只有项目所在区县（或市局）可以登记协调事项")
    if not title.strip():
        raise EditError("请填写事项内容")
    if waiting not in PARTIES or waiting_on not in PARTIES or waiting == waiting_on:
        raise EditError("请正确选择等待方与被等待方（政府责任单位、企业、代办员中的两方）")
    now = now or _now()
    issue = ProjectIssue(project_id=project["project_id"], region_code=project["region_code"], title=title.strip(),
                         stage="consult", waiting=waiting, waiting_on=waiting_on, assignee=(assignee or "").strip() or None,
                         due_on=due_on, created_by=_by(user), created_at=now, updated_at=now)
    session.add(issue)
    session.flush()
    session.add(ProjectIssueStep(issue_id=issue.id, stage="consult", note=note.strip() or title.strip(),
                                 due_on=due_on, by=_by(user), at=now))
    audit.record(session, "projects.issue_open", username=_by(user), target=f"project:{project['project_id']}",
                 detail={"issue": issue.id, "title": issue.title, "due_on": due_on.isoformat()})
    session.commit()
    return issue


def advance(session: Session, user: Any, issue: ProjectIssue, stage: str, note: str, due_on: dt.date | None = None,
            waiting: str | None = None, waiting_on: str | None = None, on: dt.date | None = None) -> ProjectIssue:
    """Move the issue to ``stage`` (forward, or stay to add a note); ``follow_up`` after ``resolved``
    may close it."""
    if not can_edit(user, issue.region_code):
        raise EditError("只有项目所在区县（或市局）可以处理协调事项")
    if stage not in ISSUE_STAGES:
        raise EditError(f"未知环节：{stage}")
    if ISSUE_STAGES.index(stage) < ISSUE_STAGES.index(issue.stage):
        raise EditError("协调事项只能向后推进（会商 → 协调 → 解决 → 跟踪）")
    if not note.strip():
        raise EditError("请填写办理情况")
    now = _now()
    issue.stage = stage
    if due_on is not None:
        issue.due_on = due_on
    if waiting and waiting_on and waiting in PARTIES and waiting_on in PARTIES and waiting != waiting_on:
        issue.waiting, issue.waiting_on = waiting, waiting_on
    if stage == "resolved" and issue.resolved_on is None:
        issue.resolved_on = on or now.date()
    if stage == "follow_up" and issue.resolved_on is None:
        issue.resolved_on = on or now.date()
    issue.updated_at = now
    session.add(ProjectIssueStep(issue_id=issue.id, stage=stage, note=note.strip(), due_on=due_on, by=_by(user), at=now))
    audit.record(session, "projects.issue_step", username=_by(user), target=f"project:{issue.project_id}",
                 detail={"issue": issue.id, "stage": stage})
    session.commit()
    return issue


def close(session: Session, user: Any, issue: ProjectIssue, note: str) -> ProjectIssue:
    if issue.resolved_on is None:
        raise EditError("事项尚未解决，不能销号")
    issue.closed = True
    return advance(session, user, issue, "follow_up", note or "跟踪完毕，销号")


def is_overdue(issue: ProjectIssue, on: dt.date) -> bool:
    """Unresolved past its due date."""
    return issue.resolved_on is None and not issue.closed and issue.due_on < on


def for_project(session: Session, project_id: str) -> list[ProjectIssue]:
    return list(session.scalars(select(ProjectIssue).where(ProjectIssue.project_id == project_id)
                                .order_by(ProjectIssue.id.desc())))


def overdue(session: Session, on: dt.date, region: str | None = None) -> list[ProjectIssue]:
    q = select(ProjectIssue).where(ProjectIssue.resolved_on.is_(None), ProjectIssue.closed.is_(False),
                                   ProjectIssue.due_on < on)
    if region:
        q = q.where(ProjectIssue.region_code == region) if not region.endswith("00") else \
            q.where(ProjectIssue.region_code.startswith(region[:4]))
    return list(session.scalars(q.order_by(ProjectIssue.region_code, ProjectIssue.due_on)))


def get(session: Session, issue_id: int) -> ProjectIssue | None:
    return session.get(ProjectIssue, issue_id)
