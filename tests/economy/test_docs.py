"""The docs name every indicator of the catalogue and every field of the monitoring methodology
(datasette-style: adding one without documenting it fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhizao.economy.catalogue import CATALOGUE
from zhizao.monitoring.methodology import ConsistencyTolerances, PowerThresholds

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("indicator_id", sorted(CATALOGUE))
def test_indicator_is_documented(indicator_id):
    text = (DOCS / "indicators.md").read_text(encoding="utf-8")
    row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{indicator_id}` |")), None)
    assert row is not None, f"{indicator_id} missing from docs/indicators.md"
    ind = CATALOGUE[indicator_id]
    assert ind.name in row and ind.unit in row and ind.formula in row


@pytest.mark.parametrize("field", [f"power.{f}" for f in PowerThresholds.model_fields]
                         + [f"consistency.{f}" for f in ConsistencyTolerances.model_fields])
def test_monitoring_methodology_field_is_documented(field):
    assert f"`{field}`" in (DOCS / "methods" / "economy.md").read_text(encoding="utf-8")
