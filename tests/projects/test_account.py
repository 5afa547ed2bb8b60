"""The 破五未 account of a period: stock at start, new, resolved (by milestone, by disposal), open."""

from __future__ import annotations

import pytest
from tests.projects.scenario import Book, run_account

SIX = ["2020-01-01", "2020-06-30", "2021-06-30", "2021-09-30", "2022-03-31", "2022-12-31"]


def test_stock_new_resolved_and_open_add_up() -> None:
    b = (Book()
         .add("OLD", SIX, SIX[:1])                          # stalled since 2020-07-01: stock at start of 2021
         .add("NEW", SIX, SIX[:2])                          # 开工未竣工 from 2021-07-01: new in 2021
         .add("FIX", SIX, [SIX[0], "2021-02-01"])           # stock, resolved by starting; then 开工未竣工 (new)
         .add("GONE", SIX, SIX[:1]).dispose("GONE", "2021-05-01", "terminated")
         .add("FINE", SIX, SIX))
    a = run_account(b, "2021-01-01", "2021-12-31")
    assert (a["stock_at_start"], a["new"], a["resolved"], a["open_at_end"]) == (3, 2, 2, 3)
    assert (a["resolved_by_milestone"], a["resolved_by_disposal"]) == (1, 1)
    assert a["resolution_rate"] == pytest.approx(2 / 5)
    assert a["stock_at_start"] + a["new"] == a["resolved"] + a["open_at_end"]
    assert {c["project_id"]: c["how"] for c in a["cases"] if c["how"]} == {"FIX": "milestone", "GONE": "disposal"}


def test_resolution_by_milestone_counts_when_the_overdue_milestone_is_reached() -> None:
    b = Book().add("P", SIX, [SIX[0], "2020-08-01"])
    a = run_account(b, "2020-01-01", "2020-12-31")
    assert (a["new"], a["resolved"], a["resolved_by_milestone"], a["open_at_end"]) == (1, 1, 1, 0)
    assert a["cases"][0]["resolved_on"].isoformat() == "2020-08-01"


@pytest.mark.parametrize("outcome", ["terminated", "land_recovered", "new_investor"])
def test_resolution_by_each_disposal_outcome(outcome: str) -> None:
    b = Book().add("P", SIX, SIX[:1]).dispose("P", "2020-10-01", outcome)
    a = run_account(b, "2020-01-01", "2020-12-31")
    assert (a["new"], a["resolved"], a["resolved_by_disposal"], a["open_at_end"]) == (1, 1, 1, 0)
    assert a["resolved_by_outcome"] == {outcome: 1}
    assert a["cases"][0]["outcome"] == outcome


def test_a_replan_after_the_stall_began_still_counts_in_the_account() -> None:
    b = Book().add("P", SIX, SIX[:1]).replan("P", "started", "2021-12-31", "2020-09-01")
    a = run_account(b, "2020-01-01", "2020-12-31")
    assert (a["new"], a["open_at_end"]) == (1, 1)


def test_by_region_and_by_stall_type() -> None:
    b = (Book().add("A", SIX, SIX[:1], region="330502").add("B", SIX, SIX[:3], region="330503")
         .add("C", SIX, [SIX[0], "2020-09-01"], region="330503"))
    a = run_account(b, "2020-01-01", "2021-12-31")
    regions = {r["region_code"]: (r["new"], r["resolved"]) for r in a["by_region"]}
    # C: 签约未开工 resolved on starting, then 开工未竣工 from 2021-07-01; B: 竣工未投产 from 2021-10-01
    assert regions == {"330502": (1, 0), "330503": (3, 1)}
    assert {s["stall"]: (s["label"], s["new"]) for s in a["by_stall"]} == {
        "signed_not_started": ("签约未开工", 2), "started_not_completed": ("开工未竣工", 1),
        "completed_not_in_production": ("竣工未投产", 1)}
    only = run_account(b, "2020-01-01", "2021-12-31", region="330503")
    assert (only["new"], only["resolved"]) == (3, 1)


def test_the_seed_709_of_720_is_98_5_percent() -> None:
    """The bureau's 破五未 campaign: 720 cases, 709 resolved (98.5 %)."""
    b = Book()
    for i in range(720):
        if i < 709:
            b.add(f"P{i:03d}", SIX, [SIX[0], "2020-08-01" if i % 3 else "2020-12-01"])
            if i % 7 == 0:
                b.milestones[-1]["actual_on"] = None
                b.dispose(f"P{i:03d}", "2020-11-01", "land_recovered")
        else:
            b.add(f"P{i:03d}", SIX, SIX[:1])
    a = run_account(b, "2020-01-01", "2020-12-31")
    assert (a["stock_at_start"] + a["new"], a["resolved"], a["open_at_end"]) == (720, 709, 11)
    assert a["resolution_rate"] == pytest.approx(709 / 720)
    assert f"{a['resolution_rate'] * 100:.1f}" == "98.5"
