"""``/api/auth``: login and logout; ``/api/me``: who am I."""

from __future__ import annotations

import asyncio
import datetime as dt

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from zhizao.settings import Settings
from zhizao.store.models import utcnow
from zhizao.web import auth
from zhizao.web.deps import ApiUser, AuthConfigDep, SessionDep, SettingsDep, audit, client_ip, csrf_token

router = APIRouter(prefix="/api", tags=["账户"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    username: str
    role: str
    region_code: str | None
    credit_code: str | None
    display_name: str | None


class LoginOut(BaseModel):
    token: str
    expires_at: dt.datetime
    user: UserOut


def user_out(u: auth.CurrentUser) -> UserOut:
    return UserOut(username=u.username, role=u.role, region_code=u.region_code, credit_code=u.credit_code,
                   display_name=u.display_name)


def _attempt(settings: Settings, cfg: auth.AuthConfig, username: str, password: str, ip: str | None
             ) -> auth.LoginResult:
    from zhizao.store import audit as audit_log

    def record(s: Session, result: auth.LoginResult) -> None:
        u = result.user
        if result.ok and u is not None:
            audit_log.record(s, "login", username=u.username, role=u.role, target=u.username, ip=ip)
        else:
            audit_log.record(s, "login.failed", username=username[:64], target=username[:64], ip=ip,
                             detail={"locked": result.locked_until is not None, "checked": result.checked})

    return auth.login(settings, username, password, cfg, ip, record)


async def attempt_login(request: Request, settings: Settings, cfg: auth.AuthConfig, username: str,
                        password: str) -> auth.LoginResult:
    """Check credentials off the event loop (argon2 is deliberately slow), then wait out the
    failure delay, which grows with each consecutive failure."""
    result = await run_in_threadpool(_attempt, settings, cfg, username, password, client_ip(request))
    if not result.ok and result.delay_s > 0:
        await asyncio.sleep(result.delay_s)
    return result


def set_session_cookie(request: Request, response: Response, token: str, expires_at: dt.datetime) -> None:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    max_age = max(0, int((expires_at - utcnow()).total_seconds()))
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax",
                        secure=secure, path="/")


def failure_response(result: auth.LoginResult) -> JSONResponse:
    if result.locked_until is not None:
        retry = max(1, int((result.locked_until - utcnow()).total_seconds()))
        return JSONResponse({"detail": f"登录失败次数过多，账户已临时锁定，请 {retry // 60 + 1} 分钟后再试"},
                            status_code=429, headers={"Retry-After": str(retry)})
    return JSONResponse({"detail": "用户名或密码错误"}, status_code=401)


@router.post("/auth/login", response_model=LoginOut,
             responses={401: {"description": "用户名或密码错误"}, 429: {"description": "账户已临时锁定"}})
async def login(body: LoginIn, request: Request, settings: SettingsDep, cfg: AuthConfigDep) -> Response:
    """登录：返回令牌（用作 ``Authorization: Bearer``），并设置网页会话 Cookie。"""
    result = await attempt_login(request, settings, cfg, body.username, body.password)
    if not result.ok or result.token is None or result.user is None or result.expires_at is None:
        return failure_response(result)
    out = LoginOut(token=result.token, expires_at=result.expires_at, user=user_out(result.user))
    response = JSONResponse(out.model_dump(mode="json"))
    set_session_cookie(request, response, result.token, result.expires_at)
    return response


@router.post("/auth/logout", status_code=204, response_class=Response)
def logout(user: ApiUser, session: SessionDep, request: Request) -> Response:
    """退出登录：令牌立即作废。"""
    auth.revoke(session, user.token_hash)
    audit(session, user, "logout", user.username, request=request)
    response = Response(status_code=204)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


class CsrfOut(BaseModel):
    csrf_token: str


@router.get("/auth/csrf", response_model=CsrfOut)
def csrf(user: ApiUser, request: Request) -> CsrfOut:
    """页面脚本用会话 Cookie 调用写接口时，须在 ``X-CSRF-Token`` 头中带上此令牌。"""
    return CsrfOut(csrf_token=csrf_token(request))


@router.get("/me", response_model=UserOut)
def me(user: ApiUser) -> UserOut:
    """当前登录用户。"""
    return user_out(user)
