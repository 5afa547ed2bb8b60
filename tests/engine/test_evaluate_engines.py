"""``zhizao evaluate`` on either engine, from the warehouse or from the lake, on a small imported
city: the same grades and classes, the same result hash, and ``runs diff`` shows no change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.demo.generator import generate
from zhizao.ingest import import_file
from zhizao.settings import load_settings

YEAR = 2024


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("city")
    manifest = generate(root / "input", firms=120, seed=3, years=range(2023, 2025))
    settings = load_settings(root / "home").ensure()
    order = {t: i for i, t in enumerate(manifest.get("import_order", []))}
    for entry in sorted(manifest["files"], key=lambda e: order.get(e["table"], 99)):
        import_file(settings, entry["table"], root / "input" / entry["file"], source=entry.get("source"))
    return settings.home


def zhizao(home: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(app, ["--home", str(home), *args], env=env or {}, catch_exceptions=False)
    return result


def ok_json(home: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    r = zhizao(home, *args, "--json", env=env)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def rows(home: Path, run_id: str) -> list[dict[str, Any]]:
    return ok_json(home, "results", run_id)["rows"]


@pytest.mark.spark
def test_carbon_on_spark_gives_the_same_grades_as_on_duckdb(home, spark_engine):
    duck = ok_json(home, "evaluate", "carbon", "--year", str(YEAR), "--engine", "duckdb")
    spark = ok_json(home, "evaluate", "carbon", "--year", str(YEAR), "--engine", "spark", "--shuffle-partitions", "2")
    assert (duck["engine"], spark["engine"]) == ("duckdb", "spark")
    assert spark["counts"] == duck["counts"]
    a = {r["credit_code"]: (r["grade"], r["level"], r["status"]) for r in rows(home, duck["run_id"])}
    b = {r["credit_code"]: (r["grade"], r["level"], r["status"]) for r in rows(home, spark["run_id"])}
    assert a == b
    # the 规上 population (about a third of this city) is graded: the comparison means something
    assert sum(g is not None for g, _, _ in a.values()) > 25
    diff = ok_json(home, "runs", "diff", duck["run_id"], spark["run_id"])
    assert (diff["changed"], diff["added"], diff["removed"]) == ([], [], [])
    listed = {r["run_id"]: r for r in ok_json(home, "runs", "list", "--method", "carbon")["runs"]}
    assert listed[duck["run_id"]]["result_hash"] == listed[spark["run_id"]]["result_hash"]
    assert listed[spark["run_id"]]["engine"] == "spark"


@pytest.mark.spark
def test_a_runs_results_may_come_to_the_driver_up_to_its_memory(spark_engine):
    """The registry collects a run's results into the driver; Spark's default cap on collected
    results (1 GiB) failed 亩均 at 2,000,000 firms (1,078 MiB), so the cap is the driver's memory."""
    conf = spark_engine.session.conf
    # whichever test made this process's one Spark session, with whatever driver memory
    assert conf.get("spark.driver.maxResultSize") == conf.get("spark.driver.memory")


@pytest.mark.spark
def test_the_same_lake_gives_the_same_results_on_both_engines(home, spark_engine, tmp_path):
    lake = tmp_path / "lake"
    exported = ok_json(home, "lake", "export", "--lake", str(lake))
    assert exported["tables"]["energy"] > 0
    status = {t["table"]: t for t in ok_json(home, "lake", "status", "--lake", str(lake))["tables"]}
    assert all(t["fresh"] for t in status.values())
    ref = ok_json(home, "evaluate", "carbon", "--year", str(YEAR))
    runs = [ok_json(home, "evaluate", "carbon", "--year", str(YEAR), "--engine", eng, "--lake", str(lake))
            for eng in ("duckdb", "spark")]
    listed = {r["run_id"]: r for r in ok_json(home, "runs", "list", "--method", "carbon")["runs"]}
    hashes = {listed[r["run_id"]]["result_hash"] for r in (ref, *runs)}
    assert len(hashes) == 1
    assert [listed[r["run_id"]]["engine"] for r in runs] == ["duckdb", "spark"]


def test_mujun_from_the_lake_equals_mujun_from_the_warehouse(home, tmp_path):
    lake = tmp_path / "lake"
    ok_json(home, "lake", "export", "--lake", str(lake))
    ref = ok_json(home, "evaluate", "mujun", "--year", str(YEAR))
    got = ok_json(home, "evaluate", "mujun", "--year", str(YEAR), "--lake", str(lake))
    listed = {r["run_id"]: r for r in ok_json(home, "runs", "list", "--method", "mujun")["runs"]}
    assert listed[got["run_id"]]["result_hash"] == listed[ref["run_id"]]["result_hash"]
    assert got["counts"] == ref["counts"] and ref["counts"]["firms"] > 50


