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
