"""Compiled SQL, once per rule-set version: the fixed cost of big Ibis expressions paid once.

A rule set screened by the criteria engine becomes one Ibis expression of a few hundred nodes;
building it and compiling it to SQL costs about a second per rule set (Ibis merges the nested
selects node by node), the same every time the same rule set meets the same inputs. The
expression does not depend on the data, only on

- the rule set's content (its version), the year and any other parameter the caller names (``key``),
- the code that builds it (``code``: the modules whose source is fingerprinted, so a changed
  measure or engine never reuses stale SQL), the Ibis version,
- the inputs: each input table's own SQL and schema on its backend (a table registered under
  another name, a filtered view or another warehouse is another key).

:func:`compiled` builds and compiles the expression the first time (to the inputs' backend
dialect, remembering the SQL and schema) and returns an Ibis table over that SQL on the same
backend (a temporary view on DuckDB, ``backend.sql(query, schema=...)`` on Spark); later calls
skip building and compiling. Either way
the result is an Ibis table the engine executes, on DuckDB and Spark alike. The memory cache lives as long as the process;
with ``ZHIZAO_SQL_CACHE`` set to a directory (or ``directory`` given, or inside :func:`kept_in`:
every run of a method keeps its SQL in ``<home>/cache/sql``), the SQL is also kept there (one
JSON file per key, the newest :data:`DISK_ENTRIES`), so each new process (``zhizao evaluate``, a
page) skips the compile too.
Inputs with no backend (memtables only), or an expression holding an in-memory table, are not
cached (the table is registered with the backend only when its own expression runs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from types import ModuleType
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import sqlglot as sg
import sqlglot.expressions as sge

MEMORY_ENTRIES = 256
#: compiled expressions kept in a cache directory (80–100 KB each for the largest methods)
DISK_ENTRIES = 512
#: digest -> (SQL, schema, the tables the SQL reads or None when unknown)
_memory: OrderedDict[str, tuple[str, dict[str, str], frozenset[str] | None]] = OrderedDict()
_lock = threading.Lock()
#: held while an expression compiles, Ibis's global ``fuse_selects`` option set for it
_compiling = threading.Lock()
_code_hashes: dict[tuple[str, ...], str] = {}
#: counters (tests and benchmarks read them): compiled, hits from memory, hits from disk
stats = {"compiled": 0, "memory": 0, "disk": 0}


def code_fingerprint(modules: Iterable[ModuleType]) -> str:
    """A hash of the source files of ``modules`` (read once per process)."""
    names = tuple(sorted(m.__name__ for m in modules))
    if names not in _code_hashes:
        h = hashlib.sha256()
        for m in sorted(modules, key=lambda m: m.__name__):
            h.update(m.__name__.encode())
            f = getattr(m, "__file__", None)
            h.update(Path(f).read_bytes() if f else b"")
        _code_hashes[names] = h.hexdigest()
    return _code_hashes[names]


def _backend(inputs: Mapping[str, ir.Table]) -> Any | None:
    backends = set()
    for t in inputs.values():
        try:
            backends.add(t._find_backend(use_default=False))
        except Exception:
            return None
    return backends.pop() if len(backends) == 1 else None


def cache_key(key: object, inputs: Mapping[str, ir.Table], backend: Any, code: Iterable[ModuleType] = ()) -> str:
    """The digest naming one compiled expression (see the module docstring)."""
    h = hashlib.sha256()
    h.update(json.dumps([repr(key), ibis.__version__, sg.__version__, backend.name,
                         code_fingerprint(code)]).encode())
    for name in sorted(inputs):
        t = inputs[name]
        h.update(json.dumps([name, _input_sql(backend, t), repr(t.schema())], ensure_ascii=False).encode())
    return h.hexdigest()


#: the SQL of a table read whole, by backend, namespace, name and schema
_table_sql: OrderedDict[tuple[str, str, str, str], str] = OrderedDict()


def _input_sql(backend: Any, t: ir.Table) -> str:
    """``t``'s own SQL on ``backend``. A table read whole is compiled once per process by its name
    and schema: each page opens a new engine, whose tables are new expressions, and compiling the
    five inputs of a project page each time was 40-60 ms of a day not seen before."""
    op = t.op()
    if not isinstance(op, ops.DatabaseTable):
        return str(backend.compile(t))
    key = (backend.name, repr(op.namespace), op.name, repr(op.schema))
    with _lock:
        sql = _table_sql.get(key)
    if sql is None:
        sql = str(backend.compile(t))
        with _lock:
            _table_sql[key] = sql
            while len(_table_sql) > MEMORY_ENTRIES:
                _table_sql.popitem(last=False)
    return sql


#: the directory :func:`kept_in` names for the calls inside it
_kept_in: ContextVar[Path | None] = ContextVar("zhizao_sql_cache", default=None)


@contextlib.contextmanager
def kept_in(directory: Path | str) -> Iterator[None]:
    """Inside: compiled SQL is also kept in ``directory`` (unless ``ZHIZAO_SQL_CACHE`` names
    another): how a run of a method (:func:`zhizao.runs.registry.execute`) keeps its SQL in the
    home, so the next process evaluating the same methodology version and year compiles nothing."""
    token = _kept_in.set(Path(directory))
    try:
        yield
    finally:
        _kept_in.reset(token)


def _directory(directory: Path | str | None) -> Path | None:
    d = directory or os.environ.get("ZHIZAO_SQL_CACHE") or _kept_in.get()
    return Path(d) if d else None


def _prune(folder: Path, keep: int) -> None:
    """At most ``keep`` files in ``folder``: the least recently written go (a methodology version
    or an input schema no longer in use leaves its SQL behind)."""
    files = list(folder.glob("*.json"))
    if len(files) <= keep:
        return
    for f in sorted(files, key=lambda f: f.stat().st_mtime)[:len(files) - keep]:
        with contextlib.suppress(OSError):
            f.unlink()


def _kept(digest: str, directory: Path | str | None) -> tuple[Path | None, tuple[str, dict[str, str],
                                                                            frozenset[str] | None] | None]:
    """Where ``digest``'s SQL is kept on disk (None: nowhere), and the SQL if it was compiled
    before: in this process's memory, else on disk (then remembered)."""
    with _lock:
        hit = _memory.get(digest)
    folder = _directory(directory)
    path = folder / f"{digest}.json" if folder else None
    if hit is not None:
        stats["memory"] += 1
        return path, hit
    hit = _read(path) if path is not None else None
    if hit is not None:
        _remember(digest, *hit)
        stats["disk"] += 1
    return path, hit


