"""A run on the warehouse keeps its SQL as a plan (``<home>/cache/sql/runs``); the next run of the
same method, methodology, year, released firms, input schemas and code runs that SQL without Ibis
(``execute_kept``) and registers the same results: rows, types, hash, input batches, notes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from city import Firm, credit_code, load_warehouse, tables

from zhizao import rooms, runs
from zhizao.engine import connect
from zhizao.methodology import find
from zhizao.runs import kept
from zhizao.settings import Settings

YEAR = 2023
HERE = Path(__file__).resolve().parent


def _firms(scale: float = 1.0) -> list[Firm]:
    return [Firm(credit_code(i), industry="2821" if i % 2 else "3311", value_added=1000.0 * i + 0.37,
                 energy={"electricity": 1e6 * i * scale / 3, "raw_coal": 200.0 * (i % 3)}) for i in range(1, 13)]


def _execute(settings: Settings, method: str = "carbon") -> runs.Run:
    eng = connect(settings, "duckdb")
    try:
        return runs.execute(settings, eng, method, YEAR, find(None, method, YEAR))
    finally:
        eng.close()


def test_a_kept_plan_registers_what_the_ibis_run_registered(settings: Settings) -> None:
    load_warehouse(settings, tables(_firms(), YEAR))
    m = find(None, "carbon", YEAR)
    assert runs.execute_kept(settings, "carbon", YEAR, m) is None  # nothing kept yet
    first = _execute(settings)
    assert len(list(kept.folder(settings).glob("*.json"))) == 1
    second = runs.execute_kept(settings, "carbon", YEAR, m)
    assert second is not None and second.run_id != first.run_id
    a, b = runs.results(settings, first.run_id), runs.results(settings, second.run_id)
    assert b.schema == a.schema  # DuckDB's own types (HUGEINT counts, DECIMAL factors) cast as Ibis does
    assert b.sort_by("credit_code").equals(a.sort_by("credit_code"))
    assert (second.result_hash, second.input_batches, second.notes, second.counts) == (
        first.result_hash, first.input_batches, first.notes, first.counts)
    assert second.engine == "duckdb" and a.num_rows == 12
    for t in (a, b):  # both ways read their rows in key order: the hash sorts nothing
        codes = t["credit_code"].to_pylist()
        assert codes == sorted(codes)


def test_a_plan_is_not_used_for_another_methodology_year_release_or_schema(settings: Settings) -> None:
    m = find(None, "carbon", YEAR)
    columns = {"energy": [("credit_code", "VARCHAR"), ("quantity", "DOUBLE")]}
    base = kept.key("carbon", columns, m, YEAR, [])
    other = m.model_copy(update={"version": m.version + "-b"})
    assert len({base, kept.key("mujun", columns, m, YEAR, []), kept.key("carbon", columns, other, YEAR, []),
                kept.key("carbon", columns, m, YEAR + 1, []), kept.key("carbon", columns, m, YEAR, ["X"]),
                kept.key("carbon", {"energy": [("credit_code", "VARCHAR"), ("quantity", "DECIMAL(18,3)")]}, m, YEAR, []),
                kept.key("carbon", {**columns, "benchmarks": [("industry_code", "VARCHAR")]}, m, YEAR, [])}) == 7
    assert kept.key("carbon", columns, m, YEAR, []) == base


def test_a_plan_reads_the_data_of_the_moment(settings: Settings) -> None:
    load_warehouse(settings, tables(_firms(), YEAR))
    _execute(settings)
    load_warehouse(settings, tables(_firms(scale=3.0), YEAR))  # a correction imported
    again = runs.execute_kept(settings, "carbon", YEAR, find(None, "carbon", YEAR))
    assert again is not None
    compiled_now = _execute(settings)
    assert again.result_hash == compiled_now.result_hash
    assert again.input_batches == compiled_now.input_batches


def test_only_sql_over_the_input_tables_is_kept() -> None:
    inputs = frozenset({"energy", "enterprises"})
    assert kept.stands_alone('WITH t0 AS (SELECT * FROM "energy") SELECT * FROM t0 JOIN "enterprises" USING (x)', inputs)
    assert not kept.stands_alone('SELECT * FROM "_zc_0123456789abcdef" JOIN "energy" USING (x)', inputs)
    assert not kept.stands_alone('SELECT * FROM "_mat_firms_0123" ', inputs)


@pytest.mark.parametrize("method", ["carbon", "mujun"])
def test_a_run_keeps_its_plan_knowing_the_tables_its_sql_reads_without_parsing_it(settings: Settings, monkeypatch,
                                                                                method: str) -> None:
    """The compiled expression tells which tables its SQL reads; parsing the SQL again to learn it
    cost a first run 0.2–0.4 s. What the expression tells is what the SQL names."""
    import sqlglot as sg
    import sqlglot.expressions as sge

    load_warehouse(settings, tables(_firms(), YEAR))
    saved: list[tuple[str, frozenset[str] | None]] = []
    save = kept.save

    def spy(settings, digest, sql, schema, tables, reads=None):  # type: ignore[no-untyped-def]
        saved.append((sql, reads))
        return save(settings, digest, sql, schema, tables, reads=reads)

    def no_parse(sql: str, tables: frozenset[str]) -> bool:
        raise AssertionError("the SQL was parsed")

    monkeypatch.setattr(kept, "save", spy)
    monkeypatch.setattr(kept, "stands_alone", no_parse)
    _execute(settings, method)
    ((sql, reads),) = saved
    tree = sg.parse_one(sql, read="duckdb")
    named = {t.name for t in tree.find_all(sge.Table)} - {c.alias_or_name for c in tree.find_all(sge.CTE)}
    assert reads == named and {"energy", "enterprises"} <= named
    assert len(list(kept.folder(settings).glob("*.json"))) == 1


def test_a_damaged_plan_is_compiled_again(settings: Settings) -> None:
    load_warehouse(settings, tables(_firms(), YEAR))
    first = _execute(settings)
    (plan,) = kept.folder(settings).glob("*.json")
    plan.write_text("{not json", encoding="utf-8")
    m = find(None, "carbon", YEAR)
    assert runs.execute_kept(settings, "carbon", YEAR, m) is None
    assert _execute(settings).result_hash == first.result_hash
    assert json.loads(plan.read_text(encoding="utf-8"))["sql"]  # rewritten whole
    assert runs.execute_kept(settings, "carbon", YEAR, m) is not None


def test_a_method_reading_more_than_the_warehouse_keeps_no_plan(settings: Settings, monkeypatch) -> None:
    """The green-factory method reads the carbon run of the year beside the warehouse
    (``context_inputs``): its SQL names a table the run registered, so no plan."""
    monkeypatch.syspath_prepend(str(HERE.parent / "greenfactory"))
    from greendata import Firm as GreenFirm
    from greendata import tables as green_tables

    load_warehouse(settings, green_tables([GreenFirm(credit_code(i)) for i in range(1, 4)], YEAR, carbon_run=False))
    _execute(settings, "greenfactory")
    assert runs.execute_kept(settings, "greenfactory", YEAR, find(None, "greenfactory", YEAR)) is None
    assert not any(json.loads(p.read_text(encoding="utf-8"))["sql"].count("_ctx_")
                   for p in kept.folder(settings).glob("*.json"))


@pytest.mark.parametrize("method", ["carbon", "mujun", "tiers"])
def test_the_command_runs_a_kept_plan_without_importing_ibis(settings: Settings, method: str, monkeypatch) -> None:
    """The second ``zhizao evaluate`` of the same year imports neither Ibis nor sqlglot (nor
    pandas, which Arrow's conversions to and from NumPy would pull in), and its run leaves the
    warehouse readable by the next process (its registration in DuckDB's log)."""
    if method == "mujun":
        monkeypatch.syspath_prepend(str(HERE.parent / "mujun"))
        from citydata import Firm as MujunFirm
        from citydata import tables as mujun_tables

        load_warehouse(settings, mujun_tables([MujunFirm(credit_code(i)) for i in range(1, 6)], YEAR))
    else:
        load_warehouse(settings, tables(_firms(), YEAR))
    # nor the table modules of the other rooms (the warehouse's schema check reads all of them)
    others = tuple(r.tables.partition(":")[0] for r in rooms.all_rooms() if r.tables and rooms.method_name(r) != method)
    assert others
    code = ("import sys, json; from zhizao import cli; "
            "sys.argv = ['zhizao', '--home', sys.argv[1], 'evaluate', sys.argv[2], '--year', sys.argv[3], '--json']\n"
            "import atexit; atexit.register(lambda: print(json.dumps(sorted(m for m in ('ibis', 'sqlglot', 'pandas') "
            f"+ {others!r} if m in sys.modules)), file=sys.stderr))\n"
            "cli.main()")
    seen = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-c", code, str(settings.home), method, str(YEAR)],
                           capture_output=True, text=True, check=False, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        seen.append(json.loads(p.stderr.strip().splitlines()[-1]))
    assert {"ibis", "sqlglot", *others} <= set(seen[0]) and seen[1] == []
    listed = runs.list_runs(settings, method, YEAR)  # a new reader of the warehouse, log and all
    assert len(listed) == 2 and listed[0].result_hash == listed[1].result_hash


def test_results_in_arrow_types_the_plan_recorded(settings: Settings) -> None:
    """A plan's schema is kept with its SQL; the rows come back in it."""
    load_warehouse(settings, tables(_firms(), YEAR))
    first = _execute(settings)
    (path,) = kept.folder(settings).glob("*.json")
    plan = kept.load(settings, path.stem)
    assert plan is not None and plan.schema == runs.results(settings, first.run_id).schema
    assert pa.types.is_int64(plan.schema.field("benchmark_firms").type)


def test_a_run_left_in_the_log_changes_the_data_state(settings: Settings) -> None:
    """The command leaves its registration in DuckDB's write-ahead log, the warehouse file
    unchanged: the data state the pages' memos and prepared figures are keyed by still changes."""
    from typer.testing import CliRunner

    from zhizao.caching import state
    from zhizao.cli import app

    load_warehouse(settings, tables(_firms(), YEAR))
    before = state(settings)
    r = CliRunner().invoke(app, ["--home", str(settings.home), "evaluate", "carbon", "--year", str(YEAR)])
    assert r.exit_code == 0, r.output
    assert settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal").exists()
    assert state(settings) != before
    assert [run.method for run in runs.list_runs(settings)] == ["carbon"]
