"""Shared fixtures.

``engine`` runs a test once on DuckDB and once on Spark (local mode, one session for the whole
run): the conformance suite. ``settings`` is a fresh home directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zhizao.settings import Settings, load_settings

os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "home").ensure()


@pytest.fixture(scope="session")
def spark_engine():
    from zhizao.engine.spark_engine import SparkEngine
    from zhizao.settings import SparkSettings

    return SparkEngine(SparkSettings(master="local[2]", driver_memory="2g", shuffle_partitions=2))


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request):
    if request.param == "duckdb":
        from zhizao.engine.duckdb_engine import DuckDBEngine

        eng = DuckDBEngine()
        yield eng
        eng.close()
    else:
        yield request.getfixturevalue("spark_engine")


@pytest.fixture
def duck():
    from zhizao.engine.duckdb_engine import DuckDBEngine

    eng = DuckDBEngine()
    yield eng
    eng.close()