def _remember(digest: str, sql: str, schema: dict[str, str], tables: frozenset[str] | None) -> None:
    with _lock:
        _memory[digest] = (sql, schema, tables)
        _memory.move_to_end(digest)
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def _read(path: Path) -> tuple[str, dict[str, str], frozenset[str] | None] | None:
    """A kept compiled expression (SQL, schema, tables read); None when absent or damaged (it is
    compiled again and rewritten)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return saved["sql"], saved["schema"], frozenset(saved["tables"]) if saved.get("tables") is not None else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, key: object, sql: str, schema: dict[str, str], tables: frozenset[str] | None) -> None:
    """Keep a compiled expression in its folder (atomically: a file of its own per process and
    thread, renamed; pages of one process compile side by side)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps({"key": repr(key), "sql": sql, "schema": schema,
                               "tables": sorted(tables) if tables is not None else None}, ensure_ascii=False),
                   encoding="utf-8")
    tmp.replace(path)
    _prune(path.parent, DISK_ENTRIES)


def compiled(build: Callable[[], ir.Table], *, key: object, inputs: Mapping[str, ir.Table],
             code: Iterable[ModuleType] = (), directory: Path | str | None = None,
             fuse_selects: bool = True) -> ir.Table:
    """``build()`` (an expression over ``inputs``), compiled once per ``key``, code and inputs.

    ``fuse_selects=False``: compiled without Ibis merging each select into the one it reads
    (:func:`_compile`), for an expression whose SQL DuckDB runs as fast either way and whose
    merging costs a good part of its compile (see :func:`zhizao.mujun.method.evaluate`)."""
    backend = _backend(inputs)
    if backend is None:
        return build()
    digest = cache_key(key if fuse_selects else (key, "selects kept apart"), inputs, backend, code)
    path, hit = _kept(digest, directory)
    if hit is not None:
        return _as_table(backend, digest, hit[0], hit[1])
    expr = build()
    if expr.op().find(ops.InMemoryTable):
        # an in-memory table is registered with the backend only when its own expression runs:
        # SQL naming it would not stand alone in another call or process
        return expr
    sql = _compile(backend, expr, fuse_selects)
    schema = {k: str(v) for k, v in expr.schema().items()}
    tables = tables_read(expr)
    _remember(digest, sql, schema, tables)
    stats["compiled"] += 1
    if path is not None:
        _write(path, key, sql, schema, tables)
    # the compiled SQL, not ``expr``: executing ``expr`` would compile it a second time
    return _as_table(backend, digest, sql, schema)