def test_lake_from_the_environment_is_read_by_evaluate(home, tmp_path):
    lake = tmp_path / "lake"
    ok_json(home, "lake", "export", "--lake", str(lake), "--table", "enterprises", "--table", "statistics_annual",
            "--table", "energy", "--table", "zero_carbon")
    from_wh = ok_json(home, "evaluate", "carbon", "--year", str(YEAR))
    from_lake = ok_json(home, "evaluate", "carbon", "--year", str(YEAR), env={"ZHIZAO_LAKE": str(lake)})
    d = ok_json(home, "runs", "diff", from_wh["run_id"], from_lake["run_id"])
    assert (d["changed"], d["added"], d["removed"]) == ([], [], [])
    assert d["unchanged"] == from_wh["counts"]["firms"]
    notes = {r["run_id"]: r["notes"] for r in ok_json(home, "runs", "list", "--method", "carbon")["runs"]}
    source = f"数据来源：Parquet 数据湖 {lake}"
    assert source in notes[from_lake["run_id"]]
    # everything else the run records (methodology notes) is the same as from the warehouse
    assert [n for n in notes[from_lake["run_id"]] if n != source] == notes[from_wh["run_id"]]
    assert not any(n.startswith("数据来源") for n in notes[from_wh["run_id"]])


def test_spark_connect_without_its_client_libraries_is_a_clear_error(home):
    """A separate process: in this one a local Spark session may already exist."""
    import subprocess
    import sys

    pytest.importorskip("pyspark")
    try:
        import grpc  # noqa: F401
        pytest.skip("the Spark Connect client is installed")
    except ImportError:
        pass
    p = subprocess.run([sys.executable, "-m", "zhizao", "--home", str(home), "evaluate", "carbon", "--year", str(YEAR),
                        "--engine", "spark", "--spark-connect", "sc://127.0.0.1:1", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert "Spark Connect" in p.stderr and "grpcio" in p.stderr
    assert p.stdout == ""


def test_lake_status_shows_a_table_changed_since_the_export(home, tmp_path):
    lake = tmp_path / "lake"
    ok_json(home, "lake", "export", "--lake", str(lake))
    before = {t["table"]: t for t in ok_json(home, "lake", "status", "--lake", str(lake))["tables"]}
    assert all(t["fresh"] for t in before.values())
    assert before["energy"]["years"] == [2023, 2024] and before["energy"]["files"] == 2
    settings = load_settings(home)
    extra = tmp_path / "tax.csv"
    extra.write_text(f"统一社会信用代码,年度,实缴税金(万元)\n{_any_credit_code(settings)},2030,12.5\n", encoding="utf-8")
    assert import_file(settings, "tax", extra).rows_loaded == 1
    after = {t["table"]: t for t in ok_json(home, "lake", "status", "--lake", str(lake))["tables"]}
    assert [t for t, v in after.items() if not v["fresh"]] == ["tax"]
    again = ok_json(home, "lake", "export", "--lake", str(lake), "--changed")
    assert again["tables"] == {"tax": after["tax"]["warehouse_rows"]}
    assert 2030 in {t["table"]: t for t in ok_json(home, "lake", "status", "--lake", str(lake))["tables"]}["tax"]["years"]


def _any_credit_code(settings: Any) -> str:
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return str(con.execute("SELECT min(credit_code) FROM enterprises").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--engine", "oracle"], {}, "未知引擎"),
    ([], {"ZHIZAO_ENGINE": "oracle"}, "未知引擎"),
    (["--lake", "/nonexistent/lake"], {}, "数据湖"),
    (["--lake", "hdfs://namenode/lake"], {}, "HDFS/S3"),
])
def test_evaluate_refuses_what_it_cannot_run_with_a_chinese_message(home, args, env, message):
    r = zhizao(home, "evaluate", "carbon", "--year", str(YEAR), *args, env=env)
    assert r.exit_code == 1
    assert message in r.stderr
    assert r.stdout == ""


def test_lake_export_refuses_an_unknown_table(home, tmp_path):
    r = zhizao(home, "lake", "export", "--lake", str(tmp_path / "l"), "--table", "salaries")
    assert r.exit_code == 1 and "未知数据表" in r.stderr
