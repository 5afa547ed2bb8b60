"""Where zhizao keeps its data and which engines it uses.

Everything is derived from one home directory (``--home`` or ``ZHIZAO_HOME``, default
``./zhizao-data``); database URLs and engine options may be overridden by environment
variables so that a province deployment can point at PostgreSQL and a Spark cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class SparkSettings:
    """Spark options: master URL (``local[2]``), or a Spark Connect URL (``sc://host:15002``)."""

    master: str = "local[2]"
    connect_url: str | None = None
    driver_memory: str = "4g"
    shuffle_partitions: int = 4


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on what one file or one request may make the service allocate (checked before reading).

    Every value may be overridden by an environment variable (``ZHIZAO_MAX_…``, sizes in MB).
    """

    #: an uploaded file (``ZHIZAO_MAX_UPLOAD_MB``)
    upload_bytes: int = 512 * MB
    #: a request body that is not a file upload: forms, JSON (``ZHIZAO_MAX_BODY_MB``)
    body_bytes: int = 1 * MB
    #: objection evidence (``ZHIZAO_MAX_EVIDENCE_MB``)
    evidence_bytes: int = 20 * MB
    #: the uncompressed size of all parts of a spreadsheet (``ZHIZAO_MAX_UNCOMPRESSED_MB``)
    uncompressed_bytes: int = 1024 * MB
    #: a spreadsheet part larger than 4 MB may expand at most this many times (``ZHIZAO_MAX_COMPRESSION_RATIO``)
    compression_ratio: int = 200
    #: rows of one file (``ZHIZAO_MAX_ROWS``)
    rows: int = 10_000_000
    #: columns of one file (``ZHIZAO_MAX_COLUMNS``)
    columns: int = 512
    #: the cell box of one sheet, declared or used, rows × columns (``ZHIZAO_MAX_SHEET_CELLS``)
    sheet_cells: int = 12_000_000
    #: characters of one cell (``ZHIZAO_MAX_CELL_CHARS``; Excel's own limit)
    cell_chars: int = 32_767

    @classmethod
    def from_env(cls) -> Limits:
        d = cls()
        return cls(
            upload_bytes=_env_int("ZHIZAO_MAX_UPLOAD_MB", d.upload_bytes // MB) * MB,
            body_bytes=_env_int("ZHIZAO_MAX_BODY_MB", d.body_bytes // MB) * MB,
            evidence_bytes=_env_int("ZHIZAO_MAX_EVIDENCE_MB", d.evidence_bytes // MB) * MB,
            uncompressed_bytes=_env_int("ZHIZAO_MAX_UNCOMPRESSED_MB", d.uncompressed_bytes // MB) * MB,
            compression_ratio=_env_int("ZHIZAO_MAX_COMPRESSION_RATIO", d.compression_ratio),
            rows=_env_int("ZHIZAO_MAX_ROWS", d.rows),
            columns=_env_int("ZHIZAO_MAX_COLUMNS", d.columns),
            sheet_cells=_env_int("ZHIZAO_MAX_SHEET_CELLS", d.sheet_cells),
            cell_chars=_env_int("ZHIZAO_MAX_CELL_CHARS", d.cell_chars),
        )


@dataclass(frozen=True)
class Settings:
    home: Path
    store_url: str
    engine: str = "duckdb"
    spark: SparkSettings = field(default_factory=SparkSettings)
    #: the Parquet lake (a local directory, or an ``hdfs://`` / ``s3a://`` URI Spark reads); when
    #: set, evaluations read it on either engine and imports bring it up to date
    lake: Path | str | None = None
    secret_key: str = ""
    limits: Limits = field(default_factory=Limits)

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def sql_cache_dir(self) -> Path:
        """Compiled SQL of the methods' expressions kept between processes
        (:mod:`zhizao.engine.compiled`; not backed up: it is rebuilt on demand)."""
        return self.home / "cache" / "sql"

    @property
    def lake_dir(self) -> Path | str:
        """The configured lake, else ``<home>/lake`` (Spark's copy of the warehouse)."""
        return self.lake or (self.home / "lake")

    def ensure(self) -> Settings:
        self.home.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        return self


def load_settings(home: str | Path | None = None) -> Settings:
    """Settings from an explicit home, else the environment, else ``./zhizao-data``."""
    home_path = Path(home or _env("ZHIZAO_HOME", "zhizao-data") or "zhizao-data").resolve()
    store_url = _env("ZHIZAO_STORE_URL") or f"sqlite:///{home_path / 'store.sqlite'}"
    spark = SparkSettings(
        master=_env("ZHIZAO_SPARK_MASTER", "local[2]") or "local[2]",
        connect_url=_env("ZHIZAO_SPARK_CONNECT"),
        driver_memory=_env("ZHIZAO_SPARK_DRIVER_MEMORY", "4g") or "4g",
        shuffle_partitions=int(_env("ZHIZAO_SPARK_SHUFFLE_PARTITIONS", "4") or 4),
    )
    lake = _env("ZHIZAO_LAKE")
    secret = _env("ZHIZAO_SECRET_KEY") or ""
    return Settings(
        home=home_path,
        store_url=store_url,
        engine=_env("ZHIZAO_ENGINE", "duckdb") or "duckdb",
        spark=spark,
        lake=_lake(lake),
        secret_key=secret,
        limits=Limits.from_env(),
    )


def _lake(value: str | Path | None) -> Path | str | None:
    if value in (None, ""):
        return None
    text = str(value)
    if "://" in text and not text.startswith("file://"):
        return text  # hdfs://, s3a://: only Spark reads it
    return Path(text.removeprefix("file://")).resolve()


def with_overrides(
    settings: Settings,
    *,
    engine: str | None = None,
    spark_master: str | None = None,
    spark_connect: str | None = None,
    driver_memory: str | None = None,
    shuffle_partitions: int | None = None,
    lake: str | Path | None = None,
) -> Settings:
    """Settings with command-line options applied over the environment's (``None`` keeps)."""
    spark = settings.spark
    changes = {k: v for k, v in {"master": spark_master, "connect_url": spark_connect,
                                 "driver_memory": driver_memory, "shuffle_partitions": shuffle_partitions}.items()
               if v is not None}
    if changes:
        spark = replace(spark, **changes)  # type: ignore[arg-type]
    return replace(settings, engine=engine or settings.engine, spark=spark,
                   lake=_lake(lake) if lake is not None else settings.lake)
