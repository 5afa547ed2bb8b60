"""The conformance harness itself: the primitives methods rely on give equal results on
DuckDB and Spark (joins, group aggregates, exact quantiles with linear interpolation,
percent_rank, case grading)."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from zhizao.engine.conformance import assert_same, run_on


def _primitives(t: dict[str, ibis.Table]) -> ibis.Table:
    firms, facts = t["firms"], t["facts"]
    j = facts.join(firms, "credit_code")
    per_firm = j.group_by(["credit_code", "division"]).aggregate(total=j.value.sum(), n=j.value.count())
    w = ibis.window(group_by=per_firm.division, order_by=per_firm.total)
    per_firm = per_firm.mutate(
        pr=ibis.percent_rank().over(w),
        med=per_firm.total.quantile(0.5).over(ibis.window(group_by=per_firm.division)),
        band=ibis.cases((per_firm.total <= 10, "low"), (per_firm.total <= 20, "mid"), else_="high"),
    )
    return per_firm


def test_primitives_agree_across_engines(engine, duck):
    firms = pd.DataFrame({"credit_code": [f"c{i}" for i in range(8)], "division": ["17", "17", "17", "30", "30", "30", "30", "17"]})
    facts = pd.DataFrame({"credit_code": [f"c{i % 8}" for i in range(40)], "value": [float(i % 7) + 0.5 * i for i in range(40)]})
    inputs = {"firms": firms, "facts": facts}
    got = run_on(engine, _primitives, inputs)
    ref = run_on(duck, _primitives, inputs)
    assert_same(got, ref)
    assert set(got["band"]) <= {"low", "mid", "high"}


def test_assert_same_detects_a_difference():
    a = pd.DataFrame({"credit_code": ["x"], "v": [1.0]})
    b = pd.DataFrame({"credit_code": ["x"], "v": [1.1]})
    with pytest.raises(AssertionError):
        assert_same(a, b)
