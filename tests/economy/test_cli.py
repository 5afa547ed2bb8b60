"""``zhizao indicators``: one JSON document with the CONTRACT.md fields; Chinese errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.economy import catalogue

runner = CliRunner()


def test_json_rows_have_exactly_the_contract_fields(mini_city):
    res = runner.invoke(app, ["--home", str(mini_city.home), "indicators", "--from", "2020", "--to", "2021",
                              "--region", "330502", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert list(doc) == ["indicators"]
    assert doc["indicators"]
    for r in doc["indicators"]:
        assert set(r) == {"id", "name", "region", "year", "value", "exact", "unit", "basis"}
        assert r["region"] == "330502"
        # value as published, exact unrounded: the catalogue's rounding of exact is value
        assert (r["exact"] is None) == (r["value"] is None)
        if r["id"] in catalogue.CATALOGUE:  # the economy's own; a room's rows round as that room publishes
            assert r["exact"] is None or catalogue.rounded(r["id"], r["exact"]) == r["value"]
        else:
            assert r["exact"] is None or abs(r["exact"] - r["value"]) < 0.05
    cagr = next(r for r in doc["indicators"] if r["id"] == "value_added_cagr")
    assert cagr["year"] == 2021 and "基年2020" in cagr["basis"] and "n=1" in cagr["basis"]


def test_monthly_rows_carry_their_month(mini_city):
    res = runner.invoke(app, ["--home", str(mini_city.home), "indicators", "--from", "2021", "--to", "2021",
                              "--monthly", "--json"])
    assert res.exit_code == 0, res.output
    monthly = [r for r in json.loads(res.stdout)["indicators"] if "month" in r]
    # the mini city has monthly electricity for January 2021 only (firm A)
    assert {(r["id"], r["month"]) for r in monthly if r["region"] == "330500"} >= {("electricity_month", 1)}


def test_reversed_span_and_missing_warehouse_fail_in_chinese(tmp_path, mini_city):
    res = runner.invoke(app, ["--home", str(mini_city.home), "indicators", "--from", "2021", "--to", "2020"])
    assert res.exit_code != 0 and "起止年度有误" in res.output
    res = runner.invoke(app, ["--home", str(tmp_path / "empty"), "indicators", "--from", "2020", "--to", "2021"])
    assert res.exit_code != 0 and "数据仓库不存在" in res.output
