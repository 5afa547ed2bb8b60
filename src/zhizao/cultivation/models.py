"""Operational-store tables of the cultivation room: the listing pipeline (凤凰行动).

A firm's path to a listing is a sequence of tagged stages, each recorded with its date, who
recorded it and a note; nothing is overwritten, so the history stays (the current stage is the
latest recorded). Every record is also written to the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhizao.store.base import Base
from zhizao.store.models import utcnow

#: the stages of the listing pipeline in order, with their Chinese names
STAGES: dict[str, str] = {
    "cultivating": "培育",
    "restructuring": "股改",
    "tutoring": "辅导",
    "filing": "报审",
    "quoted": "挂牌",
    "listed": "上市",
}


class ListingStage(Base):
    """One stage a firm entered on a day (the history of its listing pipeline)."""

    __tablename__ = "cultivation_listing_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    stage: Mapped[str] = mapped_column(String(32), nullable=False)
    entered_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_cultivation_listing_stages_code_on", "credit_code", "entered_on"),)


#: the stages of a tier list's publication, with their Chinese names
LIST_STAGES: dict[str, str] = {
    "draft": "拟定",
    "notice": "公示中",
    "announced": "已公布",
    "withdrawn": "已撤回",
}


class TierListRecord(Base):
    """One tier list of a year (金象金牛, 专精特新中小企业, 小巨人, 单项冠军, 隐形冠军): drafted from
    the published screening runs of its tiers, noticed (公示) for a window, then announced by a
    notice (通知) with its document number."""

    __tablename__ = "cultivation_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_key: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    #: tier → run id the entries come from (JSON text)
    runs: Mapped[str] = mapped_column(Text, nullable=False)
    notice_from: Mapped[dt.date | None] = mapped_column(Date)
    notice_until: Mapped[dt.date | None] = mapped_column(Date)
    contact: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(64))
    announced_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_cultivation_lists_key_year", "list_key", "year"),)


class TierListEntry(Base):
    """A firm on a tier list (a snapshot of its screening row when the list was drafted)."""

    __tablename__ = "cultivation_list_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(Integer, nullable=False)
    tier: Mapped[str] = mapped_column(String(32), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(6))
    #: listed, or withdrawn after an upheld objection
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="listed")
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_cultivation_list_entries_list", "list_id"),)


class TierListObjection(Base):
    """An objection to a firm on a list, received during its notice and decided by the bureau."""

    __tablename__ = "cultivation_list_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(Integer, nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    #: pending, upheld (the firm is withdrawn from the list) or rejected
    decision: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_cultivation_list_objections_list", "list_id"),)
