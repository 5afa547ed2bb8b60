"""Operational-store tables of policy delivery: public notices of 免申即享 lists and their
entries, payouts, 快申快享 applications, consents per purpose, questions and complaints.

Objections to a notice use the store's generic ``objections`` table (``method = 'policies'``),
as the 亩均 workflow does; every step is also written to the append-only ``audit_log``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zhizao.store.base import Base
from zhizao.store.models import utcnow

NOTICE_STATUSES = ("open", "closed")
ENTRY_STATUSES = ("listed", "withdrawn", "paid")
APPLICATION_STATUSES = ("filed", "accepted", "rejected", "paid")
TICKET_KINDS = ("question", "complaint")
TICKET_STATUSES = ("open", "answered", "escalated", "closed")


class PolicyNotice(Base):
    """公示: the 免申即享 list of one item and year, open for objections until ``closes_on``."""

    __tablename__ = "policy_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    opened_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    payout_due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    opened_by: Mapped[str] = mapped_column(String(64), nullable=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    firms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)

    entries: Mapped[list[PolicyNoticeEntry]] = relationship(back_populates="notice", order_by="PolicyNoticeEntry.id")

    __table_args__ = (Index("ix_policy_notices_year_item", "year", "item_id"),)


class PolicyNoticeEntry(Base):
    __tablename__ = "policy_notice_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("policy_notices.id"), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str | None] = mapped_column(String(256))
    region_code: Mapped[str | None] = mapped_column(String(6))
    subject: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    expected: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="listed")
    note: Mapped[str | None] = mapped_column(Text)

    notice: Mapped[PolicyNotice] = relationship(back_populates="entries")

    __table_args__ = (Index("ix_policy_notice_entries_notice_code", "notice_id", "credit_code"),
                      Index("ix_policy_notice_entries_code", "credit_code"))


class PolicyApplication(Base):
    """快申快享: a short application for an item whose inputs are not all in the data; the clock
    runs 60 working days from a complete application (``due_on``)."""

    __tablename__ = "policy_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    subject: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    claimed: Mapped[float | None] = mapped_column(Float)
    #: JSON: what the firm declared (only what the data does not hold)
    declared: Mapped[str | None] = mapped_column(Text)
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    filed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="filed")
    approved: Mapped[float | None] = mapped_column(Float)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class PolicyPayout(Base):
    """A payment made under an item: from a notice entry (免申即享) or an application (快申快享)."""

    __tablename__ = "policy_payouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("policy_notice_entries.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("policy_applications.id"))
    amount: Mapped[float] = mapped_column(Float, nullable=False)
    paid_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_by: Mapped[str] = mapped_column(String(64), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(64))


class PolicyConsent(Base):
    """A firm authorises one use of its data (a purpose) by one recipient, for a period; revocable.
    The bank consent of carbon results, generalised to any purpose."""

    __tablename__ = "policy_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    recipient: Mapped[str] = mapped_column(String(128), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date] = mapped_column(Date, nullable=False)
    granted_by: Mapped[str] = mapped_column(String(64), nullable=False)
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_policy_consents_code_purpose", "credit_code", "purpose"),)


class PolicyTicket(Base):
    """A question (reply within 1 working day) or complaint (3 working days), routed to the
    office that owns the item, escalated when late, with a 12345 reference and a rating."""

    __tablename__ = "policy_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    item_id: Mapped[str | None] = mapped_column(String(64))
    office: Mapped[str] = mapped_column(String(128), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="web")
    ref_12345: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    filed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    filed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_to: Mapped[str | None] = mapped_column(String(128))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    satisfaction: Mapped[int | None] = mapped_column(Integer)


class PolicyMatch(Base):
    """One prepared match row (firm or project × item) of a year, as ``zhizao policies match
    --save`` computed it: what the pages and the API serve without recomputing the match."""

    __tablename__ = "policy_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str | None] = mapped_column(String(256))
    region_code: Mapped[str | None] = mapped_column(String(6))
    item_id: Mapped[str] = mapped_column(String(64), nullable=False)
    subject: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    eligible: Mapped[str] = mapped_column(String(8), nullable=False)
    mode: Mapped[str] = mapped_column(String(24), nullable=False)
    expected: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    #: JSON list of the gaps
    gaps: Mapped[str | None] = mapped_column(Text)
    prepared_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_policy_matches_year_code", "year", "credit_code"),
                      Index("ix_policy_matches_year_item", "year", "item_id", "eligible"),
                      Index("ix_policy_matches_year_region", "year", "region_code"))
