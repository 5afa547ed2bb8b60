"""Spark (PySpark, local mode or a cluster): the same Ibis methods at province scale.

Tables are temporary views, over in-memory data or over the Parquet lake, never managed
tables: Ibis ``create_table`` on Spark leaves ``./spark-warehouse`` behind and the next session
fails with ``LOCATION_ALREADY_EXISTS``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from zhizao.engine.base import Engine
from zhizao.settings import SparkSettings

_SESSION: Any = None


def spark_session(settings: SparkSettings | None = None) -> Any:
    """One SparkSession per process (Spark allows only one active context)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    from pyspark.sql import SparkSession

    s = settings or SparkSettings()
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    if s.connect_url:
        builder = SparkSession.builder.remote(s.connect_url)
    else:
        scratch = tempfile.mkdtemp(prefix="zhizao-spark-")
        builder = (
            SparkSession.builder.master(s.master)
            .appName("zhizao")
            .config("spark.driver.memory", s.driver_memory)
            .config("spark.sql.shuffle.partitions", str(s.shuffle_partitions))
            .config("spark.sql.warehouse.dir", str(Path(scratch) / "warehouse"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
        )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR") if not s.connect_url else None
    return _SESSION


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, settings: SparkSettings | None = None, lake: Path | None = None):
        self.session = spark_session(settings)
        self.con = ibis.pyspark.connect(self.session)
        self.lake = lake
        self._registered: dict[str, ibis.Table] = {}

    def table(self, name: str) -> ibis.Table:
        if name in self._registered:
            return self._registered[name]
        if self.lake is not None:
            from zhizao.engine.lake import table_path

            path = table_path(self.lake, name)
            if path.exists():
                df = self.session.read.option("basePath", str(path)).parquet(str(path))
                df.createOrReplaceTempView(name)
                t = self.con.table(name)
                self._registered[name] = t
                return t
        raise KeyError(f"Spark 引擎中没有数据表 {name}（数据湖: {self.lake}）")

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> ibis.Table:
        if isinstance(data, pa.Table):
            data = data.to_pandas()
        if len(data) == 0:
            schema = _spark_schema(data)
            df = self.session.createDataFrame([], schema)
        else:
            df = self.session.createDataFrame(data)
        df.createOrReplaceTempView(name)
        t = self.con.table(name)
        self._registered[name] = t
        return t


def _spark_schema(df: pd.DataFrame) -> Any:
    from pyspark.sql import types as T

    mapping = {"int64": T.LongType(), "float64": T.DoubleType(), "bool": T.BooleanType(), "int32": T.IntegerType()}
    fields = []
    for col, dtype in df.dtypes.items():
        if str(dtype).startswith("datetime"):
            st: Any = T.TimestampType()
        else:
            st = mapping.get(str(dtype), T.StringType())
        fields.append(T.StructField(str(col), st, True))
    return T.StructType(fields)
