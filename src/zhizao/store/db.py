"""Connecting to the operational store and bringing its schema up to date.

SQLite in the home directory by default (``settings.store_url``); PostgreSQL by URL
(``postgresql+psycopg://…``). The schema is managed only by Alembic: :func:`init_store` runs
``upgrade head`` and is safe to call on every start.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Select, create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from zhizao.settings import Settings
from zhizao.store import stamps

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_own_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def pool_options(url: str) -> dict[str, int]:
    """The shared pool's size (``ZHIZAO_STORE_POOL_SIZE``, ``ZHIZAO_STORE_POOL_OVERFLOW``) and how
    long a checkout waits for a free connection (``ZHIZAO_STORE_POOL_TIMEOUT`` seconds)."""
    return {"pool_size": max(1, _env_int("ZHIZAO_STORE_POOL_SIZE", 8)),
            "max_overflow": max(0, _env_int("ZHIZAO_STORE_POOL_OVERFLOW", 8)),
            "pool_timeout": _env_int("ZHIZAO_STORE_POOL_TIMEOUT", 30)}


def request_session_limit() -> int:
    """How many web requests may hold a store session at once (the others wait on the event
    loop, holding no thread): the pool's capacity less a reserve for the short sessions opened
    and closed within one thread (token checks, audit entries of the hot path).

    Why: a request's session holds its connection until the request ends, and between the
    endpoint and the end the request needs the thread pool once more (the response is
    validated there). Had as many requests as the pool has connections a session, the thread
    pool's every thread could be waiting for a connection that only a request waiting for a
    thread could return: the server stalled (pool timeout after pool timeout). Fewer sessions
    than connections means a waiting thread always gets one from a request that needs no
    further thread to give it back."""
    o = pool_options("")
    capacity = o["pool_size"] + o["max_overflow"]
    return max(1, capacity - min(4, capacity // 2))


#: set in the server by :func:`checkpoint_in_background`: its connections leave the WAL's
#: checkpoints to one thread instead of running them after whichever commit crosses the limit
_background_checkpoints = False


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL lets the server read while the CLI publishes; busy_timeout waits instead of failing on a lock.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    if _background_checkpoints:
        cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


def checkpoint_in_background(url: str, every_s: float = 1.0,
                             stop: threading.Event | None = None) -> threading.Thread | None:
    """In the server, on SQLite: checkpoint the WAL from one thread every ``every_s`` seconds
    (``PASSIVE``: never blocks a reader or a writer) and turn off the automatic checkpoint of
    every connection this process opens from now on.

    Why: SQLite checkpoints automatically after the commit that grows the WAL past 1,000
    pages, in the committing thread — with every bank and auditor read adding an audit row,
    that was every few seconds, and the requests whose audit entries shared that commit waited
    for the checkpoint's copy and fsync of the database file (the bank read's p95 of ~0.5 s and
    p99 of ~1.1 s on SQLite at 2,300 requests/s, bench/results/serve_load.md). Other processes
    (the CLI, the import worker) keep the automatic checkpoint. None on a server database;
    ``stop``: ends the thread when set (tests)."""
    global _background_checkpoints
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    import logging
    import sqlite3

    _background_checkpoints = True
    path = url[len("sqlite:///"):]

    ended = stop or threading.Event()

    def run() -> None:
        con: sqlite3.Connection | None = None
        while not ended.wait(every_s):
            try:
                if con is None:
                    con = sqlite3.connect(path, timeout=10, check_same_thread=False)
                con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except Exception as exc:  # the file being replaced (a restore): a new connection next time
                logging.getLogger("zhizao.store").debug("checkpoint: %s", exc)
                if con is not None:
                    con.close()
                con = None

    t = threading.Thread(target=run, name="sqlite-checkpoint", daemon=True)
    t.start()
    return t


def engine_for(url: str) -> Engine:
    """One pooled engine per URL per process (the first also declares every room's models)."""
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            from zhizao import rooms

            rooms.load_models()
            if url.startswith("sqlite"):
                eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                                    **pool_options(url))
                event.listen(eng, "connect", _sqlite_pragmas)
            else:
                eng = create_engine(url, pool_pre_ping=True, **pool_options(url))
            _engines[url] = eng
            _factories[url] = sessionmaker(eng, expire_on_commit=False, info={"store_url": url})
        return eng


