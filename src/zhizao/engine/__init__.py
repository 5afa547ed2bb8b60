"""Engines: where methods run. ``connect`` picks one from the settings."""

from __future__ import annotations

from zhizao.engine.base import Engine
from zhizao.settings import Settings

ENGINES = ("duckdb", "spark")


def connect(settings: Settings, engine: str | None = None, read_only: bool = False) -> Engine:
    """An engine over the warehouse in ``settings.home``.

    Spark reads the Parquet lake; the lake is refreshed from the DuckDB warehouse first when
    the warehouse is the system of record (the default set-up).
    """
    kind = engine or settings.engine
    if kind == "duckdb":
        from zhizao.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(settings.warehouse_path, read_only=read_only)
    if kind == "spark":
        from zhizao.engine.spark_engine import SparkEngine

        if settings.warehouse_path.exists() and settings.lake is None:
            import duckdb

            from zhizao.engine.lake import export_warehouse

            con = duckdb.connect(str(settings.warehouse_path), read_only=True)
            try:
                export_warehouse(con, settings.lake_dir)
            finally:
                con.close()
        return SparkEngine(settings.spark, lake=settings.lake_dir)
    raise ValueError(f"未知引擎: {kind}（可选: {', '.join(ENGINES)}）")


__all__ = ["ENGINES", "Engine", "connect"]
