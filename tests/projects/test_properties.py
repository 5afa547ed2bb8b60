"""Properties of the stall rule, each example a whole book of random projects run at once."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.projects.scenario import Book, run_status

from zhizao.projects.codes import MILESTONE_ORDER

BASE = dt.date(2020, 1, 1)
AS_OF = dt.date(2022, 1, 1)

#: one project: five gaps between planned dates, how many milestones reached, their delays
project = st.tuples(
    st.lists(st.integers(0, 400), min_size=5, max_size=5),
    st.integers(1, 5),
    st.lists(st.integers(-60, 300), min_size=6, max_size=6),
    st.integers(0, 700),
)


def _book(specs: list[tuple[list[int], int, list[int], int]], reach_next: bool) -> Book:
    """Plans increase along the milestones (due dates in order); ``reached`` milestones have
    actual dates (plan + delay, in order, none after AS_OF); with ``reach_next`` the first
    unreached milestone is also reached, on a day between the last reached one and AS_OF."""
    b = Book()
    for n, (gaps, reached, delays, start) in enumerate(specs):
        plans = [BASE + dt.timedelta(days=start)]
        for g in gaps:
            plans.append(plans[-1] + dt.timedelta(days=g))
        actual: list[str | None] = []
        last = None
        for k in range(reached):
            a = max(plans[k] + dt.timedelta(days=delays[k]), (last or BASE) + dt.timedelta(days=1))
            if a > AS_OF:
                break
            actual.append(a.isoformat())
            last = a
        if reach_next and len(actual) < 6 and last is not None:
            nxt = min(AS_OF, last + dt.timedelta(days=1 + delays[len(actual)] % 90))
            if nxt > last:
                actual.append(nxt.isoformat())
        b.add(f"P{n:03d}", [p.isoformat() for p in plans], actual)
    return b


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(project, min_size=1, max_size=25))
def test_reaching_the_next_milestone_never_opens_a_stall(specs) -> None:  # type: ignore[no-untyped-def]
    before = run_status(_book(specs, reach_next=False), AS_OF.isoformat())
    after = run_status(_book(specs, reach_next=True), AS_OF.isoformat())
    for pid, a in after.items():
        if a["state"] == "stalled":
            assert before[pid]["state"] == "stalled", (pid, before[pid], a)
            assert a["overdue_days"] <= before[pid]["overdue_days"] or \
                MILESTONE_ORDER.index(a["reached"]) > MILESTONE_ORDER.index(before[pid]["reached"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.integers(1, 300), min_size=6, max_size=6), st.integers(0, 6),
                          st.lists(st.integers(-900, 0), min_size=6, max_size=6),
                          st.lists(st.tuples(st.integers(1, 5), st.integers(1, 400), st.integers(-700, 0)),
                                   max_size=2)),
                min_size=1, max_size=25))
def test_an_as_of_date_earlier_than_every_plan_shows_no_stall(specs) -> None:  # type: ignore[no-untyped-def]
    """Whatever was reached (even ahead of plan) and however often re-planned, nothing is late
    before any plan has fallen due."""
    b = Book()
    for n, (offsets, reached, early, replans) in enumerate(specs):
        plans = [AS_OF + dt.timedelta(days=o) for o in offsets]
        actual = [min(AS_OF, AS_OF + dt.timedelta(days=e)).isoformat() for e in early[:reached]]
        actual = sorted(actual)
        pid = f"P{n:03d}"
        b.add(pid, [p.isoformat() for p in plans], actual)
        for k, later, eff in replans:
            b.replan(pid, MILESTONE_ORDER[k], (AS_OF + dt.timedelta(days=later)).isoformat(),
                     (AS_OF + dt.timedelta(days=eff)).isoformat())
    for day in (AS_OF, AS_OF - dt.timedelta(days=200)):
        rows = run_status(b, day.isoformat())
        assert all(r["state"] != "stalled" and r["stall"] is None and r["overdue_days"] == 0 for r in rows.values())
