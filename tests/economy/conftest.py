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


def scaled_city(factor: float = 1e4) -> dict[str, list[dict]]:
    """The mini city with every amount of money × ``factor`` (万元 figures in the 亿元 range),
    electricity in both years (so the intensities change) and the province's figures."""
    from minicity import MINI_CITY, A

    money = {"gross_output", "value_added", "revenue", "rd_expense", "tax_paid"}
    data = {t: [{k: (v * factor if k in money and isinstance(v, int | float) else v) for k, v in r.items()}
                for r in rows] for t, rows in MINI_CITY.items()}
    data["energy"] = MINI_CITY["energy"] + [
        {"credit_code": A, "month": "2020-01-01", "energy_type": "electricity", "quantity": 5e7, "unit": "千瓦时"},
        {"credit_code": A, "month": "2021-05-01", "energy_type": "electricity", "quantity": 1e7, "unit": "千瓦时"},
    ]
    data["province_indicators"] = [
        {"year": 2021, "indicator": "value_added_growth", "region_code": "330500", "province_value": 5.9,
         "rank": 3, "regions": 11},
    ]
    return data


@pytest.fixture(scope="module")
def big_city(tmp_path_factory):
    """The scaled mini city (see :func:`scaled_city`) in a fresh home."""
    from zhizao.settings import load_settings

    settings = load_settings(tmp_path_factory.mktemp("big") / "home").ensure()
    build(settings.warehouse_path, scaled_city())
    return settings


@pytest.fixture
def app(city):  # type: ignore[no-untyped-def]
    """The web app over the test module's ``city`` home (fast password hashing)."""
    from store_fixtures import FAST_AUTH

    from zhizao.web.app import create_app

    return create_app(city, auth_config=FAST_AUTH)
