"""Prepared matches: ``zhizao policies match --year Y --save`` writes the year's match rows into
the store (``policy_matches``), replacing the year's earlier rows in one transaction; pages, the
API, notices and the firm ledger read them instead of recomputing the match per request.

Then the figures the pages show of a saved year (the ledger, the match counts), prepared off the
request path: see the second half of this module."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from zhizao.cliutil import dumps
from zhizao.ingest.jobs import PRIORITY_BACKGROUND, JobKind
from zhizao.policies.models import PolicyMatch
from zhizao.settings import Settings
from zhizao.store import audit
from zhizao.store.db import session_scope

log = logging.getLogger("zhizao.policies.prepared")


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
    refresh(settings, year)  # what the pages read of the year, from the saved rows
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
    """The firm's matches of the year, by item and subject. Sorted here, not by the query: with an
    ORDER BY on the item, SQLite chose the (year, item) index and read the whole year's matches
    (50,000 in the demo city: 105 ms a profile) instead of the firm's few by (year, code)."""
    q = select(PolicyMatch).where(PolicyMatch.year == year, PolicyMatch.credit_code == credit_code)
    return [row_dict(m) for m in sorted(s.scalars(q), key=lambda m: (m.item_id, m.subject))]


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


# ---------------------------------------------------------------- the pages' prepared figures
#
# The ledger (every firm's rows, with the date each payout falls due) and the match counts per
# district and item, of a year whose matches were saved: computed on the engine off the request
# path and kept by :mod:`zhizao.prepared` (name ``policies``, key the year) under a state made of
# the warehouse and publication state (:func:`zhizao.prepared.digest`) and the store's policy
# records (:func:`records_state`). The pages, the API and the economy's indicators and review
# read it (:func:`ledger_view`, :func:`summary_view`): a firm's, a district's or the city's share
# is a filter of the prepared rows, what is overdue a comparison with the day it is read.
#
# Refreshed: by the background job :data:`PREPARE` after an import or publication
# (:func:`on_data_change`) and after matches are saved (:func:`save`); at once by a bureau's or
# firm's action on the page or the API (:func:`refresh`); and by the page itself when only the
# policy records changed since (a step taken from the command line), which is quick.

#: the prepared figures' name in :mod:`zhizao.prepared`
FIGURES = "policies"
#: the background job preparing every saved year's figures
PREPARE = "policies.prepare"

_RECORDS_SQL = text("""SELECT
  (SELECT count(*) FROM policy_matches), (SELECT max(id) FROM policy_matches),
  (SELECT count(*) FROM policy_notices), (SELECT max(id) FROM policy_notices),
  (SELECT count(*) FROM policy_notice_entries),
  (SELECT count(*) FROM policy_notice_entries WHERE status = 'withdrawn'),
  (SELECT count(*) FROM policy_applications), (SELECT max(id) FROM policy_applications),
  (SELECT count(*) FROM policy_applications WHERE status IN ('accepted', 'paid')),
  (SELECT sum(approved) FROM policy_applications WHERE status IN ('accepted', 'paid')),
  (SELECT count(*) FROM policy_payouts), (SELECT max(id) FROM policy_payouts),
  (SELECT sum(amount) FROM policy_payouts)""")


def records_state(settings: Settings) -> tuple[Any, ...]:
    """What of the store the ledger reads, as counts and sums: the saved matches (replaced on
    every save: new ids), the notices and their withdrawn entries (the due dates), the accepted
    and paid applications with their approved amounts, the payouts."""
    with session_scope(settings) as s:
        row = s.execute(_RECORDS_SQL).one()
    return tuple(row)


def state_digest(settings: Settings) -> tuple[str, str]:
    """(the whole state's digest, the warehouse and publication part's)."""
    from zhizao import prepared as stored

    data = stored.digest(settings)
    return hashlib.sha256(repr((data, records_state(settings))).encode()).hexdigest()[:20], data


def compute(settings: Settings, year: int) -> dict[str, Any]:
    """The year's figures as the pages read them: the ledger's rows of every firm (from the
    saved matches) and the saved matches counted by district, item and eligibility."""
    from zhizao.policies.ledger import PREPARED_COLUMNS, ledger_rows

    rows = ledger_rows(settings, year, prepared=True, columns=PREPARED_COLUMNS)
    q = (select(PolicyMatch.region_code, PolicyMatch.item_id, PolicyMatch.eligible, func.count(),
                func.sum(PolicyMatch.expected))
         .where(PolicyMatch.year == year)
         .group_by(PolicyMatch.region_code, PolicyMatch.item_id, PolicyMatch.eligible))
    with session_scope(settings) as s:
        counts = [[r, i, e, int(n), float(t or 0.0)] for r, i, e, n, t in s.execute(q)]
    return {"ledger": rows, "counts": counts}


