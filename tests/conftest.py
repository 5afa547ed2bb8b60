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
from collections.abc import Iterator
from pathlib import Path

import durations
import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS

from zhizao.settings import Settings, SparkSettings, load_settings

os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
# Every JVM the tests start (the Spark sessions, the test cluster's master, workers, executors and
# Connect server) lives for minutes and runs tiny jobs: the optimising JIT compiler (C2) costs
# them more CPU than it saves. On 2 cores the client compiler alone made a small 亩均 evaluation
# on Spark 29 -> 18 s and a session's start 12 -> 8 s. Tests only; the platform sets nothing.
os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1")


@pytest.fixture(scope="session", autouse=True)
def shared_sql(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of compiled SQL for the whole run (``ZHIZAO_SQL_CACHE``, the product's own
    setting), shared by the xdist workers and every ``zhizao`` process a test starts: each method's
    expression for a methodology version, year and input schema is compiled once per run, not once
    per process (the policies', tiers' and 亩均 tests took 239 s on two workers, 207 s sharing it).
    The key names the methodology's content, the inputs' SQL and schemas and the source of the
    modules that build the expression, so a test never reads SQL that other code or another rule
    set made; tests of the compiling itself use :func:`own_sql`."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "compiled-sql"
    folder.mkdir(exist_ok=True)
    os.environ.setdefault("ZHIZAO_SQL_CACHE", str(folder))
    return folder


@pytest.fixture
def own_sql(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test of the compiling itself: no shared folder of compiled SQL, an empty memory."""
    from zhizao.engine import compiled

    monkeypatch.delenv("ZHIZAO_SQL_CACHE", raising=False)
    compiled.clear()
    yield
    compiled.clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "home").ensure()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test file keeps to one xdist worker (``--dist loadgroup``, a group per file unless a
    test names its own): a module's fixtures (a city built and evaluated, a served app) are then
    built once, not once on every worker that happens to run one of its tests. The groups are
    collected longest first (:mod:`durations`)."""
    if not getattr(config.option, "loadgroup", False):  # not an xdist worker under --dist loadgroup
        return
    groups = []
    for item in items:
        marker = item.get_closest_marker("xdist_group")
        if marker is None:
            path = item.nodeid.split("::")[0].removeprefix("tests/").removesuffix(".py")
            item.add_marker(pytest.mark.xdist_group(path))
            groups.append(path)
        else:
            groups.append(str(marker.args[0] if marker.args else marker.kwargs.get("name", "default")))
    # the longest groups handed out first (scripts/test.sh turns xdist's own order off)
    items[:] = [items[i] for i in durations.longest_first(groups, durations.recorded())]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notimpl(engines, raises, reason): a known gap of these engines, "
                                       "which must raise exactly `raises`")


#: where the Spark side of the conformance suite runs (``ZHIZAO_TEST_SPARK``): unset, a local
#: session; ``spark://HOST:PORT``, a driver on that standalone cluster; ``sc://HOST:PORT``, a Spark
#: Connect server. tests/engine/test_cluster.py runs the suite on its cluster both ways; a province
#: runs it on its own (docs/scale.md)
SPARK_UNDER_TEST = "ZHIZAO_TEST_SPARK"


def spark_settings_under_test() -> SparkSettings:
    """The Spark the tests' session reaches (see :data:`SPARK_UNDER_TEST`). Two shuffle partitions
    keep tiny test jobs from spawning hundreds of empty tasks (four on a cluster: two workers)."""
    url = os.environ.get(SPARK_UNDER_TEST, "").strip()
    if url.startswith("sc://"):
        return SparkSettings(connect_url=url)
    if url:
        return SparkSettings(master=url, driver_memory="1g", shuffle_partitions=4)
    return SparkSettings(master="local[2]", driver_memory="2g", shuffle_partitions=2)


@pytest.fixture(scope="session")
def spark_engine():
    """One Spark session for the whole run: start-up costs seconds, each test only its job. On a
    cluster or a Connect server (:data:`SPARK_UNDER_TEST`), the session must be that one's: a
    suite that quietly ran on a local session would prove nothing about the cluster."""
    from zhizao.engine.spark_engine import SparkEngine, spark_session

    wanted = spark_settings_under_test()
    session = spark_session(wanted)
    reached = (f"Spark Connect {wanted.connect_url}" if "connect" in type(session).__module__
               else session.sparkContext.master)
    if reached != (f"Spark Connect {wanted.connect_url}" if wanted.connect_url else wanted.master):
        raise pytest.UsageError(f"{SPARK_UNDER_TEST}={os.environ.get(SPARK_UNDER_TEST, '')}: the session is {reached}")
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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser), one for the whole
    session: Playwright's sync API allows one driver per thread at a time, so every browser test
    (the pages', the projects room's) shares it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
