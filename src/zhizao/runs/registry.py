"""The runs registry: method + methodology + input snapshot → immutable results.

A run records its method, year, methodology (name, version, content hash and the values
used), the engine, the input batches, the time and a hash of its results. Results are
written once to ``<home>/runs/<run_id>.parquet`` (read-only afterwards); a correction is a
new run. The registry itself is the ``runs`` table of the warehouse.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from cachetools import LRUCache

from zhizao import capabilities
from zhizao.engine import warehouse
from zhizao.methodology.models import Methodology
from zhizao.runs import kept
from zhizao.settings import Settings

if TYPE_CHECKING:  # Ibis only where a run has no kept SQL (see execute_kept)
    from zhizao.engine.base import Engine

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    method VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    methodology_name VARCHAR NOT NULL,
    methodology_version VARCHAR NOT NULL,
    methodology_hash VARCHAR NOT NULL,
    methodology_json VARCHAR NOT NULL,
    engine VARCHAR NOT NULL,
    input_batches VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    elapsed_s DOUBLE NOT NULL,
    result_hash VARCHAR NOT NULL,
    result_rows BIGINT NOT NULL,
    counts VARCHAR NOT NULL,
    notes VARCHAR NOT NULL,
    parent_run_id VARCHAR
)
"""


class RunError(LookupError):
    pass


@dataclass(frozen=True)
class Run:
    run_id: str
    method: str
    year: int
    methodology_name: str
    methodology_version: str
    methodology_hash: str
    methodology: dict[str, Any]
    engine: str
    input_batches: list[int]
    created_at: str
    elapsed_s: float
    result_hash: str
    result_rows: int
    counts: dict[str, Any]
    notes: list[str]
    parent_run_id: str | None

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "method": self.method,
            "year": self.year,
            "methodology": f"{self.methodology_name}@{self.methodology_version}",
            "engine": self.engine,
            "counts": self.counts,
        }


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RUNS_DDL)


# rows per part of the CSV written on a thread of its own (the two halves of a large table)
_HASH_BATCH_ROWS = 16_384
#: 10**0 … 10**22, each exact as a double
_POW10 = np.array([10.0 ** i for i in range(23)])


def round12(*columns: pa.ChunkedArray | pa.Array, con: duckdb.DuckDBPyConnection | None = None) -> list[pa.Array]:
    """Each value of each column as ``float(f"{v:.12g}")``: rounded to 12 significant digits,
    correctly (the double nearest the decimal ``printf('%.12g')`` prints); nulls stay null; as
    float64.

    Vectorised: for 1e-11 ≤ |v| < 1e34 the value is scaled by an exact power of ten to 12 integer
    digits (one rounding, error below 2e-4), rounded to an integer and scaled back (one correctly
    rounded division or product of exact numbers: the double nearest the decimal). Where the
    scaled value lies within 1e-3 of a half (the rounding could go either way), and for values
    outside that range, DuckDB's ``printf`` rounds from the exact binary value instead, in one
    query for all columns: a few values in a thousand of random data (on a cursor of ``con`` when
    given: a new in-memory database costs 20–60 ms, the query on a cursor about 5). Neither path
    formats a row in Python."""
    values = [_float64s(c) for c in columns]
    outs, exact = zip(*(_round12_fast(x) for x, _ in values), strict=True) if values else ((), ())
    if any(t.size for t in exact):
        rounded = _printf12(np.concatenate([x[t] for (x, _), t in zip(values, exact, strict=True)]), con)
        at = 0
        for out, todo in zip(outs, exact, strict=True):
            out[todo] = rounded[at:at + todo.size]
            at += todo.size
    return [pa.Array.from_buffers(pa.float64(), len(out), [None if valid is None else pa.py_buffer(
                np.packbits(valid, bitorder="little")), pa.py_buffer(out)])
            for out, (_, valid) in zip(outs, values, strict=True)]


