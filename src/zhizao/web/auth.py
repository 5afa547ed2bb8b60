"""Logins, tokens and the secret that signs CSRF tokens.

A login issues one random token: the client sends it as ``Authorization: Bearer …`` (API) or
carries it in the HttpOnly session cookie (web UI). The store keeps only its sha256, so a
leaked database does not leak sessions. Verified tokens are cached in memory for a few
seconds so the hot API path does not hit the store for every request; logout and disabling
an account drop the entry here at once (other worker processes within the cache lifetime).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zhizao.settings import Settings
from zhizao.store.accounts import get_user, verify_password
from zhizao.store.db import session_factory
from zhizao.store.models import ApiToken, User, utcnow

SESSION_COOKIE = "zhizao_session"


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class AuthConfig:
    """Session lifetime and the lock-out policy (environment variables override the defaults)."""

    session_hours: float = 8.0
    max_failures: int = 5
    lockout_minutes: float = 15.0
    #: first delay after a failure, doubled at each further failure, capped at ``max_delay_s``
    base_delay_s: float = 0.25
    max_delay_s: float = 4.0
    token_cache_s: float = 10.0

    @classmethod
    def from_env(cls) -> AuthConfig:
        return cls(
            session_hours=_env_float("ZHIZAO_SESSION_HOURS", 8.0),
            max_failures=int(_env_float("ZHIZAO_LOGIN_MAX_FAILURES", 5)),
            lockout_minutes=_env_float("ZHIZAO_LOCKOUT_MINUTES", 15.0),
            base_delay_s=_env_float("ZHIZAO_LOGIN_DELAY_S", 0.25),
            token_cache_s=_env_float("ZHIZAO_TOKEN_CACHE_S", 10.0),
        )

    def delay_for(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return float(min(self.base_delay_s * 2 ** (failures - 1), self.max_delay_s))


@dataclass(frozen=True)
class CurrentUser:
    """The caller, detached from any database session (safe to cache and to hand to templates)."""

    id: int
    username: str
    role: str
    region_code: str | None
    credit_code: str | None
    display_name: str | None
    token_hash: str = ""

    @classmethod
    def of(cls, u: User, token_hash: str = "") -> CurrentUser:
        return cls(u.id, u.username, u.role, u.region_code, u.credit_code, u.display_name, token_hash)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- token cache

_cache: dict[str, tuple[CurrentUser, float]] = {}
_cache_lock = threading.Lock()


def _cache_get(th: str) -> CurrentUser | None:
    hit = _cache.get(th)
    if hit is None:
        return None
    user, until = hit
    if until < time.monotonic():
        with _cache_lock:
            _cache.pop(th, None)
        return None
    return user


def forget_token(th: str) -> None:
    with _cache_lock:
        _cache.pop(th, None)


def forget_user(username: str) -> None:
    with _cache_lock:
        for k in [k for k, (u, _) in _cache.items() if u.username == username]:
            _cache.pop(k, None)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def cached_user(token: str | None) -> CurrentUser | None:
    """The user of a recently verified token, without touching the store (None on a miss)."""
    if not token or len(token) > 256:
        return None
    return _cache_get(hash_token(token))


def resolve_token(settings: Settings, token: str | None, cfg: AuthConfig) -> CurrentUser | None:
    """The active user a token belongs to, or None (unknown, expired, revoked or disabled)."""
    if not token or len(token) > 256:
        return None
    th = hash_token(token)
    user = _cache_get(th)
    if user is not None:
        return user
    now = utcnow()
    with session_factory(settings.store_url)() as s:
        row = s.execute(
            select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == th, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now,
                   User.active.is_(True))
        ).scalar_one_or_none()
        if row is None:
            return None
        user = CurrentUser.of(row, th)
        expires = s.scalar(select(ApiToken.expires_at).where(ApiToken.token_hash == th))
    # never cache past the token's own expiry
    ttl = min(cfg.token_cache_s, (expires - now).total_seconds()) if expires else 0
    if ttl > 0:
        with _cache_lock:
            if len(_cache) > 100_000:
                _cache.clear()
            _cache[th] = (user, time.monotonic() + ttl)
    return user


# ---------------------------------------------------------------- login / logout


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    token: str | None = None
    user: CurrentUser | None = None
    expires_at: dt.datetime | None = None
    #: seconds to wait before answering a failure (slows guessing)
    delay_s: float = 0.0
    locked_until: dt.datetime | None = None


def login(session: Session, username: str, password: str, cfg: AuthConfig, ip: str | None = None) -> LoginResult:
    """Check a password; on success issue a token, on failure count it and maybe lock the account.

    The caller commits the session (and writes the audit entry in the same transaction)."""
    now = utcnow()
    user = get_user(session, username)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        # Do not even check the password while locked: a correct guess must not be confirmed.
        return LoginResult(False, locked_until=user.locked_until, delay_s=cfg.delay_for(user.failed_attempts))
    ok = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not ok or not user.active:
        if user is None:
            return LoginResult(False, delay_s=cfg.base_delay_s)
        user.failed_attempts = (user.failed_attempts or 0) + 1
        locked = None
        if user.failed_attempts >= cfg.max_failures:
            locked = now + dt.timedelta(minutes=cfg.lockout_minutes)
            user.locked_until = locked
        return LoginResult(False, delay_s=cfg.delay_for(user.failed_attempts), locked_until=locked)
    user.failed_attempts = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=cfg.session_hours)
    session.add(ApiToken(token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=expires, ip=ip))
    return LoginResult(True, token=token, user=CurrentUser.of(user, hash_token(token)), expires_at=expires)


def revoke(session: Session, token_hash: str) -> None:
    session.execute(update(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
    forget_token(token_hash)


# ---------------------------------------------------------------- the signing secret


def secret_key(settings: Settings) -> str:
    """``ZHIZAO_SECRET_KEY`` when set; else a random key kept (mode 600) in the home directory,
    so every worker process and every restart signs with the same key."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.home) / "secret_key"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # first writer wins when several workers start at once
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
