"""The demo city's planted unit mix-ups (manifest ``consistency.energy_unit_mixups``) are held by
the carbon gate and not published; the paper industry's benchmark is not distorted by them."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy import select

from zhizao import runs
from zhizao.demo.generator import generate
from zhizao.demo.run import evaluate_city
from zhizao.engine import connect
from zhizao.ingest import import_file
from zhizao.methodology import find
from zhizao.settings import load_settings

#: the demo's defaults (zhizao.demo.run.run_demo): the planted cases are named for this city
FIRMS, SEED = 5000, 20211
CARBON_TABLES = ("enterprises", "statistics_annual", "energy", "zero_carbon")


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo city at its default size, with only the carbon tables imported (fast enough)."""
    root = tmp_path_factory.mktemp("demo-gate")
    manifest = generate(root / "city", firms=FIRMS, seed=SEED)
    settings = load_settings(root / "home").ensure()
    for e in manifest["files"]:
        if e["table"] in CARBON_TABLES:
            import_file(settings, e["table"], root / "city" / e["file"], source=e["source"])
    return settings, manifest


def _evaluate(settings, year: int, m=None):  # type: ignore[no-untyped-def]
    eng = connect(settings, "duckdb")
    try:
        return runs.execute(settings, eng, "carbon", year, m or find(None, "carbon", year))
    finally:
        eng.close()


def _mixups(manifest: dict, year: int) -> list[dict]:
    return [x for x in manifest["consistency"]["energy_unit_mixups"] if x["month"].startswith(str(year))]


def test_planted_mixups_are_held_and_the_paper_benchmark_stays_put(demo_city):
    settings, manifest = demo_city
    (planted,) = _mixups(manifest, 2023)
    run = _evaluate(settings, 2023)
    held = runs.held(settings, run.run_id)
    assert [h["credit_code"] for h in held] == [planted["credit_code"]]
    assert held[0]["name"] == "浙江兴正纸业有限公司" and held[0]["check"] == "unit_mixup"
    t = runs.results(settings, run.run_id)
    paper = t.filter(pc.and_(pc.equal(t["benchmark_code"], "22"), pc.equal(t["status"], "graded")))
    bench = set(paper["benchmark_intensity"].to_pylist())
    assert len(bench) == 1
    (b,) = bench
    # without the gate the mix-up (741,877 t) made it 26.37 t/万元 and 71 of 75 firms grade 1; held,
    # the 规上 paper benchmark is the industry's own, about 5.5 t/万元 (5.8 over every registered firm)
    assert 5.0 < b < 6.0
    grades = paper["grade"].to_pylist()
    assert 3 <= grades.count(1) <= 8 and grades.count(1) < len(grades) / 2
    # exactly the benchmark of the city without that firm's data at all
    rows = t.filter(pc.and_(pc.equal(t["benchmark_code"], "22"), pc.equal(t["status"], "graded"))).to_pylist()
    e = sum(r["net_emissions_t"] for r in rows)
    va = sum(r["value_added"] for r in rows)
    assert b == pytest.approx(e / va, rel=1e-12)


def test_over_every_registered_paper_firm_the_benchmark_is_about_5_8_with_about_15_grade_1(demo_city):
    """The issue's figures were taken over every registered firm (both tracks, 75 paper firms):
    graded that way, with the planted mix-up held, the pooled paper intensity is ~5.8 t/万元 and
    ~15 firms are grade 1 (each track keeps its own benchmark; 规上 is the default population)."""
    settings, manifest = demo_city
    (planted,) = _mixups(manifest, 2023)
    m = find(None, "carbon", 2023)
    both = m.model_copy(update={"population": m.population.model_copy(
        update={"tracks": ["above_scale", "below_scale"]})})
    run = _evaluate(settings, 2023, both)
    assert [h["credit_code"] for h in runs.held(settings, run.run_id)] == [planted["credit_code"]]
    t = runs.results(settings, run.run_id)
    paper = t.filter(pc.and_(pc.equal(t["benchmark_code"], "22"), pc.equal(t["status"], "graded"))).to_pylist()
    assert len(paper) == 74  # 75 registered paper firms, the held one not graded
    pooled = sum(r["net_emissions_t"] for r in paper) / sum(r["value_added"] for r in paper)
    assert pooled == pytest.approx(5.8, abs=0.1)
    ones = sum(1 for r in paper if r["grade"] == 1)
    assert 13 <= ones <= 17


