"""The Parquet lake: warehouse facts as Parquet, partitioned by table and year.

Layout (readable by DuckDB, Spark, and any Hive-partition-aware tool)::

    <lake>/lake.json                                         the manifest: current snapshot per table
    <lake>/<table>/<snapshot>/year=<YYYY>/*.parquet          tables with a year, month or date column
    <lake>/<table>/<snapshot>/*.parquet                      enterprises, other tables without a period,
                                                             and empty tables

Only current rows are written (with their ``_batch_id``), so a reader sees what the
warehouse's current views show; a table whose history a method reads (``Table.history``: the
projects' milestone plans) is also kept whole, superseded rows too, as ``history_<table>`` (the
warehouse's view of that name: whether each row is current, the day its batch was imported).
For a table with a ``month`` or ``date`` column the partition ``year`` is derived from it and
is not a column of the table.

Why snapshots and a manifest rather than overwriting ``<lake>/<table>/`` in place: a reader
(Spark lists files first and reads them later) must never see half a table. A writer builds a
new snapshot directory under a name nobody reads, then replaces the manifest in one atomic
step (``os.replace`` locally; a single object PUT on S3, a rename on HDFS). Readers resolve
the manifest once and keep reading the snapshot they resolved, so a whole evaluation reads
one consistent state of every table. The previous ``keep - 1`` snapshots stay on disk for
readers still in flight; older ones are removed.

Writers: :func:`export_warehouse` (``zhizao lake export``) rewrites tables from the DuckDB
warehouse; :func:`append_batch` (``after_import``, called after an import when a lake is
configured) rewrites only the year partitions the new batch touched and hard-links the rest
from the previous snapshot.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zhizao.contract import TABLES
from zhizao.engine.warehouse import HISTORY_COLUMNS, SQL_TYPES, history_name

MANIFEST = "lake.json"
FORMAT_VERSION = 1
#: snapshots kept per table (the current one included)
KEEP = 2

SPARK_TYPES = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "INTEGER": "INT",
    "BOOLEAN": "BOOLEAN",
}


class LakeError(RuntimeError):
    pass


# ---------------------------------------------------------------- layout
def is_uri(lake: str | Path) -> bool:
    return "://" in str(lake)


def table_path(lake: Path | str, table: str) -> Path:
    return Path(lake) / table


def lake_tables() -> list[str]:
    """What the lake keeps: every exchange table's current rows, and the history of those whose
    history a method reads (``history_<table>``, :func:`zhizao.engine.warehouse.history_view_ddl`)."""
    return [*TABLES, *(history_name(n) for n, t in TABLES.items() if t.history)]


def _history_of(table: str) -> str | None:
    """The exchange table ``table`` is the history of, if it is one."""
    return next((n for n, t in TABLES.items() if t.history and history_name(n) == table), None)


def period_expr(table: str) -> str | None:
    """SQL giving the partition year of a row; ``None`` when the table has a ``year`` column
    (partitioned by it directly); ``""`` when the table has no period (not partitioned; a history
    is written whole)."""
    if table not in TABLES:
        return ""
    cols = set(TABLES[table].column_names)
    if "year" in cols:
        return None
    if "month" in cols:
        return 'year("month")'
    if "date" in cols:
        return 'year("date")'
    return ""


def columns(table: str) -> list[tuple[str, str]]:
    """(name, SQL type) of every column a lake table exposes, in warehouse-view order."""
    of = _history_of(table)
    own = [(c.name, SQL_TYPES[c.type]) for c in TABLES[of or table].columns] + [("_batch_id", "BIGINT")]
    return own + list(HISTORY_COLUMNS) if of else own


def snapshot_uri(lake: Path | str, table: str, snapshot: str) -> str:
    return f"{str(lake).rstrip('/')}/{table}/{snapshot}"


# ---------------------------------------------------------------- manifest
def read_manifest(lake: Path | str) -> dict[str, Any]:
    """The manifest of a local lake (``{}`` tables when nothing was written yet)."""
    path = Path(lake) / MANIFEST
    if not path.exists():
        return {"format": FORMAT_VERSION, "tables": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT_VERSION:
        raise LakeError(f"数据湖清单格式不受支持: {data.get('format')}（需要 {FORMAT_VERSION}）")
    return data


def parse_manifest(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if data.get("format") != FORMAT_VERSION:
        raise LakeError(f"数据湖清单格式不受支持: {data.get('format')}（需要 {FORMAT_VERSION}）")
    return data


def _write_manifest(lake: Path, data: dict[str, Any]) -> None:
    tmp = lake / f".{MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, lake / MANIFEST)


@contextlib.contextmanager
def _writer_lock(lake: Path) -> Iterator[None]:
    """One writer at a time per lake (readers never lock)."""
    lake.mkdir(parents=True, exist_ok=True)
    with open(lake / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _next_snapshot(manifest: dict[str, Any], table: str) -> str:
    prev = manifest["tables"].get(table, {}).get("snapshot", "v000000")
    return f"v{int(prev[1:]) + 1:06d}"


def _gc(lake: Path, table: str, current: str, keep: int) -> None:
    root = table_path(lake, table)
    snaps = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("v") and p.name != current)
    # snapshots named after the current one cannot exist under the writer lock; older ones beyond
    # the retention are unreferenced
    for name in snaps[: max(0, len(snaps) - (keep - 1))]:
        shutil.rmtree(root / name, ignore_errors=True)
    for p in root.iterdir():
        if p.name.startswith(".tmp-"):
            shutil.rmtree(p, ignore_errors=True)


# ---------------------------------------------------------------- writing
def signature(con: Any, table: str) -> list[int]:
    """What identifies the current rows of a warehouse table: (rows, max batch, sum of batch
    ids). A new batch raises the max; supersession without a new batch does not happen."""
    n, mx, sm = con.execute(
        f'SELECT count(*), coalesce(max(_batch_id), 0), coalesce(sum(_batch_id), 0) FROM "{table}"'
    ).fetchone()
    return [int(n), int(mx), int(sm)]


def _select_sql(table: str, where: str = "") -> str:
    cols = ", ".join(f'"{c}"' for c, _ in columns(table))
    expr = period_expr(table)
    year = f", {expr} AS year" if expr else ""
    return f'SELECT {cols}{year} FROM "{table}"{where} ORDER BY ALL'


def _copy(con: Any, table: str, dest: Path, where: str = "", partitioned: bool = True) -> None:
    """Write the current rows of ``table`` (optionally filtered) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    expr = period_expr(table)
    if partitioned and expr != "":
        con.execute(f"COPY ({_select_sql(table, where)}) TO '{dest}' "
                    f"(FORMAT parquet, PARTITION_BY (year), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part-{{i}}')")
    else:
        # an empty or unpartitioned table is one file at the snapshot root with every column,
        # so readers still learn the schema
        cols = ", ".join(f'"{c}"' for c, _ in columns(table))
        con.execute(f"COPY (SELECT {cols} FROM \"{table}\"{where} ORDER BY ALL) TO '{dest / 'part-0.parquet'}' "
                    f"(FORMAT parquet)")


