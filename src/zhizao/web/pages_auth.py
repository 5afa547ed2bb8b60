"""The login and logout pages (HTML forms; CSRF-checked)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao.store.db import session_scope
from zhizao.store.models import utcnow
from zhizao.web import auth
from zhizao.web.api_auth import attempt_login, set_session_cookie
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import (
    PRE_SESSION_COOKIE,
    AuthConfigDep,
    CsrfError,
    OptionalPageUser,
    SettingsDep,
    audit,
    verify_csrf,
)
from zhizao.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(url: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no ``//``): never an open redirect."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url or "\n" in url or "\r" in url:
        return None
    return url


def home_for(user: CurrentUser) -> str:
    if user.role == "enterprise" and user.credit_code:
        return f"/enterprises/{user.credit_code}"
    if user.role == "bank":
        return "/carbon"
    return "/"


def _login_page(request: Request, cfg: auth.AuthConfig, next_url: str, username: str = "", error: str = "",
                status_code: int = 200) -> HTMLResponse:
    # A pre-login random value binds the form's CSRF token before any session exists.
    pre = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(16)
    request.state.csrf_binding = pre
    resp = render(request, "login.html", {"next_url": next_url, "username": username, "error": error,
                                          "max_failures": cfg.max_failures,
                                          "lockout_minutes": int(cfg.lockout_minutes)}, status_code=status_code)
    if request.cookies.get(auth.SESSION_COOKIE):  # a stale or revoked session: forget it
        resp.delete_cookie(auth.SESSION_COOKIE, path="/")
    resp.set_cookie(PRE_SESSION_COOKIE, pre, httponly=True, samesite="lax", path="/",
                    secure=request.url.scheme == "https")
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, cfg: AuthConfigDep, user: OptionalPageUser, next: str | None = None
               ) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next) or home_for(user), status_code=303)
    return _login_page(request, cfg, safe_next(next) or "")


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request,
    settings: SettingsDep,
    cfg: AuthConfigDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf_token: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    # The login form's token is bound to the pre-login cookie only: a stale or revoked session
    # cookie the browser still sends must never make the form look expired.
    request.state.csrf_binding = request.cookies.get(PRE_SESSION_COOKIE) or "anonymous"
    try:
        verify_csrf(request, csrf_token)
    except CsrfError:
        return _login_page(request, cfg, safe_next(next) or "", username, "表单已过期，请重新登录", 403)
    if not username or not password:
        return _login_page(request, cfg, safe_next(next) or "", username, "请输入用户名和密码", 400)
    result = await attempt_login(request, settings, cfg, username, password)
    if not result.ok or result.token is None or result.user is None or result.expires_at is None:
        if result.locked_until is not None:
            minutes = int((result.locked_until - utcnow()).total_seconds() // 60) + 1
            msg, code = f"登录失败次数过多，账户已临时锁定，请 {minutes} 分钟后再试", 429
        else:
            msg, code = "用户名或密码错误", 401
        return _login_page(request, cfg, safe_next(next) or "", username, msg, code)
    resp = RedirectResponse(safe_next(next) or home_for(result.user), status_code=303)
    set_session_cookie(request, resp, result.token, result.expires_at)
    # the pre-login cookie stays: a login form open in another tab must still work
    return resp


@router.post("/logout")
def logout_submit(request: Request, settings: SettingsDep, cfg: AuthConfigDep,
                        csrf_token: Annotated[str, Form(max_length=512)] = "") -> Response:
    verify_csrf(request, csrf_token)
    token = request.cookies.get(auth.SESSION_COOKIE)
    user = auth.resolve_token(settings, token, cfg)
    if user is not None:
        with session_scope(settings) as s:
            auth.revoke(s, user.token_hash)
            audit(s, user, "logout", user.username, request=request, commit=False)
    resp = RedirectResponse("/login?msg=logged_out", status_code=303)
    resp.delete_cookie(auth.SESSION_COOKIE, path="/")
    return resp
