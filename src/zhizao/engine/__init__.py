"""Engines: where methods run. ``connect`` picks one from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zhizao._lazy import exports
from zhizao.settings import Settings

if TYPE_CHECKING:
    from zhizao.engine.base import Engine

__getattr__, __dir__ = exports(__name__, {"Engine": "zhizao.engine.base"})

ENGINES = ("duckdb", "spark")


def connect(settings: Settings, engine: str | None = None, read_only: bool = False, wait_s: float = 30.0) -> Engine:
    """An engine over the facts ``settings`` point at.

    - A configured lake (``ZHIZAO_LAKE`` / ``--lake``) is read by either engine, so the same
      lake gives the same results on both.
    - Otherwise DuckDB reads the warehouse file, and Spark reads ``<home>/lake``, which is first
      brought up to date from the warehouse (only tables whose current rows changed are
      rewritten).

    DuckDB waits up to ``wait_s`` for another process writing the warehouse (a web page passes
    :data:`zhizao.web.profile.WEB_WAIT_S`, then answers "busy" instead of hanging).
    """
    from zhizao.engine import lake as lk

    kind = engine or settings.engine
    if kind == "duckdb":
        from zhizao.engine.duckdb_engine import DuckDBEngine

        if settings.lake is not None:
            if lk.is_uri(settings.lake):
                raise lk.LakeError(f"DuckDB 引擎只能读取本地数据湖（{settings.lake}）；HDFS/S3 上的数据湖请用 --engine spark")
            return DuckDBEngine.from_lake(settings.lake)
        return DuckDBEngine(settings.warehouse_path, read_only=read_only, wait_s=wait_s)
    if kind == "spark":
        from zhizao.engine.spark_engine import SparkEngine

        if settings.lake is None and settings.warehouse_path.exists():
            from zhizao.engine.warehouse import current_reader

            con = current_reader(settings.warehouse_path)  # (an earlier version's: the views the lake keeps)
            try:
                lk.export_warehouse(con, settings.lake_dir, only_stale=True)
            finally:
                con.close()
        return SparkEngine(settings.spark, lake=settings.lake_dir)
    raise ValueError(f"未知引擎: {kind}（可选: {', '.join(ENGINES)}）")


__all__ = ["ENGINES", "Engine", "connect"]
