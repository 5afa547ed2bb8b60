"""The DuckDB engine: results as Ibis gives them without importing pandas; a query submitted runs
on a cursor of its own, beside the next query, and gives what running it in line gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from zhizao.engine.duckdb_engine import DuckDBEngine


@pytest.fixture
def engine(tmp_path: Path):
    eng = DuckDBEngine(tmp_path / "warehouse.duckdb")
    eng.raw.execute("CREATE TABLE facts AS SELECT i % 7 AS _batch_id, i AS v FROM range(200000) t(i)")
    yield eng
    eng.close()


def test_a_warehouse_query_runs_on_its_own_cursor_while_the_connection_runs_another(engine: DuckDBEngine) -> None:
    facts = engine.table("facts")
    pending = engine.submit(facts.select("_batch_id").distinct())
    total = engine.to_pyarrow(facts.aggregate(n=facts.v.count()))  # on the engine's own connection meanwhile
    assert total["n"].to_pylist() == [200_000]
    assert sorted(pending.result()["_batch_id"].to_pylist()) == list(range(7))


def test_a_query_over_a_registered_table_runs_in_line(engine: DuckDBEngine) -> None:
    """A registered table is a temporary one: another cursor would not see it."""
    t = engine.register("mine", pa.table({"_batch_id": [3, 3, 5]}))
    pending = engine.submit(t.select("_batch_id").distinct())
    assert pending.done()
    assert sorted(pending.result()["_batch_id"].to_pylist()) == [3, 5]


def test_a_failing_submitted_query_raises_for_whoever_waits_on_it(engine: DuckDBEngine) -> None:
    facts = engine.table("facts")
    engine.raw.execute("DROP TABLE facts")  # the expression now names a table that is gone
    with pytest.raises(Exception, match="facts"):
        engine.submit(facts.select("_batch_id")).result(timeout=60)


def test_results_come_as_ibis_gives_them_without_importing_pandas(tmp_path: Path) -> None:
    probe = f"""
import sys, ibis
from zhizao.engine.duckdb_engine import DuckDBEngine
eng = DuckDBEngine({str(tmp_path / "w.duckdb")!r})
eng.raw.execute("CREATE TABLE facts AS SELECT i AS v FROM range(10) t(i)")
facts = eng.table("facts")
expr = facts.mutate(nothing=ibis.null(), half=facts.v / 2)
got = eng.to_pyarrow(expr)
print("pandas" in sys.modules)
print(got.equals(expr.to_pyarrow()), got.schema.field("nothing").type)
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True", "null"]


@pytest.mark.usefixtures("own_sql")
def test_compiled_sql_is_read_through_a_view_and_gives_ibis_result() -> None:
    """A kept evaluation is a temporary view of the connection: the same rows, column order and
    Arrow types as the expression run through Ibis; a further step names the view instead of
    carrying the SQL; a submitted query reading it runs on this connection (a cursor of its own
    would not see the view)."""
    from zhizao.engine import compiled

    with DuckDBEngine() as eng:
        t = {"firms": eng.register("firms", pa.table({"credit_code": ["b", "a", "c"], "revenue": [600.0, None, 900.0],
                                                      "staff": [3, 4, 5]}))}

        def build():
            f = t["firms"]
            return f.select("credit_code", big=f.revenue >= 700, staff=f.staff.cast("int32")).order_by("credit_code")

        kept = compiled.compiled(build, key="test.view", inputs=t)
        again = compiled.compiled(build, key="test.view", inputs=t)
        assert kept.op().name == again.op().name and kept.op().name.startswith(compiled.VIEW_PREFIX)
        direct, through_ibis = eng.to_pyarrow(kept), eng.to_pyarrow(build())
        assert direct.schema == through_ibis.schema
        assert direct.to_pylist() == through_ibis.to_pylist() == [
            {"credit_code": "a", "big": None, "staff": 4}, {"credit_code": "b", "big": False, "staff": 3},
            {"credit_code": "c", "big": True, "staff": 5}]
        step = kept.filter(kept.staff > 3)
        assert "revenue" not in str(eng.con.compile(step))  # the view's name, not its SQL
        assert eng.to_pyarrow(step).num_rows == 2
        assert eng.submit(step).result().num_rows == 2
