"""Accounts on the web: the city administrator adds, disables, enables and resets accounts; every
user changes their own password. One function per action for the API and the pages; the rules
are :mod:`zhizao.store.accounts`' (the same as ``zhizao users …``)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from zhizao.store import accounts
from zhizao.store.models import User
from zhizao.web.auth import CurrentUser, forget_user
from zhizao.web.deps import audit


def _admin(user: CurrentUser) -> None:
    if user.role != "city":
        raise HTTPException(403, "只有市级管理员可以管理账户")


def _refused(exc: accounts.AccountError) -> HTTPException:
    return HTTPException(422, str(exc))


def add_account(session: Session, user: CurrentUser, new: accounts.NewUser, password: str,
                request: Request | None) -> User:
    """A new account (422 with the rule it breaks: user name, role, district, credit code, password)."""
    _admin(user)
    try:
        u = accounts.add_user(session, new, password)
    except accounts.AccountError as exc:
        raise _refused(exc) from exc
    audit(session, user, "user.add", new.username, {"role": new.role, "region_code": new.region_code,
                                                   "credit_code": new.credit_code, "via": "web"}, request,
          commit=False)
    return u


def set_account_active(session: Session, user: CurrentUser, username: str, active: bool,
                       request: Request | None) -> User:
    """Disable (every login of the account ends) or enable an account; nobody disables themselves."""
    _admin(user)
    if username == user.username and not active:
        raise HTTPException(422, "不能停用自己的账户")
    try:
        u = accounts.set_active(session, username, active)
    except accounts.AccountError as exc:
        raise HTTPException(404, str(exc)) from exc
    audit(session, user, "user.enable" if active else "user.disable", username, {"via": "web"}, request,
          commit=False)
    forget_user(username)
    return u


def reset_password(session: Session, user: CurrentUser, username: str, password: str,
                   request: Request | None) -> User:
    """The administrator sets a new password for an account (its logins end)."""
    _admin(user)
    if accounts.get_user(session, username) is None:
        raise HTTPException(404, f"找不到用户: {username}")
    try:
        u = accounts.set_password(session, username, password)
    except accounts.AccountError as exc:
        raise _refused(exc) from exc
    audit(session, user, "user.password_reset", username, {"via": "web"}, request, commit=False)
    forget_user(username)
    return u


def change_own_password(session: Session, user: CurrentUser, old: str, new: str, request: Request | None) -> User:
    """Any user changes their own password; their other logins end, this one stays."""
    try:
        u = accounts.change_password(session, user.username, old, new, keep_token_hash=user.token_hash or None)
    except accounts.AccountError as exc:
        audit(session, user, "user.password_change_failed", user.username, None, request)
        raise _refused(exc) from exc
    audit(session, user, "user.password_change", user.username, {"via": "web"}, request, commit=False)
    forget_user(user.username)
    return u


def describe(u: User) -> dict[str, Any]:
    return accounts.describe(u) | {"created_at": u.created_at}
