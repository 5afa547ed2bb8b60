"""The warehouse layout: facts by batch, the current view, as-of queries.

For each contract table ``T`` the warehouse holds

- ``fact_T``: every loaded row ever, typed and in canonical units, with ``_batch_id`` (the
  import batch), ``_row`` (row number in its file, header = row 1) and ``_current`` (false once
  a newer batch supplied the same key);
- ``T``: a view of the current rows (``_current``), which methods read;
- ``batches`` and ``rejects``: one row per import and one per rejected row.

``_current`` is maintained by the importer in the same transaction as the insert, so reading
the current state is a filter, not a window over history; the history stays for
:func:`as_of_sql`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from zhizao.contract import TABLES, Table

SQL_TYPES = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "month": "DATE",
    "year": "INTEGER",
    "bool": "BOOLEAN",
}

BATCHES_DDL = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id BIGINT PRIMARY KEY,
    table_name VARCHAR NOT NULL,
    source VARCHAR,
    file_name VARCHAR,
    content_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    duplicate_of BIGINT
);
CREATE SEQUENCE IF NOT EXISTS batch_seq START 1;
CREATE TABLE IF NOT EXISTS rejects (
    batch_id BIGINT NOT NULL,
    "row" BIGINT NOT NULL,
    "column" VARCHAR,
    code VARCHAR NOT NULL,
    message VARCHAR NOT NULL
);
"""


def fact_name(table: str) -> str:
    return f"fact_{table}"


def fact_ddl(t: Table) -> str:
    cols = [f'"{c.name}" {SQL_TYPES[c.type]}' for c in t.columns]
    cols += ["_batch_id BIGINT NOT NULL", "_row BIGINT NOT NULL", "_current BOOLEAN NOT NULL DEFAULT TRUE"]
    return f"CREATE TABLE IF NOT EXISTS {fact_name(t.name)} (\n    " + ",\n    ".join(cols) + "\n)"


def current_view_ddl(t: Table) -> str:
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    return f"CREATE OR REPLACE VIEW {t.name} AS SELECT {cols}, _batch_id FROM {fact_name(t.name)} WHERE _current"


def schema_sql() -> list[str]:
    """Every statement that creates the warehouse (idempotent)."""
    stmts = [s.strip() for s in BATCHES_DDL.split(";") if s.strip()]
    for t in TABLES.values():
        stmts.append(fact_ddl(t))
        stmts.append(current_view_ddl(t))
    return stmts


def as_of_sql(table: str, as_of: str) -> str:
    """The rows of ``table`` as known at timestamp ``as_of`` (ISO text), newest batch per key."""
    t = TABLES[table]
    cols = ", ".join(f'f."{c}"' for c in t.column_names)
    key = ", ".join(f'f."{k}"' for k in t.key)
    return (
        f"SELECT {cols}, f._batch_id FROM {fact_name(table)} f JOIN batches b ON b.batch_id = f._batch_id "
        f"WHERE b.created_at <= TIMESTAMP '{as_of}' "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY f._batch_id DESC) = 1"
    )


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the warehouse tables on a DuckDB connection if missing."""
    for stmt in schema_sql():
        con.execute(stmt)


class WarehouseBusy(RuntimeError):
    """The warehouse file is held by another process (or by this one in the other mode) for
    longer than the caller would wait; the message is in Chinese."""


class WarehouseMissing(WarehouseBusy):
    """Nothing has been imported yet: there is no warehouse file to read (message in Chinese)."""


def schema_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every warehouse table and view exists: re-creating the views on each open costs
    a catalog write, a good part of a small import's time."""
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()").fetchall()}
    return {"batches", "rejects", *TABLES, *(fact_name(t) for t in TABLES)} <= names


#: a writer waiting for the lock refreshes its intent file this often; older files are stale
INTENT_FRESH_S = 5.0


def intent_path(path: Path) -> Path:
    return path.with_name(path.name + ".writer-waiting")


def writer_waiting(path: Path) -> bool:
    """Whether another live process is waiting to write the warehouse (see :func:`connect`)."""
    p = intent_path(Path(path))
    try:
        age = time.time() - p.stat().st_mtime
        pid = int(p.read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return False
    if age > INTENT_FRESH_S or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def connect(path: Path | str, read_only: bool = False, wait_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file, opened the way every command should open it.

    DuckDB lets one process write a file at a time, and refuses a second connection in the
    other mode inside one process. So: wait (up to ``wait_s``) while another process holds
    the lock; a reader joins this process's writer; a writer waits for this process's reader
    to close. A writable connection gets the schema if it is missing.

    **Writers are never starved by readers.** Read-only connections of several processes
    share the file, so a steady stream of short reads (a busy web server) could keep a writer
    (an import, a run) out indefinitely. A writer that finds the file held says so in
    ``<warehouse>.writer-waiting`` (its PID, refreshed while it waits); a reader that sees a
    live writer waiting does not open a new connection until that writer has had its turn
    (or the reader's own ``wait_s`` runs out: then :class:`WarehouseBusy`).
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseMissing(f"尚未导入任何数据（数据仓库 {path} 不存在）")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    intent = intent_path(path)
    announced = False
    try:
        while True:
            if read_only and writer_waiting(path):
                if time.monotonic() > deadline:
                    raise WarehouseBusy(f"无法打开数据仓库 {path}：另一程序正等待写入")
                time.sleep(0.05)
                continue
            try:
                con = duckdb.connect(str(path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise WarehouseBusy(f"无法打开数据仓库 {path}：正被其他程序占用或不可读（{exc}）") from None
                if not read_only:
                    intent.write_text(str(os.getpid()), encoding="ascii")  # (re)announced: fresh while waiting
                    announced = True
                time.sleep(0.05 if not read_only else 0.2)
            except duckdb.ConnectionException as exc:
                if "different configuration" not in str(exc):
                    raise
                if read_only:
                    read_only = False
                    continue
                if time.monotonic() > deadline:
                    raise WarehouseBusy(f"无法写入数据仓库 {path}：本进程正以只读方式使用它") from None
                time.sleep(0.2)
    finally:
        if announced:
            try:
                if intent.read_text(encoding="ascii").strip() == str(os.getpid()):
                    intent.unlink()
            except (OSError, ValueError):
                pass
    if not read_only and not schema_present(con):
        ensure_schema(con)
    return con

