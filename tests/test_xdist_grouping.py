"""Tests that share one expensive or stateful fixture (the Spark cluster, the tier-list chain)
keep to one worker through ``xdist_group``. pytest-xdist 3.8 tags those tests by rewriting the
node id, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386): the grouping then
silently stops. This test fails when that happens, instead of the grouped tests failing at random."""

from __future__ import annotations

import os

import durations
import pytest


@pytest.mark.xdist_group("grouping-check")
def test_a_grouped_test_carries_its_group_under_loadgroup(request: pytest.FixtureRequest) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER") or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only meaningful on pytest-xdist workers with --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping-check"), request.node.nodeid


def test_an_ungrouped_test_keeps_to_its_files_worker(request: pytest.FixtureRequest) -> None:
    """tests/conftest.py groups each file's tests (its module fixtures are built on one worker)."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only meaningful on pytest-xdist workers with --dist loadgroup")
    assert request.node.nodeid.endswith("@test_xdist_grouping"), request.node.nodeid


def test_groups_are_ordered_longest_first_each_keeping_its_tests_order():
    groups = ["a", "b", "b", "c", "a"]
    # c recorded at 10 s; b unknown: two tests at 0.7 s; a unknown: two tests, tied with b (stable)
    assert durations.longest_first(groups, {"c": 10.0}) == [3, 0, 1, 2, 4]
    assert durations.longest_first(groups, {"a": 0.1, "b": 0.2, "c": 0.3}) == [3, 1, 2, 0, 4]


def test_the_workers_are_handed_the_longest_groups_first(request: pytest.FixtureRequest) -> None:
    """Under loadgroup the run's groups appear longest first (tests/conftest.py reorders the
    collection; scripts/test.sh turns xdist's own order by number of tests off)."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only meaningful on pytest-xdist workers with --dist loadgroup")
    groups = [str(item.get_closest_marker("xdist_group").args[0]) for item in request.session.items]
    weight = durations.weights(groups, durations.recorded())
    order = list(dict.fromkeys(groups))
    assert [weight[g] for g in order] == sorted((weight[g] for g in order), reverse=True)
    assert len(order) > 1
