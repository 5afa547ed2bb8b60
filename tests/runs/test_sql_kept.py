"""A run keeps its method's compiled SQL in the home (``<home>/cache/sql``): the next process that
evaluates the same methodology version and year neither builds nor compiles the expression, and
gets the same results (the same result hash) from the data of the moment."""

from __future__ import annotations

import os

from city import Firm, credit_code, load_warehouse, tables

from zhizao import runs
from zhizao.engine import compiled as cc
from zhizao.engine import connect
from zhizao.methodology import find
from zhizao.settings import Settings

YEAR = 2023


def _firms(scale: float = 1.0) -> list[Firm]:
    return [Firm(credit_code(i), industry="2821" if i % 2 else "3311", value_added=1000.0 * i,
                 energy={"electricity": 1e6 * i * scale, "raw_coal": 200.0 * (i % 3)}) for i in range(1, 9)]


def _run(settings: Settings) -> runs.Run:
    eng = connect(settings, "duckdb")
    try:
        return runs.execute(settings, eng, "carbon", YEAR, find(None, "carbon", YEAR))
    finally:
        eng.close()


def test_the_second_process_reads_the_kept_sql_and_gets_the_same_hash(settings: Settings, own_sql) -> None:
    load_warehouse(settings, tables(_firms(), YEAR))
    before = dict(cc.stats)
    first = _run(settings)
    kept = list(settings.sql_cache_dir.glob("*.json"))
    assert len(kept) == 1 and cc.stats["compiled"] == before["compiled"] + 1
    cc.clear()  # as a new process: nothing in memory
    second = _run(settings)
    assert cc.stats["compiled"] == before["compiled"] + 1 and cc.stats["disk"] == before["disk"] + 1
    assert second.result_hash == first.result_hash
    assert first.run_id != second.run_id


def test_the_kept_sql_reads_the_data_of_the_moment(settings: Settings, tmp_path, own_sql, monkeypatch) -> None:
    other = Settings(home=tmp_path / "other", store_url=f"sqlite:///{tmp_path / 'other.sqlite'}").ensure()
    load_warehouse(settings, tables(_firms(), YEAR))
    load_warehouse(other, tables(_firms(scale=3.0), YEAR))
    fresh = _run(other)  # compiled for the other home's data
    cc.clear()
    before = dict(cc.stats)
    monkeypatch.setenv("ZHIZAO_SQL_CACHE", str(other.sql_cache_dir))  # the other home's SQL, for this home's data
    from_cache = _run(settings)
    monkeypatch.delenv("ZHIZAO_SQL_CACHE")
    assert cc.stats["disk"] == before["disk"] + 1 and cc.stats["compiled"] == before["compiled"]
    cc.clear()
    compiled_here = _run(Settings(home=settings.home, store_url=settings.store_url))
    assert from_cache.result_hash == compiled_here.result_hash != fresh.result_hash


def test_a_cache_directory_keeps_only_the_newest_files(tmp_path) -> None:
    folder = tmp_path / "sql"
    folder.mkdir()
    for i in range(5):
        f = folder / f"{i}.json"
        f.write_text("{}", encoding="utf-8")
        os.utime(f, (1_000_000 + i, 1_000_000 + i))
    cc._prune(folder, 3)
    assert sorted(p.name for p in folder.glob("*.json")) == ["2.json", "3.json", "4.json"]
