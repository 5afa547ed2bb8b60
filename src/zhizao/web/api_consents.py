"""``/api/consents``: a firm lets a bank read its carbon results for a period (revocable)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel
from sqlalchemy import select

from zhizao.store.models import Consent, User
from zhizao.web.auth import CurrentUser
from zhizao.web.consents import ConsentIn, consents_for, grant, revoke
from zhizao.web.deps import ApiUser, SessionDep, audit, require_roles

router = APIRouter(prefix="/api/consents", tags=["授权"])

Granter = Annotated[CurrentUser, Depends(require_roles("enterprise"))]
ConsentId = Annotated[int, Path(ge=1, le=2**62)]


class ConsentOut(BaseModel):
    id: int
    credit_code: str
    bank_username: str
    bank_name: str | None
    scope: str
    valid_from: dt.date
    valid_to: dt.date
    granted_by: str
    granted_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool


class BankOut(BaseModel):
    username: str
    display_name: str | None


def out(c: Consent) -> ConsentOut:
    today = dt.date.today()
    return ConsentOut(id=c.id, credit_code=c.credit_code, bank_username=c.bank.username,
                      bank_name=c.bank.display_name, scope=c.scope, valid_from=c.valid_from, valid_to=c.valid_to,
                      granted_by=c.granted_by, granted_at=c.granted_at, revoked_at=c.revoked_at,
                      active=c.revoked_at is None and c.valid_from <= today <= c.valid_to)


@router.get("", response_model=list[ConsentOut])
def consents(user: ApiUser, session: SessionDep, request: Request) -> list[ConsentOut]:
    """授权列表：企业看本企业授出的，银行看授予自己的，市级与审计看全部。"""
    items = [out(c) for c in consents_for(session, user)]
    if user.role in ("bank", "auditor"):
        audit(session, user, "read.consents", None, request=request)
    return items


@router.get("/banks", response_model=list[BankOut])
def banks(user: Granter, session: SessionDep) -> list[BankOut]:
    """可授权的银行（供企业选择）。"""
    rows = session.scalars(select(User).where(User.role == "bank", User.active.is_(True)).order_by(User.username))
    return [BankOut(username=u.username, display_name=u.display_name) for u in rows]


@router.post("", response_model=ConsentOut, status_code=201, responses={422: {"description": "银行不存在或期限不对"}})
def create(body: ConsentIn, user: Granter, session: SessionDep, request: Request) -> ConsentOut:
    """企业授权一家银行在一段期间内查询本企业的碳效码。"""
    return out(grant(session, user, body, request))


@router.post("/{consent_id}/revoke", response_model=ConsentOut, responses={404: {"description": "不存在"}})
def revoke_consent(consent_id: ConsentId, user: Granter, session: SessionDep, request: Request) -> ConsentOut:
    """撤销授权（立即生效）。"""
    return out(revoke(session, user, consent_id, request))
