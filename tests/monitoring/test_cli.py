"""``zhizao monitor power`` and ``zhizao monitor consistency`` on files imported with ``zhizao import``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.codes.credit_code import make

runner = CliRunner()
F = [make("9", "1", "330502", f"MB{i:07d}") for i in range(3)]


def cli(home, *args, ok=True):
    res = runner.invoke(app, ["--home", str(home), *args])
    if ok:
        assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    d = tmp_path_factory.mktemp("monitor")
    home = d / "home"
    (d / "enterprises.csv").write_text(
        "统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n"
        + "".join(f"{c},监测企业{i},{'330502' if i < 2 else '330503'},1711,2010-01-01\n" for i, c in enumerate(F)),
        encoding="utf-8")
    lines = ["统一社会信用代码,日期,用电量(千瓦时)"]
    for year in (2023, 2024):
        for day in range(1, 32):
            d_ = dt.date(year, 3, day)
            lines.append(f"{F[0]},{d_},1000")
            # F1 stops on the 15th of March 2024
            lines.append(f"{F[1]},{d_},{0 if year == 2024 and day >= 15 else 1000}")
            lines.append(f"{F[2]},{d_},{1000 if year == 2023 else 1900}")
    (d / "power.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # F0's March electricity in the energy table disagrees with its daily readings (40,000 vs 31,000)
    (d / "energy.csv").write_text("统一社会信用代码,月份,能源品种,消费量,计量单位\n"
                                  f"{F[0]},2024-03,电力,40000,千瓦时\n{F[1]},2024-03,电力,14000,千瓦时\n",
                                  encoding="utf-8")
    for table, f in (("enterprises", "enterprises.csv"), ("power_daily", "power.csv"), ("energy", "energy.csv")):
        out = json.loads(cli(home, "import", table, str(d / f), "--json").stdout)
        assert out["rows_rejected"] == 0, out["rejects"]
    return home


def test_power_list_names_the_stopped_and_the_surging_firm(home):
    data = json.loads(cli(home, "monitor", "power", "--month", "2024-03", "--json").stdout)
    warned = {r["credit_code"]: r["warning_text"] for r in data["firms"]}
    assert warned == {F[1]: "疑似停产", F[2]: "用电激增"}
    assert data["methodology"] == "zhejiang-monitoring@2020"
    city = next(r for r in data["regions"] if r["region_code"] == "330500")
    assert city["index"] == pytest.approx((31000 + 14000 + 58900) / 93000 * 100)


def test_power_list_by_district(home):
    data = json.loads(cli(home, "monitor", "power", "--month", "2024-03", "--region", "330503", "--json").stdout)
    assert [r["credit_code"] for r in data["firms"]] == [F[2]]
    assert [r["region_code"] for r in data["regions"]] == ["330503"]


def test_consistency_lists_both_sources_with_their_batches(home):
    data = json.loads(cli(home, "monitor", "consistency", "--year", "2024", "--json").stdout)
    assert data["counts"] == {"energy_vs_power_daily": 1}
    f = data["failures"][0]
    assert f["credit_code"] == F[0] and f["period"] == "2024-03"
    energy, daily = f["sources"]
    assert (energy["table"], energy["value"]) == ("energy", 40000.0)
    assert (daily["table"], daily["value"]) == ("power_daily", 31000.0)
    assert energy["batches"] and daily["batches"] and energy["batches"] != daily["batches"]


def test_a_bad_month_is_refused_in_chinese(home):
    res = cli(home, "monitor", "power", "--month", "2024-13", ok=False)
    assert res.exit_code != 0 and "YYYY-MM" in res.output


def test_each_scopes_lists_compile_the_checks_once(home, own_sql):
    """A page refresh asks for the power list and the consistency failures of every scope: the
    firms' activity and the checks are built and compiled once per methodology and period, and
    each district reads its own rows from them."""
    from zhizao.engine import compiled
    from zhizao.monitoring.lists import consistency_list, power_list
    from zhizao.settings import load_settings

    settings = load_settings(home)
    before = compiled.stats["compiled"]
    lists = {r: power_list(settings, 2024, 3, region=r) for r in (None, "330502", "330503")}
    failures = {r: consistency_list(settings, 2024, region=r) for r in (None, "330502", "330503")}
    assert compiled.stats["compiled"] - before == 2
    assert {r["credit_code"] for r in lists["330502"]["firms"]} == {F[1]}
    assert {r["credit_code"] for r in lists["330503"]["firms"]} == {F[2]}
    assert {r["credit_code"] for r in lists[None]["firms"]} == {F[1], F[2]}
    every = [(f["check"], f["credit_code"]) for f in failures[None]["failures"]]
    assert every and every == sorted(every)  # ordered by check, then region and firm
    assert [f for f in failures[None]["failures"] if f["region_code"] == "330502"] == failures["330502"]["failures"]
    assert failures["330503"]["failures"] == [f for f in failures[None]["failures"] if f["region_code"] == "330503"]
