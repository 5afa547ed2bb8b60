"""Properties of the 亩均 scores (hypothesis): row order does not matter, raising one indicator
never lowers a firm's score, class counts by rank share are exactly the cut-offs' ceil(n·p/100),
and classes by score threshold follow the scores alone.

The evaluation is compiled once per methodology; each example re-registers the input tables
under the same names and runs the same SQL, so examples cost the execution only.
"""

from __future__ import annotations

import math
import random

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.mujun.citydata import Firm, code, tables

from zhizao.engine.duckdb_engine import DuckDBEngine
from zhizao.methodology import find
from zhizao.mujun import evaluate

HUANGYAN = find("huangyan-2022", "mujun", 2022)
HUZHOU = find("huzhou-mujun", "mujun", 2022)


class Compiled:
    def __init__(self, m) -> None:  # type: ignore[no-untyped-def]
        self.eng = DuckDBEngine()
        sample = tables([_firm(1, 2, 100.0, 1000.0, 5.0, 30, 20.0, 3000.0, 1e6, 0.5)])
        tt = {k: self.eng.register(f"t_{k}", v) for k, v in sample.items()}
        self.sql = ibis.to_sql(evaluate(tt, m, 2022), dialect="duckdb")

    def run(self, data: dict[str, pd.DataFrame]) -> pd.DataFrame:
        for k, v in data.items():
            self.eng.register(f"t_{k}", v)
        return self.eng.raw.sql(self.sql).df().set_index("credit_code", drop=False)


@pytest.fixture(scope="module")
def huangyan() -> Compiled:
    return Compiled(HUANGYAN)


@pytest.fixture(scope="module")
def huzhou() -> Compiled:
    return Compiled(HUZHOU)


def _firm(i: int, region: int, tax: float, va: float, land: float, employees: int, rd: float, revenue: float,
          kwh: float, emissions: float | None, above: bool = True) -> Firm:
    return Firm(code(i), region="331003" if region % 2 else "331004", above=above, tax=tax, value_added=va,
                employees=employees, rd=rd, revenue=revenue, parcels=[(f"P{i}", land, "owned")],
                energy={"electricity": kwh, "diesel": kwh / 1e5},
                emissions={} if emissions is None else {"cod": emissions})


pos = st.floats(min_value=0.5, max_value=5000.0, allow_nan=False, allow_infinity=False)
firm_args = st.tuples(
    st.integers(0, 1), pos, pos, st.floats(0.5, 80.0), st.integers(1, 400), st.floats(0.0, 300.0),
    st.floats(100.0, 20000.0), st.floats(1e3, 1e7), st.one_of(st.none(), st.floats(0.01, 20.0)), st.booleans(),
)
cities = st.lists(firm_args, min_size=1, max_size=25).map(
    lambda xs: [_firm(i, *x) for i, x in enumerate(xs, start=1)])

FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)
OUTCOME = ["score", "rank", "class", "status", "track", "group_id"]


def _shuffled(data: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    rng = random.Random(seed)
    out = {}
    for k, df in data.items():
        idx = list(range(len(df)))
        rng.shuffle(idx)
        out[k] = df.iloc[idx].reset_index(drop=True)
    return out


@FAST
@given(city=cities, seed=st.integers(0, 10_000))
def test_scores_are_invariant_to_row_order(huzhou, city, seed):
    data = tables(city)
    a = huzhou.run(data).sort_index()[OUTCOME]
    b = huzhou.run(_shuffled(data, seed)).sort_index()[OUTCOME]
    pd.testing.assert_frame_equal(a, b, check_exact=True)  # exact sums: not a bit may differ


@FAST
@given(city=cities, pick=st.integers(0, 100), factor=st.floats(1.0, 10.0),
       field=st.sampled_from(["tax", "value_added", "rd"]))
def test_raising_one_indicator_never_lowers_the_score(huangyan, city, pick, factor, field):
    # 规上 firms against the published 黄岩 benchmarks
    for f in city:
        f.above = True
    j = pick % len(city)
    before = huangyan.run(tables(city))
    setattr(city[j], field, getattr(city[j], field) * factor)
    after = huangyan.run(tables(city))
    code_j = city[j].code
    s0, s1 = before.loc[code_j, "score"], after.loc[code_j, "score"]
    if pd.notna(s0):
        assert s1 >= s0 - 1e-9


@FAST
@given(city=cities)
def test_class_counts_match_the_cut_offs(huangyan, city):
    # 黄岩: classes by rank share (DEFAULT 25 / 70 / 95 %)
    df = huangyan.run(tables(city))
    cuts = [c.value for c in HUANGYAN.classes.cutoffs or []]
    labels = HUANGYAN.classes.labels
    graded = df[df["status"] == "graded"]
    for (_, _), g in graded.groupby(["track", "region_code"]):
        units = g.drop_duplicates("group_id")
        n = len(units)
        bounds = [0] + [math.ceil(n * p / 100 - 1e-12) for p in cuts] + [n]
        expected = {lab: bounds[k + 1] - bounds[k] for k, lab in enumerate(labels)}
        got = units["class"].value_counts().to_dict()
        assert {k: v for k, v in expected.items() if v} == got
        assert sorted(units["rank"].astype(int)) == list(range(1, n + 1))
    assert (df.loc[df["status"] == "exempt", "class"] == "不定等级").all()


HUZHOU_SCORE = HUZHOU.model_validate(HUZHOU.model_dump(mode="json") | {
    "name": "test-score", "classes": HUZHOU.classes.model_dump(mode="json") | {"by": "score", "cutoffs": None}})


@pytest.fixture(scope="module")
def huzhou_score() -> Compiled:
    return Compiled(HUZHOU_SCORE)


@FAST
@given(city=cities)
def test_classes_by_score_threshold_follow_the_score_alone(huzhou_score, city):
    # A ≥ 100, B ≥ 75, C ≥ 60, else D; not graded → no class (不定等级 apart)
    df = huzhou_score.run(tables(city))
    th = [t.value for t in HUZHOU_SCORE.classes.thresholds or []]
    for _, r in df.iterrows():
        if r["status"] == "graded":
            expected = next((lab for lab, t in zip("ABC", th, strict=True) if r["score"] >= t), "D")
            assert r["class"] == expected
        elif r["status"] == "exempt":
            assert r["class"] == "不定等级" and r["managed_as"] == "B"
        else:
            assert pd.isna(r["class"]) and pd.isna(r["score"])


@FAST
@given(city=cities)
def test_both_rules_give_the_lower_of_rank_class_and_score_class(huzhou, city):
    # 湖州: a class needs its rank share and its minimum score
    df = huzhou.run(tables(city))
    c = HUZHOU.classes
    th = [t.value for t in c.thresholds or []]
    cuts = [x.value for x in c.cutoffs or []]
    for _, r in df[df["status"] == "graded"].iterrows():
        by_score = next((k for k, t in enumerate(th) if r["score"] >= t), 3)
        n, rank = int(r["ranked_units"]), int(r["rank"])
        by_rank = next((k for k, p in enumerate(cuts) if rank <= math.ceil(n * p / 100 - 1e-12)), 3)
        assert r["class"] == c.labels[max(by_score, by_rank)]
