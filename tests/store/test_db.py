"""The store schema: migrations, idempotent init, the append-only audit log, both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from zhizao.store import audit
from zhizao.store.db import current_revision, engine_for, init_store, session_scope
from zhizao.store.models import AuditEntry


def test_init_store_is_idempotent_and_at_baseline_head(store_settings):
    init_store(store_settings)
    init_store(store_settings)
    assert current_revision(store_settings)
    tables = set(inspect(engine_for(store_settings.store_url)).get_table_names())
    assert {"users", "api_tokens", "consents", "published_results", "publications", "objections",
            "audit_log", "alembic_version"} <= tables


def test_published_results_are_indexed_on_method_year_code(store_settings):
    idx = inspect(engine_for(store_settings.store_url)).get_indexes("published_results")
    assert any(i["column_names"] == ["method", "year", "credit_code"] for i in idx)


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"])
def test_audit_log_refuses_update_and_delete(store_settings, statement):
    with session_scope(store_settings) as s:
        audit.record(s, "login", username="alice", role="city", target="alice", detail={"k": 1}, ip="127.0.0.1")
    with pytest.raises(DatabaseError, match="append-only"), session_scope(store_settings) as s:
        s.execute(text(statement))
    with session_scope(store_settings) as s:
        rows = s.query(AuditEntry).all()
        assert [(r.action, r.username) for r in rows] == [("login", "alice")]


def test_audit_entries_page_newest_first(store_settings):
    with session_scope(store_settings) as s:
        for i in range(5):
            audit.record(s, "read.carbon", username="bank1", role="bank", target=f"T{i}")
    with session_scope(store_settings) as s:
        total, rows = audit.entries(s, username="bank1", limit=2, offset=1)
    assert total == 5
    assert [r.target for r in rows] == ["T3", "T2"]


def test_the_server_checkpoints_the_sqlite_wal_from_one_thread_not_after_a_request_s_commit(tmp_path, monkeypatch):
    """In the server the connections do not checkpoint (a commit crossing the WAL's limit used
    to copy and fsync the database in that request's time); one thread does, in the background."""
    import sqlite3
    import threading
    import time

    from zhizao.store import db

    monkeypatch.setattr(db, "_background_checkpoints", False)  # restored afterwards: other tests' connections
    path = tmp_path / "store.sqlite"
    url = f"sqlite:///{path}"
    stop = threading.Event()
    try:
        assert db.checkpoint_in_background(url, every_s=0.2, stop=stop) is not None
        con = sqlite3.connect(path)
        db._sqlite_pragmas(con, None)
        assert con.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        con.execute("CREATE TABLE t (x TEXT)")
        con.commit()
        size = path.stat().st_size
        for _ in range(20):
            con.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
            con.commit()  # 2 MB through the WAL; this connection never checkpoints
        deadline = time.monotonic() + 10
        while path.stat().st_size <= size + 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.stat().st_size > size + 1_000_000  # copied into the database by the thread
        con.close()
    finally:
        stop.set()
    assert db.checkpoint_in_background("postgresql+psycopg://x@127.0.0.1/db") is None
