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


def history_name(table: str) -> str:
    return f"history_{table}"


#: the columns a history view adds to a table's own and ``_batch_id``
HISTORY_COLUMNS = (("_current", "BOOLEAN"), ("_imported_on", "DATE"))


def history_view_ddl(t: Table) -> str:
    """Every row ``t`` ever held, superseded ones too, with whether it is current and the day its
    batch was imported (``Table.history``): what the lake keeps of such a table beside its
    current rows, so a method reads a table's history the same way from either (a day, not a
    time: a time would be read in each engine's own time zone)."""
    cols = ", ".join(f'f."{c}"' for c in t.column_names)
    return (f"CREATE OR REPLACE VIEW {history_name(t.name)} AS SELECT {cols}, f._batch_id, f._current, "
            f"CAST(b.created_at AS DATE) AS _imported_on FROM {fact_name(t.name)} f JOIN batches b ON b.batch_id = f._batch_id")


def schema_sql() -> list[str]:
    """Every statement that creates the warehouse (idempotent)."""
    stmts = [s.strip() for s in BATCHES_DDL.split(";") if s.strip()]
    for t in TABLES.values():
        stmts.append(fact_ddl(t))
        stmts.append(current_view_ddl(t))
        if t.history:
            stmts.append(history_view_ddl(t))
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
    return {"batches", "rejects", *TABLES, *(fact_name(t) for t in TABLES),
            *(history_name(n) for n, t in TABLES.items() if t.history)} <= names


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


