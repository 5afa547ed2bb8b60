"""``/api/users``: account management for the city administrator; ``/api/me/password``: every
user changes their own password. The same actions as the pages (:mod:`zhizao.web.accounts`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from zhizao.store.accounts import NewUser, list_users
from zhizao.web.accounts import add_account, change_own_password, describe, reset_password, set_account_active
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import ApiUser, SessionDep, require_roles

router = APIRouter(prefix="/api", tags=["账户"])

Admin = Annotated[CurrentUser, Depends(require_roles("city"))]
Username = Annotated[str, Path(min_length=2, max_length=64)]


class AccountOut(BaseModel):
    username: str
    role: str
    role_title: str
    region_code: str | None
    credit_code: str | None
    display_name: str | None
    active: bool
    created_at: dt.datetime | None = None


class AccountIn(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    role: str = Field(max_length=16)
    region_code: str | None = Field(default=None, max_length=6)
    credit_code: str | None = Field(default=None, max_length=18)
    display_name: str | None = Field(default=None, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class OwnPasswordIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


@router.get("/users", response_model=list[AccountOut])
def accounts(user: Admin, session: SessionDep) -> list[AccountOut]:
    """全部账户（市级管理员）。"""
    return [AccountOut.model_validate(describe(u)) for u in list_users(session)]


@router.post("/users", response_model=AccountOut, status_code=201, responses={422: {"description": "不符合账户规则"}})
def create_account(body: AccountIn, user: Admin, session: SessionDep, request: Request) -> AccountOut:
    """新增账户（与 ``zhizao users add`` 同一规则）。"""
    u = add_account(session, user, NewUser(body.username, body.role, body.region_code or None,
                                           (body.credit_code or "").upper() or None, body.display_name or None),
                    body.password, request)
    session.commit()
    return AccountOut.model_validate(describe(u))


@router.post("/users/{username}/disable", response_model=AccountOut, responses={404: {"description": "无此账户"}})
def disable_account(username: Username, user: Admin, session: SessionDep, request: Request) -> AccountOut:
    """停用账户（其登录立即失效）。"""
    u = set_account_active(session, user, username, False, request)
    session.commit()
    return AccountOut.model_validate(describe(u))


@router.post("/users/{username}/enable", response_model=AccountOut, responses={404: {"description": "无此账户"}})
def enable_account(username: Username, user: Admin, session: SessionDep, request: Request) -> AccountOut:
    """重新启用账户。"""
    u = set_account_active(session, user, username, True, request)
    session.commit()
    return AccountOut.model_validate(describe(u))


@router.post("/users/{username}/password", status_code=204, responses={404: {"description": "无此账户"}})
def reset_account_password(username: Username, body: PasswordIn, user: Admin, session: SessionDep,
                           request: Request) -> None:
    """重置账户密码（其登录立即失效）。"""
    reset_password(session, user, username, body.password, request)
    session.commit()


@router.post("/me/password", status_code=204, responses={422: {"description": "原密码不正确或新密码不符合规则"}})
def change_password(body: OwnPasswordIn, user: ApiUser, session: SessionDep, request: Request) -> None:
    """修改本人密码（其他登录失效）。"""
    change_own_password(session, user, body.old_password, body.new_password, request)
    session.commit()
