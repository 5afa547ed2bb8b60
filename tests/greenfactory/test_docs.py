"""docs/methods/greenfactory.md names every methodology field, derived indicator and status."""

from __future__ import annotations

from pathlib import Path

from zhizao.greenfactory.method import STATUS_NOT_ASSESSED, STATUS_RATED, STATUS_VETOED
from zhizao.greenfactory.methodology import DERIVED, GreenFactoryMethodology
from zhizao.methodology.models import field_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods" / "greenfactory.md"
BASE = {"name", "version", "method", "title", "region", "valid_from", "valid_to", "sources", "notes", "value",
        "source", "default"}


def test_every_methodology_field_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = sorted(f for f in field_names(GreenFactoryMethodology) - BASE if f"`{f}`" not in doc)
    assert not missing, f"undocumented methodology fields: {missing}"


def test_every_derived_indicator_and_status_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    for name in (*DERIVED, STATUS_RATED, STATUS_VETOED, STATUS_NOT_ASSESSED):
        assert f"`{name}`" in doc or name in doc, name
