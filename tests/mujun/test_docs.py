"""docs/methods/mujun.md must name every methodology field, aggregate and result column
(adding one without documenting it fails here)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from zhizao.mujun.method import STATUS_EXEMPT, STATUS_GRADED, STATUS_INSUFFICIENT
from zhizao.mujun.methodology import AGGREGATES, FLAGS, MujunMethodology

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods" / "mujun.md"
BASE = {"name", "version", "method", "title", "region", "valid_from", "valid_to", "sources", "notes", "value",
        "source", "default"}


def _fields(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen or set()
    out: set[str] = set()
    for name, info in model.model_fields.items():
        out.add(name)
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                    seen.add(inner)
                    out |= _fields(inner, seen)
    return out


def test_every_methodology_field_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    missing = sorted(f for f in _fields(MujunMethodology) - BASE if f"`{f}`" not in doc and f not in doc)
    assert not missing, f"undocumented methodology fields: {missing}"


def test_every_aggregate_flag_and_status_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    for name in (*AGGREGATES, *FLAGS, STATUS_GRADED, STATUS_EXEMPT, STATUS_INSUFFICIENT):
        assert name in doc, name