def connect(path: Path | str, read_only: bool = False, wait_s: float = 30.0,
            schema: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file, opened the way every command should open it.

    DuckDB lets one process write a file at a time, and refuses a second connection in the
    other mode inside one process. So: wait (up to ``wait_s``) while another process holds
    the lock; a reader joins this process's writer; a writer waits for this process's reader
    to close. A writable connection gets the schema if it is missing (``schema=False``: a caller
    that writes only tables of its own, such as the run registry, skips the check, which costs
    the import of every room's tables the first time in a process).

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
    writes = not read_only  # (a reader may be handed this process's writable connection below)
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
                close_shared_readers(path)  # this process's web reads hold it read-only: let them go
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
    if schema and writes and not schema_present(con):
        ensure_schema(con)
    return con



def current_reader(path: Path | str, wait_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a warehouse with this version's schema: one made by an earlier
    version (a table or view added since, such as a history view) gets what is missing first,
    through a writable open; a current one (the usual case) is opened once, read-only."""
    con = connect(path, read_only=True, wait_s=wait_s)
    if schema_present(con):
        return con
    con.close()
    connect(path, wait_s=wait_s).close()  # a writable open creates what is missing
    return connect(path, read_only=True, wait_s=wait_s)


def upgrade(path: Path | str, wait_s: float = 5.0) -> bool:
    """This version's schema in an existing warehouse (:func:`current_reader`): ``zhizao serve``
    does it as it starts, since the web only reads. False when there is no warehouse yet, or
    another process writes it (that writer does it)."""
    if not Path(path).exists():
        return False
    try:
        current_reader(path, wait_s).close()
    except WarehouseBusy:
        return False
    return True


# ---------------------------------------------------------------- the server's shared reader


class SharedReader:
    """One read-only connection to a warehouse file per process, shared by the web requests of
    that process: each request reads through a cursor of its own (:meth:`cursor`).

    Opening the file costs far more than a firm's reads (about 100 ms against 10–20 ms on the
    demo city: DuckDB loads the catalogue each time), and the profile and the firm lists opened
    it per request. The shared connection stays open between requests and is closed:

    - as soon as a writer of another process waits (``<warehouse>.writer-waiting``) and no
      request of this process reads: new reads meanwhile answer "busy" (:class:`WarehouseBusy`)
      so that the writer gets its turn (writers first, as :func:`connect`); a watcher thread
      closes it even when no request comes;
    - when a writer of this process asks (:func:`connect` opening for writing);
    - when the file was replaced (``zhizao restore``): the next read opens the new one.

    While it is open, DuckDB's per-process instance cache also serves the other read-only
    opens of the same file (the rooms' engines) without loading the catalogue again."""

    POLL_S = 0.1

    def __init__(self, path: Path) -> None:
        import threading

        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None
        self._users = 0
        self._closing = False
        self._watcher: threading.Thread | None = None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_dev)

    def _close_if_idle(self) -> None:  # under the lock
        if self._con is not None and self._users == 0:
            self._con.close()
            self._con, self._stamp, self._closing = None, None, False

    def request_close(self) -> None:
        """Close as soon as no request of this process reads (a writer of this process waits)."""
        with self._lock:
            if self._con is not None:
                self._closing = True
                self._close_if_idle()

    def _watch(self) -> None:
        while True:
            time.sleep(self.POLL_S)
            with self._lock:
                if self._con is None:
                    self._watcher = None
                    return
                if self._closing or writer_waiting(self.path) or self._file_stamp() != self._stamp:
                    self._closing = True
                    self._close_if_idle()

    def _acquire(self, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
        """A cursor, waiting up to ``wait_s`` while a writer has or waits for the file."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return self._try_acquire()
            except WarehouseBusy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _try_acquire(self) -> duckdb.DuckDBPyConnection:
        import threading

        with self._lock:
            if self._con is not None and (self._closing or self._file_stamp() != self._stamp
                                          or writer_waiting(self.path)):
                self._closing = True
                self._close_if_idle()
                if self._con is not None:  # requests still read: the writer goes first, this one waits not
                    raise WarehouseBusy(f"数据仓库 {self.path} 正在等待写入，请稍后再试")
            if self._con is None:
                if writer_waiting(self.path):
                    raise WarehouseBusy(f"数据仓库 {self.path} 正在等待写入，请稍后再试")
                try:
                    self._con = duckdb.connect(str(self.path), read_only=True)
                except duckdb.IOException as exc:  # another process writes it
                    raise WarehouseBusy(f"无法打开数据仓库 {self.path}：正被其他程序占用（{exc}）") from None
                except duckdb.ConnectionException as exc:  # this process writes it
                    raise WarehouseBusy(f"无法打开数据仓库 {self.path}：本进程正在写入（{exc}）") from None
                self._stamp = self._file_stamp()
                if self._watcher is None:
                    self._watcher = threading.Thread(target=self._watch, name="warehouse-reader-watch",
                                                     daemon=True)
                    self._watcher.start()
            self._users += 1
            return self._con.cursor()

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._closing or writer_waiting(self.path):
                self._closing = True
                self._close_if_idle()

    def cursor(self, wait_s: float = 0.0) -> _Cursor:
        """``with reader.cursor() as con:`` a connection of the shared database instance, for one
        request's reads (:class:`WarehouseBusy` while a writer has or waits for the file longer
        than ``wait_s``)."""
        return _Cursor(self, wait_s)


class _Cursor:
    def __init__(self, reader: SharedReader, wait_s: float) -> None:
        self.reader = reader
        self.wait_s = wait_s
        self.con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = self.reader._acquire(self.wait_s)
        return self.con

    def __exit__(self, *exc: object) -> None:
        try:
            if self.con is not None:
                self.con.close()
        finally:
            self.reader._release()


_SHARED: dict[str, SharedReader] = {}


def shared_reader(path: Path | str) -> SharedReader:
    """The process's :class:`SharedReader` of the warehouse at ``path``."""
    key = str(Path(path).resolve())
    reader = _SHARED.get(key)
    if reader is None:
        reader = _SHARED.setdefault(key, SharedReader(Path(key)))
    return reader


def close_shared_readers(path: Path | str | None = None) -> None:
    """Ask this process's shared readers (of ``path``, or all) to close once idle."""
    key = None if path is None else str(Path(path).resolve())
    for k, reader in list(_SHARED.items()):
        if key is None or k == key:
            reader.request_close()
