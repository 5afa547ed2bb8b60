"""The operational store: accounts, tokens, consents, published results, objections, audit.

The warehouse (DuckDB) is where data is loaded and methods run; this store is what the
service reads and writes per request, so every table here is small per row and indexed for
the lookups the API makes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zhizao.store.base import Base

ROLES = ("city", "district", "enterprise", "bank", "auditor")
OBJECTION_STATUSES = ("pending", "accepted", "rejected")


def utcnow() -> dt.datetime:
    # Naive UTC everywhere: SQLite has no time zones and mixing aware/naive values breaks comparisons.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(6))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    display_name: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class LoginThrottle(Base):
    """Consecutive failed logins per user name, whether or not such an account exists (so an
    unknown name is throttled and locked exactly like a real one). Counted by one atomic UPDATE
    before the password is checked (:func:`zhizao.web.auth.login`)."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


class ApiToken(Base):
    """A login: the same secret is the bearer token and the session cookie; only its sha256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="tokens")


class Consent(Base):
    """A firm lets a bank read its carbon results for a period; revocable at any time."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    bank_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False, default="carbon")
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date] = mapped_column(Date, nullable=False)
    granted_by: Mapped[str] = mapped_column(String(64), nullable=False)
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    bank: Mapped[User] = relationship()

    __table_args__ = (Index("ix_consents_bank_code", "bank_user_id", "credit_code"),)


class PublishedResult(Base):
    """One firm's row of the run published for (method, year): what the API serves.

    ``payload`` is the CONTRACT.md row as JSON text, served as is; the other columns are
    copies of the row's fields that lists filter and sort on.
    """

    __tablename__ = "published_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(6))
    industry_code: Mapped[str | None] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(String(256))
    outcome: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    rank: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_published_results_method_year_code", "method", "year", "credit_code"),
        Index("ix_published_results_method_year_region", "method", "year", "region_code"),
    )


class Publication(Base):
    """Which run was published for (method, year), by whom and when: the history of publishing."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    run_id: Mapped[str] = mapped_column(String(64), nullable=False)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: JSON list of the held firms left out when published with --with-held (credit_code, check, reason)
    held: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_publications_method_year", "method", "year"),)


class Objection(Base):
    """A firm disputes its published result; the city accepts (with a correction run) or rejects."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64))
    credit_code: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    filed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_path: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    correction_run_id: Mapped[str | None] = mapped_column(String(64))


class AuditEntry(Base):
    """Append-only: the database refuses UPDATE and DELETE on this table (see the baseline migration)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str | None] = mapped_column(String(256))
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))


class ImportJob(Base):
    """A department file uploaded through the web, waiting for (or done by) the import worker
    (``zhizao worker``, started by ``zhizao serve``): the request stores the file and this row,
    and answers at once; the worker imports it (atomically, as ``zhizao import``) and records
    the outcome here. See :mod:`zhizao.ingest.jobs`.

    The same queue and worker run a room's other background jobs (``kind`` other than
    ``import``, e.g. a prepared report, ``Room.jobs``): for those ``table_name`` names the
    job's subject, ``file_path`` / ``file_name`` the file it writes, ``params`` its JSON
    parameters, and ``job_key`` (unique) makes one job per key however many requests ask."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``import`` (a department file), or a room's job kind (``economy.review`` …)
    kind: Mapped[str] = mapped_column(String(64), nullable=False, default="import", server_default="import")
    #: unique: the job of this key (a report of one data state); NULL for imports
    job_key: Mapped[str | None] = mapped_column(String(255))
    params: Mapped[str | None] = mapped_column(Text)
    #: lower runs first (a person waiting: 0; prepared in the background: 10)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    file_path: Mapped[str] = mapped_column(String(1024), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    source: Mapped[str | None] = mapped_column(String(64))
    sheet: Mapped[str | None] = mapped_column(String(64))
    #: queued, running, done, failed
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    #: the importer's stage while running: read, validate, commit
    stage: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: the worker holding the job (host:pid) and when it last said it is alive
    worker: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    #: the import's JSON (CONTRACT.md keys, the first rejects, warnings) once done
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_import_jobs_status", "status", "id"),
                      Index("ix_import_jobs_queue", "status", "priority", "id"),
                      Index("ux_import_jobs_key", "job_key", unique=True))
