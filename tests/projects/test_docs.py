"""docs/methods/projects.md names every methodology field, stall code, source key and indicator."""

from __future__ import annotations

from pathlib import Path

from zhizao.methodology.models import field_names
from zhizao.projects.investment import CATALOGUE
from zhizao.projects.methodology import STALL_CODES, ProjectsMethodology, load

DOC = Path(__file__).resolve().parents[2] / "docs" / "methods" / "projects.md"


def test_every_methodology_field_source_and_stall_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    names = field_names(ProjectsMethodology) - set(field_names(ProjectsMethodology.__mro__[1]))
    missing = sorted(f for f in names if f"`{f}`" not in doc)
    assert not missing, missing
    assert not sorted(k for k in load().sources if f"`{k}`" not in doc)
    for code in STALL_CODES.values():
        assert f"`{code}`" in doc


def test_every_indicator_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for i in CATALOGUE:
        base = i.removesuffix("_cum").removesuffix("_growth")
        assert f"`{base}`" in doc, i
