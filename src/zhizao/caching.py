"""Per-process memos of what is computed from the warehouse and the publications (the economy
figures, the monitoring lists, a firm's carbon explanation, what the list pages and the cockpit
show): one library (``cachetools``, least recently used entries go first) and one key: the
warehouse file's state (modification time and size) and the latest publication, so an import, an
evaluation or a publication gives fresh figures at once. A memo of figures read from published
results only (``published_only=True``) is keyed by the latest publication alone: imports leave
it be.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from cachetools import LRUCache

T = TypeVar("T")


_STAMP_SQL = "SELECT id, published_at FROM publications ORDER BY id DESC LIMIT 1"


def publication_stamp(settings: Any, on_loop: bool = False) -> tuple[int, str]:
    """The id and time of the newest publication in the store ((0, "") when there is none, or no
    store yet). The time too: after a restore, the next publication may get an id seen before.

    Asked on every read of a memo and every grade lookup, so kept per process until a
    publication's stamp file changes (:mod:`zhizao.store.stamps`: one ``stat``), and read again
    from the store at least every 2 seconds. ``on_loop``: the caller runs on the server's event
    loop, so the read uses the thread's own connection (never waits for the shared pool)."""
    from zhizao.store import stamps

    url = settings if isinstance(settings, str) else settings.store_url
    try:
        return stamps.current(url, "publications", lambda: _read_stamp(url, on_loop))
    except Exception:  # a fresh home without a store: nothing published
        return (0, "")


def _read_stamp(url: str, on_loop: bool) -> tuple[int, str]:
    from zhizao.store.db import engine_for, own_fetch_one

    if on_loop:
        row = own_fetch_one(url, _STAMP_SQL, ())
    else:  # one statement on a pooled DBAPI connection: no session, no ORM
        conn = engine_for(url).raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(_STAMP_SQL)
            row = cur.fetchone()
            cur.close()
        finally:
            conn.close()
    return (int(row[0]), str(row[1])) if row else (0, "")


def latest_publication(settings: Any) -> int:
    """The id of the newest publication in the store (0 when there is none, or no store yet)."""
    return publication_stamp(settings)[0]


def _file_stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def state(settings: Any) -> tuple[Hashable, ...]:
    """The warehouse and publication state that figures computed from them depend on. The
    warehouse's write-ahead log counts too: a command may leave its last writes there, the file
    itself unchanged (``zhizao evaluate`` registers its run so, :func:`zhizao.runs.leave_log`)."""
    wh = Path(settings.warehouse_path)
    return (str(settings.home), *_file_stamp(wh), *_file_stamp(wh.with_name(wh.name + ".wal")),
            *publication_stamp(settings))


def published_state(settings: Any) -> tuple[Hashable, ...]:
    """The publication state alone: for figures computed from published results only (an
    import does not change them; a publication does)."""
    return (str(settings.home), settings.store_url, *publication_stamp(settings))


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Memo:
    """A bounded memo keyed by :func:`state` plus the caller's key. ``keep_error(exc)`` says
    whether a failure is kept too (the same data would fail the same way, only slower); a
    failure that is not kept (the warehouse being written) is tried again on the next call."""

    def __init__(self, maxsize: int, keep_error: Callable[[BaseException], bool] = lambda exc: False,
                 published_only: bool = False) -> None:
        self._cache: LRUCache[tuple[Hashable, ...], Any] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._flights: dict[tuple[Hashable, ...], threading.Lock] = {}
        self._keep_error = keep_error
        #: keyed by :func:`published_state` (the figures read published results only) instead of :func:`state`
        self._state = published_state if published_only else state

    def get(self, settings: Any, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """The kept value of ``key`` in the current state, else ``compute()`` kept. Concurrent
        callers of one missing key wait for the first one's computation (one computation per
        process, not one per waiting request)."""
        full = (*self._state(settings), *key)
        with self._lock:
            found = self._cache.get(full, self)
            flight = None if found is not self else self._flights.setdefault(full, threading.Lock())
        if flight is not None:
            with flight:
                with self._lock:
                    found = self._cache.get(full, self)
                if found is self:
                    try:
                        found = compute()
                    except Exception as exc:
                        if not self._keep_error(exc):
                            with self._lock:
                                self._flights.pop(full, None)
                            raise
                        found = _Failed(exc)
                    with self._lock:
                        self._cache[full] = found
                        self._flights.pop(full, None)
        if isinstance(found, _Failed):
            raise found.exc
        return found  # type: ignore[no-any-return]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)