def _years_of(con: Any, table: str, where: str = "") -> list[int]:
    expr = period_expr(table)
    if expr == "":
        return []
    col = '"year"' if expr is None else expr
    rows = con.execute(f'SELECT DISTINCT {col} FROM "{table}"{where} ORDER BY 1').fetchall()
    return [int(r[0]) for r in rows if r[0] is not None]


def _batches_of(con: Any, table: str) -> list[int]:
    return [int(r[0]) for r in con.execute(f'SELECT DISTINCT _batch_id FROM "{table}" ORDER BY 1').fetchall()]


def _publish(lake: Path, table: str, tmp: Path, manifest: dict[str, Any], entry: dict[str, Any], keep: int) -> None:
    snap = _next_snapshot(manifest, table)
    os.replace(tmp, table_path(lake, table) / snap)
    manifest["tables"][table] = entry | {"snapshot": snap, "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    manifest["format"] = FORMAT_VERSION
    _write_manifest(lake, manifest)
    _gc(lake, table, snap, keep)


def _entry(con: Any, table: str, mode: str) -> dict[str, Any]:
    sig = signature(con, table)
    return {"rows": sig[0], "signature": sig, "years": _years_of(con, table), "batches": _batches_of(con, table),
            "partitioned": period_expr(table) != "" and sig[0] > 0, "mode": mode}


def export_warehouse(con: Any, lake: Path | str, tables: list[str] | None = None, *, only_stale: bool = False,
                     keep: int = KEEP) -> dict[str, int]:
    """Write the current rows of each table to the lake as a new snapshot.

    ``con`` is a DuckDB connection to the warehouse. With ``only_stale`` a table whose lake
    snapshot already holds the warehouse's current rows is left alone. Returns the row count of
    every table written.
    """
    if is_uri(lake):
        raise LakeError(f"只能向本地目录导出数据湖（{lake}）；请导出到本地后同步到 HDFS/S3")
    lake = Path(lake)
    counts: dict[str, int] = {}
    with _writer_lock(lake):
        manifest = read_manifest(lake)
        known = lake_tables()
        for name in tables or known:
            if name not in known:
                raise LakeError(f"未知数据表: {name}")
            sig = signature(con, name)
            if only_stale and manifest["tables"].get(name, {}).get("signature") == sig:
                continue
            tmp = table_path(lake, name) / f".tmp-{uuid.uuid4().hex}"
            try:
                _copy(con, name, tmp, partitioned=sig[0] > 0)
                _publish(lake, name, tmp, manifest, _entry(con, name, "export"), keep)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            counts[name] = sig[0]
    return counts


def append_batch(con: Any, lake: Path | str, table: str, batch_id: int, *, keep: int = KEEP) -> dict[str, Any]:
    """Bring the lake up to date after ``batch_id`` was imported into ``table``.

    Only the year partitions the batch touched are rewritten (a batch's keys include the
    period, so it can supersede rows of those years only); the other partitions are hard-linked
    from the previous snapshot, which costs no copy. Falls back to a full export of the table
    when there is no previous snapshot or the table has no period. Returns
    ``{table, mode, years, rows}``.
    """
    lake = Path(lake)
    with _writer_lock(lake):
        manifest = read_manifest(lake)
        prev = manifest["tables"].get(table)
        fact_years = _fact_years(con, table, int(batch_id))
        if prev is None or not prev.get("partitioned") or period_expr(table) == "":
            mode, years = "full", None
        elif prev.get("signature") == signature(con, table):
            return {"table": table, "mode": "unchanged", "years": [], "rows": prev["rows"]}
        else:
            mode, years = "incremental", fact_years
        tmp = table_path(lake, table) / f".tmp-{uuid.uuid4().hex}"
        try:
            if mode == "full":
                _copy(con, table, tmp, partitioned=signature(con, table)[0] > 0)
            else:
                assert years is not None and prev is not None
                old = table_path(lake, table) / prev["snapshot"]
                tmp.mkdir(parents=True)
                for part in old.iterdir():
                    if part.is_dir() and part.name.startswith("year=") and int(part.name[5:]) not in years:
                        _link_tree(part, tmp / part.name)
                if years:
                    expr = period_expr(table)
                    col = '"year"' if expr is None else expr
                    where = f" WHERE {col} IN ({', '.join(str(y) for y in years)})"
                    _copy(con, table, tmp, where=where)
            _publish(lake, table, tmp, manifest, _entry(con, table, mode), keep)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"table": table, "mode": mode, "years": fact_years if mode == "incremental" else [],
            "rows": manifest["tables"][table]["rows"]}


