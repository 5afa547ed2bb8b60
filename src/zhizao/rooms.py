"""The rooms of the house: one folder per capability, declared once, found here.

A room is a package under ``zhizao`` (``zhizao.carbon``, ``zhizao.greenfactory``, …) with a
``room.py`` that declares ``ROOM = Room(...)``. The core never names a room: it iterates
:func:`all_rooms` and resolves each contribution lazily from a ``"module:attribute"`` string, so
declaring a room costs nothing at start-up (``zhizao --help`` imports no room's code).

Adding a room = its folder + one line in :data:`REGISTRY` (see docs/architecture.md).

What a room may contribute (every field optional except name and title):

- ``capability``: ``"zhizao.x:CAPABILITY"``, a :class:`zhizao.capabilities.Capability` when the
  room evaluates (``zhizao evaluate NAME``, runs, publishing, diffs);
- ``cli``: a module with ``register(app)`` adding the room's commands to ``zhizao``, and
  ``commands``: those top-level commands declared (:class:`Command`: name, the first paragraph of
  its help, whether it is a group), in the order ``register`` adds them: ``zhizao --help`` lists
  them from here, and the module is imported only when one of its commands runs (a test checks
  the declaration against what ``register`` adds);
- ``api`` / ``pages``: modules exposing a FastAPI ``router``;
- ``templates``: the room has a ``templates/`` folder (namespaced by a sub-folder, ``x/list.html``);
- ``nav``: navigation entries (label, path, roles, order);
- ``models``: a module declaring SQLAlchemy models on ``zhizao.store.base.Base``;
  ``migrations``: the room has a ``migrations/`` folder of Alembic revisions (its own branch,
  ``depends_on`` the core baseline);
- ``tables``: ``"module:TABLES"``, a tuple of :class:`zhizao.contract.Table` the room adds to the
  exchange contract (imported, stored and documented like the core tables);
- ``objections``: ``"module:PROCEDURE"``, a :class:`zhizao.web.objections.ObjectionProcedure`:
  the room's published results can be disputed by the firm (its title; optional ``file`` and
  ``decide`` when the room has its own procedure); the API and the page file through the same
  function;
- ``profile_section``: ``"module:function"``, ``f(ctx) -> Section | None``, the room's section of
  the firm profile (一企一档), called after the scope check, sections sorted by ``order``; ``ctx``
  a :class:`zhizao.web.ui.ProfileContext`, the result a :class:`zhizao.web.ui.Section`;
- ``cockpit_tiles``: ``"module:function"``, ``f(ctx) -> list[Tile]``, figures and charts on the
  cockpit (:class:`zhizao.web.ui.CockpitContext`, :class:`zhizao.web.ui.Tile`), sorted by order;
- ``indicators``: ``"module:function"``, ``f(settings, y_from, y_to, region) -> list[dict]``, rows
  the room adds to ``zhizao indicators``, the economy API and pages, after the economy's own.
  A row: ``{"id": str (unique, prefixed by the room), "name": str (Chinese), "region": str
  (6-digit code; a city ends in 00), "year": int, "value": int | float, "unit": str, "basis":
  str (how it was counted, in Chinese)}``, optionally ``"month": int`` and ``"digits": int``
  (decimals shown); ``region`` None = every region;
- ``review_section``: ``"module:function"``, ``f(settings, y_from, y_to, region) -> list[dict]``,
  sections the room adds to the five-year review after the economy's. A section:
  ``{"title": str, "paras": [str], "table": {"head": [str], "rows": [[str]]} (optional),
  "chart": str (optional inline SVG, e.g. from ``zhizao.economy.charts``)}``;
- ``demo``: ``"module:function"``, ``f(ctx) -> None``, the room's part of ``zhizao demo`` (its demo
  data and its workflows, run the way a bureau would); ``ctx`` a ``zhizao.demo.DemoContext``;
- ``publish_hook``: ``"module:function"``, ``f(settings, run) -> None``, called after a run of the
  room's capability is published (to prepare what pages read);
- ``on_data_change``: ``"module:function"``, ``f(settings, event) -> None``, called after any
  publication (``{"kind": "publish", "run_id", "method", "year"}``) and after any import that
  loaded rows (``{"kind": "import", "table", "batch_id"}``), from the CLI, the web and the
  worker alike (:func:`data_changed`), when the import worker starts (``{"kind": "start"}``: a
  home restored or copied) and when a page finds its prepared figures stale (``{"kind":
  "page"}``); it must be quick — queue background jobs, never compute;
- ``prepared_pages``: ``"module:function"``, ``f(settings) -> [(name, "module:function", args)]``,
  the values its pages read through :func:`zhizao.prepared.page_value` for their default views
  (each role's scope): the core's background refresh computes those never asked yet, so that no
  first visit computes them (queued on every import and publication, and run by ``zhizao demo``);
- ``warm_up``: ``"module:function"``, ``f(settings) -> None``, what a web process loads before
  its first visit, off the request (its pages' per-process memo of the default views), called by
  :func:`zhizao.web.app.warm_up` as each web process starts;
- ``jobs``: ``"module:JOBS"``, a tuple of :class:`zhizao.ingest.jobs.JobKind`: background jobs
  the room queues (``jobs.submit_keyed``) and the import worker runs (a prepared report);
- ``audit_words``: ``"module:function"``, ``f() -> {field: {value: title}}``, how the audit log
  names the values the room records in its entries' details (a policy item id → its title).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

#: The rooms, in navigation order. One line per room: ``name`` is the package under ``zhizao``.
REGISTRY: tuple[str, ...] = (
    "carbon",
    "mujun",
    "greenfactory",
    "projects",
    "cultivation",
    "policies",
    "economy",
    "monitoring",
    "demo",
)


@dataclass(frozen=True)
class NavEntry:
    label: str
    path: str
    roles: tuple[str, ...]
    #: position in the header (lower first); core entries use 0 (cockpit) and 900+ (imports, runs)
    order: int = 100


@dataclass(frozen=True)
class Command:
    """A top-level ``zhizao`` command as ``zhizao --help`` lists it, declared so that the listing
    imports no command module: ``help`` is the first paragraph of the command's help (its
    docstring, or a group's ``typer.Typer(help=…)``)."""

    name: str
    help: str
    #: a group of sub-commands (``typer.Typer`` added with ``add_typer``), listed after the plain
    #: commands as Typer lists them
    group: bool = False


