"""Per-process memos of what is computed from the warehouse and the publications (the economy
figures, the monitoring lists, a firm's carbon explanation): one library (``cachetools``, least
recently used entries go first) and one key: the warehouse file's state (modification time and
size) and the latest publication, so an import, an evaluation or a publication gives fresh
figures at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache

T = TypeVar("T")


def latest_publication(settings: Any) -> int:
    """The id of the newest publication in the store (0 when there is none, or no store yet)."""
    try:
        from zhizao.store.db import session_scope
        from zhizao.store.publish import latest_publication_id

        with session_scope(settings) as session:
            return latest_publication_id(session)
    except Exception:  # a fresh home without a store: nothing published
        return 0


def state(settings: Any) -> tuple[Hashable, ...]:
    """The warehouse and publication state that figures computed from them depend on."""
    try:
        st = settings.warehouse_path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        stamp = (0, 0)
    return (str(settings.home), *stamp, latest_publication(settings))


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Memo:
    """A bounded memo keyed by :func:`state` plus the caller's key. ``keep_error(exc)`` says
    whether a failure is kept too (the same data would fail the same way, only slower); a
    failure that is not kept (the warehouse being written) is tried again on the next call."""

    def __init__(self, maxsize: int, keep_error: Callable[[BaseException], bool] = lambda exc: False) -> None:
        self._cache: LRUCache[tuple[Hashable, ...], Any] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._keep_error = keep_error

    def get(self, settings: Any, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        full = (*state(settings), *key)
        with self._lock:
            found = self._cache.get(full, self)
        if found is self:
            try:
                found = compute()
            except Exception as exc:
                if not self._keep_error(exc):
                    raise
                found = _Failed(exc)
            with self._lock:
                self._cache[full] = found
        if isinstance(found, _Failed):
            raise found.exc
        return found  # type: ignore[no-any-return]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)