def _fact_years(con: Any, table: str, batch_id: int) -> list[int]:
    expr = period_expr(table)
    if expr == "":
        return []
    col = '"year"' if expr is None else expr
    rows = con.execute(f'SELECT DISTINCT {col} FROM "fact_{table}" WHERE _batch_id = ? ORDER BY 1', [batch_id]).fetchall()
    return [int(r[0]) for r in rows if r[0] is not None]


def _link_tree(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_dir():
            _link_tree(f, dst / f.name)
            continue
        try:
            os.link(f, dst / f.name)
        except OSError:  # another file system, or links not supported: copy instead
            shutil.copy2(f, dst / f.name)


def after_import(settings: Any, table: str, batch_id: int, con: Any | None = None) -> dict[str, Any] | None:
    """The import hook: when a lake is configured (``ZHIZAO_LAKE`` / ``--lake``), bring it up to
    date with the batch just committed. ``con`` is an open connection to the warehouse (the
    importer's own, after its transaction committed); without it the warehouse is opened here.
    Returns what :func:`append_batch` did, or ``None`` when no lake is configured."""
    if getattr(settings, "lake", None) is None:
        return None
    if is_uri(settings.lake):
        raise LakeError(f"导入只能写入本地数据湖（{settings.lake}）；请写入本地后同步到 HDFS/S3")
    if con is not None:
        return _append_with_history(con, settings.lake, table, batch_id)
    from zhizao.engine.warehouse import connect

    own = connect(settings.warehouse_path)
    try:
        return _append_with_history(own, settings.lake, table, batch_id)
    finally:
        own.close()


def _append_with_history(con: Any, lake: Path | str, table: str, batch_id: int) -> dict[str, Any]:
    """:func:`append_batch` of ``table``, then of its history when the lake keeps one (written whole)."""
    done = append_batch(con, lake, table, batch_id)
    if TABLES[table].history:
        append_batch(con, lake, history_name(table), batch_id)
    return done


# ---------------------------------------------------------------- reading
def resolve(manifest: dict[str, Any], lake: Path | str) -> dict[str, str]:
    """Table → the URI of its current snapshot."""
    known = set(lake_tables())
    return {t: snapshot_uri(lake, t, e["snapshot"]) for t, e in manifest.get("tables", {}).items() if t in known}


def duckdb_view_sql(table: str, uri: str) -> str:
    """A view giving the warehouse-view columns and types of ``table`` from its snapshot."""
    cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns(table))
    return (f'CREATE OR REPLACE VIEW "{table}" AS SELECT {cols} FROM '
            f"read_parquet('{uri}/**/*.parquet', hive_partitioning = true, union_by_name = true)")


