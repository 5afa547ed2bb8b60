"""Properties of the green-factory scoring: improving one indicator never lowers the score, a
veto always wins, stars never fall as the score rises."""

from __future__ import annotations

import pytest
from conformance import run_on
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.greenfactory.greendata import Firm, code, tables

from zhizao.greenfactory import evaluate
from zhizao.methodology import find

GB2025 = find("gbt-36132@2025", "greenfactory")
SUPPLIED = [i for i in GB2025.indicators if i.derived is None]
REQS = [r.id for r in GB2025.requirements]
INDUSTRIES = ["1711", "2614", "3011", "3411", "3891"]


def _value(ind, frac: float) -> float | tuple[float, str]:
    if ind.kind == "qualitative":
        return (1.0, "佐证") if frac > 0.5 else 0.0
    b, lead = ind.baseline.value, ind.leading.value
    v = b + frac * (lead - b)
    if ind.percentage:
        v = min(max(v, 0.0), 100.0)
    return max(v, 0.0)


fracs = st.lists(st.floats(min_value=-0.5, max_value=1.5, allow_nan=False), min_size=len(SUPPLIED),
                 max_size=len(SUPPLIED))


def _firm(i: int, fr: list[float], industry: str, **kw) -> Firm:
    return Firm(code(i), industry=industry, energy={"electricity": 1e6 * (1 + i % 7)}, land_mu=5.0 + i % 11,
                indicators={ind.id: _value(ind, f) for ind, f in zip(SUPPLIED, fr, strict=True)}, **kw)


@pytest.fixture(scope="module")
def eng():
    from zhizao.engine.duckdb_engine import DuckDBEngine

    e = DuckDBEngine()
    yield e
    e.close()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fr=fracs, which=st.integers(0, len(SUPPLIED) - 1), step=st.floats(0.01, 1.0), industry=st.sampled_from(INDUSTRIES))
def test_improving_one_indicator_never_lowers_the_score(eng, fr, which, step, industry):
    better = list(fr)
    better[which] = fr[which] + step  # towards 引领值, whatever the direction
    if SUPPLIED[which].kind == "qualitative":
        better[which] = 1.0
    df = run_on(eng, evaluate, tables([_firm(1, fr, industry), _firm(2, better, industry)]), GB2025, 2025)
    # same derived data for both (their energy and land differ by the code): compare supplied points
    s1 = df.iloc[0]
    s2 = df.iloc[1]
    supplied_pts = [f"s_{i.id}" for i in SUPPLIED]
    assert sum(s2[c] for c in supplied_pts) >= sum(s1[c] for c in supplied_pts) - 1e-9
    assert s2[f"s_{SUPPLIED[which].id}"] >= s1[f"s_{SUPPLIED[which].id}"] - 1e-12
    if s1["status"] == s2["status"] == "rated" and s1["industry_code"] == s2["industry_code"]:
        derived = [f"s_{i.id}" for i in GB2025.indicators if i.derived]
        d = sum(s2[c] for c in derived) - sum(s1[c] for c in derived)
        assert s2["score"] - d >= s1["score"] - 1e-5  # scores and points are rounded to 6 decimals


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fr=fracs, failed=st.sets(st.sampled_from(REQS), min_size=1), industry=st.sampled_from(INDUSTRIES))
def test_a_veto_always_wins(eng, fr, failed, industry):
    reqs = {r: r not in failed for r in REQS}
    df = run_on(eng, evaluate, tables([_firm(1, fr, industry, requirements=reqs)]), GB2025, 2025)
    r = df.iloc[0]
    assert r["status"] == "vetoed"
    assert r["stars"] != r["stars"] or r["stars"] is None  # NaN / None: no stars
    assert set(filter(None, r["vetoes"].split(";"))) == failed


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(many=st.lists(fracs, min_size=5, max_size=25))
def test_stars_never_fall_as_the_score_rises(eng, many):
    firms = [_firm(i, fr, INDUSTRIES[i % len(INDUSTRIES)]) for i, fr in enumerate(many)]
    df = run_on(eng, evaluate, tables(firms), GB2025, 2025)
    rated = df[df["status"] == "rated"].sort_values("score")
    stars = list(rated["stars"])
    assert stars == sorted(stars)
    cut = [c.value for c in GB2025.stars.cutoffs]
    for score, s in zip(rated["score"], stars, strict=True):
        assert s == sum(score >= c for c in cut)
