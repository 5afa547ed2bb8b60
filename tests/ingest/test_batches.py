"""Batches: identical content is not loaded twice, newer batches supersede with history, and an
import is atomic even under ``kill -9``."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from ingest_helpers import ENTERPRISE_HEADER, FIRMS, Writer, write_csv

from zhizao.codes.credit_code import make
from zhizao.contract.tables import ENERGY_TYPES
from zhizao.ingest import (
    IngestError,
    import_file,
    import_many,
    list_batches,
    read_as_of,
    read_current,
    rejects,
    table_counts,
)
from zhizao.settings import Settings, load_settings

TAX = ["统一社会信用代码", "年度", "实缴税金"]


def test_identical_content_is_recorded_as_duplicate_and_loads_nothing(home: Settings, write: Writer,
                                                                      tmp_path: Path) -> None:
    path = write("tax.csv", TAX, [[FIRMS[0], "2023", "10"], [FIRMS[1], "2023", "20"]])
    first = import_file(home, "tax", path, source="税务局")
    before = table_counts(home)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    again = import_file(home, "tax", copy)
    assert again.to_dict() == {"batch_id": again.batch_id, "table": "tax", "rows_read": 0, "rows_loaded": 0,
                               "rows_rejected": 0, "rejects": [], "duplicate_of": first.batch_id}
    assert again.batch_id is not None and again.batch_id > (first.batch_id or 0)
    assert table_counts(home) == before
    b = {x["batch_id"]: x for x in list_batches(home)}
    assert b[first.batch_id]["status"] == "current" and b[first.batch_id]["source"] == "税务局"
    assert b[again.batch_id]["status"] == "duplicate" and b[again.batch_id]["duplicate_of"] == first.batch_id
    assert b[first.batch_id]["hash"] == b[again.batch_id]["hash"]


def test_newer_batch_supersedes_same_keys_and_history_stays_queryable(home: Settings, write: Writer) -> None:
    a = import_file(home, "tax", write("a.csv", TAX, [[FIRMS[0], "2023", "10"], [FIRMS[1], "2023", "20"]]))
    time.sleep(0.01)
    between = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    b = import_file(home, "tax", write("b.csv", TAX, [[FIRMS[0], "2023", "11"], [FIRMS[2], "2023", "30"]]))

    def values(t):  # type: ignore[no-untyped-def]
        return {x["credit_code"]: (x["tax_paid"], x["_batch_id"]) for x in t.to_pylist()}

    assert values(read_current(home, "tax")) == {
        FIRMS[0]: (11.0, b.batch_id), FIRMS[1]: (20.0, a.batch_id), FIRMS[2]: (30.0, b.batch_id)}
    assert values(read_as_of(home, "tax", between)) == {FIRMS[0]: (10.0, a.batch_id), FIRMS[1]: (20.0, a.batch_id)}
    assert values(read_as_of(home, "tax", dt.datetime.now(dt.UTC))) == values(read_current(home, "tax"))
    assert read_as_of(home, "tax", dt.date(2000, 1, 1)).num_rows == 0
    assert table_counts(home)["tax"] == 3
    status = {x["batch_id"]: (x["status"], x["rows_current"]) for x in list_batches(home)}
    assert status[a.batch_id] == ("partly_superseded", 1)
    assert status[b.batch_id] == ("current", 2)

    c = import_file(home, "tax", write("c.csv", TAX, [[FIRMS[1], "2023", "21"]]))
    assert {x["batch_id"]: x["status"] for x in list_batches(home)}[a.batch_id] == "superseded"
    assert c.rows_loaded == 1 and table_counts(home)["tax"] == 3


def test_rejected_rows_do_not_supersede(home: Settings, write: Writer) -> None:
    import_file(home, "tax", write("a.csv", TAX, [[FIRMS[0], "2023", "10"]]))
    r = import_file(home, "tax", write("b.csv", TAX, [[FIRMS[0], "2023", "不详"]]))
    assert r.rows_rejected == 1
    assert read_current(home, "tax").column("tax_paid").to_pylist() == [10.0]
    assert [x["status"] for x in list_batches(home)][-1] == "empty"


def test_rejects_are_stored_per_batch(home: Settings, write: Writer) -> None:
    r = import_file(home, "tax", write("a.csv", TAX, [[FIRMS[0], "2023", "x"], [FIRMS[1], "", "1"]]))
    stored = rejects(home, r.batch_id)  # type: ignore[arg-type]
    assert stored["table"] == "tax" and stored["file"] == "a.csv" and stored["rows_rejected"] == 2
    assert stored["rejects"] == [x.to_dict() for x in r.rejects]
    with pytest.raises(IngestError, match="批次不存在"):
        rejects(home, 9999)


def test_import_many_checks_every_file_first(home: Settings, write: Writer, tmp_path: Path) -> None:
    ok = write("a.csv", TAX, [[FIRMS[0], "2023", "10"]])
    with pytest.raises(IngestError, match="文件不存在"):
        import_many(home, "tax", [ok, tmp_path / "missing.csv"])
    assert table_counts(home)["tax"] == 0
    results = import_many(home, "tax", [ok, write("b.csv", TAX, [[FIRMS[1], "2023", "1"]])], source="税务")
    assert [r.rows_loaded for r in results] == [1, 1]
    assert results[0].batch_id != results[1].batch_id


CHILD = """
import sys, time
import zhizao.ingest.importer as importer
from zhizao.settings import load_settings

