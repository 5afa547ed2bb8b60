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
