"""Many reading processes and a writer: readers never fail, the writer is never starved.

The review: 8–16 concurrent profile readers pushed a 1-row import from 1.4 s to 26–31 s (it gave
up at 30 s), because read-only connections of several processes share the file and a steady
stream of them never leaves the writer a gap.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from zhizao.engine import warehouse

READER = r"""
import sys, time
from pathlib import Path
from zhizao.engine import warehouse
path, stop = Path(sys.argv[1]), Path(sys.argv[2])
reads = failures = 0
print("ready", flush=True)
while not stop.exists():
    try:
        con = warehouse.connect(path, read_only=True, wait_s=90)
        try:
            con.execute("SELECT count(*) FROM batches").fetchone()
            time.sleep(0.05)  # a page's worth of reading, holding the shared lock
        finally:
            con.close()
        reads += 1
    except Exception as exc:
        failures += 1
        print(repr(exc), file=sys.stderr)
print(reads, failures, flush=True)
"""


def test_readers_in_parallel_with_a_writer_neither_fail_nor_starve_it(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    warehouse.connect(path).close()  # the schema
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(path), str(stop)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    waits = []
    try:
        for r in readers:
            assert r.stdout is not None and r.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # the readers are now overlapping
        for i in range(3):
            t0 = time.perf_counter()
            con = warehouse.connect(path, wait_s=30)
            waits.append(time.perf_counter() - t0)
            try:
                con.execute("INSERT INTO batches (batch_id, table_name, file_name, content_hash, created_at, "
                            "rows_read, rows_loaded, rows_rejected, status) VALUES (?, 'enterprises', 'x.csv', "
                            "'h', now(), 0, 0, 0, 'loaded')", [i + 1])
                time.sleep(0.1)
            finally:
                con.close()
            time.sleep(0.3)
    finally:
        stop.write_text("")
        outs = [r.communicate(timeout=60) for r in readers]
    counts = [tuple(int(x) for x in out.split()[-2:]) for out, _ in outs]
    assert all(f == 0 for _, f in counts), [err for _, err in outs]
    assert all(n > 0 for n, _ in counts)
    # a writer waits for the reads in flight, not for the stream (without the intent file it gives up after
    # 30 s); the bound is loose because the machine running the tests may be heavily loaded
    assert max(waits) < 15.0, waits
    assert not warehouse.intent_path(path).exists()


def test_upgrade_adds_the_views_of_this_version_to_an_earlier_warehouse(tmp_path: Path) -> None:
    """A warehouse made before the history view existed gets it from ``upgrade`` (what ``zhizao
    serve`` runs as it starts: the web only reads), its rows untouched; no warehouse: nothing made."""
    path = tmp_path / "warehouse.duckdb"
    assert warehouse.upgrade(path) is False and not path.exists()
    con = warehouse.connect(path)
    con.execute("DROP VIEW history_project_milestones")
    assert not warehouse.schema_present(con)
    con.close()
    assert warehouse.upgrade(path) is True
    con = warehouse.connect(path, read_only=True)
    try:
        assert warehouse.schema_present(con)
        assert con.execute("SELECT count(*) FROM history_project_milestones").fetchone() == (0,)
    finally:
        con.close()
