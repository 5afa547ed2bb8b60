"""Prepared matches: ``zhizao policies match --year Y --save`` writes the year's match rows into
the store (``policy_matches``), replacing the year's earlier rows in one transaction; pages, the
API, notices and the firm ledger read them instead of recomputing the match per request."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from zhizao.cliutil import dumps
from zhizao.policies.models import PolicyMatch
from zhizao.settings import Settings
from zhizao.store import audit
from zhizao.store.db import session_scope


def save(settings: Settings, year: int, rows: list[dict[str, Any]], user: str) -> dict[str, Any]:
    """Replace the prepared rows of ``year`` by ``rows`` (CONTRACT.md match rows)."""
    eligible_map = {True: "true", False: "false"}
    records = [{"year": year, "credit_code": r["credit_code"], "name": r.get("name"),
                "region_code": r.get("region_code"), "item_id": r["item_id"], "subject": r.get("subject") or "",
                "eligible": eligible_map.get(r["eligible"], "unknown"), "mode": r["mode"],
                "expected": r.get("expected_benefit"), "reason": r["reason"],
                "gaps": dumps(r["gaps"]) if r.get("gaps") else None} for r in rows]
    with session_scope(settings) as s:
        s.execute(delete(PolicyMatch).where(PolicyMatch.year == year))
        for i in range(0, len(records), 5000):
            s.execute(insert(PolicyMatch), records[i:i + 5000])
        audit.record(s, "policies.match.save", username=user, target=f"policies:{year}",
                     detail={"rows": len(records)})
    return {"year": year, "rows": len(records)}


def row_dict(m: PolicyMatch) -> dict[str, Any]:
    e = m.eligible
    return {"credit_code": m.credit_code, "name": m.name, "region_code": m.region_code, "item_id": m.item_id,
            "subject": m.subject or None, "eligible": True if e == "true" else False if e == "false" else "unknown",
            "mode": m.mode, "expected_benefit": m.expected, "reason": m.reason,
            "gaps": json.loads(m.gaps) if m.gaps else []}


def years(s: Session) -> list[int]:
    return sorted({int(y) for y in s.scalars(select(PolicyMatch.year).distinct())}, reverse=True)


def for_firm(s: Session, year: int, credit_code: str) -> list[dict[str, Any]]:
    q = select(PolicyMatch).where(PolicyMatch.year == year, PolicyMatch.credit_code == credit_code)
    return [row_dict(m) for m in s.scalars(q.order_by(PolicyMatch.item_id, PolicyMatch.subject))]


def for_item(s: Session, year: int, item_id: str, eligible: str | None = None, region: str | None = None,
             limit: int = 200, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    q = select(PolicyMatch).where(PolicyMatch.year == year, PolicyMatch.item_id == item_id)
    if eligible:
        q = q.where(PolicyMatch.eligible == eligible)
    if region:
        q = q.where(PolicyMatch.region_code == region)
    total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = s.scalars(q.order_by(PolicyMatch.expected.desc().nulls_last(), PolicyMatch.credit_code)
                     .limit(limit).offset(offset))
    return int(total), [row_dict(m) for m in rows]


def summary(s: Session, year: int, region: str | None = None) -> list[dict[str, Any]]:
    """Per item: firms eligible / not / unknown and the expected total of the eligible."""
    q = select(PolicyMatch.item_id, PolicyMatch.eligible, func.count(), func.sum(PolicyMatch.expected)).where(
        PolicyMatch.year == year)
    if region:
        q = q.where(PolicyMatch.region_code == region)
    out: dict[str, dict[str, Any]] = {}
    for item_id, e, n, total in s.execute(q.group_by(PolicyMatch.item_id, PolicyMatch.eligible)):
        d = out.setdefault(item_id, {"item_id": item_id, "true": 0, "false": 0, "unknown": 0, "expected": 0.0,
                                     "potential": 0.0})
        d[e] = int(n)
        if e == "true":
            d["expected"] = float(total or 0.0)
        elif e == "unknown":
            d["potential"] = float(total or 0.0)
    return [out[k] for k in sorted(out)]