insert_batch = importer._insert_batch

def slow_insert_batch(*args, **kwargs):
    # inside the transaction: facts, superseding and rejects are written, the commit is not
    print("in_transaction", flush=True)
    time.sleep(60)
    insert_batch(*args, **kwargs)

importer._insert_batch = slow_insert_batch
r = importer.import_file(load_settings(sys.argv[1]), "energy", sys.argv[2],
                         progress=lambda s: print(s, flush=True))
print("done", r.rows_loaded, flush=True)
"""


def _big_energy_file(path: Path, firms: list[str]) -> int:
    """One row per firm, month (2000–2019) and energy type: unique keys, all valid."""
    types = list(ENERGY_TYPES)
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT f.code AS 统一社会信用代码, strftime(DATE '2000-01-01' + to_months(m.m), '%Y-%m') AS 月份,
                     t.t AS 能源品种, (m.m + 1)::VARCHAR AS 消费量,
                     CASE WHEN t.t IN ('electricity', 'exported_electricity') THEN '千瓦时'
                          WHEN t.t = 'natural_gas' THEN '立方米' WHEN t.t IN ('heat', 'exported_heat') THEN '吉焦'
                          ELSE '吨' END AS 计量单位
              FROM unnest($firms) f(code), range(240) m(m), unnest($types) t(t))
        TO '{path}' (HEADER, DELIMITER ',')""", {"firms": firms, "types": types})
    con.close()
    return len(firms) * 240 * len(types)


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["validate", "in_transaction"])
def test_kill_9_mid_import_leaves_no_trace(tmp_path: Path, kill_at: str) -> None:
    settings = load_settings(tmp_path / "home").ensure()
    firms = [make("9", "1", "330502", f"MA{i:07d}") for i in range(40)]
    rows = [[c, f"企业{i}", "330502", "2110", "2010-01-01"] for i, c in enumerate(firms)]
    import_file(settings, "enterprises", write_csv(tmp_path / "e.csv", ENTERPRISE_HEADER, rows))
    small = import_file(settings, "energy", write_csv(tmp_path / "small.csv",
                        ["统一社会信用代码", "月份", "能源品种", "消费量", "计量单位"],
                        [[firms[0], "2000-01", "电力", "999", "千瓦时"]]))
    big = tmp_path / "big.csv"
    n = _big_energy_file(big, firms)  # more than one DuckDB row group, so the insert spills to the file

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.home), str(big)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    stages = []
    for line in child.stdout:
        stages.append(line.strip())
        if stages[-1] == kill_at:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert stages[-1] == kill_at and "done" not in " ".join(stages)
    assert child.returncode == -signal.SIGKILL

    # the warehouse opens (replaying its log) and holds exactly what it held before
    batches = list_batches(settings)
    assert [(b["table"], b["rows_loaded"]) for b in batches] == [("enterprises", 40), ("energy", 1)]
    assert table_counts(settings)["energy"] == 1
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert con.execute("SELECT count(*), bool_and(_current) FROM fact_energy").fetchall() == [(1, True)]
        assert con.execute("SELECT count(*) FROM rejects").fetchall() == [(0,)]
    finally:
        con.close()
    assert read_current(settings, "energy").column("quantity").to_pylist() == [999.0]

    # and the same file imports afterwards (its hash left no trace either), superseding the small batch
    r = import_file(settings, "energy", big, reject_limit=0)
    assert r.duplicate_of is None and r.rows_read == n == r.rows_loaded
    assert table_counts(settings)["energy"] == n
    assert {b["batch_id"]: b["status"] for b in list_batches(settings)}[small.batch_id] == "superseded"


def test_reads_and_imports_share_a_connection_already_open_in_the_process(home: Settings, write: Writer) -> None:
    # the web server keeps the warehouse open; DuckDB refuses a second mode on the same file
    held = duckdb.connect(str(home.warehouse_path))
    try:
        assert table_counts(home)["enterprises"] == 5
        r = import_file(home, "tax", write("t.csv", TAX, [[FIRMS[0], "2023", "1"]]))
        assert r.rows_loaded == 1
        assert held.execute("SELECT count(*) FROM tax").fetchone() == (1,)
    finally:
        held.close()
