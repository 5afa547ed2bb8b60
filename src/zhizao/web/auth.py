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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from zhizao.settings import Settings
from zhizao.store.accounts import get_user, verify_password
from zhizao.store.db import session_factory, session_scope
from zhizao.store.models import ApiToken, LoginThrottle, User, utcnow

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

    @classmethod
    def viewing(cls, region: str | None) -> CurrentUser:
        """A stand-in for the viewers of a default scope (:func:`zhizao.prepared.scopes`: None the
        whole city, a region code a district), for what is prepared before anyone visits: it is
        no account (id 0, no name, no token) and is never logged in."""
        return cls(0, "", "district" if region else "city", region, None, None)


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
    #: whether the password was checked (never while the name is locked)
    checked: bool = True


def _throttle_update(name: str, cfg: AuthConfig, now: dt.datetime) -> Any:
    """One UPDATE counting an attempt, unless the name is locked; a lock that has run out, or
    failures older than the lock-out period, start the count afresh. The attempt that reaches
    ``max_failures`` sets the lock itself, so no later attempt is checked while it is in flight."""
    t = cast("Table", LoginThrottle.__table__)
    fresh = or_(and_(t.c.locked_until.is_not(None), t.c.locked_until <= now),
                t.c.last_at < now - dt.timedelta(minutes=cfg.lockout_minutes))
    lock_end = now + dt.timedelta(minutes=cfg.lockout_minutes)
    first_locks = cfg.max_failures <= 1
    return (update(t)
            .where(t.c.username == name, or_(t.c.locked_until.is_(None), t.c.locked_until <= now))
            .values(failures=case((fresh, 1), else_=t.c.failures + 1),
                    locked_until=case((fresh, lock_end if first_locks else null()),
                                      (t.c.failures + 1 >= cfg.max_failures, lock_end),
                                      else_=t.c.locked_until),
                    last_at=now)
            .returning(t.c.failures, t.c.locked_until))


def reserve_attempt(session: Session, username: str, cfg: AuthConfig) -> tuple[int, dt.datetime | None] | None:
    """Count one login attempt for ``username`` *before* its password is checked (atomic, in the
    store, so parallel requests and several workers share one count). Returns (failures counting
    this attempt, the lock it set) or ``None`` when the name is locked: then nothing is checked.
    Known and unknown names are counted alike. The caller commits at once."""
    name = username[:64]
    now = utcnow()
    for _ in range(2):
        row = session.execute(_throttle_update(name, cfg, now)).first()
        if row is not None:
            return int(row[0]), row[1]
        t = cast("Table", LoginThrottle.__table__)
        lock = now + dt.timedelta(minutes=cfg.lockout_minutes) if cfg.max_failures <= 1 else None
        insert = (pg_insert(t) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(t))
        inserted = session.execute(insert.values(username=name, failures=1, locked_until=lock, last_at=now)
                                   .on_conflict_do_nothing(index_elements=["username"])
                                   .returning(t.c.username)).first()
        if inserted is not None:
            return 1, lock
        # a row exists: either locked, or inserted meanwhile by a parallel attempt (count again)
        locked = session.execute(select(LoginThrottle.locked_until).where(LoginThrottle.username == name)).scalar()
        if locked is not None and locked > now:
            return None
    return None


def locked_until(session: Session, username: str) -> dt.datetime | None:
    return session.execute(select(LoginThrottle.locked_until).where(LoginThrottle.username == username[:64])
                           ).scalar()


def login(settings: Settings, username: str, password: str, cfg: AuthConfig, ip: str | None = None,
          record: Callable[[Session, LoginResult], None] | None = None) -> LoginResult:
    """Check a password; on success issue a token, on failure answer after a growing delay and
    lock the name after ``max_failures``.

    The attempt is counted first, in its own transaction (:func:`reserve_attempt`), so 40
    parallel guesses check at most ``max_failures`` passwords. An unknown name is checked against
    a dummy hash and counted and locked like a real one: same answers, same timing. ``record``
    (the audit entry) runs in the transaction that issues the token."""
    with session_scope(settings) as s:
        reserved = reserve_attempt(s, username, cfg)
    if reserved is None:
        with session_scope(settings) as s:
            until = locked_until(s, username) or utcnow() + dt.timedelta(minutes=cfg.lockout_minutes)
            result = LoginResult(False, delay_s=cfg.delay_for(cfg.max_failures), locked_until=until, checked=False)
            if record:
                record(s, result)
        return result
    failures, lock = reserved
    with session_scope(settings) as s:
        user = get_user(s, username)
        ok = verify_password(user.password_hash if user is not None else None, password)
        if user is None or not ok or not user.active:
            result = LoginResult(False, delay_s=cfg.delay_for(failures), locked_until=lock)
        else:
            s.execute(delete(LoginThrottle).where(LoginThrottle.username == username[:64]))
            now = utcnow()
            token = secrets.token_urlsafe(32)
            expires = now + dt.timedelta(hours=cfg.session_hours)
            s.add(ApiToken(token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=expires, ip=ip))
            result = LoginResult(True, token=token, user=CurrentUser.of(user, hash_token(token)), expires_at=expires)
        if record:
            record(s, result)
    return result


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
