"""Fixtures of the economy tests: the mini city of ``minicity.py`` in a fresh home."""

from __future__ import annotations

import pytest
from minicity import MINI_CITY, build


@pytest.fixture(scope="module")
def mini_city(tmp_path_factory):
    """The mini city's home, built once per test module (tests only read it)."""
    from zhizao.settings import load_settings

    settings = load_settings(tmp_path_factory.mktemp("mini") / "home").ensure()
    build(settings.warehouse_path, MINI_CITY)
    return settings