def prepare(settings: Settings, year: int) -> Any:
    """Compute the year's figures and keep them under the state they were computed from (taken
    before: a change meanwhile makes them stale, never wrongly current)."""
    from zhizao import prepared as stored

    whole, data = state_digest(settings)
    value = compute(settings, year) | {"data_state": data}
    stored.store(settings, FIGURES, str(year), whole, value, now=lambda: state_digest(settings)[0])
    found = stored.read(settings, FIGURES, str(year), whole)
    return found if found is not None else stored.Found(value, dt.datetime.now(dt.UTC).isoformat(), True)


def figures(settings: Settings, year: int, fresh: bool = False) -> Any:
    """The year's prepared figures (a :class:`zhizao.prepared.Found`). Not of the current state:
    when only policy records changed since (a step taken elsewhere), computed now; when data was
    imported or published since, the earlier ones (``current=False``: the page says when they
    were built) while the background job prepares the new ones — unless ``fresh`` (what is
    itself kept as current, the economy's indicators and review): computed now; never prepared:
    computed now."""
    from zhizao import prepared as stored

    whole, data = state_digest(settings)
    found = stored.read(settings, FIGURES, str(year), whole)
    if not fresh and found is not None and not found.current and found.value.get("data_state") != data:
        queue(settings)
        return found
    if found is None or not found.current:
        return prepare(settings, year)
    return found


def refresh(settings: Settings, year: int) -> None:
    """After an action that changed the year's policy records (a notice, a decision, a payout,
    an application): its figures prepared now, so the page the person returns to reads them.
    The warehouse being written meanwhile: left to the page (which then computes them)."""
    try:
        if year in years_of(settings):
            prepare(settings, year)
    except Exception as exc:  # the warehouse busy, or no warehouse: the next page computes
        log.info("policies figures %s not prepared: %s", year, exc)


def years_of(settings: Settings) -> list[int]:
    with session_scope(settings) as s:
        return years(s)


def ledger_view(settings: Settings, year: int, region: str | None = None, credit_code: str | None = None,
                today: dt.date | None = None, fresh: bool = False, found: Any = None) -> tuple[dict[str, Any], Any]:
    """The ledger of ``year`` as :func:`zhizao.policies.ledger.ledger` gives it (one firm's, one
    district's or a city's, or all), read from the prepared figures (:func:`figures`, unless
    given as ``found``), and what was read (its ``current`` and ``built_label``)."""
    from zhizao.policies.ledger import in_region, overdue_on, summarise
    from zhizao.store.models import utcnow

    found = found if found is not None else figures(settings, year, fresh)
    rows = found.value["ledger"]
    if credit_code:
        rows = [r for r in rows if r["credit_code"] == credit_code]
    if region:
        rows = [r for r in rows if in_region(r["region_code"], region)]
    return summarise(overdue_on(rows, today or utcnow().date()), year, credit_code), found


def summary_view(found: Any, region: str | None = None) -> list[dict[str, Any]]:
    """:func:`summary` of the year from its prepared figures (``found``: :func:`figures`)."""
    out: dict[str, dict[str, Any]] = {}
    for reg, item_id, e, n, total in found.value["counts"]:
        if region and reg != region:
            continue
        d = out.setdefault(item_id, {"item_id": item_id, "true": 0, "false": 0, "unknown": 0, "expected": 0.0,
                                     "potential": 0.0})
        d[e] += n
        if e == "true":
            d["expected"] += total
        elif e == "unknown":
            d["potential"] += total
    return [out[k] for k in sorted(out)]


def queue(settings: Settings) -> None:
    """Queue :data:`PREPARE` unless one waits (it reads the state when it runs)."""
    from zhizao.ingest import jobs

    if not jobs.queued(settings, PREPARE):
        whole, _ = state_digest(settings)
        jobs.submit_keyed(settings, PREPARE, f"{PREPARE}@{whole}", "policies", {}, "", None, PRIORITY_BACKGROUND)


def on_data_change(settings: Settings, event: dict[str, Any]) -> None:
    """An import or a publication: the saved years' figures are stale; queue their preparation
    (nothing to do before any year's matches were saved)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if years_of(settings):
            queue(settings)
    except SQLAlchemyError as exc:  # no store yet
        log.info("policies figures not queued: %s", exc)


def run_prepare(settings: Settings, params: dict[str, Any], stage: Any) -> dict[str, Any]:
    """The worker's side of :data:`PREPARE`: every saved year's figures, newest year first."""
    from zhizao import prepared as stored

    stage("compute")
    done = []
    for year in years_of(settings):
        whole, _ = state_digest(settings)
        found = stored.read(settings, FIGURES, str(year), whole)
        if found is None or not found.current:
            prepare(settings, year)
            done.append(year)
    return {"prepared": done}


JOBS = (JobKind(PREPARE, run_prepare, {"compute": "计算政策兑现台账"}, running_label="准备中"),)
