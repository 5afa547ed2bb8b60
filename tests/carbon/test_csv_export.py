"""``zhizao results --format csv`` writes hostile firm names as text, not formulas (review finding 7)."""

from __future__ import annotations

import csv
import json

from carbon_city import City
from city import load_warehouse
from typer.testing import CliRunner

from zhizao.cli import app

NAMES = ['=HYPERLINK("http://evil.example","点击")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1:A9)", "正常企业"]


def test_results_csv_neutralises_formula_names(settings, tmp_path):  # type: ignore[no-untyped-def]
    city = City(2022)
    for i, name in enumerate(NAMES):
        city.firm(i + 1, energy={"electricity": 10_000.0 * (i + 1)}, name=name)
    load_warehouse(settings, city.tables())
    run = CliRunner().invoke(app, ["--home", str(settings.home), "evaluate", "carbon", "--year", "2022", "--json"])
    assert run.exit_code == 0, run.output
    out = tmp_path / "grades.csv"
    res = CliRunner().invoke(app, ["--home", str(settings.home), "results", json.loads(run.stdout)["run_id"],
                                   "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index(next(h for h in rows[0] if h in ("企业名称", "name")))
    names = sorted(r[col] for r in rows[1:])
    assert names == sorted(["'" + n for n in NAMES[:4]] + ["正常企业"])
    assert not any(r[col].startswith(("=", "+", "-", "@")) for r in rows)
