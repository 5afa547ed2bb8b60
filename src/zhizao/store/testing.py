"""Helpers for tests of the store and the web layer (used by the test suite's fixtures).

PostgreSQL: ``pg_database(base_url)`` creates a throw-away database on the test cluster for a
test session and drops it afterwards; ``pg_schema(db_url)`` gives each test its own schema
(search_path) so tests stay independent although the audit log refuses deletes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from zhizao.codes.credit_code import make
from zhizao.store.db import dispose
from zhizao.store.models import ApiToken, User, utcnow


@contextmanager
def pg_database(base_url: str) -> Iterator[str]:
    """A fresh database beside the one ``base_url`` names; dropped on exit."""
    name = f"zhizao_t_{secrets.token_hex(4)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def pg_schema(db_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema of ``db_url``'s database; dropped on exit."""
    schema = f"t_{secrets.token_hex(6)}"
    eng = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in db_url else "?"
    url = f"{db_url}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        dispose(url)
        with eng.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()


def credit_code(i: int, region: str = "330104") -> str:
    """A valid credit code for test firm number ``i``."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org = ""
    n = i
    for _ in range(8):
        org = alphabet[n % 31] + org
        n //= 31
    return make("9", "1", region, "M" + org)


def add_user_fast(session: Session, username: str, role: str, *, password_hash: str, region_code: str | None = None,
                  credit_code: str | None = None, display_name: str | None = None) -> User:
    """Insert a user with a precomputed hash (argon2 is slow on purpose; tests reuse one hash)."""
    u = User(username=username, password_hash=password_hash, role=role, region_code=region_code,
             credit_code=credit_code, display_name=display_name, active=True, failed_attempts=0)
    session.add(u)
    session.flush()
    return u


def issue_token(session: Session, user: User, hours: float = 1.0) -> str:
    """A bearer token for ``user`` as a login would issue (without the password check)."""
    import datetime as dt

    from zhizao.web.auth import hash_token

    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=hash_token(token), user_id=user.id, created_at=utcnow(),
                         expires_at=utcnow() + dt.timedelta(hours=hours)))
    session.flush()
    return token
