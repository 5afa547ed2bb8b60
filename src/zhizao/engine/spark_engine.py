"""Spark (PySpark, local mode or a cluster): the same Ibis methods at province scale.

Tables are temporary views, over in-memory data or over the Parquet lake, never managed
tables: Ibis ``create_table`` on Spark leaves ``./spark-warehouse`` behind and the next session
fails with ``LOCATION_ALREADY_EXISTS``.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from zhizao.engine.base import Engine
from zhizao.settings import SparkSettings

_SESSION: Any = None


class SparkUnavailable(RuntimeError):
    """Spark cannot be started or reached (message in Chinese, for the command line)."""


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
            # a run's results come to the driver as Arrow (the registry hashes and stores them):
            # Spark's default cap of 1 GiB on collected results failed 亩均 at 2,000,000 firms
            # (59 columns, 1,078 MiB), so the cap is the driver's memory, which bounds them anyway
            .config("spark.driver.maxResultSize", s.driver_memory)
            .config("spark.sql.shuffle.partitions", str(s.shuffle_partitions))
            .config("spark.sql.warehouse.dir", str(Path(scratch) / "warehouse"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
        )
    try:
        _SESSION = builder.getOrCreate()
    except ImportError as exc:  # PySparkImportError: the Spark Connect client needs grpcio & co.
        raise SparkUnavailable(f"无法连接 Spark Connect（{s.connect_url}）：缺少客户端依赖 grpcio、grpcio-status、"
                               f"googleapis-common-protos（pyspark 的 connect 附加依赖）：{exc}") from exc
    except Exception as exc:  # no Java, a master that cannot be reached, a port in use
        raise SparkUnavailable(f"无法启动 Spark（{s.connect_url or s.master}）：{exc}") from exc
    _SESSION.sparkContext.setLogLevel("ERROR") if not s.connect_url else None
    return _SESSION


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, settings: SparkSettings | None = None, lake: Path | str | None = None):
        self.session = spark_session(settings)
        self.con = ibis.pyspark.connect(self.session)
        self.lake = lake
        self._registered: dict[str, ibis.Table] = {}
        # resolved once: every table read by this engine comes from the same lake state
        self._snapshots: dict[str, str] = {}
        # temporary views are global to the session, which engines share: name them per engine
        self._tag = uuid.uuid4().hex[:8]
        if lake is not None:
            from zhizao.engine import lake as lk

            self._snapshots = lk.resolve(self._manifest(lake), lake)

    def _manifest(self, lake: Path | str) -> dict[str, Any]:
        from zhizao.engine import lake as lk

        if not lk.is_uri(lake):
            return lk.read_manifest(lake)
        # HDFS, S3 or any Hadoop file system: let Spark read the manifest with its own credentials
        uri = f"{str(lake).rstrip('/')}/{lk.MANIFEST}"
        try:
            text = self.session.read.text(uri, wholetext=True).first()[0]
        except Exception as exc:  # Spark raises AnalysisException (PATH_NOT_FOUND) for a missing file
            if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
                return {"format": lk.FORMAT_VERSION, "tables": {}}
            raise
        return lk.parse_manifest(text)

    def table(self, name: str) -> ibis.Table:
        if name in self._registered:
            return self._registered[name]
        if name in self._snapshots:
            from zhizao.engine import lake as lk

            uri = self._snapshots[name]
            df = self.session.read.option("basePath", uri).parquet(uri).selectExpr(*lk.spark_select(name))
            view = f"{name}__lake_{self._tag}"
            df.createOrReplaceTempView(view)
            t = self.con.table(view)
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
