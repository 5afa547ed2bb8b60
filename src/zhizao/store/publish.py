"""Publishing: making a run's results the ones the API and the web serve.

A run's rows (the capability's ``to_rows``, i.e. the CONTRACT.md fields) are copied into
``published_results`` for its (method, year), replacing what was published before, in one
transaction; ``publications`` keeps the history of what was published when and by whom.
Pages and API read published results only through the helpers here.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from sqlalchemy import JSON, Select, bindparam, cast, delete, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from zhizao import capabilities
from zhizao.cliutil import dumps
from zhizao.settings import Settings
from zhizao.store import audit, stamps
from zhizao.store.db import own_fetch_one, page, session_scope
from zhizao.store.models import Publication, PublishedResult, User, utcnow


class PublishError(LookupError):
    pass


def _outcome_field(method: str) -> str | None:
    """The row field that is the method's outcome (what lists filter on): its capability's first
    outcome field (carbon ``grade``, mujun ``class``, ...)."""
    try:
        fields = capabilities.get(method).outcome_fields
    except (KeyError, ImportError, AttributeError):
        return None
    return fields[0] if fields else None


def _firm_attributes(settings: Settings, codes: list[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """region, industry and name of each firm from the warehouse's current enterprises, when there."""
    if not settings.warehouse_path.exists():
        return {}
    import duckdb

    from zhizao.engine.warehouse import WarehouseBusy, connect

    try:
        con = connect(settings.warehouse_path, read_only=True, wait_s=0.0)
    except (WarehouseBusy, duckdb.Error):
        return {}
    try:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'enterprises'"
                             ).fetchall()[0]
        if not exists or not exists[0]:
            return {}
        import pyarrow as pa

        con.register("_codes", pa.table({"credit_code": codes}))
        rows = con.execute("SELECT e.credit_code, e.region_code, e.industry_code, e.name FROM enterprises e "
                           "JOIN _codes c USING (credit_code)").fetchall()
    finally:
        con.close()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def publish_rows(session: Session, method: str, year: int, run_id: str, rows: list[dict[str, Any]],
                 user: User | str | None = None,
                 firms: dict[str, tuple[str | None, str | None, str | None]] | None = None,
                 role: str | None = None, held: list[dict[str, Any]] | None = None) -> int:
    """Replace the published rows of (method, year) by ``rows`` (CONTRACT.md fields); ``held``:
    the held firms left out, recorded in the publication."""
    firms = firms or {}
    outcome = _outcome_field(method)
    now = utcnow()
    records = []
    for r in rows:
        code = str(r["credit_code"])
        region, industry, name = firms.get(code, (None, None, None))
        rank = r.get("rank")
        records.append({
            "method": method, "year": year, "credit_code": code,
            "region_code": r.get("region_code") or region,
            "industry_code": r.get("industry_code") or industry,
            "name": r.get("name") or name,
            "outcome": None if outcome is None or r.get(outcome) is None else str(r[outcome]),
            "status": None if r.get("status") is None else str(r["status"]),
            "rank": int(rank) if isinstance(rank, int | float) and rank == rank else None,
            "run_id": run_id, "payload": dumps(r), "published_at": now,
        })
    session.execute(delete(PublishedResult).where(PublishedResult.method == method, PublishedResult.year == year))
    for i in range(0, len(records), 5000):
        session.execute(insert(PublishedResult), records[i:i + 5000])
    who = user.username if isinstance(user, User) else user
    held_doc = [{"credit_code": h["credit_code"], "check": h.get("check"), "reason": h.get("reason")}
                for h in (held or [])]
    session.add(Publication(method=method, year=year, run_id=run_id, published_by=who, published_at=now,
                            rows=len(records), held=dumps(held_doc) if held_doc else None))
    detail: dict[str, Any] = {"method": method, "year": year, "rows": len(records)}
    if held_doc:
        detail["with_held"] = [h["credit_code"] for h in held_doc]
    audit.record(session, "publish", username=who, role=user.role if isinstance(user, User) else role,
                 target=run_id, detail=detail)
    return len(records)


class HeldFirms(PublishError):
    """The run has firms held by the publication gate that nobody has reviewed."""


