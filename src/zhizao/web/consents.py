"""Bank consents: a firm lets a bank read its carbon code for a period (revocable). The one way
they are granted and revoked, for the API and the pages alike."""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.store.models import Consent, User, utcnow
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import audit, not_found


class ConsentIn(BaseModel):
    bank_username: str = Field(min_length=1, max_length=64)
    valid_from: dt.date
    valid_to: dt.date

    @model_validator(mode="after")
    def _period(self) -> ConsentIn:
        if self.valid_to < self.valid_from:
            raise ValueError("授权截止日期不能早于起始日期")
        if (self.valid_to - self.valid_from).days > 366 * 5:
            raise ValueError("授权期限最长 5 年")
        return self


def grant(session: Session, user: CurrentUser, body: ConsentIn, request: Request | None) -> Consent:
    """A consent of the user's firm to an active bank, ending today or later (422 otherwise)."""
    if body.valid_to < dt.date.today():
        raise HTTPException(422, "授权截止日期已过")
    bank = session.scalar(select(User).where(User.username == body.bank_username, User.role == "bank",
                                             User.active.is_(True)))
    if bank is None:
        raise HTTPException(422, f"找不到银行用户: {body.bank_username}")
    c = Consent(credit_code=user.credit_code or "", bank_user_id=bank.id, scope="carbon",
                valid_from=body.valid_from, valid_to=body.valid_to, granted_by=user.username)
    c.bank = bank
    session.add(c)
    session.flush()
    audit(session, user, "consent.grant", user.credit_code, {"consent_id": c.id, "bank": bank.username,
                                                            "valid_from": body.valid_from,
                                                            "valid_to": body.valid_to}, request)
    return c


def revoke(session: Session, user: CurrentUser, consent_id: int, request: Request | None) -> Consent:
    """Revoke one of the user's firm's consents at once (404 for anyone else's)."""
    c = session.get(Consent, consent_id)
    if c is None or c.credit_code != user.credit_code:
        raise not_found()
    if c.revoked_at is None:
        c.revoked_at = utcnow()
        audit(session, user, "consent.revoke", user.credit_code, {"consent_id": c.id, "bank": c.bank.username},
              request)
    return c


def consents_for(session: Session, user: CurrentUser) -> list[Consent]:
    """The consents a user may list: a firm its own, a bank those granted to it, the city and
    auditors all (403 for anyone else). Newest first."""
    q = select(Consent)
    if user.role == "enterprise":
        q = q.where(Consent.credit_code == user.credit_code)
    elif user.role == "bank":
        q = q.where(Consent.bank_user_id == user.id)
    elif user.role not in ("city", "auditor"):
        raise HTTPException(403, "当前角色无权查看授权")
    return list(session.scalars(q.order_by(Consent.id.desc())))


#: what a consent lets the bank read, as the firm granted it
PURPOSES = {"carbon": "查询本企业碳效码评价结果（用于绿色信贷）"}


def state(c: Consent, today: dt.date | None = None) -> str:
    """有效 / 未生效 / 已过期 / 已撤销."""
    today = today or dt.date.today()
    if c.revoked_at is not None:
        return "已撤销"
    if c.valid_from > today:
        return "未生效"
    if c.valid_to < today:
        return "已过期"
    return "有效"