def _float64s(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """A column's values as float64 (0 where null) and which are valid (None: all), read from
    Arrow's buffers: Arrow's own ``to_numpy`` of a column with nulls, and building an array from
    NumPy, go through pandas (0.45 s to import, in a command that otherwise never needs it)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    arr = arr.cast(pa.float64())
    n, off = len(arr), arr.offset
    validity, data = arr.buffers()
    x = np.frombuffer(data, dtype=np.float64, count=off + n)[off:] if data is not None else np.zeros(n)
    if not arr.null_count or validity is None:
        return x, None
    valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little", count=off + n)[off:].astype(bool)
    return np.where(valid, x, 0.0), valid


def _printf12(x: np.ndarray, con: duckdb.DuckDBPyConnection | None = None) -> np.ndarray:
    """``float(f"{v:.12g}")`` from the exact binary value, by DuckDB's ``printf`` (the same
    correctly rounded decimal as Python's formatting), on a cursor of ``con`` or in a database of
    its own."""
    cur = con.cursor() if con is not None else duckdb.connect()
    try:
        x = np.ascontiguousarray(x, dtype=np.float64)
        cur.register("v", pa.table([pa.Array.from_buffers(pa.float64(), len(x), [None, pa.py_buffer(x)])], names=["x"]))
        got = cur.sql("SELECT CAST(printf('%.12g', x) AS DOUBLE) AS x FROM v").to_arrow_table()["x"]
    finally:
        cur.close()
    return _float64s(got)[0]


def _scale(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``a × 10**k`` with one rounding (|k| ≤ 22: the power of ten is exact)."""
    p = _POW10[np.abs(k)]
    return np.where(k >= 0, a * p, a / p)


def _round12_fast(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`round12` of the values it can round in floating point, and the positions of those
    it cannot (left to the exact path)."""
    a = np.abs(x)
    ok = np.isfinite(a) & (a >= 1e-11) & (a < 1e34)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = np.clip(11 - np.floor(np.log10(np.where(ok, a, 1.0))), -22, 22).astype(np.int64)
        scaled = _scale(a, k)
        off = ok & ((scaled < 1e11) | (scaled >= 1e12))  # log10 missed the exponent by one
        if off.any():
            k[off] = np.clip(k[off] + np.where(scaled[off] < 1e11, 1, -1), -22, 22)
            scaled[off] = _scale(a[off], k[off])
        ok &= (scaled >= 1e11) & (scaled <= 1e12) & (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-3)
        n = np.rint(scaled)
        p = _POW10[np.abs(k)]
        out = np.copysign(np.where(k >= 0, n / p, n * p), x)
    keep = ~np.isfinite(x) | (x == 0)  # infinities and NaN as they are; ±0 keeps its sign
    out[keep] = x[keep]
    return out, np.flatnonzero(~ok & ~keep)


def result_hash(table: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """sha256 of the results as CSV, rows sorted by all key columns: the same results give the
    same hash whatever the engine or row order. The methods' sums are exact (:mod:`zhizao.sums`),
    so the order of additions changes no bit; floats are rounded to 12 significant digits as a
    guard for the engines' own arithmetic (a division or a cast on DuckDB and on Spark), by
    :func:`round12` (on a cursor of ``con`` when the caller has a DuckDB connection open), never
    per row in Python."""
    keys = kept.order_keys(table.column_names)
    t = table if not keys or _strictly_increasing(table[keys[0]]) else table.sort_by([(k, "ascending") for k in keys])
    floats = [n for n in t.column_names if pa.types.is_floating(t.schema.field(n).type)]
    if floats:
        rounded = dict(zip(floats, round12(*(t[n] for n in floats), con=con), strict=True))
        t = pa.table([rounded.get(n, t[n]) for n in t.column_names], names=t.column_names)
    digest = hashlib.sha256()
    for part in _csv_parts(t):
        digest.update(part)
    return digest.hexdigest()


def _strictly_increasing(column: pa.ChunkedArray) -> bool:
    """No nulls and each value above the one before: rows in this order are already sorted by
    this column and any after it (a run read with its plan comes ordered)."""
    import pyarrow.compute as pc

    if column.null_count:
        return False
    arr = column.combine_chunks()
    return len(arr) < 2 or bool(pc.all(pc.less(arr.slice(0, len(arr) - 1), arr.slice(1))).as_py())


def _csv(t: pa.Table, header: bool) -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(t, buf, pacsv.WriteOptions(include_header=header))
    return buf.getvalue()


def _csv_parts(t: pa.Table) -> list[bytes]:
    """The table as CSV in consecutive parts (the header in the first): a large table's two
    halves are written on two threads (Arrow's writer holds no interpreter lock), and the parts
    joined are byte for byte the whole table's CSV."""
    if t.num_rows < 2 * _HASH_BATCH_ROWS:
        return [_csv(t, True)]
    half = t.num_rows // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(_csv, t.slice(half), False)
        first = _csv(t.slice(0, half), True)
        return [first, second.result()]


def _connect(settings: Settings, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """The registry for writing (registering a run waits its turn)."""
    settings.ensure()
    con = warehouse.connect(settings.warehouse_path, wait_s=wait_s, schema=False)
    ensure_registry(con)
    return con


def _select(settings: Settings, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """A read of the registry on a read-only connection: readers in several server processes
    share the file, and a reader never takes the write lock (a writable open for a read made
    the other server processes answer "busy" while the cockpit listed runs). Gives up at once
    when another process writes the warehouse (a web page answers "busy" rather than hang);
    no warehouse or no registry yet: no rows."""
    if not Path(settings.warehouse_path).exists():
        return []
    con = warehouse.connect(settings.warehouse_path, read_only=True, wait_s=0.0)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'runs'").fetchone()[0]:  # type: ignore[index]
            return []
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _next_id(con: duckdb.DuckDBPyConnection, method: str, year: int) -> str:
    n = con.execute("SELECT count(*) FROM runs WHERE method = ? AND year = ?", [method, year]).fetchone()
    k = int(n[0]) + 1 if n else 1
    while True:
        run_id = f"{method}-{year}-{k:04d}"
        if not con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone():
            return run_id
        k += 1


def input_batches(engine: Engine, tables: tuple[str, ...]) -> list[int]:
    """The batches behind the current rows of the input tables: the run's input snapshot."""
    return _batch_ids(_submit_input_batches(engine, tables).result())


def _submit_input_batches(engine: Engine, tables: tuple[str, ...]) -> Future[pa.Table] | Future[None]:
    """The query of :func:`input_batches`, submitted to the engine (None: no table has batches)."""
    parts = [t.select("_batch_id").distinct() for t in (engine.table(n) for n in tables) if "_batch_id" in t.columns]
    if not parts:
        none: Future[None] = Future()
        none.set_result(None)
        return none
    # one query for every table (the engine scans them in parallel), not one round trip each
    return engine.submit(parts[0].union(*parts[1:], distinct=True) if len(parts) > 1 else parts[0])


def _batch_ids(found: pa.Table | None) -> list[int]:
    return [] if found is None else sorted(int(x) for x in found["_batch_id"].to_pylist())


def run_inputs(engine: Engine, cap: capabilities.Capability) -> dict[str, Any]:
    """The method's input tables, with its optional ones the engine has (``extra["optional_inputs"]``:
    e.g. published benchmarks, which a Parquet lake may not hold)."""
    inputs = engine.tables(cap.inputs)
    for name in cap.extra.get("optional_inputs", ()):
        try:
            inputs[name] = engine.table(name)
        except KeyError:  # the method reads it only when its methodology asks for it
            continue
    return inputs


def _released(settings: Settings, cap: capabilities.Capability, method: str, year: int) -> list[Any]:
    """The releases in force for (method, year) when the method has a publication gate: a person
    checked these held firms."""
    if not cap.extra.get("gate"):
        return []
    from zhizao.runs.gate import releases

    return releases(settings, method, year)


def execute(
    settings: Settings,
    engine: Engine,
    method: str,
    year: int,
    methodology: Methodology,
    *,
    notes: list[str] | None = None,
    parent_run_id: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Evaluate ``method`` for ``year`` on ``engine`` and register the run. On the warehouse's
    DuckDB, the run's SQL is also kept as a plan for the next run (:func:`execute_kept`)."""
    cap = capabilities.get(method)
    t0 = time.perf_counter()
    inputs = run_inputs(engine, cap)
    # the input snapshot is read beside the method's compilation and evaluation (on DuckDB its
    # first read of the facts' batch columns was ~0.6 s of a 500,000-firm run)
    pending_batches = _submit_input_batches(engine, tuple(inputs))
    try:
        run_notes = list(notes or [])
        context = cap.extra.get("context_inputs")
        if callable(context):
            # what the method reads beside the exchange tables (e.g. another method's run of the
            # year), registered on the engine and named in the notes
            more, context_notes = context(settings, year)
            inputs = {**inputs, **{name: engine.register(f"_ctx_{method}_{name}", t) for name, t in more.items()}}
            run_notes += context_notes
        if progress:
            progress("计算中")
        released = _released(settings, cap, method, year)
        from zhizao.engine import compiled  # Ibis: only where a method runs

        # the expression's SQL is kept in the home: the next run of this methodology version and
        # year (a correction, the final run, tomorrow's rerun) builds and compiles nothing
        with compiled.kept_in(settings.sql_cache_dir):
            if released:
                expr = cap.evaluate(inputs, methodology, year, released=[r.credit_code for r in released])
            else:
                expr = cap.evaluate(inputs, methodology, year)
        keys = kept.order_keys(expr.columns)
        # in key order, as a kept plan reads it (:func:`zhizao.runs.kept.run`): the hash sorts nothing
        result = engine.to_pyarrow(expr.order_by(keys) if keys else expr)
    except BaseException:
        pending_batches.exception()  # the engine closes only once its scan is done
        raise
    batches = _batch_ids(pending_batches.result())
    elapsed = time.perf_counter() - t0
    if not callable(context):
        _keep_plan(settings, engine, cap, method, year, methodology, released, compiled.sql_of(expr), result.schema)
    return _finish(settings, cap, method, year, methodology, engine.name, batches, result, elapsed, run_notes,
                   released, parent_run_id)


def _plan_tables(cap: capabilities.Capability) -> tuple[str, ...]:
    return (*cap.inputs, *cap.extra.get("optional_inputs", ()))


def _keep_plan(settings: Settings, engine: Engine, cap: capabilities.Capability, method: str, year: int,
               methodology: Methodology, released: list[Any], compiled_sql: tuple[str, frozenset[str] | None] | None,
               schema: pa.Schema) -> None:
    """Keep a run's SQL for the next run on the same warehouse (:mod:`zhizao.runs.kept`): only
    for SQL compiled over the warehouse's own tables (``compiled_sql``: the SQL and the tables it
    reads, from :func:`zhizao.engine.compiled.sql_of`). A plan not kept costs the next run its
    compile, never a result: failures are logged, not raised."""
    con = engine.warehouse_con()
    if con is None or compiled_sql is None:
        return
    try:
        columns = kept.input_columns(con, _plan_tables(cap))
        digest = kept.key(method, columns, methodology, year, [r.credit_code for r in released])
        if kept.load(settings, digest) is None:  # none, or a damaged one to rewrite
            kept.save(settings, digest, compiled_sql[0], schema, list(columns), reads=compiled_sql[1])
    except Exception:
        import logging

        logging.getLogger("zhizao.runs").warning("运行的 SQL 未能保存以备下次使用", exc_info=True)


def _read_batches(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[int]:
    """The batches behind the current rows of ``tables`` (:func:`input_batches` in plain SQL), on
    a cursor of ``con``."""
    if not tables:
        return []
    cursor = con.cursor()
    try:
        sql = " UNION ".join(f'SELECT DISTINCT _batch_id FROM "{t}"' for t in tables)
        return _batch_ids(cursor.sql(sql).to_arrow_table())
    finally:
        cursor.close()


def execute_kept(
    settings: Settings,
    method: str,
    year: int,
    methodology: Methodology,
    *,
    notes: list[str] | None = None,
    parent_run_id: str | None = None,
    progress: Callable[[str], None] | None = None,
    checkpoint: bool = True,
) -> Run | None:
    """:func:`execute` on the warehouse's DuckDB with the plan an earlier run of the same method,
    methodology, year, released firms, input schemas and code kept (:mod:`zhizao.runs.kept`): the
    same results and hash, without importing Ibis or compiling anything. None when there is no such
    plan, or the settings name Spark or a lake, or the method reads more than the warehouse
    (``context_inputs``): then :func:`execute` on an engine, which keeps the plan for next time.

    ``checkpoint=False`` (a command that ends right after): the registration stays in DuckDB's
    write-ahead log when the connection closes, for the next process that writes the warehouse
    to fold in (:func:`leave_log`)."""
    cap = capabilities.get(method)
    if (settings.engine != "duckdb" or settings.lake is not None or cap.extra.get("context_inputs")
            or not kept.folder(settings).is_dir() or not settings.warehouse_path.exists()):
        return None
    t0 = time.perf_counter()
    # the warehouse's schema is not checked: the plan's key holds the input tables' columns, and
    # a warehouse without them has no plan (execute then opens it and creates what is missing)
    con = warehouse.connect(settings.warehouse_path, wait_s=30.0, schema=False)
    try:
        columns = kept.input_columns(con, _plan_tables(cap))
        if not set(cap.inputs) <= set(columns):
            return None  # execute says which table is missing
        released = _released(settings, cap, method, year)
        plan = kept.load(settings, kept.key(method, columns, methodology, year, [r.credit_code for r in released]))
        if plan is None:
            return None
        if progress:
            progress("计算中")
        # the input snapshot beside the evaluation, on a cursor and a thread of its own (DuckDB
        # holds no interpreter lock while it scans)
        with_batches = [t for t, cols in columns.items() if any(c == "_batch_id" for c, _ in cols)]
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_read_batches, con, with_batches)
            result = kept.run(con, plan)
            batches = pending.result()
        elapsed = time.perf_counter() - t0
        run = _finish(settings, cap, method, year, methodology, "duckdb", batches, result, elapsed,
                      list(notes or []), released, parent_run_id)
        if not checkpoint:
            leave_log(con)
        return run
    finally:
        con.close()


def leave_log(con: duckdb.DuckDBPyConnection) -> None:
    """When the last connection of this process closes, leave what was written in DuckDB's
    write-ahead log instead of checkpointing it into the file: 0.06–0.4 s that a command about to
    end need not wait for. The log is as durable; the next process that opens the warehouse reads
    it, and the next writer to close folds it in (a backup checkpoints first)."""
    con.execute("PRAGMA disable_checkpoint_on_shutdown")


def _finish(settings: Settings, cap: capabilities.Capability, method: str, year: int, methodology: Methodology,
            engine_name: str, batches: list[int], result: pa.Table, elapsed: float, run_notes: list[str],
            released: list[Any], parent_run_id: str | None) -> Run:
    """The run's notes and counts, and its registration."""
    notes_for = cap.extra.get("notes_for")
    if callable(notes_for):
        # what the methodology had to assume for this year (e.g. factors of an earlier year)
        run_notes += [n for n in notes_for(methodology, year) if n not in run_notes]
    run_notes += [r.note() for r in released]
    if not methodology.applies_to(year):
        run_notes.append(f"方法论 {methodology.ref} 的适用年度为 {methodology.valid_from}–"
                         f"{methodology.valid_to or '今'}，{year} 年沿用该版本")
    counts = _counts(result, cap.outcome_fields)
    if counts.get("status", {}).get("held"):
        run_notes.append(f"{counts['status']['held']} 家企业未通过发布前核查，待核（不评级、不计入基准）；"
                         "放行或更正后重新计算")
    return register(settings, method, year, methodology, engine_name, batches, result, elapsed, counts,
                    run_notes, parent_run_id)


def _counts(result: pa.Table, outcome_fields: tuple[str, ...]) -> dict[str, Any]:
    """Firms, statuses and the outcome distributions, counted by Arrow compute."""
    import pyarrow.compute as pc

    def tally(col: pa.ChunkedArray) -> dict[str, int]:
        vc = pc.value_counts(col.drop_null() if col.null_count else col)
        return dict(sorted((str(v), int(n)) for v, n in zip(vc.field("values").to_pylist(),
                                                            vc.field("counts").to_pylist(), strict=True)))

    counts: dict[str, Any] = {"firms": result.num_rows}
    if "status" in result.column_names:
        col = result["status"]
        statuses = tally(col)
        if col.null_count:
            statuses = dict(sorted((statuses | {"None": col.null_count}).items()))
        counts["status"] = statuses
    for f in outcome_fields:
        if f in result.column_names:
            counts[f] = tally(result[f])
    return counts


def register(
    settings: Settings,
    method: str,
    year: int,
    methodology: Methodology,
    engine_name: str,
    batches: list[int],
    result: pa.Table,
    elapsed: float,
    counts: dict[str, Any],
    notes: list[str],
    parent_run_id: str | None = None,
) -> Run:
    con = _connect(settings, wait_s=30.0)
    try:
        run_id = _next_id(con, method, year)
        path = settings.runs_dir / f"{run_id}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        # the file is written on a thread of its own while this one hashes the same table: both
        # run in Arrow and NumPy without the interpreter lock, so the run pays the longer of the
        # two, not their sum. Dictionary encoding for the text columns only: tried on every column
        # (Arrow's default), it took 0.49 s at 500,000 firms for a larger file than 0.2 s gives
        with ThreadPoolExecutor(max_workers=1) as pool:
            written = pool.submit(pq.write_table, result, tmp, use_dictionary=[
                f.name for f in result.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)])
            h = result_hash(result, con)
            written.result()
        os.replace(tmp, path)  # atomic: a killed run leaves no results file under a run id
        os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        created = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [run_id, method, year, methodology.name, methodology.version, methodology.content_hash(),
             json.dumps(methodology.model_dump(mode="json"), ensure_ascii=False), engine_name,
             json.dumps(batches), created, elapsed, h, result.num_rows,
             json.dumps(counts, ensure_ascii=False), json.dumps(notes, ensure_ascii=False), parent_run_id],
        )
        # read back on this connection: a read-only open after closing it gives up at once when
        # another process registers a run meanwhile (two evaluations of one home at a time: the
        # second one's run was registered, and the command failed with "busy")
        row = con.execute(f"SELECT {_COLS} FROM runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        con.close()
    assert row is not None
    run = _row_to_run(row)
    with _RUNS_LOCK:
        _RUNS[_run_key(settings, run_id)] = run
    return run


def _row_to_run(r: tuple[Any, ...]) -> Run:
    return Run(
        run_id=r[0], method=r[1], year=int(r[2]), methodology_name=r[3], methodology_version=r[4],
        methodology_hash=r[5], methodology=json.loads(r[6]), engine=r[7], input_batches=json.loads(r[8]),
        created_at=r[9].isoformat(sep=" ", timespec="seconds") if hasattr(r[9], "isoformat") else str(r[9]),
        elapsed_s=float(r[10]), result_hash=r[11], result_rows=int(r[12]), counts=json.loads(r[13]),
        notes=json.loads(r[14]), parent_run_id=r[15],
    )


_COLS = ("run_id, method, year, methodology_name, methodology_version, methodology_hash, methodology_json, "
         "engine, input_batches, created_at, elapsed_s, result_hash, result_rows, counts, notes, parent_run_id")


#: runs read once per process and registry: a run is never changed once registered (a
#: correction is a new run), so what was read of it stays true (pages ask for the same published
#: runs on every visit, each read an open of the warehouse)
_RUNS: LRUCache[tuple[str, str], Run] = LRUCache(maxsize=4096)
_RUNS_LOCK = threading.Lock()


def _run_key(settings: Settings, run_id: str) -> tuple[str, str]:
    return (str(Path(settings.warehouse_path).resolve()), run_id)


def get(settings: Settings, run_id: str) -> Run:
    key = _run_key(settings, run_id)
    with _RUNS_LOCK:
        run = _RUNS.get(key)
    if run is not None:
        return run
    found = _select(settings, f"SELECT {_COLS} FROM runs WHERE run_id = ?", [run_id])
    if not found:
        raise RunError(f"找不到运行记录: {run_id}")
    run = _row_to_run(found[0])
    with _RUNS_LOCK:
        _RUNS[key] = run
    return run


def list_runs(settings: Settings, method: str | None = None, year: int | None = None) -> list[Run]:
    sql = f"SELECT {_COLS} FROM runs WHERE (? IS NULL OR method = ?) AND (? IS NULL OR year = ?) ORDER BY created_at, run_id"
    return [_row_to_run(r) for r in _select(settings, sql, [method, method, year, year])]


#: results read and verified once per process and file: a run's results never change, and a
#: file that does (its time or size) is read and verified again; at most 256 MB of tables kept
_VERIFIED: LRUCache[tuple[str, str, int, int], pa.Table] = LRUCache(maxsize=256 * 1024 * 1024,
                                                                   getsizeof=lambda t: max(int(t.nbytes), 1))
_VERIFIED_LOCK = threading.Lock()


def results(settings: Settings, run_id: str) -> pa.Table:
    """The stored results of a run, verified against the recorded hash (once per process and
    file: the pages read the same published runs on every visit)."""
    run = get(settings, run_id)
    path = Path(settings.runs_dir) / f"{run_id}.parquet"
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RunError(f"运行 {run_id} 的结果文件缺失: {path}") from None
    key = (str(path.resolve()), run.result_hash, st.st_mtime_ns, st.st_size)
    with _VERIFIED_LOCK:
        found = _VERIFIED.get(key)
    if found is not None:
        return found
    table = pq.read_table(path)
    if result_hash(table) != run.result_hash:
        raise RunError(f"运行 {run_id} 的结果文件与登记的哈希不符（文件被改动）")
    if table.nbytes <= _VERIFIED.maxsize:
        with _VERIFIED_LOCK:
            _VERIFIED[key] = table
    return table
