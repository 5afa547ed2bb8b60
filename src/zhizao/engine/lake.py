"""The Parquet lake: warehouse facts as Parquet, partitioned by table and year.

Layout (readable by DuckDB, Spark, and any Hive-partition-aware tool)::

    <lake>/<table>/year=<YYYY>/part-*.parquet     tables with a year or month column
    <lake>/<table>/part-*.parquet                 enterprises, other tables without a period

Only current rows are written (with their ``_batch_id``), so a reader sees what the
warehouse's current views show.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from zhizao.contract import TABLES


def table_path(lake: Path, table: str) -> Path:
    return Path(lake) / table


def period_expr(table: str) -> str | None:
    """SQL giving the partition year of a row, or None when the table has no period."""
    cols = set(TABLES[table].column_names)
    if "year" in cols:
        return None  # already a column named year
    if "month" in cols:
        return "year(month)"
    if "date" in cols:
        return "year(date)"
    return ""


def export_warehouse(con, lake: Path, tables: list[str] | None = None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Write the current rows of each table to the lake (replacing what was there).

    ``con`` is a DuckDB connection to the warehouse. Returns row counts by table.
    """
    lake = Path(lake)
    lake.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in tables or list(TABLES):
        t = TABLES[name]
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        dest = table_path(lake, name)
        tmp = dest.with_name(dest.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        expr = period_expr(name)
        n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        counts[name] = int(n)
        if expr is None:
            sql = f"COPY (SELECT {cols}, _batch_id FROM {name}) TO '{tmp}' (FORMAT parquet, PARTITION_BY (year))"
        elif expr:
            sql = (f"COPY (SELECT {cols}, _batch_id, {expr} AS year FROM {name}) TO '{tmp}' "
                   f"(FORMAT parquet, PARTITION_BY (year))")
        else:
            tmp.mkdir(parents=True)
            sql = f"COPY (SELECT {cols}, _batch_id FROM {name}) TO '{tmp / 'part-0.parquet'}' (FORMAT parquet)"
        if n == 0:
            tmp.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT {cols}, _batch_id FROM {name}) TO '{tmp / 'part-0.parquet'}' (FORMAT parquet)")
        else:
            con.execute(sql)
        # swap in whole so a reader never sees half a table
        if dest.exists():
            old = dest.with_name(dest.name + ".old")
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old)
        else:
            tmp.rename(dest)
    return counts
