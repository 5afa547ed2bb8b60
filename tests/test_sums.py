"""Exact sums: the same total, to the last bit, whatever the order of the rows, on both engines."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from conformance import shared_duck as _duck
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhizao.sums import exact_mean, exact_sum


def _totals(values: list[float | None], groups: list[str]) -> dict[str, tuple[float, float, float]]:
    """Per group: the plain sum, the exact sum and the exact mean, in the rows' order (one thread)."""
    eng = _duck()
    t = eng.register("sums_t", pa.table({"g": groups, "x": pa.array(values, pa.float64())}))
    out = eng.to_pyarrow(t.group_by("g").aggregate(plain=t.x.sum(), exact=exact_sum(t.x), mean=exact_mean(t.x)))
    return {r["g"]: (r["plain"], r["exact"], r["mean"]) for r in out.to_pylist()}


def test_a_floating_sum_depends_on_the_order_and_the_exact_one_does_not():
    # (0.1 + 0.2) + 0.3 is 0.6000000000000001, 0.3 + 0.2 + 0.1 is 0.6
    eng = _duck()
    eng.con.raw_sql("SET threads = 1")  # the scan order is the rows' order
    try:
        forward = _totals([0.1, 0.2, 0.3], ["a"] * 3)["a"]
        backward = _totals([0.3, 0.2, 0.1], ["a"] * 3)["a"]
    finally:
        eng.con.raw_sql("RESET threads")
    assert forward[0] != backward[0]  # the plain sum: the reason this module exists
    assert forward[1] == backward[1] == 0.6
    assert forward[2] == backward[2] == pytest.approx(0.2, abs=1e-15)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from("abc"), st.one_of(st.none(), st.floats(-1e9, 1e9))), min_size=1,
                max_size=60),
       st.randoms(use_true_random=False))
def test_exact_sums_and_means_are_the_same_in_any_order(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = _totals([v for _, v in rows], [g for g, _ in rows])
    b = _totals([v for _, v in shuffled], [g for g, _ in shuffled])
    assert {g: v[1:] for g, v in a.items()} == {g: v[1:] for g, v in b.items()}


def test_an_all_null_group_sums_to_null_and_an_integer_sum_keeps_its_type():
    out = _totals([None, None, 1.5], ["a", "a", "b"])
    assert out["a"][1] is None and out["a"][2] is None and out["b"][1] == 1.5
    t = ibis.memtable({"n": [1, 2, 3]})
    assert exact_sum(t.n).type().is_integer()