def publish(settings: Settings, run_id: str, user: Any = None, with_held: bool = False) -> dict[str, Any]:
    """Publish a registered run: its rows become what the API and web serve for (method, year).

    A run with firms held by the publication gate is refused (:class:`HeldFirms`) unless
    ``with_held``: then the other firms are published, the held ones are not, and the
    publication records which were left out."""
    from zhizao import runs

    try:
        run = runs.get(settings, run_id)
        table = runs.results(settings, run_id)
        held = runs.held(settings, run_id)
    except runs.RunError as exc:
        raise PublishError(str(exc)) from exc
    if held and not with_held:
        names = "、".join(f"{h['name'] or h['credit_code']}（{h['reason']}）" for h in held[:3])
        more = f"等 {len(held)} 家" if len(held) > 3 else ""
        raise HeldFirms(f"运行 {run_id} 有 {len(held)} 家企业未通过发布前核查：{names}{more}。"
                        "请放行（说明理由）或更正数据后重新计算；如确需先发布其余企业，请使用 --with-held")
    cap = capabilities.get(run.method)
    rows = capabilities.rows(cap, table, run.methodology)
    if held:
        rows = [r for r in rows if r.get("status") != "held"]
    firms = _firm_attributes(settings, [str(r["credit_code"]) for r in rows])
    # a store User, the web layer's CurrentUser (both have username and role) or a plain name
    who = getattr(user, "username", user)
    role = getattr(user, "role", None)
    with session_scope(settings) as s:
        n = publish_rows(s, run.method, run.year, run_id, rows, who, firms, role=role, held=held)
    _after_publish(settings, run)
    return {"run_id": run_id, "method": run.method, "year": run.year, "rows": n,
            "methodology": f"{run.methodology_name}@{run.methodology_version}",
            "held": [h["credit_code"] for h in held]}


def _after_publish(settings: Settings, run: Any) -> None:
    """The publishing room's ``publish_hook``, then every room's ``on_data_change`` (what they
    prepared from published results is stale now; they queue its rebuild)."""
    import logging

    from zhizao import rooms

    for room, hook in rooms.contributions("publish_hook"):
        if rooms.method_name(room) == run.method:
            try:
                hook(settings, run)
            except Exception:
                logging.getLogger("zhizao.publish").exception("%s: publish_hook(%s)", room.name, run.run_id)
    rooms.data_changed(settings, {"kind": "publish", "run_id": run.run_id, "method": run.method, "year": run.year})


# ---------------------------------------------------------------- reading


def published_run(session: Session, method: str, year: int) -> Publication | None:
    """The publication in force for (method, year), if any."""
    return session.scalar(select(Publication).where(Publication.method == method, Publication.year == year)
                          .order_by(Publication.id.desc()).limit(1))


def publications(session: Session, method: str | None = None) -> list[Publication]:
    q = select(Publication)
    if method:
        q = q.where(Publication.method == method)
    return list(session.scalars(q.order_by(Publication.id.desc())))


def published(session: Session, method: str, year: int, credit_code: str) -> dict[str, Any] | None:
    """A firm's published row for (method, year) as a dict, or None (``region_code`` filled in
    from the store when the method's rows do not carry it)."""
    payload = published_payload(session, method, year, credit_code)
    return None if payload is None else {"region_code": payload[1]} | json.loads(payload[0])


_PAYLOAD_BY_KEY = (
    select(PublishedResult.payload, PublishedResult.region_code)
    .where(PublishedResult.method == bindparam("method"), PublishedResult.year == bindparam("year"),
           PublishedResult.credit_code == bindparam("code"))
    .order_by(PublishedResult.id)
    .limit(1)
)


_PAYLOAD_SQL = ("SELECT payload, region_code FROM published_results WHERE method = {p} AND year = {p} "
                "AND credit_code = {p} ORDER BY id LIMIT 1")


#: the published rows the hot path has read, per process, keyed by the latest publication (a new
#: publication makes a new key; the old entries age out): 50,000 firms of about 1 KB each at most
_PAYLOADS: LRUCache[tuple[Any, ...], tuple[str, str | None] | None] = LRUCache(maxsize=50_000)
_PAYLOADS_LOCK = threading.Lock()