#: the two sets of days an expression of days is compiled with (:func:`compiled_over_days`):
#: the first day of each, and the days between one day and the next (``STEPS``). Far apart in year
#: (one a leap year), month and day, and with other distances between the days, so a build that
#: uses a day's value or a distance between days in Python (a year, a number of days, a
#: comparison) writes something else into the SQL for them, not only the days' literals
SENTINELS = (dt.date(1901, 2, 3), dt.date(2996, 11, 27))
STEPS = (37, 61)
#: digests of day-dependent expressions found not to be templates (compiled per day instead)
_not_templates: set[str] = set()


_literals: dict[tuple[str, dt.date], str] = {}


def _day_literal(backend: Any, day: dt.date) -> str:
    """How ``backend``'s SQL writes the date ``day`` (``MAKE_DATE(1901, 2, 3)`` on DuckDB)."""
    found = _literals.get((backend.name, day))
    if found is None:
        sql = str(backend.compile(ibis.literal(day, type="date").name("d")))
        m = re.fullmatch(r"SELECT\s+(.*?)\s+AS\s+\W?d\W?", sql.strip(), re.S)
        if m is None:
            raise ValueError(f"unexpected SQL for a date literal: {sql}")
        found = _literals[(backend.name, day)] = m.group(1)
    return found


def _substitute(sql: str, old: Sequence[str], new: Sequence[str]) -> str:
    """``sql`` with each of ``old`` replaced by the ``new`` at the same position, in one pass."""
    to = dict(zip(old, new, strict=True))
    return re.sub("|".join(re.escape(o) for o in sorted(old, key=len, reverse=True)), lambda m: to[m.group(0)], sql)


