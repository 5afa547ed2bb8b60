"""Publishing: a run's rows become the served results for (method, year), replacing the old ones."""

from __future__ import annotations

import json

import pyarrow as pa
from typer.testing import CliRunner
from world import credit_code

from zhizao import runs
from zhizao.cli import app
from zhizao.methodology import find
from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, Publication
from zhizao.store.publish import (
    Filters,
    distribution,
    firm_history,
    list_published,
    publish,
    publish_rows,
    published,
    published_run,
)


def carbon_rows(year, grades, region="330102"):
    return [{"credit_code": credit_code(i, region), "name": f"企业{i}", "region_code": region,
             "industry_code": "3311" if i % 2 else "2611", "year": year, "emissions_t": 100.0 + i,
             "value_added": 50.0, "intensity": 2.0, "benchmark_intensity": 2.0, "k_value": 1.0, "level": "中",
             "grade": g, "colour": "黄", "neutrality_rate": 0.0, "status": "graded", "reason": None}
            for i, g in enumerate(grades)]


def test_publish_rows_replaces_previous_publication(store_settings):
    with session_scope(store_settings) as s:
        assert publish_rows(s, "carbon", 2024, "carbon-2024-0001", carbon_rows(2024, [1, 2, 3]), "tester") == 3
    with session_scope(store_settings) as s:
        publish_rows(s, "carbon", 2024, "carbon-2024-0002", carbon_rows(2024, [5, 5]), "tester")
    with session_scope(store_settings) as s:
        total, items = list_published(s, "carbon", 2024)
        assert total == 2 and {r["grade"] for r in items} == {5}
        assert published_run(s, "carbon", 2024).run_id == "carbon-2024-0002"
        assert s.query(Publication).count() == 2
        assert published(s, "carbon", 2024, credit_code(2, "330102")) is None
        assert published(s, "carbon", 2024, credit_code(0, "330102"))["grade"] == 5
        assert s.query(AuditEntry).filter_by(action="publish").count() == 2


def test_list_filters_and_paging(store_settings):
    rows = carbon_rows(2024, [1, 2, 2, 3, 2]) + carbon_rows(2024, [2, 4], region="330105")
    with session_scope(store_settings) as s:
        publish_rows(s, "carbon", 2024, "carbon-2024-0001", rows)
    with session_scope(store_settings) as s:
        total, page = list_published(s, "carbon", 2024, Filters(outcome="2"), limit=2, offset=0)
        assert total == 4 and len(page) == 2
        total, _ = list_published(s, "carbon", 2024, Filters(region_code="330105"))
        assert total == 2
        total, _ = list_published(s, "carbon", 2024, Filters(industry_code="33"))
        assert total == 3  # odd-numbered firms of 330102 (1, 3) and 330105 (1)
        dist = distribution(s, "carbon", 2024, "region")
        assert {(d["region_code"], d["outcome"]): d["n"] for d in dist}[("330102", "2")] == 3
        assert [r["year"] for r in firm_history(s, "carbon", credit_code(0, "330102"))] == [2024]


def test_publish_a_registered_run_end_to_end(store_settings):
    """A run registered in the warehouse (as ``zhizao evaluate`` would) is published by the CLI command."""
    m = find(None, "carbon", 2024)
    rows = carbon_rows(2024, [1, 3])
    table = pa.Table.from_pylist(rows)
    run = runs.register(store_settings, "carbon", 2024, m, "duckdb", [], table, 0.1, {"firms": 2}, [])
    result = CliRunner().invoke(app, ["--home", str(store_settings.home), "publish", run.run_id, "--json"],
                                env={"ZHIZAO_STORE_URL": store_settings.store_url})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["rows"] == 2 and doc["method"] == "carbon" and doc["year"] == 2024
    with session_scope(store_settings) as s:
        assert published(s, "carbon", 2024, credit_code(1, "330102"))["grade"] == 3
    again = publish(store_settings, run.run_id, user="someone")
    assert again["rows"] == 2


def test_publish_unknown_run_fails_in_chinese(store_settings):
    result = CliRunner().invoke(app, ["--home", str(store_settings.home), "publish", "carbon-1999-0001"],
                                env={"ZHIZAO_STORE_URL": store_settings.store_url})
    assert result.exit_code == 1 and "找不到运行记录" in result.stderr