def payload_lookup(url: str, method: str, year: int, credit_code: str) -> tuple[str, str | None] | None:
    """The hot path's lookup: a published row (payload JSON text, region_code), or None.

    Kept per process for the publication in force (:func:`zhizao.caching.publication_stamp`,
    which a new publication's stamp file renews at once), so a repeated lookup asks the store
    nothing; a firm without a row is kept as None too (a missing firm answers as fast as a
    firm out of scope). A miss is one indexed read on the calling thread's own DBAPI
    connection (:func:`zhizao.store.db.own_connection_engine`: never waits for the shared pool,
    so it may run on the server's event loop), without SQLAlchemy's result machinery, which
    costs several times the read itself (measured in bench/api_load.py's setting)."""
    from zhizao.caching import publication_stamp

    key = (url, publication_stamp(url, on_loop=True), method, year, credit_code)
    with _PAYLOADS_LOCK:
        hit = _PAYLOADS.get(key, _PAYLOADS)
    if hit is not _PAYLOADS:
        return hit  # type: ignore[return-value]
    row = own_fetch_one(url, _PAYLOAD_SQL, (method, year, credit_code))
    found = None if row is None else (row[0], row[1])
    with _PAYLOADS_LOCK:
        _PAYLOADS[key] = found
    return found


def published_payload(session: Session, method: str, year: int, credit_code: str) -> tuple[str, str | None] | None:
    """(payload JSON text, region_code) of a firm's published row: the hot path serves the text as is."""
    row = session.execute(_PAYLOAD_BY_KEY, {"method": method, "year": year, "code": credit_code}).first()
    return None if row is None else (row[0], row[1])


def firm_history(session: Session, method: str, credit_code: str) -> list[dict[str, Any]]:
    """Every published year of a firm for one method, oldest first."""
    rows = session.execute(select(PublishedResult.payload, PublishedResult.region_code, PublishedResult.industry_code)
                           .where(PublishedResult.method == method, PublishedResult.credit_code == credit_code)
                           .order_by(PublishedResult.year))
    return [{"region_code": r[1], "industry_code": r[2]} | json.loads(r[0]) for r in rows]


@dataclass(frozen=True)
class Filters:
    region_code: str | None = None
    industry_code: str | None = None
    outcome: str | None = None
    status: str | None = None
    q: str | None = None
    #: a scope restriction from the caller's role (see web.deps.Scope.firm_filter)
    extra: tuple[Any, ...] = ()


def _filtered(method: str, year: int, f: Filters) -> Select[Any]:
    q = select(PublishedResult).where(PublishedResult.method == method, PublishedResult.year == year)
    if f.region_code:
        q = q.where(PublishedResult.region_code == f.region_code)
    if f.industry_code:
        # a 2-digit division or 4-digit class: prefix match on GB/T 4754 codes
        q = q.where(PublishedResult.industry_code.startswith(f.industry_code, autoescape=True))
    if f.outcome:
        q = q.where(PublishedResult.outcome == f.outcome)
    if f.status:
        q = q.where(PublishedResult.status == f.status)
    if f.q:
        q = q.where(PublishedResult.name.contains(f.q, autoescape=True)
                    | PublishedResult.credit_code.startswith(f.q.upper(), autoescape=True))
    for cond in f.extra:
        q = q.where(cond)
    return q


#: the store columns a list may sort on; any other key is a numeric field of the payload
SORT_COLUMNS = {"credit_code": PublishedResult.credit_code, "name": PublishedResult.name,
                "region_code": PublishedResult.region_code, "industry_code": PublishedResult.industry_code,
                "outcome": PublishedResult.outcome, "status": PublishedResult.status, "rank": PublishedResult.rank}