def compiled_over_days(build: Callable[..., ir.Table], days: Sequence[dt.date], *, key: object,
                       inputs: Mapping[str, ir.Table], code: Iterable[ModuleType] = ()) -> ir.Table:
    """``build(*days)`` compiled once for every value of ``days`` (as :func:`compiled` does for
    one value): a page for a day not seen before (the projects board on another day: 0.6 s of
    building and compiling) writes the days into SQL compiled once.

    The expression is built and compiled twice, for two sets of days far apart and spaced
    differently (:data:`SENTINELS`, :data:`STEPS`). When the second SQL is the first with the days'
    literals replaced, that SQL is a template: each call fills in its days. Otherwise (the build
    uses a day in Python: its year, the days between two of them, a comparison) the expression is
    compiled for each value of the days. ``build`` should use the days only as values of the
    expression (``ibis.literal``); a distance between them is taken in the SQL."""
    backend = _backend(inputs)
    if backend is None:
        return build(*days)
    n = len(days)
    digest = cache_key((key, "over days", n), inputs, backend, code)
    first = [SENTINELS[0] + dt.timedelta(days=STEPS[0] * i) for i in range(n)]
    per_day = (key, *(d.isoformat() for d in days))
    if digest in _not_templates:
        return compiled(lambda: build(*days), key=per_day, inputs=inputs, code=code)
    path, hit = _kept(digest, None)
    if hit is None:
        second = [SENTINELS[1] + dt.timedelta(days=STEPS[1] * i) for i in range(n)]
        one = build(*first)
        if one.op().find(ops.InMemoryTable):
            return build(*days)
        sql1, sql2 = _compile(backend, one, True), _compile(backend, build(*second), True)
        lit1, lit2 = [_day_literal(backend, d) for d in first], [_day_literal(backend, d) for d in second]
        if not all(lit in sql1 for lit in lit1) or _substitute(sql1, lit1, lit2) != sql2:
            _not_templates.add(digest)
            return compiled(lambda: build(*days), key=per_day, inputs=inputs, code=code)
        hit = (sql1, {k: str(v) for k, v in one.schema().items()}, tables_read(one))
        _remember(digest, *hit)
        stats["compiled"] += 1
        if path is not None:
            _write(path, key, *hit)
    template, schema, tables = hit
    sql = _substitute(template, [_day_literal(backend, d) for d in first], [_day_literal(backend, d) for d in days])
    day_digest = hashlib.sha256(f"{digest}:{per_day[1:]}".encode()).hexdigest()
    _remember(day_digest, sql, schema, tables)
    return _as_table(backend, day_digest, sql, schema)


def _compile(backend: Any, expr: ir.Table, fuse_selects: bool) -> str:
    """``expr``'s SQL on ``backend``, with Ibis's ``sql.fuse_selects`` option as asked. The option
    is global, so compiles through here take turns, each setting it for itself (compiling is pure
    Python: threads gained nothing running it side by side). An expression compiled elsewhere
    while a compile here has the option off may come out with its selects apart: the same
    results, another shape of SQL."""
    with _compiling:
        saved = ibis.options.sql.fuse_selects
        ibis.options.sql.fuse_selects = fuse_selects
        try:
            return str(backend.compile(expr))
        finally:
            ibis.options.sql.fuse_selects = saved


#: the prefix of the temporary views through which DuckDB reads compiled SQL (:func:`_as_table`)
VIEW_PREFIX = "_zc_"
#: the views :func:`_as_table` created on each DuckDB connection (a temporary view lives as long
#: as its connection, and this module never drops one)
_views: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _as_table(backend: Any, digest: str, sql: str, schema: dict[str, str]) -> ir.Table:
    """The compiled SQL as a table of ``backend``. On DuckDB, a temporary view of the connection
    named after the digest (the same name is the same SQL): an expression over it (a filter, an
    order, a further compiled step, another key's inputs) names the view, where over
    ``backend.sql`` Ibis parses the whole SQL with sqlglot into a subquery and prints it again at
    every compile (0.3–0.9 s for a method's SQL; the policies ledger paid it on every call). The
    view is the connection's own: :meth:`zhizao.engine.duckdb_engine.DuckDBEngine.submit` runs an
    expression reading one on that connection. Elsewhere (Spark) ``backend.sql``.

    A view is created once per connection: ``CREATE TEMP VIEW IF NOT EXISTS`` parses the whole SQL
    before it finds the view there (20–80 ms for a method's SQL, at every call that found the SQL
    compiled)."""
    sch = ibis.schema(schema)
    if backend.name != "duckdb":
        return backend.sql(sql, schema=sch)
    name = f"{VIEW_PREFIX}{digest[:32]}"
    con = backend.con
    with _lock:
        made = name in _views.get(con, ())
    if not made:
        con.execute(f'CREATE TEMP VIEW IF NOT EXISTS "{name}" AS {sql}')
        with _lock:
            _views.setdefault(con, set()).add(name)
    return ops.DatabaseTable(name, schema=sch, source=backend).to_expr()


def tables_read(expr: ir.Table) -> frozenset[str] | None:
    """The names of the tables ``expr``'s SQL reads, from the expression itself (no SQL parsed);
    None when the expression holds SQL text (``backend.sql``, ``Table.sql``), an unbound or an
    in-memory table, whose names the expression does not tell."""
    op = expr.op()
    if op.find((ops.SQLQueryResult, ops.SQLStringView, ops.UnboundTable, ops.InMemoryTable)):
        return None
    return frozenset(t.name for t in op.find(ops.DatabaseTable))


