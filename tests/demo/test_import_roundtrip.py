"""The demo city through the real importer: every file's rejects are exactly the manifest's dirt."""

from __future__ import annotations

from pathlib import Path

from zhizao.demo.generator import generate
from zhizao.ingest import import_file


def test_importer_rejects_exactly_the_listed_dirt(tmp_path: Path, settings) -> None:
    m = generate(tmp_path / "city", firms=150, seed=21, years=range(2023, 2025))
    for e in m["files"]:  # enterprises first (import_order)
        r = import_file(settings, e["table"], tmp_path / "city" / e["file"], source=e["source"])
        assert r.rows_read == e["rows"] == r.rows_loaded + r.rows_rejected, e["file"]
        got = sorted((x.code, x.row) for x in r.rejects)
        expected = sorted((code, row) for code, d in e["dirt"].items() for row in d["rows"])
        assert got == expected, e["file"]
