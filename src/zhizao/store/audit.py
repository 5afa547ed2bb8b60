"""Writing and reading the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.cliutil import dumps
from zhizao.store.db import page
from zhizao.store.models import AuditEntry


def record(session: Session, action: str, *, username: str | None = None, role: str | None = None,
           target: str | None = None, detail: dict[str, Any] | None = None, ip: str | None = None) -> None:
    """Add an entry to the session (committed with the change it records, or on its own for reads)."""
    session.add(AuditEntry(username=username, role=role, action=action, target=target,
                           detail=dumps(detail) if detail is not None else None, ip=ip))


def entries(session: Session, *, username: str | None = None, action: str | None = None,
            target: str | None = None, limit: int = 100, offset: int = 0) -> tuple[int, list[AuditEntry]]:
    q = select(AuditEntry)
    if username:
        q = q.where(AuditEntry.username == username)
    if action:
        q = q.where(AuditEntry.action == action)
    if target:
        q = q.where(AuditEntry.target == target)
    return page(session, q, (AuditEntry.id.desc(),), limit, offset)