def spark_select(table: str) -> list[str]:
    """Spark ``selectExpr`` giving the same columns and types as :func:`duckdb_view_sql`."""
    return [f"CAST(`{c}` AS {SPARK_TYPES[t]}) AS `{c}`" for c, t in columns(table)]


def status(lake: Path | str, con: Any | None = None) -> dict[str, Any]:
    """What the lake holds; with a warehouse connection, whether each table is up to date."""
    manifest = read_manifest(lake)
    rows = []
    for name in lake_tables():
        e = manifest["tables"].get(name)
        row: dict[str, Any] = {"table": name, "snapshot": None, "rows": None, "years": [], "written_at": None,
                               "bytes": 0, "files": 0}
        if e:
            snap = table_path(lake, name) / e["snapshot"]
            files = list(snap.rglob("*.parquet")) if snap.exists() else []
            row |= {"snapshot": e["snapshot"], "rows": e["rows"], "years": e["years"], "written_at": e["written_at"],
                    "bytes": sum(f.stat().st_size for f in files), "files": len(files)}
        if con is not None:
            sig = signature(con, name)
            row["warehouse_rows"] = sig[0]
            row["fresh"] = bool(e) and e.get("signature") == sig
        rows.append(row)
    return {"lake": str(lake), "exists": (Path(lake) / MANIFEST).exists(), "tables": rows}