def sql_of(expr: ir.Table) -> tuple[str, frozenset[str] | None] | None:
    """The SQL behind ``expr`` and the tables it reads (:func:`tables_read`, None if unknown)
    when ``expr`` is a compiled expression as :func:`compiled` returns it on DuckDB (its view),
    else None: what a run keeps to run again without Ibis (:mod:`zhizao.runs.kept`)."""
    op = expr.op()
    if not isinstance(op, ops.DatabaseTable) or not op.name.startswith(VIEW_PREFIX):
        return None
    prefix = op.name[len(VIEW_PREFIX):]
    with _lock:
        return next(((sql, tables) for digest, (sql, _, tables) in _memory.items() if digest.startswith(prefix)),
                    None)


def evaluation(method: str, build: Callable[[Mapping[str, ir.Table]], ir.Table], inputs: Mapping[str, ir.Table],
               names: Iterable[str], methodology: Any, year: int, *, extra: object = (),
               code: Iterable[ModuleType] = (), fuse_selects: bool = True) -> ir.Table:
    """A method's evaluation: ``build(used)`` over the inputs it reads (``names``, those present),
    compiled once per method, methodology content (``model_dump_json()``), year, ``extra`` (any
    other argument the expression depends on) and inputs (:func:`compiled`, ``fuse_selects`` as
    there)."""
    used = {k: inputs[k] for k in names if k in inputs}
    return compiled(lambda: build(used), key=(method, methodology.model_dump_json(), year, extra), inputs=used,
                    code=code, fuse_selects=fuse_selects)


def clear() -> None:
    """Forget the memory cache (not the directory)."""
    with _lock:
        _memory.clear()
        _not_templates.clear()


def materialized(t: ir.Table, prefix: str) -> ir.Table:
    """``t`` computed once on its engine, under a name fixed by its SQL (``<prefix>_<hash>``), so an
    expression over it compiles to the same SQL in every process (and :func:`compiled` can keep
    it): a temporary table on DuckDB, a cached DataFrame under a temporary view on Spark. Each call
    computes ``t`` again (the data of the moment). Without a backend (memtables), ``t.cache()``."""
    try:
        backend = t._find_backend(use_default=False)
    except Exception:
        return t.cache()
    sql = str(backend.compile(t))
    name = f"{prefix}_{hashlib.sha256(sql.encode()).hexdigest()[:16]}"
    if backend.name == "duckdb":
        if t.op().find(ops.InMemoryTable):  # Ibis registers the in-memory data first
            return backend.create_table(name, t, temp=True, overwrite=True)
        # the SQL just compiled, into a table of the expression's own column types, replaced in
        # one statement pair (Ibis's create_table compiles it again and, to overwrite, copies the
        # rows twice through a second temporary table)
        schema = t.schema()
        target = sge.Schema(this=sg.table(name, quoted=True), expressions=schema.to_sqlglot_column_defs("duckdb"))
        backend.con.execute(sge.Create(kind="TABLE", this=target, replace=True,
                                       properties=sge.Properties(expressions=[sge.TemporaryProperty()])).sql("duckdb"))
        cols = ", ".join(sg.to_identifier(c, quoted=True).sql("duckdb") for c in schema.names)
        backend.con.execute(f'INSERT INTO "{name}" ({cols}) {sql}')
        return ops.DatabaseTable(name, schema=schema, source=backend).to_expr()
    # Spark has no temporary tables: a cached DataFrame under a session-scoped view of that name
    # (the previous one of the same name is released)
    df = backend._session.sql(sql).cache()
    old = _spark_cached.pop(name, None)
    df.createOrReplaceTempView(name)
    if old is not None:
        old.unpersist()
    _spark_cached[name] = df
    return backend.table(name)


_spark_cached: dict[str, Any] = {}
