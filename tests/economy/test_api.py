"""``/api/economy/indicators`` and ``/api/monitoring/*``: city and auditor see every region, a
district only its own (another region is the same 404 as elsewhere), firms and banks 403."""

from __future__ import annotations

import pytest
from minicity import MINI_CITY, build
from store_fixtures import client, pg_db_url, store_settings, world  # noqa: F401
from world import REGION_A, REGION_B

CITY = REGION_A[:4] + "00"


@pytest.fixture
def economy_world(world):  # noqa: F811
    # the mini city moved into the test world's two districts
    moved = dict(MINI_CITY)
    moved["enterprises"] = [e | {"region_code": REGION_A if e["region_code"] == "330502" else REGION_B}
                            for e in MINI_CITY["enterprises"]]
    build(world.settings.warehouse_path, moved)
    return world


def get(client, world, who, url):  # noqa: F811
    return client.get(url, headers=world.auth(who))


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_roles_and_regions(client, economy_world):  # noqa: F811
    url = "/api/economy/indicators?from=2020&to=2021"
    rows = get(client, economy_world, "city", url).json()["indicators"]
    assert {r["region"] for r in rows} == {CITY, REGION_A, REGION_B}
    growth = next(r for r in rows if r["id"] == "value_added_growth" and r["region"] == CITY)
    assert growth["value"] == 6.7 and growth["unit"] == "%"

    own = get(client, economy_world, "district_a", url).json()["indicators"]
    assert own and {r["region"] for r in own} == {REGION_A}
    other = get(client, economy_world, "district_a", url + f"&region={REGION_B}")
    assert other.status_code == 404

    assert get(client, economy_world, "auditor", url).status_code == 200
    assert get(client, economy_world, "firm_a0", url).status_code == 403
    assert get(client, economy_world, "bank", url).status_code == 403
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_monitoring_lists_over_the_api(client, economy_world):  # noqa: F811
    r = get(client, economy_world, "city", "/api/monitoring/warnings?month=2021-01")
    assert r.status_code == 200 and r.json()["month"] == "2021-01"
    c = get(client, economy_world, "district_b", "/api/monitoring/consistency?year=2021")
    assert c.status_code == 200 and c.json()["year"] == 2021
    assert get(client, economy_world, "city", "/api/monitoring/warnings?month=2021-13").status_code == 422
