"""The shipped monitoring methodology validates, marks its DEFAULT values, and bad files fail."""

from __future__ import annotations

import pytest
import yaml

from zhizao.methodology import MethodologyError, find, load_file


def test_shipped_values_are_all_sourced_and_marked_default():
    m = find(None, "monitoring", 2024)
    values = list(m.power.model_dump().values()) + list(m.consistency.model_dump().values())
    assert values and all(v["source"] in m.sources and v["default"] for v in values)


def test_thresholds_out_of_order_are_refused(tmp_path):
    m = find(None, "monitoring", 2024)
    data = m.model_dump(mode="json")
    data["power"]["rise_index"]["value"] = 90  # below 100: every normal month would be a "rise"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MethodologyError, match="stoppage_index ≤ drop_index < 100 < rise_index"):
        load_file(path)


def test_a_city_file_overrides_the_defaults(tmp_path):
    m = find(None, "monitoring", 2024)
    data = m.model_dump(mode="json") | {"name": "mycity-monitoring", "version": "2025", "valid_from": 2025}
    data["power"]["drop_index"] = {"value": 80, "source": "zhizao-default", "default": False}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert find(str(path), "monitoring", 2025).power.drop_index.value == 80
