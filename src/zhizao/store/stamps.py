"""Change stamps: how a process learns at once, without asking the database, that what it keeps
of the store is stale.

The server's hot paths read the same few things of the store on every request: the latest
publication (which every prepared page and memo is keyed by), a firm's published row (a grade
lookup) and a bank's consent (its audited read). Asked of the database each time, these reads
were the grade lookup's whole cost on PostgreSQL (one round trip each, and the database's own
work on the same cores: 2,034 requests/s with p99 81 ms against 4,558 on SQLite,
bench/results/serve_load.md).

So a process keeps them, and every commit that changes one of them — a publication added, a
consent granted or revoked (see :func:`_mark` for what is watched) — replaces a small **stamp
file** of its kind after the commit (``os.replace`` of a new file: a new inode each time). A
reader compares the file's identity (inode, modification time) with the one it saw when it
read the value: one ``stat`` (about a microsecond) instead of a round trip. Every writer in this
code base goes through an ORM session, where the marking happens, so a change made by the CLI,
by another server worker or by a restore is seen by the next read in every process of this host.

Where the files are: beside a SQLite store's file (``<store>-stamps/``); for a server database,
in the machine's temporary directory under a name derived from the store's URL. A change made
by another host sharing a PostgreSQL store (or a process with a private ``/tmp``) touches no file
here: for that, every kept value is also checked against the database at least every
:data:`RECHECK_S` seconds.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

#: the kinds of change that have a stamp
KINDS = ("publications", "consents")
#: a kept value is checked against the database at least this often (seconds), whatever the stamp says
RECHECK_S = 2.0

_dirs: dict[str, Path] = {}
_lock = threading.Lock()


def stamp_dir(url: str) -> Path:
    """The folder holding the stamp files of the store at ``url``."""
    d = _dirs.get(url)
    if d is None:
        if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            d = Path(url[len("sqlite:///"):] + "-stamps")
        else:
            d = Path(tempfile.gettempdir()) / "zhizao-stamps" / hashlib.sha256(url.encode()).hexdigest()[:24]
        _dirs[url] = d
    return d


def token(url: str, kind: str) -> tuple[int, int] | None:
    """The identity of the stamp file of ``kind`` (None before any change was stamped)."""
    try:
        st = os.stat(stamp_dir(url) / kind)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def bump(url: str, kinds: Iterable[str]) -> None:
    """Say that ``kinds`` changed in the store at ``url`` (after the change is committed)."""
    d = stamp_dir(url)
    try:
        d.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            tmp = d / f".{kind}.{uuid.uuid4().hex}"
            tmp.write_text(uuid.uuid4().hex)
            os.replace(tmp, d / kind)
    except OSError:  # a read-only place: the readers' regular check against the database still holds
        pass
    forget(url, kinds)


# ------------------------------------------------------------------ values kept per process

_current: dict[tuple[Hashable, ...], tuple[tuple[int, int] | None, float, Any]] = {}


def current(url: str, kind: str, read: Callable[[], T], key: tuple[Hashable, ...] = ()) -> T:
    """A value read from the store that changes only with ``kind`` (the latest publication, the
    years a method has published): ``read()`` once, then kept until the stamp changes or
    :data:`RECHECK_S` passes."""
    tok = token(url, kind)  # before the read: a change committed during it shows on the next call
    full = (url, kind, *key)
    hit = _current.get(full)
    now = time.monotonic()
    if hit is not None and hit[0] == tok and now - hit[1] < RECHECK_S:
        return hit[2]  # type: ignore[no-any-return]
    value = read()
    _current[full] = (tok, now, value)
    return value


def changing(session: Session) -> bool:
    """Whether ``session`` holds changes not committed yet (what it reads must not be kept)."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_MARKS))


class Kept:
    """A bounded per-process store of values read per key, each kept while its kind's stamp is
    unchanged and for at most :data:`RECHECK_S` seconds (the bank's consents)."""

    def __init__(self, maxsize: int) -> None:
        from cachetools import LRUCache

        self._cache: LRUCache[Hashable, tuple[tuple[int, int] | None, float, Any]] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        _kept.append(self)

    def get(self, url: str, kind: str, key: Hashable, read: Callable[[], T]) -> T:
        tok = token(url, kind)
        now = time.monotonic()
        full = (url, key)
        with self._lock:
            hit = self._cache.get(full)
        if hit is not None and hit[0] == tok and now - hit[1] < RECHECK_S:
            return hit[2]  # type: ignore[no-any-return]
        value = read()
        with self._lock:
            self._cache[full] = (tok, now, value)
        return value

    def forget(self, url: str | None = None) -> None:
        with self._lock:
            if url is None:
                self._cache.clear()
            else:
                for k in [k for k in self._cache if k[0] == url]:  # type: ignore[index]
                    del self._cache[k]


_kept: list[Kept] = []


def forget(url: str | None = None, kinds: Iterable[str] = KINDS) -> None:
    """Drop what this process keeps of the store at ``url`` (every store when None)."""
    kinds = tuple(kinds)
    for key in list(_current):
        if (url is None or key[0] == url) and key[1] in kinds:
            _current.pop(key, None)
    for kept in _kept:
        kept.forget(url)


# ------------------------------------------------------------------ marking changes in sessions

_MARKS = "zhizao_stamp_kinds"
_watched: dict[type, str] = {}


def _watched_models() -> dict[type, str]:
    if not _watched:
        from zhizao.store.models import Consent, Publication

        _watched.update({Publication: "publications", Consent: "consents"})
    return _watched


@event.listens_for(Session, "after_flush")
def _mark(session: Session, _ctx: Any) -> None:
    watched = _watched_models()
    kinds = {watched[type(o)] for part in (session.new, session.dirty, session.deleted) for o in part
             if type(o) in watched}
    if kinds:
        session.info.setdefault(_MARKS, set()).update(kinds)


@event.listens_for(Session, "after_commit")
def _bump_committed(session: Session) -> None:
    kinds = session.info.pop(_MARKS, None)
    url = session.info.get("store_url")
    if kinds and url:
        bump(url, kinds)


@event.listens_for(Session, "after_soft_rollback")
def _unmark(session: Session, _previous: Any) -> None:
    session.info.pop(_MARKS, None)
