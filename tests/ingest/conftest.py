"""Fixtures for the importer: a home with a few enterprises, and a writer of real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import ENTERPRISE_HEADER, ENTERPRISE_ROWS, Writer, write_csv
from store_fixtures import pg_db_url, store_settings  # noqa: F401  (the store on SQLite and PostgreSQL)

from zhizao.ingest import import_file
from zhizao.settings import Settings


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """``write(name, header, rows, encoding="utf-8")`` → a CSV file in tmp."""

    def _write(name: str, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
        return write_csv(tmp_path / name, header, rows, encoding)

    return _write


@pytest.fixture
def home(settings: Settings, write: Writer) -> Settings:
    """A warehouse holding the five enterprises of FIRMS."""
    r = import_file(settings, "enterprises", write("enterprises.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS))
    assert r.rows_loaded == 5, r.to_dict()
    return settings
