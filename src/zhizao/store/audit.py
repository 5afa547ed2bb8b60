"""Writing and reading the append-only audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from zhizao.cliutil import dumps
from zhizao.store.db import page
from zhizao.store.models import AuditEntry


def record(session: Session, action: str, *, username: str | None = None, role: str | None = None,
           target: str | None = None, detail: dict[str, Any] | None = None, ip: str | None = None) -> None:
    """Add an entry to the session (committed with the change it records, or on its own for reads)."""
    session.add(AuditEntry(username=username, role=role, action=action, target=target,
                           detail=dumps(detail) if detail is not None else None, ip=ip))


def conditions(*, username: str | None = None, action: str | None = None, target: str | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               firm: str | None = None, utc_offset_h: int = 0) -> list[ColumnElement[bool]]:
    """The filters of the audit log: exact user, action (a trailing ``.`` or ``*`` matches the
    family, e.g. ``export.``), target; the days ``since``..``until`` (inclusive, as calendar days
    ``utc_offset_h`` hours ahead of UTC: 8 for Beijing time; entries are stored in UTC); ``firm``:
    a credit code (or part of one) named in the target or the detail."""
    shift = dt.timedelta(hours=utc_offset_h)
    out: list[ColumnElement[bool]] = []
    if username:
        out.append(AuditEntry.username == username)
    if action:
        if action.endswith((".", "*")):
            out.append(AuditEntry.action.startswith(action.rstrip("*"), autoescape=True))
        else:
            out.append(AuditEntry.action == action)
    if target:
        out.append(AuditEntry.target == target)
    if since:
        out.append(AuditEntry.at >= dt.datetime.combine(since, dt.time.min) - shift)
    if until:
        out.append(AuditEntry.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min) - shift)
    if firm:
        out.append(or_(AuditEntry.target.contains(firm, autoescape=True),
                       AuditEntry.detail.contains(firm, autoescape=True)))
    return out


def entries(session: Session, *, username: str | None = None, action: str | None = None,
            target: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
            firm: str | None = None, utc_offset_h: int = 0, limit: int = 100,
            offset: int = 0) -> tuple[int, list[AuditEntry]]:
    """One page of the log, newest first, and the number of entries the filters match."""
    q = select(AuditEntry).where(*conditions(username=username, action=action, target=target, since=since,
                                             until=until, firm=firm, utc_offset_h=utc_offset_h))
    return page(session, q, (AuditEntry.id.desc(),), limit, offset)


def actions(session: Session) -> list[str]:
    """Every action recorded so far (the audit page's filter list)."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def usernames(session: Session) -> list[str]:
    return [u for u in session.scalars(select(AuditEntry.username).distinct().order_by(AuditEntry.username)) if u]
