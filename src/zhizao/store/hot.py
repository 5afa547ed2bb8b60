"""The server's audited hot path (a bank's or an auditor's read of one firm's grade): the consent
check as one statement on the calling thread's own connection, and the audit entry written by
**group commit**.

Why group commit: every audited read adds a row to ``audit_log``. One transaction per read made
the server's workers queue for SQLite's single write lock, and a writer that finds the lock
taken sleeps in SQLite's busy handler (1, 2, 5, 10 … 100 ms), which was the bank read's tail
(p99 1.26 s, 599 req/s; bench/results/serve_load.md). Here one writer thread per process takes
every entry waiting, inserts them in one transaction and commits once; the requests wait (on
the event loop, holding no thread) until that commit is done.

Durability: **a response is never sent before its audit row is committed** — the request
awaits the commit of the batch holding its row, and a failed commit fails the request (HTTP
500, nothing served). On SQLite the writer's connection commits with ``synchronous=FULL`` (an
fsync of the WAL at each commit, so the row survives a power cut too, not only a crash of the
server; the batch shares the fsync); on PostgreSQL the commit is durable as the server is
configured (``synchronous_commit`` on by default).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import queue
import threading
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert
from sqlalchemy.pool import StaticPool

from zhizao.cliutil import dumps
from zhizao.store import stamps
from zhizao.store.db import _sqlite_pragmas, own_fetch_one
from zhizao.store.models import AuditEntry, utcnow

_CONSENT_SQL = ("SELECT 1 FROM consents WHERE bank_user_id = {p} AND credit_code = {p} AND scope = {p} "
                "AND revoked_at IS NULL AND valid_from <= {p} AND valid_to >= {p} LIMIT 1")


#: the consent checks this process made, each kept while no consent changed (the consents'
#: stamp file, :mod:`zhizao.store.stamps`) and for at most 2 seconds
_CONSENTS = stamps.Kept(maxsize=20_000)


def consent_lookup(url: str, bank_user_id: int, credit_code: str, scope: str = "carbon",
                   today: dt.date | None = None) -> bool:
    """Whether the bank holds a consent of the firm in force today: one indexed read
    (``ix_consents_bank_code``) on the calling thread's own connection, as
    :func:`zhizao.store.publish.payload_lookup` (never waits for the shared pool), kept until a
    consent is granted or revoked anywhere (a revocation holds for the very next read)."""
    day = (today or dt.date.today()).isoformat()  # dates are stored as ISO text on SQLite; PostgreSQL casts
    return _CONSENTS.get(url, "consents", (bank_user_id, credit_code, scope, day), lambda: own_fetch_one(
        url, _CONSENT_SQL, (bank_user_id, credit_code, scope, day, day)) is not None)


def _durable_sqlite(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    _sqlite_pragmas(dbapi_conn, record)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


class AuditWriter:
    """One thread writing the audit entries of this process by group commit (see the module)."""

    #: at most this many entries in one transaction
    MAX_BATCH = 500

    def __init__(self, url: str) -> None:
        self.url = url
        self._queue: queue.SimpleQueue[tuple[dict[str, Any], Future[None]]] = queue.SimpleQueue()
        self._engine = self._make_engine(url)
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    @staticmethod
    def _make_engine(url: str) -> Engine:
        if url.startswith("sqlite"):
            eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, poolclass=StaticPool)
            event.listen(eng, "connect", _durable_sqlite)
            return eng
        return create_engine(url, poolclass=StaticPool, pool_pre_ping=True)

    def submit(self, action: str, *, username: str | None = None, role: str | None = None,
               target: str | None = None, detail: dict[str, Any] | None = None, ip: str | None = None) -> Future[None]:
        """Queue an entry; the future is done once the transaction holding it is committed."""
        fut: Future[None] = Future()
        row = {"at": utcnow(), "username": username, "role": role, "action": action, "target": target,
               "detail": dumps(detail) if detail is not None else None, "ip": ip}
        self._queue.put((row, fut))
        return fut

    async def record(self, action: str, **fields: Any) -> None:
        """Queue an entry and wait (on the event loop) until it is committed; raises if it was not."""
        await asyncio.wrap_future(self.submit(action, **fields))

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write([row for row, _ in batch])
            except BaseException as exc:  # nothing of the batch is served: every request fails
                for _, fut in batch:
                    fut.set_exception(exc)
                continue
            for _, fut in batch:
                fut.set_result(None)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        for attempt in (1, 2):
            try:
                with self._engine.begin() as conn:
                    conn.execute(insert(AuditEntry), rows)
                return
            except Exception:
                self._engine.dispose()  # a dropped connection: a new one, once
                if attempt == 2:
                    raise


_writers: dict[tuple[int, str], AuditWriter] = {}
_lock = threading.Lock()


def audit_writer(url: str) -> AuditWriter:
    """This process's writer for the store at ``url`` (a forked worker starts its own)."""
    key = (os.getpid(), url)
    with _lock:
        w = _writers.get(key)
        if w is None:
            w = _writers[key] = AuditWriter(url)
        return w
