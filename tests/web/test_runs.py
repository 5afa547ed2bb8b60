"""Runs over the API: list, detail, diff, and publishing by the city (the served results change)."""

from __future__ import annotations

import pyarrow as pa
from world import REGION_A, YEAR, carbon_row

from zhizao import runs
from zhizao.methodology import find


def register(world, grades):
    rows = [carbon_row(world.firms[k], i, REGION_A, g) for i, (k, g) in enumerate(zip(("a0", "a1"), grades,
                                                                                        strict=True))]
    m = find(None, "carbon", YEAR)
    return runs.register(world.settings, "carbon", YEAR, m, "duckdb", [], pa.Table.from_pylist(rows), 0.01,
                         {"firms": len(rows)}, [])


def test_list_detail_diff_and_publish(client, world):
    r1 = register(world, [1, 2])
    r2 = register(world, [1, 4])
    city = world.auth("city")
    listed = client.get("/api/runs", params={"method": "carbon"}, headers=city).json()["runs"]
    assert [r["run_id"] for r in listed] == [r1.run_id, r2.run_id]
    assert not any(r["published"] for r in listed)
    detail = client.get(f"/api/runs/{r2.run_id}", headers=world.auth("auditor")).json()
    assert detail["result_hash"] == r2.result_hash and detail["methodology_detail"]["name"]
    diff = client.get(f"/api/runs/{r1.run_id}/diff/{r2.run_id}", headers=city).json()
    assert [(c["credit_code"], c["field"], c["before"], c["after"]) for c in diff["changed"]
            if c["field"] == "grade"] == [(world.firms["a1"], "grade", 2, 4)]
    assert client.post(f"/api/runs/{r2.run_id}/publish", headers=world.auth("auditor")).status_code == 403
    pub = client.post(f"/api/runs/{r2.run_id}/publish", headers=city)
    assert pub.status_code == 200 and pub.json()["rows"] == 2
    assert client.get(f"/api/carbon/{YEAR}/{world.firms['a1']}", headers=city).json()["grade"] == 4
    # the earlier publication's firms of region B are no longer served for that year
    assert client.get(f"/api/carbon/{YEAR}/{world.firms['b0']}", headers=city).status_code == 404
    assert client.get(f"/api/runs/{r2.run_id}", headers=city).json()["published"] is True


def test_runs_are_for_city_and_auditor_only(client, world):
    register(world, [1, 2])
    for who in ("district_a", "firm_a0", "bank"):
        assert client.get("/api/runs", headers=world.auth(who)).status_code == 403
    assert client.get("/api/runs/carbon-1999-0001", headers=world.auth("city")).status_code == 404
    assert client.post("/api/runs/carbon-1999-0001/publish", headers=world.auth("city")).status_code == 404
