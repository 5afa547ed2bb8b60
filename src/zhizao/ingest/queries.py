"""Reading back what imports did: batches, rejects, current counts, and tables as of a time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from zhizao.contract import TABLES
from zhizao.engine.warehouse import as_of_sql, fact_name
from zhizao.ingest.access import connect_warehouse, get_table
from zhizao.ingest.errors import IngestError
from zhizao.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa

#: batch status (derived from its rows) → Chinese label
STATUS_LABELS = {
    "current": "现行",
    "partly_superseded": "部分被替代",
    "superseded": "已被替代",
    "empty": "无有效行",
    "duplicate": "重复（未加载）",
}


def _open(settings: Settings):  # type: ignore[no-untyped-def]
    if not settings.warehouse_path.exists():
        return None
    return connect_warehouse(settings, read_only=True)


def list_batches(settings: Settings) -> list[dict[str, Any]]:
    """Every batch, oldest first, with how many of its rows are still current and its status."""
    con = _open(settings)
    if con is None:
        return []
    try:
        # only the facts of tables that have batches, found in the warehouse's catalogue: listing
        # batches reads neither the other facts nor the contract's room tables
        tables = [r[0] for r in con.execute(
            "SELECT DISTINCT b.table_name FROM batches b JOIN duckdb_tables() t "
            "ON t.schema_name = 'main' AND t.table_name = 'fact_' || b.table_name ORDER BY 1").fetchall()]
        current = " UNION ALL ".join(
            f"SELECT _batch_id, count(*) AS n FROM {fact_name(t)} WHERE _current GROUP BY _batch_id"
            for t in tables) or "SELECT NULL::BIGINT AS _batch_id, 0 AS n WHERE false"
        rows = con.execute(
            "SELECT b.batch_id, b.table_name, b.source, b.file_name, b.content_hash, b.created_at, b.rows_read, "
            "b.rows_loaded, b.rows_rejected, coalesce(c.n, 0), b.status, b.duplicate_of "
            f"FROM batches b LEFT JOIN ({current}) c ON c._batch_id = b.batch_id ORDER BY b.batch_id").fetchall()
    finally:
        con.close()
    out = []
    for r in rows:
        loaded, cur, stored = r[7], r[9], r[10]
        if stored == "duplicate":
            status = "duplicate"
        elif loaded == 0:
            status = "empty"
        elif cur == loaded:
            status = "current"
        elif cur == 0:
            status = "superseded"
        else:
            status = "partly_superseded"
        out.append({
            "batch_id": r[0], "table": r[1], "source": r[2], "file": r[3], "hash": r[4],
            "created_at": r[5].isoformat(sep=" ", timespec="seconds") + "Z" if r[5] else None,
            "rows_read": r[6], "rows_loaded": loaded, "rows_rejected": r[8], "rows_current": cur,
            "status": status, "duplicate_of": r[11],
        })
    return out


def table_counts(settings: Settings) -> dict[str, int]:
    """Current rows of every contract table (superseded rows not counted)."""
    con = _open(settings)
    if con is None:
        return dict.fromkeys(TABLES, 0)
    try:
        sql = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {fact_name(t)} WHERE _current" for i, t in enumerate(TABLES))
        counts = dict(con.execute(sql).fetchall())
    finally:
        con.close()
    return {t: int(counts.get(i, 0)) for i, t in enumerate(TABLES)}


def rejects(settings: Settings, batch_id: int, limit: int | None = None) -> dict[str, Any]:
    """A batch's rejects: ``{batch_id, table, file, rows_rejected, rejects:[{row, column, code, message}]}``."""
    con = _open(settings)
    if con is None:
        raise IngestError(f"批次不存在：{batch_id}")
    try:
        b = con.execute("SELECT table_name, file_name, rows_rejected FROM batches WHERE batch_id = ?",
                        [batch_id]).fetchone()
        if b is None:
            raise IngestError(f"批次不存在：{batch_id}")
        sql = 'SELECT "row", "column", code, message FROM rejects WHERE batch_id = ? ORDER BY "row"'
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = con.execute(sql, [batch_id]).fetchall()
    finally:
        con.close()
    return {"batch_id": batch_id, "table": b[0], "file": b[1], "rows_rejected": b[2],
            "rejects": [{"row": r[0], "column": r[1], "code": r[2], "message": r[3]} for r in rows]}


def _utc_text(at: dt.datetime | dt.date | str) -> str:
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if isinstance(at, dt.datetime):
        if at.tzinfo is not None:
            at = at.astimezone(dt.UTC).replace(tzinfo=None)
        return at.isoformat(sep=" ")
    return dt.datetime.combine(at, dt.time.max).isoformat(sep=" ")


def read_as_of(settings: Settings, table: str, as_of: dt.datetime | dt.date | str) -> pa.Table:
    """``table`` as it was known at ``as_of`` (UTC when naive; a date means the end of that day):
    for each key, the row of the newest batch committed by then."""
    get_table(table)
    con = _open(settings)
    if con is None:
        raise IngestError("数据仓库尚未建立：请先导入数据")
    try:
        return con.sql(as_of_sql(table, _utc_text(as_of))).to_arrow_table()
    finally:
        con.close()


def read_current(settings: Settings, table: str) -> pa.Table:
    """The current rows of ``table`` (the view methods read)."""
    get_table(table)
    con = _open(settings)
    if con is None:
        raise IngestError("数据仓库尚未建立：请先导入数据")
    try:
        return con.sql(f"SELECT * FROM {table}").to_arrow_table()
    finally:
        con.close()