def own_connection_engine(url: str) -> Engine:
    """An engine giving each thread a connection of its own, outside the shared pool.

    For code on the server's event loop (the hot single-firm lookup): a checkout from the
    shared pool may wait for a connection that a request in the thread pool holds, and that
    request can only give it back when the event loop runs again. Waiting on the loop for the
    pool therefore stalled the whole server until the pool timeout (30 s), request after
    request, once the thread pool held every connection (the load test's stall after ~100
    lookups). The loop thread's own connection never waits."""
    with _lock:
        eng = _own_engines.get(url)
        if eng is None:
            if url.startswith("sqlite"):
                eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                                    poolclass=SingletonThreadPool, pool_size=4)
                event.listen(eng, "connect", _sqlite_pragmas)
            else:
                eng = create_engine(url, poolclass=SingletonThreadPool, pool_size=4)
            _own_engines[url] = eng
        return eng


def own_fetch_one(url: str, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` on this thread's own connection (:func:`own_connection_engine`),
    without SQLAlchemy's result machinery (it costs several times a one-row read). ``sql`` writes
    its placeholders as ``{p}``. A dropped connection (a restarted database) is replaced once."""
    engine = own_connection_engine(url)
    text = sql.format(p="?" if engine.dialect.paramstyle == "qmark" else "%s")
    for attempt in (1, 2):
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(text, params)
            row = cur.fetchone()
            cur.close()
        except Exception:
            conn.invalidate()
            if attempt == 2:
                raise
            continue
        finally:
            conn.close()  # kept for this thread (the pool ends its transaction)
        return None if row is None else tuple(row)
    return None


def session_factory(url: str) -> sessionmaker[Session]:
    engine_for(url)
    return _factories[url]


def dispose(url: str | None = None) -> None:
    """Close pooled connections (all engines, or one URL's) and drop what the process keeps of
    the store (:mod:`zhizao.store.stamps`): tests and forked workers need it."""
    stamps.forget(url)
    with _lock:
        for u in [url] if url else list(_engines.keys() | _own_engines.keys()):
            _factories.pop(u, None)
            for engines in (_engines, _own_engines):
                eng = engines.pop(u, None)
                if eng is not None:
                    eng.dispose()


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = session_factory(settings.store_url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("zhizao.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # the core's revisions, then each room's own branch (``Room.migrations``)
    from zhizao import rooms

    locations = [str(files("zhizao.store") / "migrations" / "versions"), *map(str, rooms.migration_dirs())]
    cfg.set_main_option("version_locations", " ".join(locations))
    return cfg


def init_store(settings: Settings) -> None:
    """Create or upgrade the store schema to the newest revision (idempotent)."""
    if settings.store_url.startswith("sqlite"):
        settings.ensure()
    cfg = alembic_config(settings.store_url)
    with engine_for(settings.store_url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def current_revision(settings: Settings) -> tuple[str, ...]:
    """The store's revisions (one per branch: the core's and each room's), sorted."""
    from alembic.runtime.migration import MigrationContext

    with engine_for(settings.store_url).connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def head_revision() -> tuple[str, ...]:
    """The newest revision of every branch shipped with the code, sorted."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def page(session: Session, q: Select[Any] | Select[Any, Any, Any], order_by: tuple[Any, ...], limit: int, offset: int,
         *, rows: bool = False) -> tuple[int, list[Any]]:
    """One page of ``q`` in ``order_by`` order, with the total number of rows ``q`` matches: the
    first entity or column of each row (the ORM objects of a ``select(Entity)``), or with
    ``rows`` the rows themselves (tuples: a select of several columns)."""
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    q = q.order_by(*order_by).limit(limit).offset(offset)
    if rows:
        return int(total), list(session.execute(q).tuples())
    return int(total), list(session.scalars(q))

