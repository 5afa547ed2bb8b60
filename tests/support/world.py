"""Helpers for tests of the store and the web layer (used by the test suite's fixtures).

PostgreSQL: ``pg_database(base_url)`` creates a throw-away database on the test cluster for a
test session and drops it afterwards; ``pg_schema(db_url)`` gives each test its own schema
(search_path) so tests stay independent although the audit log refuses deletes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from city import credit_code
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from zhizao.settings import Settings
from zhizao.store.accounts import hash_password
from zhizao.store.db import dispose, session_scope
from zhizao.store.models import ApiToken, User, utcnow
from zhizao.store.publish import publish_rows


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


def add_user_fast(session: Session, username: str, role: str, *, password_hash: str, region_code: str | None = None,
                  credit_code: str | None = None, display_name: str | None = None) -> User:
    """Insert a user with a precomputed hash (argon2 is slow on purpose; tests reuse one hash)."""
    u = User(username=username, password_hash=password_hash, role=role, region_code=region_code,
             credit_code=credit_code, display_name=display_name, active=True)
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


# ---------------------------------------------------------------- a small populated city

PASSWORD = "correct-horse"
REGION_A, REGION_B = "330102", "330105"
YEAR = 2024


@dataclass
class World:
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    #: firm codes: a0, a1 in region A; b0, b1 in region B; "missing" was never published
    firms: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def carbon_row(code: str, i: int, region: str, grade: int) -> dict:
    return {"credit_code": code, "name": f"测试企业{i}", "region_code": region,
            "industry_code": "3311" if i % 2 else "2611", "year": YEAR, "emissions_t": 1000.0 + i,
            "value_added": 500.0, "intensity": 2.0, "benchmark_intensity": 2.5, "k_value": 0.8, "level": "先进",
            "grade": grade, "colour": "绿", "neutrality_rate": 0.01, "status": "graded", "reason": None}


def mujun_row(code: str, i: int, klass: str, rank: int) -> dict:
    return {"credit_code": code, "name": f"测试企业{i}", "track": "above_scale", "year": YEAR,
            "indicators": {"tax_per_mu": 10.0 + i}, "score": 80.0 - i, "rank": rank, "class": klass,
            "status": "rated", "reason": None}


def build_world(settings: Settings) -> World:
    w = World(settings)
    w.firms = {"a0": credit_code(0, REGION_A), "a1": credit_code(1, REGION_A),
               "b0": credit_code(2, REGION_B), "b1": credit_code(3, REGION_B),
               "missing": credit_code(99, REGION_A)}
    pw = hash_password(PASSWORD)
    with session_scope(settings) as s:
        users = {
            "city": add_user_fast(s, "city", "city", password_hash=pw, display_name="市经信局"),
            "district_a": add_user_fast(s, "dist_a", "district", password_hash=pw, region_code=REGION_A),
            "district_b": add_user_fast(s, "dist_b", "district", password_hash=pw, region_code=REGION_B),
            "firm_a0": add_user_fast(s, "firm_a0", "enterprise", password_hash=pw, credit_code=w.firms["a0"]),
            "firm_b0": add_user_fast(s, "firm_b0", "enterprise", password_hash=pw, credit_code=w.firms["b0"]),
            "bank": add_user_fast(s, "bank1", "bank", password_hash=pw, display_name="某银行"),
            "bank2": add_user_fast(s, "bank2", "bank", password_hash=pw),
            "auditor": add_user_fast(s, "auditor", "auditor", password_hash=pw),
        }
        w.tokens = {k: issue_token(s, u) for k, u in users.items()}
        rows = [carbon_row(w.firms[k], i, REGION_A if k[0] == "a" else REGION_B, g)
                for i, (k, g) in enumerate([("a0", 1), ("a1", 2), ("b0", 2), ("b1", 5)])]
        publish_rows(s, "carbon", YEAR, "seed-carbon-2024", rows, "city")
        mrows = [mujun_row(w.firms[k], i, c, i + 1) for i, (k, c) in enumerate([("a0", "A"), ("a1", "B"),
                                                                              ("b0", "A"), ("b1", "D")])]
        firms = {w.firms[k]: (REGION_A if k[0] == "a" else REGION_B, "3311", None) for k in ("a0", "a1", "b0", "b1")}
        publish_rows(s, "mujun", YEAR, "seed-mujun-2024", mrows, "city", firms)
    return w


def write_enterprises_csv(path: Path, firms: dict[str, str], extra_bad_row: bool = False) -> Path:
    lines = ["统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期"]
    for i, key in enumerate(("a0", "a1", "b0", "b1")):
        region = REGION_A if key[0] == "a" else REGION_B
        lines.append(f"{firms[key]},测试企业{i},{region},{'3311' if i % 2 else '2611'},2010-01-0{i + 1}")
    if extra_bad_row:
        lines.append("91330102M0000000XX,坏代码企业,330102,3311,2010-01-01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
