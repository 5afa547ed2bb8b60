"""The warehouse as the importer and the import queries open it, and the contract's tables by
name with the importer's error: kept apart from the readers so that listing batches does not load
the file readers (pyarrow, the spreadsheet reader)."""

from __future__ import annotations

import duckdb

from zhizao.contract import TABLES, Table
from zhizao.engine import warehouse
from zhizao.ingest.errors import IngestError
from zhizao.settings import Settings


def get_table(name: str) -> Table:
    if name not in TABLES:
        raise IngestError(f"未知数据表：{name}（可用：{'、'.join(TABLES)}）")
    return TABLES[name]


def connect_warehouse(settings: Settings, read_only: bool = False, wait_s: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file (see :func:`zhizao.engine.warehouse.connect`)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        return warehouse.connect(settings.warehouse_path, read_only=read_only, wait_s=wait_s)
    except warehouse.WarehouseBusy as exc:
        raise IngestError(str(exc)) from None
