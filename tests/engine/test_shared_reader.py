"""The server's shared read-only warehouse connection (one per process instead of one open per
request): it steps aside for writers of other processes and of its own, and reads a replaced
file afresh."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from zhizao.engine.warehouse import WarehouseBusy, connect, shared_reader

WRITE = """
import sys, time
from zhizao.engine.warehouse import connect
t0 = time.monotonic()
con = connect(sys.argv[1], wait_s=20)
con.execute("INSERT INTO t VALUES (2)")
con.close()
print(f"{time.monotonic() - t0:.2f}", flush=True)
"""


def make(path: Path, *values: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE t (v INTEGER)")
    for v in values:
        con.execute("INSERT INTO t VALUES (?)", [v])
    con.close()


def read(path: Path) -> list[int]:
    with shared_reader(path).cursor() as con:
        return [r[0] for r in con.execute("SELECT v FROM t ORDER BY v").fetchall()]


def test_a_writer_of_another_process_gets_in_while_this_one_keeps_reading(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    make(path, 1)
    assert read(path) == [1]  # the shared connection is open now
    writer = subprocess.Popen([sys.executable, "-c", WRITE, str(path)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    busy = 0
    seen: list[int] = []
    deadline = time.monotonic() + 60
    while writer.poll() is None:  # a steady stream of reads, as a busy server makes
        assert time.monotonic() < deadline
        try:
            seen = read(path)
        except WarehouseBusy:
            busy += 1
        time.sleep(0.01)
    assert writer.returncode == 0
    assert writer.stdout is not None and float(writer.stdout.read()) < 15  # never starved by the reads
    assert read(path) == [1, 2]  # reopened after the write: the new row is there
    assert seen in ([1], [1, 2])


def test_a_writer_of_this_process_gets_in(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    make(path, 1)
    assert read(path) == [1]
    con = connect(path, wait_s=10)  # the shared read-only connection steps aside
    con.execute("INSERT INTO t VALUES (3)")
    with pytest.raises(WarehouseBusy):  # this process writes: reads answer busy meanwhile
        read(path)
    con.close()
    assert read(path) == [1, 3]


def test_a_replaced_file_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    make(path, 1)
    assert read(path) == [1]
    other = tmp_path / "restored.duckdb"
    make(other, 7, 8)
    os.replace(other, path)  # as zhizao restore puts an archive's warehouse in place
    assert read(path) == [7, 8]
