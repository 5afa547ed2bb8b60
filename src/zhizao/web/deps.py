"""Typed dependencies shared by every router (API and pages).

``SettingsDep``, ``SessionDep``, ``ApiUser`` (bearer token or session cookie, else 401),
``PageUser`` (session cookie, else a redirect to the login page), ``require_roles``,
``ScopeDep`` (what the caller may see), ``audit`` and the CSRF helpers of every POST form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from zhizao.settings import Settings
from zhizao.store import audit as _audit
from zhizao.store.db import request_session_limit, session_factory
from zhizao.store.models import Consent, PublishedResult
from zhizao.web.auth import SESSION_COOKIE, AuthConfig, CurrentUser, cached_user, resolve_token, secret_key

NOT_FOUND = "未找到该企业或记录"
NOT_FOUND_BODY = {"detail": NOT_FOUND}


def not_found() -> HTTPException:
    """The one 404 for "missing" and "not yours": the same status and body, so nobody can probe."""
    return HTTPException(status_code=404, detail=NOT_FOUND)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_auth_config(request: Request) -> AuthConfig:
    cfg: AuthConfig = request.app.state.auth_config
    return cfg


SettingsDep = Annotated[Settings, Depends(get_settings)]
AuthConfigDep = Annotated[AuthConfig, Depends(get_auth_config)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    """One session per request; routes that change something commit explicitly."""
    session = session_factory(settings.store_url)()
    try:
        yield session
    finally:
        session.close()


#: one Depends object, so every route shares its limit (see :func:`request_session_limit`)
SessionDep = Annotated[Session, Depends(get_session, max_concurrency=request_session_limit())]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _bearer(request: Request) -> str | None:
    h = request.headers.get("authorization")
    if h and h[:7].lower() == "bearer ":
        return h[7:].strip()
    return None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _user_for(settings: Settings, token: str | None, cfg: AuthConfig) -> CurrentUser | None:
    # The hot path: a cached token needs no thread hop and no store access.
    user = cached_user(token)
    if user is None and token:
        user = await run_in_threadpool(resolve_token, settings, token, cfg)
    return user


async def get_api_user(request: Request, settings: SettingsDep, cfg: AuthConfigDep) -> CurrentUser:
    bearer = _bearer(request)
    user = await _user_for(settings, bearer or request.cookies.get(SESSION_COOKIE), cfg)
    if user is None:
        raise HTTPException(status_code=401, detail="未登录或登录已过期", headers={"WWW-Authenticate": "Bearer"})
    if bearer is None and request.method not in SAFE_METHODS:
        # A browser sends the cookie on cross-site requests too: a change made with the cookie
        # alone must also carry the page's CSRF token (a bearer token cannot be forged that way).
        verify_csrf(request, request.headers.get("x-csrf-token"))
    return user


class LoginRequired(Exception):
    """Raised by :data:`PageUser`; the app turns it into a redirect to ``/login?next=…``."""

    def __init__(self, next_url: str, expired: bool = False) -> None:
        self.next_url = next_url
        #: a form was posted after the session ended (the login page says so)
        self.expired = expired


def login_redirect_url(next_url: str, expired: bool = False) -> str:
    return f"/login?next={quote(next_url, safe='/')}" + ("&msg=expired" if expired else "")


def return_path(request: Request) -> str:
    """Where to come back after logging in: the page itself for a GET; for a form posted after
    the session ended, the page the form was on (its same-site ``Referer``), never the POST-only
    address (which would answer "method not allowed")."""
    if request.method in SAFE_METHODS:
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return referer_path(request.headers.get("referer"), request.headers.get("host")) or "/"


def referer_path(referer: str | None, host: str | None) -> str | None:
    """The path and query of a same-site ``Referer``; None for another site or none."""
    from urllib.parse import urlsplit

    if not referer:
        return None
    parts = urlsplit(referer)
    if host and parts.netloc and parts.netloc != host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or path.startswith("/login"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


async def get_page_user(request: Request, settings: SettingsDep, cfg: AuthConfigDep) -> CurrentUser:
    user = await _user_for(settings, request.cookies.get(SESSION_COOKIE), cfg)
    if user is None:
        raise LoginRequired(return_path(request), expired=request.method not in SAFE_METHODS)
    request.state.user = user
    return user


async def get_optional_user(request: Request, settings: SettingsDep, cfg: AuthConfigDep) -> CurrentUser | None:
    return await _user_for(settings, request.cookies.get(SESSION_COOKIE), cfg)


ApiUser = Annotated[CurrentUser, Depends(get_api_user)]
PageUser = Annotated[CurrentUser, Depends(get_page_user)]
OptionalPageUser = Annotated[CurrentUser | None, Depends(get_optional_user)]


def require_roles(*roles: str) -> Callable[..., Awaitable[CurrentUser]]:
    """A dependency admitting only ``roles`` (403 otherwise; use for actions, not for firm reads,
    which answer 404 out of scope). Works for API and pages: it takes the API user."""

    async def dep(user: ApiUser) -> CurrentUser:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="当前角色无权执行此操作")
        return user

    return dep


def require_page_roles(*roles: str) -> Callable[..., Awaitable[CurrentUser]]:
    async def dep(user: PageUser) -> CurrentUser:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="当前角色无权访问此页面")
        return user

    return dep


# ---------------------------------------------------------------- scope


@dataclass
class Scope:
    """Which firms the caller may see (CONTRACT.md roles).

    ``what`` is ``"carbon"`` for carbon results and anything else (``"profile"``, ``"mujun"``,
    …) for the rest: a bank sees carbon results of consenting firms and nothing else.
    """

    user: CurrentUser
    session: Session
    _consented: set[str] | None = field(default=None, repr=False)

    @property
    def role(self) -> str:
        return self.user.role

    def consented_codes(self) -> set[str]:
        if self._consented is None:
            today = dt.date.today()
            self._consented = set(self.session.scalars(
                select(Consent.credit_code).where(
                    Consent.bank_user_id == self.user.id, Consent.revoked_at.is_(None),
                    Consent.scope == "carbon", Consent.valid_from <= today, Consent.valid_to >= today)))
        return self._consented

    def can_see_firm(self, credit_code: str, region_code: str | None, what: str = "profile") -> bool:
        role = self.user.role
        if role in ("city", "auditor"):
            return True
        if role == "district":
            return region_code is not None and region_code == self.user.region_code
        if role == "enterprise":
            return credit_code == self.user.credit_code
        if role == "bank":
            return what == "carbon" and credit_code in self.consented_codes()
        return False

    def firm_filter(self, code_col: Any = PublishedResult.credit_code, region_col: Any = PublishedResult.region_code,
                    what: str = "profile") -> tuple[ColumnElement[bool], ...]:
        """Conditions restricting a query to the firms in scope (empty for city and auditor)."""
        role = self.user.role
        if role in ("city", "auditor"):
            return ()
        if role == "district":
            return (region_col == self.user.region_code,)
        if role == "enterprise":
            return (code_col == self.user.credit_code,)
        if role == "bank" and what == "carbon":
            return (code_col.in_(sorted(self.consented_codes())),)
        return (false(),)

    def key(self, what: str = "profile") -> tuple[Any, ...]:
        """What :meth:`firm_filter` restricts to, as a hashable key: figures prepared for one
        scope are kept under it and never shown to another (the city and auditors share theirs,
        a district has its own, a bank the set of firms that authorise it today)."""
        role = self.user.role
        if role in ("city", "auditor"):
            return ("all",)
        if role == "district":
            return ("region", self.user.region_code)
        if role == "enterprise":
            return ("firm", self.user.credit_code)
        if role == "bank" and what == "carbon":
            return ("codes", tuple(sorted(self.consented_codes())))
        return ("none",)

    def region_for(self, region: str | None, denied: str = "当前角色无权查看") -> str | None:
        """The region a figures request may ask for: city and auditors any (None = all), a
        district its own (another one answers 404, as for firms); other roles get 403."""
        role = self.user.role
        if role in ("city", "auditor"):
            return region
        if role == "district":
            own = self.user.region_code
            if region is not None and region != own:
                raise not_found()
            return str(own)
        raise HTTPException(status_code=403, detail=denied)

    @property
    def audited_reads(self) -> bool:
        """Banks and auditors: every read they make is in the audit log."""
        return self.user.role in ("bank", "auditor")


def get_scope(user: ApiUser, session: SessionDep) -> Scope:
    return Scope(user, session)


ScopeDep = Annotated[Scope, Depends(get_scope)]


def audit(session: Session, user: CurrentUser | None, action: str, target: str | None = None,
          detail: dict[str, Any] | None = None, request: Request | None = None, commit: bool = True) -> None:
    """Record an action in the audit log (and commit, unless the caller commits with its change)."""
    _audit.record(session, action, username=user.username if user else None, role=user.role if user else None,
                  target=target, detail=detail, ip=client_ip(request) if request is not None else None)
    if commit:
        session.commit()


def audit_read(scope: Scope, action: str, target: str | None, request: Request | None = None,
               detail: dict[str, Any] | None = None) -> None:
    """Audit a read when the caller's role requires it (bank, auditor)."""
    if scope.audited_reads:
        audit(scope.session, scope.user, action, target, detail, request)


