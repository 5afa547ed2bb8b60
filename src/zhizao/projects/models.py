"""Operational-store tables of the projects room: every web edit (who, when, why, the warehouse
batch it became) and the issue log of the three parties (会商 → 协调 → 解决 → 跟踪).

Edits are facts of the warehouse too: each one is imported as a one-row batch of the contract
table it changes (see :mod:`zhizao.projects.edits`), so the lifecycle reads one source, the
superseded plan stays in ``fact_project_milestones``, and this table says who did it and why.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zhizao.store.base import Base
from zhizao.store.models import utcnow

#: kinds of edit
EDIT_KINDS = ("reached", "replan", "disposal")
#: the issue log's stages, in order
ISSUE_STAGES = ("consult", "coordinate", "resolved", "follow_up")
ISSUE_STAGE_NAMES = {"consult": "会商", "coordinate": "协调", "resolved": "解决", "follow_up": "跟踪"}
#: the three parties of "三端六环"
PARTIES = ("government", "firm", "facilitator")
PARTY_NAMES = {"government": "政府责任单位", "firm": "企业", "facilitator": "代办员"}


class ProjectEdit(Base):
    """One change made on the web by the owning district (or the city)."""

    __tablename__ = "project_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    milestone: Mapped[str | None] = mapped_column(String(32))
    #: the value before and after (ISO dates, or the disposal outcome)
    old_value: Mapped[str | None] = mapped_column(String(64))
    new_value: Mapped[str] = mapped_column(String(64), nullable=False)
    #: the day the change took effect (a re-plan's adoption, the day reached, the disposal)
    effective_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    #: the warehouse batch the edit was imported as
    batch_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_project_edits_project_id_at", "project_id", "at"),)


class ProjectIssue(Base):
    """A matter to settle for a project, and who is waiting on whom until when."""

    __tablename__ = "project_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False, default="consult")
    #: the party that is waiting, and the party it waits on (PARTIES)
    waiting: Mapped[str] = mapped_column(String(16), nullable=False)
    waiting_on: Mapped[str] = mapped_column(String(16), nullable=False)
    #: the named person or unit waited on (责任人), optional
    assignee: Mapped[str | None] = mapped_column(String(128))
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    #: the day the issue was settled (stage ``resolved``) — follow-up may continue after it
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(default=False, nullable=False)

    steps: Mapped[list[ProjectIssueStep]] = relationship(back_populates="issue", order_by="ProjectIssueStep.id")

    __table_args__ = (Index("ix_project_issues_region_code_closed", "region_code", "closed"),
                      Index("ix_project_issues_project_id", "project_id"))


class ProjectIssueStep(Base):
    """One step of an issue: a stage reached, with the note, the new due date, who and when."""

    __tablename__ = "project_issue_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("project_issues.id"), nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    issue: Mapped[ProjectIssue] = relationship(back_populates="steps")

    __table_args__ = (Index("ix_project_issue_steps_issue_id", "issue_id"),)
