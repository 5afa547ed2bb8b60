"""Reading the runs registry (and the gate's releases) never takes the warehouse's write lock (issue 16: the cockpit
listed runs through a writable connection, so every other server process answered "busy")."""

from __future__ import annotations

import subprocess
import sys

from zhizao import runs
from zhizao.runs.gate import releases
from zhizao.runs.registry import _connect
from zhizao.settings import Settings

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("held", flush=True)
sys.stdin.readline()
"""


def test_runs_are_listed_while_another_process_reads_the_warehouse(settings: Settings) -> None:
    _connect(settings).close()  # the warehouse with its (empty) registry
    reader = subprocess.Popen([sys.executable, "-c", HOLD, str(settings.warehouse_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "held"
        assert runs.list_runs(settings) == []
        assert runs.list_runs(settings, "carbon", 2024) == []
        assert releases(settings, "carbon", 2024) == []  # the gate's releases (the runs pages) too
    finally:
        reader.communicate("\n", timeout=30)


def test_no_warehouse_lists_no_runs_and_creates_nothing(settings: Settings) -> None:
    assert runs.list_runs(settings) == []
    assert not settings.warehouse_path.exists()


def test_registering_a_run_opens_the_warehouse_once(settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The run is read back on the connection that wrote it. A second, read-only open gives up at
    once while another process writes (a second evaluation of the same home registering its own
    run): the run was registered and the command still failed with "busy"."""
    import pyarrow as pa

    from zhizao.methodology import find
    from zhizao.runs import registry
    from zhizao.runs.registry import register

    opens: list[bool] = []
    real = registry.warehouse.connect

    def counted(path, read_only=False, wait_s=0.0, **kw):  # type: ignore[no-untyped-def]
        opens.append(read_only)
        return real(path, read_only=read_only, wait_s=wait_s, **kw)

    monkeypatch.setattr(registry.warehouse, "connect", counted)
    table = pa.table({"credit_code": ["a", "b"], "status": ["graded", "graded"], "k_value": [0.5, 1.25]})
    run = register(settings, "carbon", 2024, find(None, "carbon", 2024), "duckdb", [], table, 0.1,
                   {"firms": 2}, [])
    assert opens == [False]
    assert (run.run_id, run.result_rows, run.counts) == ("carbon-2024-0001", 2, {"firms": 2})
    assert runs.get(settings, run.run_id) == run
