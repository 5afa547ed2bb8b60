"""Benchmark-scale generator: row counts, valid codes, loadable into the warehouse."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from zhizao.codes import credit_code as cc
from zhizao.contract import TABLES
from zhizao.demo.scale import fact_insert_sql, write_energy_csv, write_scale_city
from zhizao.engine.warehouse import ensure_schema


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("scale")
    return out, write_scale_city(out, 300, seed=3, years=(2023, 2024), energy_csv_rows=1000)


def test_row_counts(city: tuple[Path, dict]) -> None:
    out, m = city
    t = m["tables"]
    assert t["enterprises"]["rows"] == 300
    assert t["statistics_annual"]["rows"] == t["tax"]["rows"] == t["land"]["rows"] == 600
    assert t["energy"]["rows"] == 300 * 2 * 48  # 4 types × 12 months × 2 years
    assert t["emissions"]["rows"] == 600 * 4
    assert 0 < t["zero_carbon"]["rows"] < 600 * 12
    assert (out / "manifest.json").exists()
    assert not (out / ".spill").exists()


def test_codes_valid_and_unique(city: tuple[Path, dict]) -> None:
    out, _ = city
    con = duckdb.connect()
    codes = [r[0] for r in con.sql(f"SELECT credit_code FROM '{out}/enterprises.parquet'").fetchall()]
    assert len(set(codes)) == 300
    assert all(cc.is_valid(c) for c in codes)
    assert all(c[2:8] == r for c, r in con.sql(
        f"SELECT credit_code, region_code FROM '{out}/enterprises.parquet'").fetchall())


def test_loads_straight_into_the_warehouse(city: tuple[Path, dict]) -> None:
    out, m = city
    con = duckdb.connect()
    ensure_schema(con)
    for batch, table in enumerate(m["tables"], start=1):
        if table in TABLES:
            con.execute(fact_insert_sql(table, out / m["tables"][table]["path"], batch))
    assert con.execute("SELECT count(*) FROM energy").fetchone()[0] == m["tables"]["energy"]["rows"]
    above = con.execute("SELECT avg(above_scale::INT) FROM statistics_annual").fetchone()[0]
    assert 0.15 < above < 0.45
    va_share = con.execute("SELECT sum(value_added) / sum(gross_output) FROM statistics_annual").fetchone()[0]
    assert 0.2 < va_share < 0.35


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = write_scale_city(tmp_path / "a", 50, seed=9, fmt="csv")
    b = write_scale_city(tmp_path / "b", 50, seed=9, fmt="csv")
    assert a["tables"].keys() == b["tables"].keys()
    for table in ("enterprises", "statistics_annual", "tax", "land"):
        assert (tmp_path / "a" / f"{table}.csv").read_bytes() == (tmp_path / "b" / f"{table}.csv").read_bytes()


def test_contract_energy_csv_has_exact_rows_and_known_firms(tmp_path: Path) -> None:
    info = write_energy_csv(tmp_path, 1234, seed=5)
    with open(info["path"], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1234
    with open(info["enterprises"], encoding="utf-8") as f:
        firms = {r["统一社会信用代码"] for r in csv.DictReader(f)}
    assert {r["统一社会信用代码"] for r in rows} <= firms
    units = {r["计量单位"] for r in rows}
    assert {"千瓦时", "万千瓦时", "吨", "立方米", "吉焦"} <= units


def test_contract_energy_csv_imports_clean(tmp_path: Path, settings) -> None:
    from zhizao.ingest import import_file

    info = write_energy_csv(tmp_path / "csv", 2000, seed=8)
    ent = import_file(settings, "enterprises", info["enterprises"])
    assert ent.rows_rejected == 0
    r = import_file(settings, "energy", info["path"])
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (2000, 2000, 0)
