"""``zhizao evaluate greenfactory`` end to end: imported files, a hashed run, publication, the
CONTRACT.md result rows, the ladder commands, Excel lists and the indicator rows."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from city import credit_code, import_tables
from tests.greenfactory.greendata import Firm, tables
from typer.testing import CliRunner

from zhizao.cli import app


def vcode(i: int) -> str:
    return credit_code(i, "330502" if i % 2 else "330503")


def _city(year: int) -> list[Firm]:
    firms = []
    for i in range(1, 9):
        inds = {"water_reuse_rate": 60 + 4 * i, "solid_waste_utilisation": 70 + 3 * i, "material_saving": (1, "台账"),
                "green_design": (1, "证书") if i > 4 else 0, "carbon_platform_functions": i + 3,
                "advanced_equipment": i % 6, "green_retrofit_projects": i % 4, "pollutant_concentration_margin": 5 * i,
                "carbon_footprint_coverage": 10 * i, "building_coefficient": 30 + 4 * i, "plot_ratio": 0.9 + i / 8,
                "water_intensity": 6.5 - i / 2, "carbon_per_output": 320 - 25 * i,
                "green_building": (1, "标识"), "efficient_equipment": (1, "清单"), "management_systems": (1, "证书")}
        reqs = {"discharge_permit": i != 3, "not_dishonest_debtor": True}
        firms.append(Firm(vcode(i), industry="3411", energy={"electricity": 2e6 * i}, land_mu=20.0, indicators=inds,
                          requirements=reqs, gross_output=8000.0 + 1000 * i))
    return firms


def import_city(settings, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """The eight-firm city of 2024 imported from CSV files (Chinese headers, as departments send them)."""
    data = tables(_city(2024), 2024, carbon_run=False)
    data["land"] = data["land"].drop_duplicates(["credit_code", "year", "parcel_id"])  # listed twice for the method
    import_tables(settings, data, folder)


def test_evaluate_publish_results_and_ladder_through_the_cli(settings, tmp_path):
    import_city(settings, tmp_path)
    runner = CliRunner()
    home = ["--home", str(settings.home)]

    def cli(*args: str) -> dict:
        res = runner.invoke(app, [*home, *args, "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    run = cli("evaluate", "greenfactory", "--year", "2024")
    assert run["methodology"] == "gbt-36132@2018" and run["counts"]["firms"] == 8
    assert run["counts"]["status"] == {"rated": 7, "vetoed": 1}
    again = cli("evaluate", "greenfactory", "--year", "2024")
    runs = cli("runs", "list", "--method", "greenfactory")["runs"]
    assert runs[0]["result_hash"] == runs[1]["result_hash"]  # same inputs, same hash
    assert "2024 年没有碳效码运行" in runs[0]["notes"][0]
    cli("publish", again["run_id"])
    doc = cli("results", run["run_id"])
    row = next(r for r in doc["rows"] if r["credit_code"] == vcode(3))
    assert row["status"] == "vetoed" and row["vetoes"] == ["discharge_permit"] and row["stars"] is None
    rated = [r for r in doc["rows"] if r["status"] == "rated"]
    for r in rated:
        assert set(r) >= {"credit_code", "name", "year", "status", "score", "stars", "vetoes", "indicators", "gaps"}
        assert {"id", "value", "baseline", "leading", "score", "weight"} <= set(r["indicators"][-1])
        if r["stars"] < 5 and r["gaps"]:
            assert {"stars", "indicator", "change", "unit"} <= set(r["gaps"][0])
            assert r["gaps"][0]["stars"] == r["stars"] + 1
    xlsx = tmp_path / "r.xlsx"
    cli("results", run["run_id"], "--format", "xlsx", "--out", str(xlsx))
    assert xlsx.exists()

    rep = cli("greenfactory", "report", "--year", "2024")
    assert rep["evaluated"] == 8 and rep["due_on"] == "2025-04-15"
    assert "数据仓库中没有称号表（titles），按无已认定绿色工厂处理" in rep["notes"] or rep["levels"]
    cand = tmp_path / "候选.xlsx"
    c = cli("greenfactory", "candidates", "--year", "2024", "--out", str(cand))
    # no titles yet: every rated firm with ≥ 1★ is a county candidate, nobody skips a level
    assert {x["candidate_level"] for x in c["candidates"]} <= {"county"}
    assert len(c["candidates"]) == sum(1 for r in rated if r["stars"] >= 1)
    with zipfile.ZipFile(cand) as z:
        text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    assert "拟推荐级别" in text and "统一社会信用代码" in text
    card = cli("greenfactory", "card", vcode(8), "--year", "2024")
    assert card["credit_code"] == vcode(8) and card["areas"]
    bad = runner.invoke(app, [*home, "greenfactory", "report", "--year", "2019", "--json"])
    assert bad.exit_code != 0 and "没有星级绿色工厂评价结果" in bad.stderr

    ind = cli("indicators", "--from", "2024", "--to", "2024")
    rows = ind if isinstance(ind, list) else ind.get("indicators", ind.get("rows", []))
    green = {(r["id"], r["region"]): r["value"] for r in rows if r["id"].startswith("green_")}
    if green:  # the economy lists the rooms' indicator rows once the core iterates them
        assert green[("green_star_firms", "330500")] == sum(1 for r in rated if r["stars"] >= 1)
