"""Importing one file as one batch (CONTRACT.md "Import semantics").

The steps: hash and read the file (:mod:`readers`), map its headers (:mod:`headers`), load
every cell as text into a temporary table, validate with one SQL statement
(:mod:`validate`), then, in **one DuckDB transaction**, retire the older current rows of the
same keys, insert the loaded rows, the rejects and the batch row. Temporary tables are never
persisted, and DuckDB writes a transaction to its log only at commit, so a crash or
``kill -9`` at any point leaves either the whole batch or nothing.

Identical content (same table, same sha256) imported before is not loaded again: the attempt
is recorded as a batch with status ``duplicate`` and ``duplicate_of`` the earlier batch, with
zero rows read (the file is not read again), so the warehouse's facts do not change.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from zhizao.contract import Table
from zhizao.engine.warehouse import fact_name
from zhizao.ingest.access import connect_warehouse, get_table
from zhizao.ingest.errors import IngestError
from zhizao.ingest.headers import HeaderMap, map_headers
from zhizao.ingest.readers import SourceFile, read_source
from zhizao.ingest.validate import REFERENCE_CHECKS, lit, q, rejects_insert_sql, staging_sql
from zhizao.settings import Settings

#: stage callback: called with "read", "validate", "commit" as each stage starts
Progress = Callable[[str], None]

STAGES = ("read", "validate", "commit")


@dataclass
class Reject:
    row: int
    column: str | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class ImportResult:
    """The outcome of one import; :meth:`to_dict` is CONTRACT.md's JSON, key for key."""

    batch_id: int | None
    table: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rejects: list[Reject]
    duplicate_of: int | None
    file: str = ""
    source: str | None = None
    content_hash: str = ""
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "rejects": [r.to_dict() for r in self.rejects],
            "duplicate_of": self.duplicate_of,
        }




def _csv_error(exc: Exception, path: Path) -> IngestError:
    """DuckDB's CSV error in Chinese: where, and the usual causes."""
    text = str(exc)
    line = re.search(r"Line:?\s*(\d+)", text)
    where = f"第 {line.group(1)} 行" if line else "无法解析"
    columns = re.search(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)", text)
    if columns:
        why = f"该行有 {columns.group(2)} 列，多于表头的 {columns.group(1)} 列（含逗号的值请加英文双引号）"
    elif "unterminated quote" in text:
        why = "引号未闭合"
    elif "Invalid unicode" in text or "invalid unicode" in text.lower():
        why = "含无法识别的字符编码"
    elif "maximum line size" in text.lower():
        why = "该行过长（超过 CSV 读取上限，请检查引号是否成对）"
    else:
        why = text.splitlines()[0][:200]
    return IngestError(f"CSV 文件格式错误：{path.name}，{where}：{why}")


def _load_raw(con: duckdb.DuckDBPyConnection, src: SourceFile) -> str:
    """Create the all-text temp table ``raw``; returns the SQL of a row's file row number."""
    if src.arrow is not None:
        con.register("_raw_arrow", src.arrow)
        con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM _raw_arrow")
        con.unregister("_raw_arrow")
        return "r._row"
    assert src.csv_path is not None
    cols = "{" + ", ".join(f"{lit(f'c{i}')}: 'VARCHAR'" for i in range(len(src.headers))) + "}"

    def read(parallel: bool) -> None:
        # every option fixed: sniffing guesses wrong on small or odd files, and all cells are text anyway
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM read_csv({lit(str(src.csv_path))}, "
            f"auto_detect=false, header=true, delim=',', quote='\"', escape='\"', null_padding=true, "
            f"columns={cols}, parallel={'true' if parallel else 'false'})")

    con.execute("SET preserve_insertion_order = true")  # rowid must follow the file (the default, made sure)
    try:
        read(True)
    except duckdb.Error as exc:
        if "parallel" not in str(exc):
            raise _csv_error(exc, src.path) from None
        try:  # quoted line breaks with short rows need the single-threaded scanner
            read(False)
        except duckdb.Error as exc2:
            raise _csv_error(exc2, src.path) from None
    # insertion order is preserved, so rowid 0 is the first record after the header (file row 2)
    return "r.rowid + 2"


def _register_references(con: duckdb.DuckDBPyConnection, hmap: HeaderMap) -> None:
    checks = {m.column.check for m in hmap.columns} & set(REFERENCE_CHECKS)
    if checks & {"region", "region_any"}:
        from zhizao.codes.regions import region_table

        con.register("_regions_arrow", region_table())
        con.execute("CREATE OR REPLACE TEMP TABLE _ref_region AS SELECT code FROM _regions_arrow "
                    "WHERE level = 'county' AND current")
        # a city or a county (tables about regions, e.g. province_indicators)
        con.execute("CREATE OR REPLACE TEMP TABLE _ref_region_any AS SELECT code FROM _regions_arrow "
                    "WHERE level IN ('prefecture', 'county') AND current")
        con.unregister("_regions_arrow")
    if "industry" in checks:
        from zhizao.codes.industries import class_table

        con.register("_classes_arrow", class_table())
        con.execute("CREATE OR REPLACE TEMP TABLE _ref_industry AS SELECT industry_code AS code FROM _classes_arrow")
        con.unregister("_classes_arrow")
    if "division" in checks:
        from zhizao.codes.industries import division_table

        con.register("_divisions_arrow", division_table())
        con.execute("CREATE OR REPLACE TEMP TABLE _ref_division AS SELECT division_code AS code FROM _divisions_arrow")
        con.unregister("_divisions_arrow")


