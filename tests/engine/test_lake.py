"""The Parquet lake: both engines read what the warehouse shows, writers never expose half a
table, and an import only rewrites the years it touched."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conformance import assert_same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhizao.contract import TABLES
from zhizao.engine import lake as lk
from zhizao.engine.duckdb_engine import DuckDBEngine
from zhizao.engine.warehouse import ensure_schema, fact_name, history_name


def load(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> int:
    """Commit ``rows`` as a new batch the way the importer does: the batch supersedes the
    current rows with the same key, in one transaction."""
    t = TABLES[table]
    con.execute("BEGIN")
    bid = con.execute("SELECT nextval('batch_seq')").fetchone()[0]
    con.execute("INSERT INTO batches VALUES (?, ?, 'test', 'f.csv', ?, now(), ?, ?, 0, 'loaded', NULL)",
                [bid, table, f"h{bid}", len(rows), len(rows)])
    df = rows.copy()
    df["_batch_id"] = bid
    df["_row"] = range(2, len(df) + 2)
    con.register("incoming", df)
    key = " AND ".join(f'f."{k}" = i."{k}"' for k in t.key)
    con.execute(f"UPDATE {fact_name(table)} f SET _current = false FROM incoming i WHERE {key} AND f._current")
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.execute(f"INSERT INTO {fact_name(table)} ({cols}, _current) SELECT {cols}, true FROM incoming")
    con.unregister("incoming")
    con.execute("COMMIT")
    return int(bid)


def energy_rows(firms: int, months: list[dt.date], scale: float = 1.0) -> pd.DataFrame:
    codes = [f"91330000{i:09d}X" for i in range(firms)]
    return pd.DataFrame([
        {"credit_code": c, "month": m, "energy_type": kind, "quantity": scale * (i + 1) * (k + 1) + m.month / 7,
         "unit": unit}
        for i, c in enumerate(codes) for m in months
        for k, (kind, unit) in enumerate([("electricity", "kWh"), ("natural_gas", "m3")])
    ])


def months(*years: int) -> list[dt.date]:
    return [dt.date(y, m, 1) for y in years for m in (1, 6, 12)]


@pytest.fixture
def warehouse(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    load(con, "enterprises", pd.DataFrame({
        "credit_code": [f"91330000{i:09d}X" for i in range(4)], "name": ["甲", "乙", "丙", "丁"],
        "region_code": ["330302"] * 4, "industry_code": ["1711", "3011", "1711", "2641"],
        "founded_on": [dt.date(2010, 1, 1)] * 4, "township": [None, "镇", None, None], "park": [None] * 4}))
    load(con, "energy", energy_rows(4, months(2022, 2023, 2024)))
    load(con, "statistics_annual", pd.DataFrame({
        "credit_code": ["91330000000000000X", "91330000000000001X"], "year": [2023, 2024],
        "value_added": [100.5, 200.25], "above_scale": [True, False], "employees": [30, 40]}))
    # a correction for 2024 supersedes part of the first energy batch
    load(con, "energy", energy_rows(2, months(2024), scale=2.0))
    # a re-plan supersedes a milestone's plan: the lake keeps both (history_project_milestones)
    plan = {"project_id": ["P1", "P1"], "milestone": ["signed", "started"], "actual_on": [dt.date(2021, 1, 10), None]}
    load(con, "project_milestones", pd.DataFrame({**plan, "planned_on": [dt.date(2021, 1, 10), dt.date(2021, 6, 30)],
                                                  "planned_since": [None, None], "reason": [None, None]}))
    load(con, "project_milestones", pd.DataFrame({
        "project_id": ["P1"], "milestone": ["started"], "planned_on": [dt.date(2022, 6, 30)], "actual_on": [None],
        "planned_since": [dt.date(2021, 9, 1)], "reason": ["环评批复延后"]}))
    yield con
    con.close()


def current(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    df = con.execute(f'SELECT * FROM "{table}"').df()
    return df.sort_values(list(df.columns), kind="mergesort").reset_index(drop=True)


def lake_engine(kind: str, lake: Path | str):
    if kind == "duckdb":
        return DuckDBEngine.from_lake(lake)
    from zhizao.engine.spark_engine import SparkEngine

    return SparkEngine(lake=lake)


def read_back(eng, table: str) -> pd.DataFrame:
    df = eng.to_pandas(eng.table(table))
    return df.sort_values(list(df.columns), kind="mergesort").reset_index(drop=True)


def test_both_engines_read_from_the_lake_exactly_the_warehouse_current_rows(engine, warehouse, tmp_path):
    counts = lk.export_warehouse(warehouse, tmp_path / "lake")
    assert counts["energy"] == 4 * 9 * 2
    assert (counts["project_milestones"], counts[history_name("project_milestones")]) == (2, 3)
    eng = lake_engine(engine.name, tmp_path / "lake")
    for table in lk.lake_tables():
        got, want = read_back(eng, table), current(warehouse, table)
        assert list(got.columns) == list(want.columns), table
        assert len(got) == len(want), table
        if len(want):
            assert_same(got, want)
    # the correction is what the lake serves, not the superseded values
    e = read_back(eng, "energy")
    assert set(e.loc[e["month"].astype(str).str.startswith("2024"), "_batch_id"]) == {2, 4}


@pytest.mark.spark
def test_spark_reads_the_lake_through_a_file_system_uri(spark_engine, warehouse, tmp_path):
    lk.export_warehouse(warehouse, tmp_path / "lake")
    eng = lake_engine("spark", f"file://{tmp_path / 'lake'}")
    assert_same(read_back(eng, "energy"), current(warehouse, "energy"))


def test_layout_is_hive_partitioned_by_table_and_year(warehouse, tmp_path):
    lk.export_warehouse(warehouse, tmp_path / "lake")
    manifest = json.loads((tmp_path / "lake" / lk.MANIFEST).read_text())
    snap = tmp_path / "lake" / "energy" / manifest["tables"]["energy"]["snapshot"]
    assert sorted(p.name for p in snap.iterdir()) == ["year=2022", "year=2023", "year=2024"]
    assert manifest["tables"]["energy"]["years"] == [2022, 2023, 2024]
    ent = tmp_path / "lake" / "enterprises" / manifest["tables"]["enterprises"]["snapshot"]
    assert [p.name for p in ent.iterdir()] == ["part-0.parquet"]


def test_import_hook_rewrites_only_the_years_the_batch_touched(warehouse, tmp_path):
    lake = tmp_path / "lake"
    lk.export_warehouse(warehouse, lake)
    before = lk.read_manifest(lake)["tables"]["energy"]["snapshot"]
    old_2022 = next((lake / "energy" / before / "year=2022").glob("*.parquet"))
    bid = load(warehouse, "energy", energy_rows(3, months(2023), scale=5.0))
    done = lk.append_batch(warehouse, lake, "energy", bid)
    assert done["mode"] == "incremental"
    assert done["years"] == [2023]
    after = lk.read_manifest(lake)["tables"]["energy"]["snapshot"]
    assert after != before
    new_2022 = next((lake / "energy" / after / "year=2022").glob("*.parquet"))
    assert new_2022.stat().st_ino == old_2022.stat().st_ino  # untouched year: hard link, no copy
    assert_same(read_back(DuckDBEngine.from_lake(lake), "energy"), current(warehouse, "energy"))
    assert lk.status(lake, warehouse)["tables"][TABLES_INDEX["energy"]]["fresh"] is True


TABLES_INDEX = {name: i for i, name in enumerate(TABLES)}


def test_import_hook_does_nothing_without_a_configured_lake(warehouse, tmp_path):
    from zhizao.settings import load_settings

    s = load_settings(tmp_path / "home")
    assert s.lake is None
    assert lk.after_import(s, "energy", 1, con=warehouse) is None


def test_import_hook_writes_the_first_snapshot_of_a_table_whole(warehouse, tmp_path, monkeypatch):
    from zhizao.settings import load_settings

    monkeypatch.setenv("ZHIZAO_LAKE", str(tmp_path / "lake"))
    s = load_settings(tmp_path / "home")
    done = lk.after_import(s, "energy", 4, con=warehouse)
    assert done is not None and done["mode"] == "full"
    assert_same(read_back(DuckDBEngine.from_lake(tmp_path / "lake"), "energy"), current(warehouse, "energy"))


def test_import_hook_of_a_re_plan_rewrites_the_plans_history_too(warehouse, tmp_path, monkeypatch):
    from zhizao.settings import load_settings

    monkeypatch.setenv("ZHIZAO_LAKE", str(tmp_path / "lake"))
    s = load_settings(tmp_path / "home")
    lk.export_warehouse(warehouse, tmp_path / "lake")
    bid = load(warehouse, "project_milestones", pd.DataFrame({
        "project_id": ["P1"], "milestone": ["started"], "planned_on": [dt.date(2022, 12, 31)], "actual_on": [None],
        "planned_since": [dt.date(2022, 3, 1)], "reason": ["用地调整"]}))
    lk.after_import(s, "project_milestones", bid, con=warehouse)
    history = history_name("project_milestones")
    got = read_back(DuckDBEngine.from_lake(tmp_path / "lake"), history)
    assert len(got) == 4 and int(got["_current"].sum()) == 2
    assert_same(got, current(warehouse, history))
    assert lk.status(tmp_path / "lake", warehouse)["tables"][lk.lake_tables().index(history)]["fresh"] is True


def test_a_reader_keeps_its_snapshot_while_a_writer_publishes(warehouse, tmp_path):
    lake = tmp_path / "lake"
    lk.export_warehouse(warehouse, lake)
    reader = DuckDBEngine.from_lake(lake)
    n_before = reader.table("energy").count().execute()
    bid = load(warehouse, "energy", energy_rows(4, months(2025)))
    lk.append_batch(warehouse, lake, "energy", bid)
    assert reader.table("energy").count().execute() == n_before
    assert DuckDBEngine.from_lake(lake).table("energy").count().execute() == n_before + 4 * 3 * 2
    assert not list((lake / "energy").glob(".tmp-*"))


def test_a_failed_export_leaves_the_previous_snapshot_in_place(warehouse, tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    lk.export_warehouse(warehouse, lake)
    manifest = (lake / lk.MANIFEST).read_text()
    load(warehouse, "energy", energy_rows(1, months(2021)))
    real_copy = lk._copy

    def copy_then_die(con, table, dest, **kw):
        real_copy(con, table, dest, **kw)  # the new files are fully written ...
        raise OSError("disk full")  # ... and the writer dies before publishing them

    monkeypatch.setattr(lk, "_copy", copy_then_die)
    with pytest.raises(OSError):
        lk.export_warehouse(warehouse, lake, ["energy"])
    assert (lake / lk.MANIFEST).read_text() == manifest
    assert not list((lake / "energy").glob(".tmp-*"))
    years = set(read_back(DuckDBEngine.from_lake(lake), "energy")["month"].map(lambda m: m.year))
    assert 2021 not in years


def test_old_snapshots_are_removed_beyond_the_retention(warehouse, tmp_path):
    lake = tmp_path / "lake"
    for _ in range(4):
        lk.export_warehouse(warehouse, lake, ["tax"])
    assert sorted(p.name for p in (lake / "tax").iterdir()) == ["v000003", "v000004"]


def test_export_of_changed_tables_skips_those_already_up_to_date(warehouse, tmp_path):
    lake = tmp_path / "lake"
    lk.export_warehouse(warehouse, lake)
    assert lk.export_warehouse(warehouse, lake, only_stale=True) == {}
    load(warehouse, "tax", pd.DataFrame({"credit_code": ["91330000000000000X"], "year": [2024], "tax_paid": [1.0]}))
    assert lk.export_warehouse(warehouse, lake, only_stale=True) == {"tax": 1}


def test_reading_an_empty_lake_is_a_clear_error(tmp_path):
    with pytest.raises(lk.LakeError, match="没有数据"):
        DuckDBEngine.from_lake(tmp_path / "nothing")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.tuples(st.integers(0, 5), st.integers(2019, 2025), st.integers(1, 12),
                                           st.floats(0, 1e9, allow_nan=False)),
                                 min_size=1, max_size=12, unique_by=lambda r: r[:3]),
                        min_size=1, max_size=4))
def test_after_any_sequence_of_imports_the_lake_equals_the_warehouse(tmp_path_factory, batches):
    """Property: incremental maintenance batch after batch gives what a full export gives."""
    root = tmp_path_factory.mktemp("prop")
    con = duckdb.connect(str(root / "w.duckdb"))
    ensure_schema(con)
    for rows in batches:
        df = pd.DataFrame([{"credit_code": f"91330000{f:09d}X", "month": dt.date(y, m, 1), "energy_type": "electricity",
                            "quantity": q, "unit": "kWh"} for f, y, m, q in rows])
        bid = load(con, "energy", df)
        lk.append_batch(con, root / "lake", "energy", bid)
    assert_same(read_back(DuckDBEngine.from_lake(root / "lake"), "energy"), current(con, "energy"))
    con.close()


def test_import_hook_refuses_a_remote_lake(warehouse, tmp_path, monkeypatch):
    from zhizao.settings import load_settings

    monkeypatch.setenv("ZHIZAO_LAKE", "s3a://bucket/lake")
    with pytest.raises(lk.LakeError, match="本地"):
        lk.after_import(load_settings(tmp_path / "home"), "energy", 2, con=warehouse)