@dataclass(frozen=True)
class Room:
    name: str
    title: str
    capability: str | None = None
    #: the method name of ``zhizao evaluate METHOD`` when it is not the room's name
    method: str | None = None
    cli: str | None = None
    #: the top-level commands ``cli``'s ``register(app)`` adds (see :class:`Command`)
    commands: tuple[Command, ...] = ()
    api: str | None = None
    pages: str | None = None
    templates: bool = False
    nav: tuple[NavEntry, ...] = ()
    models: str | None = None
    migrations: bool = False
    tables: str | None = None
    objections: str | None = None
    profile_section: str | None = None
    cockpit_tiles: str | None = None
    indicators: str | None = None
    review_section: str | None = None
    demo: str | None = None
    publish_hook: str | None = None
    on_data_change: str | None = None
    prepared_pages: str | None = None
    warm_up: str | None = None
    jobs: str | None = None
    audit_words: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def package(self) -> str:
        return f"zhizao.{self.name}"

    @property
    def folder(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise LookupError(f"找不到功能模块 {self.package}")
        return Path(next(iter(spec.submodule_search_locations)))


class RoomError(LookupError):
    pass


def _installed(name: str) -> bool:
    if importlib.util.find_spec(f"zhizao.{name}") is None:
        return False
    return importlib.util.find_spec(f"zhizao.{name}.room") is not None


@cache
def all_rooms() -> tuple[Room, ...]:
    """Every registered room whose package is present, in registry order."""
    out = []
    for name in REGISTRY:
        if not _installed(name):
            continue
        room = importlib.import_module(f"zhizao.{name}.room").ROOM
        if not isinstance(room, Room) or room.name != name:
            raise RoomError(f"zhizao.{name}.room.ROOM 不是名为 {name} 的 Room")
        out.append(room)
    return tuple(out)


def get(name: str) -> Room:
    for r in all_rooms():
        if r.name == name:
            return r
    raise RoomError(f"未知功能模块: {name}")


def resolve(ref: str) -> Any:
    """``"module:attribute"`` → the attribute (imports the module on first use)."""
    module, _, attr = ref.partition(":")
    obj = importlib.import_module(module)
    return getattr(obj, attr) if attr else obj


def contributions(kind: str) -> Iterator[tuple[Room, Any]]:
    """(room, resolved contribution) for every room that contributes ``kind`` (a Room field)."""
    for room in all_rooms():
        ref = getattr(room, kind)
        if ref:
            yield room, resolve(ref)


def hooks(kind: str) -> list[tuple[Room, Callable[..., Any]]]:
    return list(contributions(kind))


def data_changed(settings: Any, event: dict[str, Any]) -> None:
    """Tell every room (``on_data_change``) that published results or warehouse data changed,
    and queue the refresh of what the pages read (:func:`zhizao.prepared.queue_refresh`).
    A failure is logged, never undoes the publication or import that caused it."""
    import logging

    for room, hook in contributions("on_data_change"):
        try:
            hook(settings, event)
        except Exception:
            logging.getLogger("zhizao.rooms").exception("%s: on_data_change(%s)", room.name, event.get("kind"))
    try:
        from zhizao import prepared

        prepared.queue_refresh(settings)
    except Exception:  # no store yet (a warehouse filled before the store exists)
        logging.getLogger("zhizao.rooms").info("page figures refresh not queued", exc_info=True)


def with_capability() -> list[Room]:
    return [r for r in all_rooms() if r.capability]


def method_name(room: Room) -> str:
    return room.method or room.name


def by_method(method: str) -> Room:
    for r in with_capability():
        if method_name(r) == method:
            return r
    raise RoomError(f"未知评价方法: {method}")


@cache
def load_models() -> None:
    """Import every room's SQLAlchemy models and configure the mappers, once per process.

    Models must all be declared before the first session is used: a room's models imported
    lazily by the first request that needs them race with another thread's query configuring
    the mappers (``MujunRound.steps`` then fails to find ``MujunStep`` and every later query
    of that process fails)."""
    from sqlalchemy.orm import configure_mappers

    for room in all_rooms():
        if room.models:
            resolve(room.models)
    configure_mappers()


def template_dirs() -> list[Path]:
    return [r.folder / "templates" for r in all_rooms() if r.templates and (r.folder / "templates").is_dir()]


def migration_dirs() -> list[Path]:
    return [r.folder / "migrations" for r in all_rooms() if r.migrations and (r.folder / "migrations").is_dir()]


def nav_entries() -> list[NavEntry]:
    return [e for r in all_rooms() for e in r.nav]