def test_the_2021_furniture_mixup_is_held_in_the_below_scale_track(demo_city):
    settings, manifest = demo_city
    (planted,) = _mixups(manifest, 2021)
    default = runs.results(settings, _evaluate(settings, 2021).run_id)
    # a 规下 firm: outside the default (规上) population, so never graded nor published ...
    assert planted["credit_code"] not in default["credit_code"].to_pylist()
    m = find(None, "carbon", 2021)
    both = m.model_copy(update={"population": m.population.model_copy(
        update={"tracks": ["above_scale", "below_scale"]})})
    run = _evaluate(settings, 2021, both)
    # ... and held when the 规下 track is graded (it was K = 338 when every firm was graded)
    held = {h["credit_code"]: h for h in runs.held(settings, run.run_id)}
    assert planted["credit_code"] in held and held[planted["credit_code"]]["check"] == "unit_mixup"
    t: pa.Table = runs.results(settings, run.run_id)
    assert max(v for v in t["k_value"].to_pylist() if v is not None) < 50


def test_the_demo_publishes_without_the_held_firm_and_records_it(demo_city):
    settings, manifest = demo_city
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.models import Publication, PublishedResult

    (planted,) = _mixups(manifest, 2023)
    init_store(settings)
    (done,) = evaluate_city(settings, [2023], methods=("carbon",))
    assert done["held"] == [planted["credit_code"]]
    with session_scope(settings) as s:
        pub = s.scalars(select(Publication).where(Publication.run_id == done["run_id"])).one()
        assert [h["credit_code"] for h in json.loads(pub.held or "[]")] == [planted["credit_code"]]
        assert s.scalar(select(PublishedResult).where(PublishedResult.credit_code == planted["credit_code"],
                                                      PublishedResult.year == 2023)) is None




def test_runs_diff_explains_every_change_of_grade_in_chinese(demo_city):
    """The old practice (every registered firm of both tracks, no gate, 2022's grid factor standing
    in for 2023, bands on the unrounded K) against the published one: every firm whose grade,
    level or status changed, entered or left has its causes, and the text names no internal field."""
    import re

    from typer.testing import CliRunner

    from zhizao.cli import app

    settings, _ = demo_city
    new_m = find(None, "carbon", 2023)
    data = new_m.model_dump()
    data["version"] = "2023-old"
    data["gate"] = []
    data["population"]["tracks"] = ["above_scale", "below_scale"]
    data["grid_factors"] = [g for g in data["grid_factors"] if g["year"] < 2023]
    old_m = type(new_m).model_validate(data)
    old = _evaluate(settings, 2023, old_m)
    new = _evaluate(settings, 2023, new_m)
    from zhizao.runs.diff import diff

    d = diff(settings, old.run_id, new.run_id)
    assert any("电网排放因子" in r for r in d["rules"]) and any("评价范围" in r for r in d["rules"])
    assert any("发布前核查" in r for r in d["rules"])
    grade_moves = [c for c in d["changed"] if c["field"] == "grade"]
    assert grade_moves, "the factor, the gate and the population move grades"
    for c in d["changed"]:
        assert c["why"], c
    for why in (*d["added_why"].values(), *d["removed_why"].values()):
        assert why
    causes = " ".join(w for c in grade_moves for w in c["why"])
    assert "行业基准" in causes and "电网排放因子" in causes
    held = [c for c in d["changed"] if c["field"] == "status" and c["after"] == "held"]
    assert held and "未通过发布前核查" in held[0]["why"][0]
    assert d["removed"] and "不在新的评价范围" in d["removed_why"][d["removed"][0]][0]

    text = CliRunner().invoke(app, ["--home", str(settings.home), "runs", "diff", old.run_id, new.run_id]).stdout
    body = text.replace(old.run_id, "").replace(new.run_id, "")
    assert "原因：" in body and "口径变化" in body
    assert not re.search(r"[a-z]+_[a-z]+|\b(grade|level|status|held|graded|ungraded)\b", body), \
        re.search(r"[a-z]+_[a-z]+|\b(grade|level|status|held|graded|ungraded)\b", body)
