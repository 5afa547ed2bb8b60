"""``zhizao demo generate`` and ``zhizao demo scale`` (CONTRACT.md: --json prints one document)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from zhizao.cli import app
from zhizao.demo.cli import parse_years

runner = CliRunner()


def test_generate_json(tmp_path: Path) -> None:
    out = tmp_path / "city"
    r = runner.invoke(app, ["--home", str(tmp_path / "home"), "demo", "generate", "--out", str(out),
                            "--firms", "60", "--seed", "5", "--years", "2023-2024", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["years"] == [2023, 2024] and doc["firms"] == 60
    assert {f["table"] for f in doc["files"]} >= {"enterprises", "energy", "land"}
    assert (out / "manifest.json").exists()


def test_scale_json(tmp_path: Path) -> None:
    r = runner.invoke(app, ["demo", "scale", "--out", str(tmp_path), "--firms", "40", "--format", "csv", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["tables"]["energy"]["rows"] == 40 * 48
    assert (tmp_path / "energy.csv").exists()


def test_errors_are_chinese_and_non_zero(tmp_path: Path) -> None:
    r = runner.invoke(app, ["demo", "scale", "--out", str(tmp_path), "--firms", "10", "--format", "orc"])
    assert r.exit_code != 0 and "未知格式" in r.output
    r = runner.invoke(app, ["demo", "generate", "--out", str(tmp_path), "--firms", "10"])
    assert r.exit_code != 0 and "至少" in r.output


def test_parse_years() -> None:
    assert parse_years("2020-2024") == [2020, 2021, 2022, 2023, 2024]
    assert parse_years("2024，2022") == [2022, 2024]
    with pytest.raises(typer.BadParameter):
        parse_years("2024-2020")
    with pytest.raises(typer.BadParameter):
        parse_years("abc")
