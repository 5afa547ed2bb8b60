"""The conformance harness itself: the primitives methods rely on give equal results on
DuckDB and Spark (joins, group aggregates, exact quantiles with linear interpolation,
percent_rank, case grading)."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from conformance import assert_same, run_on
from ibis.common.exceptions import OperationNotDefinedError, UnsupportedOperationError


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


# ---------------------------------------------------------------- known gaps and their portable forms
GROUPS = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b", "b"],
                       "v": ["x", "y", "y", "z", "z", "w", "w"],
                       "x": [3.0, 1.0, 2.0, 9.0, 7.0, 8.0, 6.0]})


@pytest.mark.notimpl(["spark"], raises=OperationNotDefinedError,
                     reason="Ibis 12 has no PySpark compilation rule for Mode")
def test_mode_per_group(engine):
    got = run_on(engine, lambda t: t["t"].group_by("g").aggregate(m=t["t"].v.mode()), {"t": GROUPS}, sort_by=("g",))
    assert got["m"].tolist()[0] == "y"


def _most_frequent(t: dict[str, ibis.Table]) -> ibis.Table:
    c = t["t"].group_by(["g", "v"]).aggregate(n=t["t"].count())
    w = ibis.window(group_by=c.g, order_by=[ibis.desc(c.n), c.v])
    return c.mutate(r=ibis.row_number().over(w)).filter(lambda s: s.r == 0).select("g", "v", "n")


def test_most_frequent_value_portably_with_count_and_row_number(engine, duck):
    """What a method writes instead of mode(): ties broken by the value, the same on both."""
    got = run_on(engine, _most_frequent, {"t": GROUPS}, sort_by=("g",))
    assert_same(got, run_on(duck, _most_frequent, {"t": GROUPS}, sort_by=("g",)))
    assert got["v"].tolist() == ["y", "w"]


@pytest.mark.notimpl(["spark"], raises=UnsupportedOperationError,
                     reason="order-sensitive aggregations with order_by are not supported by the PySpark dialect")
def test_first_in_order_per_group(engine):
    got = run_on(engine, lambda t: t["t"].group_by("g").aggregate(m=t["t"].x.first(order_by=t["t"].x)),
                 {"t": GROUPS}, sort_by=("g",))
    assert got["m"].tolist() == [1.0, 6.0]


def test_approx_median_differs_so_methods_use_exact_quantiles(engine, duck):
    """approx_median is an estimate on Spark (a sketch) and exact on DuckDB: methods must use
    median()/quantile(), which are exact with linear interpolation on both."""
    def exact(t: dict[str, ibis.Table]) -> ibis.Table:
        return t["t"].group_by("g").aggregate(m=t["t"].x.median(), q=t["t"].x.quantile(0.25))

    got = run_on(engine, exact, {"t": GROUPS}, sort_by=("g",))
    assert_same(got, run_on(duck, exact, {"t": GROUPS}, sort_by=("g",)))
    assert got["m"].tolist() == [2.0, 7.5]
    assert got["q"].tolist() == [1.5, 6.75]
