"""docs/scale.md documents every engine setting and option (datasette-style: a new option
without its line in the docs fails here)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from zhizao import settings
from zhizao.engine import cli as engine_cli
from zhizao.runs.cli import evaluate

DOC = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text(encoding="utf-8")


def _options(fn) -> set[str]:  # type: ignore[no-untyped-def]
    return set(re.findall(r'typer\.Option\("(--[a-z-]+)"', inspect.getsource(fn)))


def test_every_engine_environment_variable_is_documented():
    names = set(re.findall(r'"(ZHIZAO_(?:ENGINE|SPARK_[A-Z_]+|LAKE))"', inspect.getsource(settings)))
    assert names >= {"ZHIZAO_ENGINE", "ZHIZAO_SPARK_MASTER", "ZHIZAO_SPARK_CONNECT", "ZHIZAO_SPARK_DRIVER_MEMORY",
                     "ZHIZAO_SPARK_SHUFFLE_PARTITIONS", "ZHIZAO_LAKE"}
    assert not {n for n in names if f"`{n}`" not in DOC}


def test_every_evaluate_engine_option_is_documented():
    opts = _options(evaluate) - {"--year", "--methodology", "--json"}
    assert {"--engine", "--spark-master", "--spark-connect", "--driver-memory", "--shuffle-partitions", "--lake"} <= opts
    assert not {o for o in opts if f"`{o}" not in DOC}


def test_every_lake_command_option_is_documented():
    for fn in (engine_cli.lake_export, engine_cli.lake_status):
        assert not {o for o in _options(fn) | {"--json"} if o not in DOC}
    assert "zhizao lake export" in DOC and "zhizao lake status" in DOC