def _now() -> dt.datetime:
    """Batch times are UTC (naive), as :func:`zhizao.engine.warehouse.as_of_sql` compares them."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _insert_batch(con: duckdb.DuckDBPyConnection, batch_id: int, table: str, source: str | None, file: str,
                  content_hash: str, counts: tuple[int, int, int], status: str, duplicate_of: int | None) -> None:
    con.execute(
        "INSERT INTO batches (batch_id, table_name, source, file_name, content_hash, created_at, rows_read, "
        "rows_loaded, rows_rejected, status, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, table, source, file, content_hash, _now(), *counts, status, duplicate_of])


def _fetch_rejects(con: duckdb.DuckDBPyConnection, batch_id: int, limit: int | None) -> list[Reject]:
    sql = 'SELECT "row", "column", code, message FROM rejects WHERE batch_id = ? ORDER BY "row"'
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [Reject(*r) for r in con.execute(sql, [batch_id]).fetchall()]


#: at most this many flagged rows per consistency check are listed in an import's warnings
WARNING_LIMIT = 200


def _row_warnings(con: duckdb.DuckDBPyConnection, t: Table, hmap: HeaderMap) -> list[str]:
    """The table's consistency checks over the loaded rows of ``staged`` (loaded, but flagged)."""
    out: list[str] = []
    for w in t.warnings:
        m = hmap.get(w.column)
        header = m.header if m is not None else t.column(w.column).header
        sql = f"SELECT _row, message FROM ({w.sql}) ORDER BY _row"
        rows = con.execute(sql).fetchall()
        out += [f"第 {row} 行“{header}”：{message}（已入库，请核实）" for row, message in rows[:WARNING_LIMIT]]
        if len(rows) > WARNING_LIMIT:
            out.append(f"另有 {len(rows) - WARNING_LIMIT} 行同类问题（{w.code}）未列出")
    return out


def import_file(settings: Settings, table: str, path: str | Path, source: str | None = None,
                sheet: str | None = None, progress: Progress | None = None,
                reject_limit: int | None = None) -> ImportResult:
    """Import one CSV or XLSX file into ``table`` as one batch.

    Raises :class:`IngestError` (Chinese message, nothing loaded) for file-level problems.
    ``reject_limit`` caps the rejects returned in the result (all are stored; see :func:`rejects`).
    """
    started = time.perf_counter()
    t = get_table(table)
    path = Path(path)
    stage = progress or (lambda _s: None)
    settings.home.mkdir(parents=True, exist_ok=True)
    stage("read")
    with tempfile.TemporaryDirectory(prefix="import-", dir=settings.home) as tmp:
        src = read_source(path, Path(tmp), sheet, limits=settings.limits)
        hmap = map_headers(t, src.headers)
        con = connect_warehouse(settings)
        try:
            result = _import(con, t, src, hmap, source, stage, reject_limit, settings.limits.cell_chars)
            if (settings.lake is not None and result.duplicate_of is None and result.rows_loaded
                    and result.batch_id is not None):
                # a configured Parquet lake follows the warehouse, batch by batch (docs/scale.md)
                from zhizao.engine.lake import after_import

                after_import(settings, t.name, result.batch_id, con)
        finally:
            con.close()
    result.elapsed_s = time.perf_counter() - started
    if result.duplicate_of is None and result.rows_loaded:
        from zhizao import rooms

        # what the rooms prepared from the warehouse is stale now (they queue its rebuild)
        rooms.data_changed(settings, {"kind": "import", "table": t.name, "batch_id": result.batch_id})
    return result


def _check_cells(con: duckdb.DuckDBPyConnection, src: SourceFile, row_expr: str, cell_chars: int) -> None:
    """A file-level error when a cell is longer than the cap (one vectorised pass over ``raw``)."""
    width = len(src.headers)
    if not width:
        return
    over = " OR ".join(f"length(r.c{i}) > {int(cell_chars)}" for i in range(width))
    which = "CASE " + " ".join(f"WHEN length(r.c{i}) > {int(cell_chars)} THEN {i}" for i in range(width)) + " END"
    hit = con.execute(f"SELECT {row_expr} AS n, {which} FROM raw AS r WHERE {over} ORDER BY n LIMIT 1").fetchone()
    if hit is not None:
        header = src.headers[hit[1]] or f"第 {hit[1] + 1} 列"
        raise IngestError(f"文件被拒收：{src.path.name} 第 {hit[0]} 行“{header}”超过 {cell_chars:,} 个字符"
                          f"（未导入任何行）")


