"""With a Parquet lake configured, every committed import reaches the lake (issue 7: import can
write to it), and a duplicate import leaves the lake as it was."""

from __future__ import annotations

import dataclasses

import duckdb
from ingest_helpers import ENTERPRISE_HEADER, ENTERPRISE_ROWS, write_csv

from zhizao.engine.lake import read_manifest
from zhizao.ingest import import_file


def test_an_import_with_a_configured_lake_writes_the_batch_to_the_lake(settings, tmp_path):
    lake = tmp_path / "lake"
    with_lake = dataclasses.replace(settings, lake=lake)
    f = write_csv(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS)
    r = import_file(with_lake, "enterprises", f)
    assert r.rows_loaded == len(ENTERPRISE_ROWS)
    manifest = read_manifest(lake)
    assert "enterprises" in manifest["tables"]
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{lake}/enterprises/**/*.parquet')").fetchall()[0][0]
    assert n == len(ENTERPRISE_ROWS)

    again = import_file(with_lake, "enterprises", f)
    assert again.duplicate_of == r.batch_id
    assert read_manifest(lake) == manifest


def test_without_a_lake_an_import_writes_none(settings, tmp_path):
    f = write_csv(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS)
    import_file(settings, "enterprises", f)
    assert not (settings.home / "lake").exists()
