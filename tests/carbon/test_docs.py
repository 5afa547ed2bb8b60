"""docs/methods/carbon.md must name every methodology field and every result field
(datasette-style: adding a field without documenting it fails here)."""

from __future__ import annotations

from pathlib import Path

from zhizao.carbon import HEADERS
from zhizao.carbon.method import CONTRACT_FIELDS, EXTRA_FIELDS
from zhizao.carbon.methodology import CarbonMethodology
from zhizao.methodology import find
from zhizao.methodology.models import field_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods" / "carbon.md"


def test_every_methodology_field_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = sorted(f for f in field_names(CarbonMethodology) if f"`{f}`" not in doc)
    assert not missing, f"undocumented methodology fields: {missing}"


def test_every_result_field_is_documented_with_its_header():
    doc = DOC.read_text(encoding="utf-8")
    for f in (*CONTRACT_FIELDS, *EXTRA_FIELDS):
        assert f"| `{f}` | {HEADERS[f]} |" in doc, f


def test_every_shipped_source_key_is_explained():
    doc = DOC.read_text(encoding="utf-8")
    m = find("zhejiang-carbon@2024", "carbon")
    missing = sorted(k for k in m.sources if f"`{k}`" not in doc)
    assert not missing, missing