# ---------------------------------------------------------------- CSRF

CSRF_FIELD = "csrf_token"
PRE_SESSION_COOKIE = "zhizao_pre"
CSRF_MAX_AGE_S = 12 * 3600


class CsrfError(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def _binding(request: Request) -> str:
    """What a form token is bound to: the session (or the pre-login cookie on the login form)."""
    explicit = getattr(request.state, "csrf_binding", None)
    raw = explicit or request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE) or "anonymous"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(request.app.state.settings), salt="zhizao-csrf")


def csrf_token(request: Request) -> str:
    """A signed token for the hidden ``csrf_token`` field of a form rendered for this request."""
    cached = getattr(request.state, "csrf_token", None)
    if cached:
        return str(cached)
    token = str(_serializer(request).dumps(_binding(request)))
    request.state.csrf_token = token
    return token


def verify_csrf(request: Request, token: str | None) -> None:
    """Raise :class:`CsrfError` (403) unless ``token`` was issued for this session and is fresh."""
    if not token:
        raise CsrfError()
    try:
        bound = _serializer(request).loads(token, max_age=CSRF_MAX_AGE_S)
    except BadSignature:
        raise CsrfError() from None
    if not isinstance(bound, str) or not hmac.compare_digest(bound, _binding(request)):
        raise CsrfError()
