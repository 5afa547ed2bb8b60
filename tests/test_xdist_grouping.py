"""Tests that share one expensive or stateful fixture (the Spark cluster, the tier-list chain)
keep to one worker through ``xdist_group``. pytest-xdist 3.8 tags those tests by rewriting the
node id, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386): the grouping then
silently stops. This test fails when that happens, instead of the grouped tests failing at random."""

from __future__ import annotations

import os

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
