"""``zhizao evaluate carbon``, ``results`` and the ``zhizao carbon`` commands on a real warehouse."""

from __future__ import annotations

import json

import pytest
from carbon_city import City, random_city
from city import load_warehouse
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from zhizao.carbon.method import CONTRACT_FIELDS
from zhizao.cli import app


@pytest.fixture
def home(settings):  # type: ignore[no-untyped-def]
    city = random_city(80, seed=5, year=2022)
    grid = 0.5366e-3
    city.firm(900, industry="2822", value_added=1000.0, energy={"electricity": 5000 / grid, "raw_coal": 2010 / 1.9003},
              name="示例化纤有限公司")
    load_warehouse(settings, city.tables())
    return settings


def _run(home, *args: str):  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(app, ["--home", str(home.home), *args])
    return res


def _fibre() -> str:
    c = City(2022)
    return c.firm(900, industry="2822")


def test_evaluate_results_and_export(home, tmp_path):
    res = _run(home, "evaluate", "carbon", "--year", "2022", "--json")
    assert res.exit_code == 0, res.output
    run = json.loads(res.stdout)
    assert run["methodology"] == "zhejiang-carbon@2022" and run["counts"]["firms"] == 81
    res = _run(home, "results", run["run_id"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert list(doc["rows"][0])[: len(CONTRACT_FIELDS)] == list(CONTRACT_FIELDS)
    out = tmp_path / "grades.xlsx"
    res = _run(home, "carbon", "export", run["run_id"], "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    wb = CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names[:2] == ["汇总", "按行业"]
    assert len(wb.sheet_names) == 2 + info["districts"] == info["sheets"]
    assert "吴兴区" in wb.sheet_names  # 330502, named from the GB/T 2260 table
    summary = wb.get_sheet_by_name("汇总").to_python()
    header_row = next(r for r in summary if r and r[0] == "区县代码")
    total = next(r for r in summary if r and r[0] == "合计")
    counts = dict(zip(header_row, total, strict=False))
    assert counts["企业数"] == 81
    assert counts["已评级"] + counts["未评级"] == 81
    assert sum(counts[f"{g}级"] for g in range(1, 6)) == counts["已评级"]


def test_a_later_year_run_records_the_factor_fallback(settings):
    city = City(2024)
    city.firm(1, energy={"electricity": 10_000.0})
    load_warehouse(settings, city.tables())
    res = _run(settings, "evaluate", "carbon", "--year", "2024", "--json")
    assert res.exit_code == 0, res.output
    run_id = json.loads(res.stdout)["run_id"]
    doc = json.loads(_run(settings, "results", run_id).stdout)
    assert doc["rows"][0]["emissions_t"] == pytest.approx(5.306)  # 2023's factor, the latest published
    from zhizao.carbon import notes_for
    from zhizao.methodology import find

    expected = notes_for(find(None, "carbon", 2024), 2024)
    assert expected and ("2023" in expected[0])


def test_explain_json_and_text(home):
    cc = _fibre()
    res = _run(home, "carbon", "explain", cc, "--year", "2022", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["result"]["credit_code"] == cc
    assert sum(e["emissions_t"] for e in d["by_energy"]) == pytest.approx(d["result"]["emissions_t"])
    assert d["benchmark"]["code"] == "28"
    text = _run(home, "carbon", "explain", cc, "--year", "2022")
    assert text.exit_code == 0 and "分能源品种排放" in text.stdout


def test_explain_unknown_firm_fails_in_chinese(home):
    res = _run(home, "carbon", "explain", "91330502000000000X", "--year", "2022", "--json")
    assert res.exit_code != 0
    assert res.stdout == "" and "找不到企业" in res.stderr


def test_whatif_cli_does_not_touch_the_warehouse(home):
    cc = _fibre()
    res = _run(home, "carbon", "whatif", cc, "--year", "2022", "--coal-to-gas", "200", "--save", "电力=10",
               "--pv-kwh", "50000", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["after"]["net_emissions_t"] < d["before"]["net_emissions_t"]
    assert len(d["applied"]) == 3
    again = json.loads(_run(home, "carbon", "explain", cc, "--year", "2022", "--json").stdout)
    assert again["result"]["net_emissions_t"] == pytest.approx(d["before"]["net_emissions_t"])
    bad = _run(home, "carbon", "whatif", cc, "--year", "2022", "--save", "木头=5")
    assert bad.exit_code != 0 and "--save" in bad.stderr


def test_monitor_months_and_json(home):
    res = _run(home, "carbon", "monitor", "--year", "2022", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["month"] == "2022-12" and len(d["months"]) == 12
    assert all(m["graded"] + m["ungraded"] == 81 for m in d["months"])
    res = _run(home, "carbon", "monitor", "--year", "2022", "--month", "3", "--json")
    assert json.loads(res.stdout)["month"] == "2022-03"
