"""Figures prepared off the request path: computed by a background job when data changes (a
room's ``on_data_change`` queues it, the import worker runs it), stored in the home per data
state, and read by the page (issue 18 item 4: pages read, never compute).

A prepared value is one JSON file ``<home>/prepared/figures/<name>/<key>/<digest>.json``
holding the value and when it was built. ``<digest>`` is :func:`digest` of the data state the
value was computed from — :func:`zhizao.caching.state` (the warehouse file and the newest
publication), the key of every memo and of the prepared reviews — taken *before* anything is
read: data that changes while the job computes makes the file stale, never wrongly current.

A page asks :func:`read`: the current value (``current=True``), else the newest value of an
earlier state (``current=False``: the page shows it marked with the time it was built, while
the job prepares the new one), else None (nothing was ever prepared here: a fresh home before
the worker's first preparation). Files are read once per process (kept by path).

Two ways to fill it:

- a room's own job stores what its pages read for the default view (the economy's figures,
  :mod:`zhizao.economy.prepared`), under ``prepared/figures``;
- :func:`page_value` for any page: the value of ``"module:function"(settings, *args)`` is
  computed the first time anyone asks for it in this home, stored under ``prepared/pages`` with
  how to compute it, and from then on read by every process; each import or publication (and
  each start of the import worker) queues :data:`REFRESH`, which computes the default views'
  values the rooms declare (``Room.prepared_pages``: each role's first page) when they are not
  of the current state, then recomputes every other stored value of an earlier state in the
  background, the most recently built first. ``zhizao demo`` runs it before it serves, so no
  first visit of a default view computes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from zhizao.caching import state

log = logging.getLogger("zhizao.prepared")


@dataclass(frozen=True)
class Found:
    """A prepared value, when it was built (UTC, ISO), and whether it is of the current state."""

    value: Any
    built_at: str
    current: bool

    def built_label(self) -> str:
        """When it was built, local time, as a page says it (``12月1日 11:05``)."""
        try:
            t = dt.datetime.fromisoformat(self.built_at).astimezone()
        except ValueError:
            return self.built_at
        return f"{t.month}月{t.day}日 {t:%H:%M}"


def digest(settings: Any) -> str:
    """The data state (:func:`zhizao.caching.state`) as a short file-name-safe digest."""
    return hashlib.sha256(repr(state(settings)).encode()).hexdigest()[:20]


#: where :func:`page_value` keeps what pages read (each file says how to compute it again)
PAGES = "pages"


def folder(settings: Any, name: str, key: str, root: str = "figures") -> Path:
    return Path(settings.home) / "prepared" / root / name / key


def _encode(v: Any) -> Any:
    """Dates and times kept as such (a page compares and formats them)."""
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$date": v.isoformat()}
    raise TypeError(f"{type(v).__name__} cannot be kept as a prepared value")


def _decode(d: dict[str, Any]) -> Any:
    if len(d) == 1:
        if "$date" in d:
            return dt.date.fromisoformat(d["$date"])
        if "$datetime" in d:
            return dt.datetime.fromisoformat(d["$datetime"])
    return d


_LOADED: LRUCache[tuple[str, int], dict[str, Any]] = LRUCache(maxsize=64)
_LOCK = threading.Lock()


def _load(path: Path) -> dict[str, Any] | None:
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    with _LOCK:
        doc = _LOADED.get((str(path), mtime))
    if doc is None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"), object_hook=_decode)
        except (FileNotFoundError, ValueError):
            return None
        with _LOCK:
            _LOADED[(str(path), mtime)] = doc
    return doc


def warm(settings: Any) -> int:
    """The newest prepared value of every key read into this process (what :func:`read` returns:
    the current state's, else the newest earlier one), the newest first and at most half of what
    the process keeps: a web process before its first visit (the demo city has 24 files, 9 MB; a
    firm profile's first read of its year's explanations was 85 ms)."""
    found: list[tuple[int, Path]] = []
    for root in (PAGES, "figures"):
        base = Path(settings.home) / "prepared" / root
        for key_dir in base.glob("*/*") if base.is_dir() else ():
            stamped = []
            for path in key_dir.glob("*.json"):
                try:
                    stamped.append((path.stat().st_mtime_ns, path))
                except FileNotFoundError:  # replaced meanwhile
                    continue
            if stamped:
                found.append(max(stamped))
    done = 0
    for _, path in sorted(found, reverse=True)[: (_LOADED.maxsize or 2) // 2]:
        done += _load(path) is not None
    return done


def read(settings: Any, name: str, key: str, state_digest: str | None = None, root: str = "figures") -> Found | None:
    """The value of ``name``/``key`` prepared from the current data state; else the newest one
    prepared from an earlier state (``current=False``); else None."""
    base = folder(settings, name, key, root)
    now = state_digest or digest(settings)
    doc = _load(base / f"{now}.json")
    if doc is not None:
        return Found(doc["value"], doc["built_at"], True)
    try:
        older = [p for p in base.iterdir() if p.suffix == ".json" and not p.name.startswith(".")]
    except FileNotFoundError:
        return None
    def age(p: Path) -> int:
        try:
            return p.stat().st_mtime_ns
        except FileNotFoundError:  # removed meanwhile (a newer state was stored)
            return 0

    for p in sorted(older, key=age, reverse=True):
        doc = _load(p)
        if doc is not None:
            return Found(doc["value"], doc["built_at"], False)
    return None


def store(settings: Any, name: str, key: str, state_digest: str, value: Any, ref: str | None = None,
          args: list[Any] | None = None, root: str = "figures", now: Callable[[], str] | None = None) -> Path:
    """Keep ``value`` as prepared from the state ``state_digest`` (taken before computing it);
    ``ref`` and ``args``: how :func:`refresh` computes it again. Written atomically; while that
    state is still current (``now()``, the current state's digest, :func:`digest` unless the
    caller keys by a state of its own), the files of earlier states go."""
    base = folder(settings, name, key, root)
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"{state_digest}.json"
    doc = {"value": value, "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "state": state_digest,
           "ref": ref, "args": args}
    tmp = base / f".{path.name}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, default=_encode), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if state_digest == (now() if now is not None else digest(settings)):
        for old in base.iterdir():
            if old.name.startswith("."):  # a write in progress, or left by a killed worker
                if time.time() - old.stat().st_mtime > 600:
                    old.unlink(missing_ok=True)
            elif old != path:
                old.unlink(missing_ok=True)
    return path


# ----------------------------------------------------------------------------- kept for the next state
#: the core's background job: recompute every value a page read (:func:`page_value`) that is not
#: of the current state any more (queued on every import and publication, and at worker start)
REFRESH = "prepared.refresh"


def _key(ref: str, args: list[Any]) -> str:
    return hashlib.sha256(json.dumps([ref, args], ensure_ascii=False).encode()).hexdigest()[:16]


def page_value(settings: Any, name: str, ref: str, args: list[Any]) -> Found:
    """What a page shows of ``ref(settings, *args)`` (``"module:function"``, its value JSON):
    prepared from the current state when it is; else, if an earlier state's was prepared, that
    one (``current=False``: the page says when it was built; its refresh is queued); else (never
    asked here before) computed now and stored — from then on every process reads it, and each
    import or publication has it recomputed in the background (:func:`refresh`)."""
    key = _key(ref, args)
    now = digest(settings)
    found = read(settings, name, key, now, PAGES)
    if found is not None:
        if not found.current:
            queue_refresh(settings)
        return found
    from zhizao.rooms import resolve

    value = resolve(ref)(settings, *args)
    doc = _load(store(settings, name, key, now, value, ref=ref, args=args, root=PAGES))
    if doc is None:  # removed at once (a newer state stored meanwhile): as computed
        return Found(value, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), True)
    return Found(doc["value"], doc["built_at"], True)  # as every later visit reads it


def scopes(settings: Any) -> list[str | None]:
    """The scopes pages are read in by default: the whole city (None: the city's and the
    auditor's view) and the region of each district account."""
    from sqlalchemy import select

    from zhizao.store.db import session_scope
    from zhizao.store.models import User

    with session_scope(settings) as s:
        regions = s.scalars(select(User.region_code).where(User.role == "district", User.active.is_(True),
                                                           User.region_code.is_not(None)).distinct())
        return [None, *sorted(str(r) for r in regions)]


def defaults(settings: Any) -> list[tuple[str, str, list[Any]]]:
    """Every room's default page values (``Room.prepared_pages``): (name, ref, args)."""
    from zhizao.rooms import contributions

    out: list[tuple[str, str, list[Any]]] = []
    for room, wanted in contributions("prepared_pages"):
        try:
            out += [(name, ref, list(args)) for name, ref, args in wanted(settings)]
        except Exception as exc:  # nothing to show yet (no warehouse, no publication)
            log.info("%s: default pages not listed: %s", room.name, exc)
    return out


def _declared() -> bool:
    from zhizao.rooms import all_rooms

    return any(r.prepared_pages for r in all_rooms())


def refresh(settings: Any, params: dict[str, Any], stage: Any) -> dict[str, Any]:
    """The worker's side of :data:`REFRESH`: the rooms' default page values (``Room.prepared_pages``)
    not prepared from the current state are computed, then every other value kept by
    :func:`page_value` whose newest file is of an earlier state (the most recently built first)."""
    from zhizao.rooms import resolve

    root = Path(settings.home) / "prepared" / PAGES
    stage("compute")
    done = failed = 0
    for name, ref, args in defaults(settings):
        key_dir = folder(settings, name, _key(ref, args), PAGES)
        now = digest(settings)
        if (key_dir / f"{now}.json").exists():
            continue
        try:
            value = resolve(ref)(settings, *args)
        except Exception as exc:  # not computable here (no data for it): its page says why
            log.info("prepared %s%s: %s", ref, args, exc)
            failed += 1
            continue
        store(settings, name, key_dir.name, now, value, ref=ref, args=args, root=PAGES)
        done += 1
    todo: list[tuple[int, Path, dict[str, Any]]] = []
    for key_dir in root.glob("*/*") if root.is_dir() else ():
        files = [p for p in key_dir.glob("*.json") if not p.name.startswith(".")]
        if not files:
            continue
        newest = max(files, key=lambda p: p.stat().st_mtime_ns)
        doc = _load(newest)
        if doc is not None and doc.get("ref"):
            todo.append((newest.stat().st_mtime_ns, key_dir, doc))
    for _mtime, key_dir, doc in sorted(todo, key=lambda t: t[0], reverse=True):
        now = digest(settings)
        if (key_dir / f"{now}.json").exists():
            continue
        try:
            value = resolve(doc["ref"])(settings, *doc["args"])
        except Exception as exc:  # no longer computable (its data gone): the page computes and says why
            log.info("prepared %s%s: %s", doc["ref"], doc["args"], exc)
            failed += 1
            continue
        store(settings, key_dir.parent.name, key_dir.name, now, value, ref=doc["ref"], args=doc["args"], root=PAGES)
        done += 1
    return {"refreshed": done, "failed": failed}


def queue_refresh(settings: Any) -> None:
    """Queue :func:`refresh` unless one waits (it reads the state when it runs), or no page
    value was ever kept here and no room declares default ones."""
    from zhizao.ingest import jobs

    if not (Path(settings.home) / "prepared" / PAGES).is_dir() and not _declared():
        return
    if not jobs.queued(settings, REFRESH):
        # after the rooms' own preparations (a lower priority)
        jobs.submit_keyed(settings, REFRESH, f"{REFRESH}@{digest(settings)}", "figures", {}, "", None,
                          jobs.PRIORITY_BACKGROUND + 1)