def _import(con: duckdb.DuckDBPyConnection, t: Table, src: SourceFile, hmap: HeaderMap, source: str | None,
            stage: Progress, reject_limit: int | None, cell_chars: int = 32_767) -> ImportResult:
    flagged: list[str] = []

    def result(batch_id: int, counts: tuple[int, int, int], rejects: list[Reject],
               duplicate_of: int | None) -> ImportResult:
        return ImportResult(batch_id, t.name, *counts, rejects, duplicate_of, file=src.path.name, source=source,
                            content_hash=src.content_hash, encoding=src.encoding,
                            warnings=[*hmap.warnings, *flagged])

    earlier = con.execute(
        "SELECT batch_id FROM batches WHERE table_name = ? AND content_hash = ? AND status = 'loaded' "
        "ORDER BY batch_id LIMIT 1", [t.name, src.content_hash]).fetchone()
    if earlier is not None:
        con.execute("BEGIN TRANSACTION")
        try:
            batch_id = con.execute("SELECT nextval('batch_seq')").fetchone()[0]  # type: ignore[index]
            _insert_batch(con, batch_id, t.name, source, src.path.name, src.content_hash, (0, 0, 0),
                          "duplicate", earlier[0])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return result(batch_id, (0, 0, 0), [], earlier[0])

    row_expr = _load_raw(con, src)
    _check_cells(con, src, row_expr, cell_chars)
    stage("validate")
    _register_references(con, hmap)
    bad_rows = None
    if src.bad_encoding_rows:
        con.execute("CREATE OR REPLACE TEMP TABLE _bad_rows (_row BIGINT)")
        con.executemany("INSERT INTO _bad_rows VALUES (?)", [[r] for r in sorted(src.bad_encoding_rows)])
        bad_rows = "_bad_rows"
    con.execute(staging_sql(hmap, row_expr, bad_rows=bad_rows))
    rows_read, rows_rejected = con.execute(
        "SELECT count(*), count(_err) FROM staged").fetchone()  # type: ignore[misc]
    rows_loaded = rows_read - rows_rejected
    present = {(int(c), str(e)) for c, e in con.execute(
        "SELECT DISTINCT _err_col, _err FROM staged WHERE _err IS NOT NULL").fetchall()} if rows_rejected else set()
    flagged.extend(_row_warnings(con, t, hmap))
    names = t.column_names
    fact = fact_name(t.name)
    key_eq = " AND ".join(f"f.{q(k)} = s.p_{k}" for k in t.key)

    stage("commit")
    con.execute("BEGIN TRANSACTION")
    try:
        batch_id = con.execute("SELECT nextval('batch_seq')").fetchone()[0]  # type: ignore[index]
        if rows_loaded:
            # retire first, so the new rows need not be told apart from the old ones
            con.execute(f"UPDATE {fact} AS f SET _current = false FROM staged AS s "
                        f"WHERE s._err IS NULL AND f._current AND {key_eq}")
            con.execute(
                f"INSERT INTO {fact} ({', '.join(q(n) for n in names)}, _batch_id, _row, _current) "
                f"SELECT {', '.join('p_' + n for n in names)}, {batch_id}, _row, true FROM staged WHERE _err IS NULL")
        if rows_rejected:
            con.execute(rejects_insert_sql(hmap, batch_id, present))
        _insert_batch(con, batch_id, t.name, source, src.path.name, src.content_hash,
                      (rows_read, rows_loaded, rows_rejected), "loaded", None)
        # everything the result will say is known before the commit: a failure here commits nothing
        rejects = _fetch_rejects(con, batch_id, reject_limit) if rows_rejected else []
        done = result(batch_id, (rows_read, rows_loaded, rows_rejected), rejects, None)
        if src.bad_encoding_rows:
            done.warnings.append(f"{len(src.bad_encoding_rows):,} 行的字符编码与文件其余各行"
                                 f"（{src.expected_encoding}）不一致，已拒收")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("DROP TABLE IF EXISTS staged")
    con.execute("DROP TABLE IF EXISTS raw")
    return done


def import_many(settings: Settings, table: str, paths: Iterable[str | Path], source: str | None = None,
                sheet: str | None = None, progress: Progress | None = None,
                reject_limit: int | None = None) -> list[ImportResult]:
    """Import several files, each its own batch, in the order given.

    Every file is checked to exist before any is imported; should a later file still fail at
    file level, the batches already committed stay and the error's ``results`` lists them.
    """
    get_table(table)
    files = [Path(p) for p in paths]
    for p in files:
        if not p.is_file():
            raise IngestError(f"文件不存在：{p}")
    done: list[ImportResult] = []
    for p in files:
        try:
            done.append(import_file(settings, table, p, source, sheet, progress, reject_limit))
        except IngestError as exc:
            err = IngestError(f"{p.name}：{exc}")
            err.results = done  # type: ignore[attr-defined]
            raise err from None
    return done
