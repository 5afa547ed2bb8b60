"""The listing pipeline (培育 → 股改 → 辅导 → 报审 → 挂牌 → 上市): record a stage, read the history,
count the firms at each stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.cultivation.models import STAGES, ListingStage
from zhizao.store import audit


class ListingError(ValueError):
    pass


def record(session: Session, credit_code: str, stage: str, entered_on: dt.date, by: str,
           note: str | None = None, role: str | None = None) -> ListingStage:
    """Record that a firm entered ``stage`` on ``entered_on`` (stage id or Chinese name)."""
    names = {v: k for k, v in STAGES.items()}
    stage = names.get(stage, stage)
    if stage not in STAGES:
        raise ListingError(f"未知上市进程阶段: {stage}（可选: {'、'.join(STAGES.values())}）")
    if entered_on > dt.date.today():
        raise ListingError(f"阶段日期 {entered_on} 晚于今天")
    row = ListingStage(credit_code=credit_code, stage=stage, entered_on=entered_on, note=note, recorded_by=by)
    session.add(row)
    session.flush()
    audit.record(session, "cultivation.listing_stage", username=by, role=role, target=credit_code,
                 detail={"stage": stage, "entered_on": entered_on.isoformat(), "note": note})
    return row


def history(session: Session, credit_code: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(ListingStage).where(ListingStage.credit_code == credit_code)
                           .order_by(ListingStage.entered_on, ListingStage.id))
    return [{"stage": r.stage, "stage_name": STAGES[r.stage], "entered_on": r.entered_on, "note": r.note,
             "recorded_by": r.recorded_by} for r in rows]


def current(session: Session, codes: Iterable[str] | None = None, as_of: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """credit_code → its latest stage on ``as_of`` (default today)."""
    q = select(ListingStage)
    if as_of is not None:
        q = q.where(ListingStage.entered_on <= as_of)
    wanted = set(codes) if codes is not None else None
    out: dict[str, dict[str, Any]] = {}
    for r in session.scalars(q.order_by(ListingStage.entered_on, ListingStage.id)):
        if wanted is None or r.credit_code in wanted:
            out[r.credit_code] = {"stage": r.stage, "stage_name": STAGES[r.stage], "entered_on": r.entered_on}
    return out


def counts(session: Session, years: Iterable[int], codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Firms at each stage at the end of each year: ``[{year, stage, name, firms}]``."""
    out = []
    wanted = list(codes) if codes is not None else None
    for y in years:
        cur = current(session, wanted, dt.date(y, 12, 31))
        for s, name in STAGES.items():
            out.append({"year": y, "stage": s, "name": name, "firms": sum(1 for v in cur.values() if v["stage"] == s)})
    return out
