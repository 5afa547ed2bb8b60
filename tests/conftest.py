"""Shared fixtures.

``engine`` runs a test once on DuckDB and once on Spark (local mode, one session for the whole
run): the conformance suite. ``settings`` is a fresh home directory.

A known gap of one engine is marked the way Ibis marks its backends, naming the error::

    @pytest.mark.notimpl(["spark"], raises=SomeError, reason="why the engine cannot do it")

The test then must fail with exactly that error on that engine (a strict xfail), so a gap
that closes, or starts failing differently, is noticed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zhizao.settings import Settings, load_settings

os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
# Every JVM the tests start (the Spark sessions, the test cluster's master, workers, executors and
# Connect server) lives for minutes and runs tiny jobs: the optimising JIT compiler (C2) costs
# them more CPU than it saves. On 2 cores the client compiler alone made a small 亩均 evaluation
# on Spark 29 -> 18 s and a session's start 12 -> 8 s. Tests only; the platform sets nothing.
os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "home").ensure()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notimpl(engines, raises, reason): a known gap of these engines, "
                                       "which must raise exactly `raises`")


@pytest.fixture(scope="session")
def spark_engine():
    """One Spark session for the whole run: start-up costs seconds, each test only its job.
    Two shuffle partitions keep tiny test jobs from spawning hundreds of empty tasks."""
    from zhizao.engine.spark_engine import SparkEngine, spark_session
    from zhizao.settings import SparkSettings

    spark_session(SparkSettings(master="local[2]", driver_memory="2g", shuffle_partitions=2))
    yield SparkEngine()
    spark_session().stop()


def _apply_notimpl(request: pytest.FixtureRequest, engine_name: str) -> None:
    for marker in request.node.iter_markers("notimpl"):
        engines = marker.args[0] if marker.args else marker.kwargs.get("engines", [])
        if engine_name in engines:
            raises = marker.kwargs.get("raises")
            if raises is None:
                raise pytest.UsageError(f"{request.node.nodeid}: notimpl must name the error it raises (raises=...)")
            request.applymarker(pytest.mark.xfail(raises=raises, strict=True,
                                                  reason=f"{engine_name}: {marker.kwargs.get('reason', '')}"))


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request):
    _apply_notimpl(request, request.param)
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
