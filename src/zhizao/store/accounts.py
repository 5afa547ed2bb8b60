"""Accounts: creating, listing and disabling users; argon2 password hashes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.store.models import ROLES, User


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


# argon2id with OWASP's recommended minimum (19 MiB, 2 passes); deployments may raise it.
_hasher = PasswordHasher(time_cost=_env_int("ZHIZAO_ARGON2_TIME_COST", 2),
                         memory_cost=_env_int("ZHIZAO_ARGON2_MEMORY_KIB", 19456), parallelism=1)
_dummy_hash: str | None = None


def configure_hasher(time_cost: int, memory_kib: int) -> None:
    """Change the cost of new hashes (existing hashes keep verifying: their parameters are stored)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    _dummy_hash = None


def _dummy() -> str:
    # A hash checked when the name is unknown, so that such a login costs the same time as a
    # real one (otherwise the timing tells which accounts exist).
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("zhizao-dummy-password")
    return _dummy_hash

ROLE_TITLES = {"city": "市级", "district": "区县", "enterprise": "企业", "bank": "银行", "auditor": "审计"}
MIN_PASSWORD = 8
MAX_PASSWORD = 256


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class NewUser:
    username: str
    role: str
    region_code: str | None = None
    credit_code: str | None = None
    display_name: str | None = None


def validate(u: NewUser) -> None:
    from zhizao.codes.credit_code import is_valid

    if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,64}", u.username):
        raise AccountError(f"用户名不合法: {u.username}（2–64 位字母、数字或 _.@-）")
    if u.role not in ROLES:
        raise AccountError(f"未知角色: {u.role}（可选: {', '.join(ROLES)}）")
    if u.role == "district":
        if not u.region_code or not re.fullmatch(r"\d{6}", u.region_code):
            raise AccountError("区县用户必须指定 6 位行政区划代码（--region）")
    elif u.region_code:
        raise AccountError("只有区县用户可以指定行政区划代码")
    if u.role == "enterprise":
        if not u.credit_code or not is_valid(u.credit_code):
            raise AccountError("企业用户必须指定有效的统一社会信用代码（--credit-code）")
    elif u.credit_code:
        raise AccountError("只有企业用户可以指定统一社会信用代码")


def check_password(password: str) -> None:
    """The password rule of every account (CLI and web alike)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码不超过 {MAX_PASSWORD} 位")


def add_user(session: Session, u: NewUser, password: str) -> User:
    validate(u)
    check_password(password)
    if session.scalar(select(User.id).where(User.username == u.username)) is not None:
        raise AccountError(f"用户已存在: {u.username}")
    user = User(username=u.username, password_hash=hash_password(password), role=u.role,
                region_code=u.region_code, credit_code=u.credit_code.upper() if u.credit_code else None,
                display_name=u.display_name, active=True)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def labels(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """Username → the name the pages show for whoever did something (a step of a round, an edit,
    a publication): the account's display name, else the username itself (an account since
    removed, or an actor without an account, such as an import script)."""
    names = sorted({u for u in usernames if u})
    if not names:
        return {}
    found = {u: d for u, d in session.execute(select(User.username, User.display_name)
                                                .where(User.username.in_(names)))}
    return {u: found.get(u) or u for u in names}


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_active(session: Session, username: str, active: bool) -> User:
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"找不到用户: {username}")
    user.active = active
    if not active:
        _revoke_tokens(user)
    return user


def _revoke_tokens(user: User) -> None:
    from zhizao.store.models import utcnow

    for t in user.tokens:
        if t.revoked_at is None:
            t.revoked_at = utcnow()


def set_password(session: Session, username: str, password: str) -> User:
    """A new password set by the administrator (a reset): every login of the account ends."""
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"找不到用户: {username}")
    check_password(password)
    user.password_hash = hash_password(password)
    _revoke_tokens(user)
    return user


def change_password(session: Session, username: str, old: str, new: str, keep_token_hash: str | None = None) -> User:
    """A user changes their own password (the old one must match); their other logins end,
    the one with ``keep_token_hash`` (the session making the change) stays."""
    user = get_user(session, username)
    if user is None or not user.active or not verify_password(user.password_hash, old):
        raise AccountError("原密码不正确")
    check_password(new)
    if new == old:
        raise AccountError("新密码不能与原密码相同")
    user.password_hash = hash_password(new)
    from zhizao.store.models import utcnow

    for t in user.tokens:
        if t.revoked_at is None and t.token_hash != keep_token_hash:
            t.revoked_at = utcnow()
    return user


def describe(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "role": user.role,
        "role_title": ROLE_TITLES.get(user.role, user.role),
        "region_code": user.region_code,
        "credit_code": user.credit_code,
        "display_name": user.display_name,
        "active": user.active,
    }