def _sort_order(sort: tuple[str, bool], dialect: str = "sqlite") -> tuple[Any, ...]:
    """ORDER BY for (key, descending): a store column or a numeric payload field, missing values
    last in both directions, the credit code breaking ties (a stable order across pages)."""
    key, desc = sort
    col: Any = SORT_COLUMNS.get(key)
    if col is None:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"not a sortable field: {key!r}")
        # PostgreSQL parses the text as JSON; SQLite's JSON functions read the text as it is
        # (a CAST to JSON there would be a numeric cast)
        doc = cast(PublishedResult.payload, JSON) if dialect == "postgresql" else type_coerce(PublishedResult.payload, JSON)
        col = doc[key].as_float()
    return (col.is_(None), col.desc() if desc else col.asc(), PublishedResult.credit_code)


def count_published(session: Session, method: str, year: int, filters: Filters = Filters()) -> int:
    """How many published rows match the filters."""
    return int(session.scalar(select(func.count()).select_from(_filtered(method, year, filters).subquery())) or 0)


def list_published(session: Session, method: str, year: int, filters: Filters = Filters(),
                   limit: int = 50, offset: int = 0, order: str = "credit_code",
                   sort: tuple[str, bool] | None = None) -> tuple[int, list[dict[str, Any]]]:
    """A page of published rows with the total count matching the filters. ``sort`` (key,
    descending) orders the whole result before the page is cut: a store column or a numeric
    field of the payload (``emissions_t``)."""
    q = _filtered(method, year, filters)
    order_by = {
        "credit_code": (PublishedResult.credit_code,),
        "rank": (PublishedResult.rank.is_(None), PublishedResult.rank, PublishedResult.credit_code),
        "name": (PublishedResult.name, PublishedResult.credit_code),
    }.get(order, (PublishedResult.credit_code,))
    if sort is not None:
        order_by = _sort_order(sort, session.get_bind().dialect.name)
    # the three columns a row is made of, not whole ORM objects (5,000 亩均 rows: 0.50 -> 0.30 s)
    cols = q.with_only_columns(PublishedResult.payload, PublishedResult.region_code, PublishedResult.industry_code)
    total, rows = page(session, cols, order_by, limit, offset, rows=True)
    return total, [json.loads(payload) | {"region_code": region, "industry_code": industry}
                   for payload, region, industry in rows]


def distribution(session: Session, method: str, year: int, by: str = "outcome",
                 filters: Filters = Filters()) -> list[dict[str, Any]]:
    """Counts of published rows by outcome and optionally by region or industry division."""
    sub = _filtered(method, year, filters).subquery()
    keys = [sub.c.outcome]
    if by == "region":
        keys = [sub.c.region_code, sub.c.outcome]
    elif by == "industry":
        keys = [func.substr(sub.c.industry_code, 1, 2).label("division"), sub.c.outcome]
    q = select(*keys, func.count().label("n")).group_by(*keys).order_by(*keys)
    return [dict(r._mapping) for r in session.execute(q)]


def published_years(session: Session, method: str) -> list[int]:
    """The years of ``method`` with a publication, oldest first: asked by every page and tile,
    so kept per process until the next publication (:mod:`zhizao.store.stamps`)."""
    def read() -> list[int]:
        return [int(y) for y in session.scalars(
            select(Publication.year).where(Publication.method == method).distinct().order_by(Publication.year))]

    url = session.info.get("store_url")
    if url is None or stamps.changing(session):
        return read()
    return list(stamps.current(url, "publications", read, ("years", method)))


def firm_published(session: Session, credit_code: str) -> dict[str, Any] | None:
    """The firm's newest published row of any method (name, region_code, industry_code), or None
    when nothing of the firm is published."""
    row = session.execute(select(PublishedResult.name, PublishedResult.region_code, PublishedResult.industry_code)
                          .where(PublishedResult.credit_code == credit_code)
                          .order_by(PublishedResult.year.desc(), PublishedResult.method).limit(1)).first()
    return None if row is None else {"name": row[0], "region_code": row[1], "industry_code": row[2]}


def published_methods(session: Session) -> list[str]:
    """The methods with at least one publication."""
    return sorted(session.scalars(select(Publication.method).distinct()))


def latest_publication_id(session: Session) -> int:
    """The id of the newest publication (0 when nothing is published): part of the key of every
    figure computed from published results."""
    return int(session.scalar(select(func.max(Publication.id))) or 0)
