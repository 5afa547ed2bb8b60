"""docs/methods/mujun.md must name every methodology field, aggregate and result column
(adding one without documenting it fails here)."""

from __future__ import annotations

from pathlib import Path

from zhizao.methodology.models import field_names
from zhizao.mujun.method import STATUS_EXEMPT, STATUS_GRADED, STATUS_INSUFFICIENT
from zhizao.mujun.methodology import AGGREGATES, FLAGS, MujunMethodology

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods" / "mujun.md"
BASE = {"name", "version", "method", "title", "region", "valid_from", "valid_to", "sources", "notes", "value",
        "source", "default"}


def test_every_methodology_field_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = sorted(f for f in field_names(MujunMethodology) - BASE if f"`{f}`" not in doc and f not in doc)
    assert not missing, f"undocumented methodology fields: {missing}"


def test_every_aggregate_flag_and_status_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    for name in (*AGGREGATES, *FLAGS, STATUS_GRADED, STATUS_EXEMPT, STATUS_INSUFFICIENT):
        assert name in doc, name
