"""``/api/audit``: the audit log, for auditors and the city."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from zhizao.store import audit as audit_log
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import SessionDep, audit, require_roles

router = APIRouter(prefix="/api/audit", tags=["审计"])


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    username: str | None
    role: str | None
    action: str
    target: str | None
    detail: Any
    ip: str | None


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditOut]


@router.get("", response_model=AuditPage)
def audit_entries(
    session: SessionDep,
    request: Request,
    user: Annotated[CurrentUser, Depends(require_roles("auditor", "city"))],
    username: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    firm: Annotated[str | None, Query(max_length=18, description="企业信用代码（全部或部分）")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    """审计日志（最新在前）；审计角色的每次查询本身也记入日志。"""
    total, rows = audit_log.entries(session, username=username, action=action, target=target, since=since,
                                    until=until, firm=firm, limit=limit, offset=offset)
    items = [AuditOut(id=r.id, at=r.at, username=r.username, role=r.role, action=r.action, target=r.target,
                      detail=json.loads(r.detail) if r.detail else None, ip=r.ip) for r in rows]
    if user.role == "auditor":
        audit(session, user, "read.audit", None, {"username": username, "action": action, "since": since, "until": until,
                                                       "firm": firm, "offset": offset},
              request)
    return AuditPage(total=total, limit=limit, offset=offset, items=items)
