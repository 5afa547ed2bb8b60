"""Operational-store tables of the 亩均 publication workflow (one round per evaluated year).

Objections use the store's generic ``objections`` table (``method = 'mujun'``); every step is
also written to the append-only ``audit_log``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zhizao.store.base import Base
from zhizao.store.models import utcnow

#: the stages of a round, in order
STAGES = ("frozen", "land_notice", "scored", "results_notice", "corrected", "published")


class MujunRound(Base):
    """The evaluation of one year: frozen inputs, the notices, the runs, the final publication."""

    __tablename__ = "mujun_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[str] = mapped_column(String(32), nullable=False)
    methodology: Mapped[str] = mapped_column(String(128), nullable=False)
    #: JSON list of the import batches behind the inputs at the freeze
    frozen_batches: Mapped[str] = mapped_column(Text, nullable=False)
    land_notice_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    objection_days: Mapped[int | None] = mapped_column(Integer)
    objections_open_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    objections_close_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    scoring_run_id: Mapped[str | None] = mapped_column(String(64))
    current_run_id: Mapped[str | None] = mapped_column(String(64))
    final_run_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    steps: Mapped[list[MujunStep]] = relationship(back_populates="round", order_by="MujunStep.id")

    __table_args__ = (UniqueConstraint("year"),)


class MujunStep(Base):
    """One thing done in a round, by whom and when (freeze, notices, scoring, objections, …)."""

    __tablename__ = "mujun_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("mujun_rounds.id"), nullable=False)
    step: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64))
    objection_id: Mapped[int | None] = mapped_column(Integer)
    #: JSON object with what the step recorded (counts, window, diff summary …)
    detail: Mapped[str | None] = mapped_column(Text)

    round: Mapped[MujunRound] = relationship(back_populates="steps")

    __table_args__ = (Index("ix_mujun_steps_round_id_at", "round_id", "at"),)
