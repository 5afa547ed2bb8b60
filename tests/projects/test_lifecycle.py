"""The lifecycle on a date: the four states, the five stalls, overdue days and colours, re-plans."""

from __future__ import annotations

import pytest
from tests.projects.scenario import Book, day, run_cases, run_status

from zhizao.projects.methodology import load

SIX = ["2020-01-01", "2020-06-30", "2021-06-30", "2021-09-30", "2022-03-31", "2022-12-31"]


@pytest.mark.parametrize(("reached", "stall", "as_of", "overdue"), [
    (1, "signed_not_started", "2020-07-30", 30),
    (2, "started_not_completed", "2021-07-10", 10),
    (3, "completed_not_in_production", "2021-10-01", 1),
    (4, "in_production_not_above_scale", "2022-04-30", 30),
    (5, "above_scale_not_full_production", "2023-01-31", 31),
])
def test_each_of_the_five_stall_states(reached: int, stall: str, as_of: str, overdue: int) -> None:
    """签约未开工, 开工未竣工, 竣工未投产, 投产未上规, 上规未达产: n reached, n+1 overdue."""
    s = run_status(Book().add("P", SIX, SIX[:reached]), as_of)["P"]
    assert (s["state"], s["stall"], s["overdue_days"]) == ("stalled", stall, overdue)
    assert s["reached"] == ["signed", "started", "completed", "in_production", "above_scale"][reached - 1]


def test_the_planned_date_equal_to_the_as_of_date_is_not_overdue() -> None:
    s = run_status(Book().add("P", SIX, SIX[:1]), "2020-06-30")["P"]
    assert (s["state"], s["stall"], s["overdue_days"]) == ("on_track", None, 0)
    s = run_status(Book().add("P", SIX, SIX[:1]), "2020-07-01")["P"]
    assert (s["state"], s["overdue_days"]) == ("stalled", 1)


def test_all_six_reached_is_done_and_never_stalled() -> None:
    s = run_status(Book().add("P", SIX, SIX), "2030-01-01")["P"]
    assert (s["state"], s["reached"], s["stall"]) == ("done", "full_production", None)


def test_a_disposed_project_is_disposed_from_the_day_of_disposal() -> None:
    b = Book().add("P", SIX, SIX[:1]).dispose("P", "2020-09-01", "land_recovered")
    assert run_status(b, "2020-08-31")["P"]["state"] == "stalled"
    after = run_status(b, "2020-09-01")["P"]
    assert (after["state"], after["stall"], after["outcome"]) == ("disposed", None, "land_recovered")


def test_an_as_of_date_before_signing_shows_the_project_not_yet_signed_and_not_stalled() -> None:
    s = run_status(Book().add("P", SIX, SIX[:2]), "2019-12-31")["P"]
    assert (s["state"], s["reached"], s["stall"]) == ("on_track", None, None)


def test_colour_is_amber_until_red_days_then_red() -> None:
    m = load()
    red = m.red("started")
    b = Book().add("P", SIX, SIX[:1])
    planned = day(SIX[1])
    from datetime import timedelta

    assert run_status(b, str(planned + timedelta(days=red)))["P"]["colour"] == "amber"
    assert run_status(b, str(planned + timedelta(days=red + 1)))["P"]["colour"] == "red"


def test_a_replan_after_a_stall_began_leaves_the_stall_counted() -> None:
    """Stalled from 2020-07-01 against the original plan; re-planned on 2020-09-01 to 2021-03-01:
    the case opened on 2020-07-01 stays open until the project starts."""
    b = Book().add("P", SIX, SIX[:1]).replan("P", "started", "2021-03-01", "2020-09-01")
    cases = run_cases(b)
    assert [(c["stall"], c["since"], c["breached_on"], c["resolved_on"]) for c in cases] == [
        ("signed_not_started", day("2020-07-01"), day("2020-06-30"), None)]
    s = run_status(b, "2020-10-01")["P"]
    assert (s["state"], s["since"], s["next_planned_on"]) == ("stalled", day("2020-07-01"), day("2021-03-01"))


def test_a_replan_before_the_plan_passed_prevents_the_stall() -> None:
    b = Book().add("P", SIX, SIX[:1]).replan("P", "started", "2021-03-01", "2020-05-01")
    assert [(c["since"], c["breached_on"]) for c in run_cases(b)] == [(day("2021-03-02"), day("2021-03-01"))]
    assert run_status(b, "2020-10-01")["P"]["state"] == "on_track"
    late = run_status(b, "2021-03-02")["P"]
    assert (late["state"], late["since"], late["overdue_days"]) == ("stalled", day("2021-03-02"), 1)


def test_a_milestone_reached_late_resolves_the_case_on_that_day() -> None:
    b = Book().add("P", SIX, [SIX[0], "2020-09-15"])
    c = run_cases(b)[0]
    assert (c["stall"], c["since"], c["resolved_on"], c["how"]) == (
        "signed_not_started", day("2020-07-01"), day("2020-09-15"), "milestone")
    assert run_status(b, "2020-09-15")["P"]["state"] == "on_track"


def test_a_milestone_reached_late_after_its_next_plan_opens_the_next_stall_at_once() -> None:
    b = Book().add("P", SIX, [SIX[0], "2021-08-01"])
    cases = run_cases(b)
    assert [(c["stall"], c["since"], c["resolved_on"]) for c in cases] == [
        ("signed_not_started", day("2020-07-01"), day("2021-08-01")),
        ("started_not_completed", day("2021-08-01"), None)]


def test_an_actual_date_before_an_earlier_milestones_is_flagged_inconsistent() -> None:
    s = run_status(Book().add("P", SIX, ["2020-03-01", "2020-02-01"]), "2020-05-01")["P"]
    assert s["inconsistent"] is True
    assert run_status(Book().add("P", SIX, SIX[:2]), "2020-07-01")["P"]["inconsistent"] is False


def test_grace_days_delay_the_stall() -> None:
    m = load().model_copy(deep=True)
    m.stall["started"].grace_days.value = 30
    b = Book().add("P", SIX, SIX[:1])
    assert run_status(b, "2020-07-30", m)["P"]["state"] == "on_track"
    s = run_status(b, "2020-07-31", m)["P"]
    assert (s["state"], s["overdue_days"]) == ("stalled", 31)


def test_land_not_started_a_year_after_the_contracted_start_is_idle_and_two_years_reclaimable() -> None:
    b = Book().add("P", SIX, SIX[:1], land=80.0)
    assert run_status(b, "2021-06-30")["P"]["land_warning"] is None
    assert run_status(b, "2021-07-01")["P"]["land_warning"] == "idle_fee"
    assert run_status(b, "2022-07-01")["P"]["land_warning"] == "reclaimable"
    # the contracted start is the original plan: a re-plan does not restart the clock
    b2 = Book().add("P", SIX, SIX[:1], land=80.0).replan("P", "started", "2022-12-01", "2020-10-01")
    assert run_status(b2, "2021-07-01")["P"]["land_warning"] == "idle_fee"


def test_started_with_little_investment_and_none_for_a_year_is_stopped_land() -> None:
    b = Book().add("P", SIX, SIX[:2], land=50.0, total=20000).invest("P", "2020-08", 1000)
    # the last investment was in the month of 2020-08-01: a year without any ends on 2021-08-01
    assert run_status(b, "2021-08-01")["P"]["land_warning"] is None
    assert run_status(b, "2021-08-02")["P"]["land_warning"] == "stopped"
    b.invest("P", "2021-07", 5000)  # 30 % invested: no longer under the quarter
    assert run_status(b, "2022-09-01")["P"]["land_warning"] is None


@pytest.mark.usefixtures("own_sql")
def test_the_status_of_a_day_is_compiled_once_and_reads_each_books_own_data() -> None:
    """The expression depends on the methodology, not on the data nor the day: a second book on
    the same day compiles nothing and still answers from its own rows; another day compiles
    nothing either (the board on a day not seen before compiled its states again: 0.6 s)."""
    from zhizao.engine import compiled

    before = dict(compiled.stats)
    late = run_status(Book().add("P", SIX, SIX[:1]), "2020-07-30")["P"]
    on_time = run_status(Book().add("P", SIX, SIX[:2]), "2020-07-30")["P"]
    assert (late["state"], late["stall"]) == ("stalled", "signed_not_started")
    assert on_time["state"] == "on_track"
    assert compiled.stats["compiled"] - before["compiled"] == 1
    assert compiled.stats["memory"] - before["memory"] == 1
    # the same book on the day its start falls due: not stalled yet; the day after: stalled
    assert run_status(Book().add("P", SIX, SIX[:1]), "2020-06-30")["P"]["state"] == "on_track"
    assert run_status(Book().add("P", SIX, SIX[:1]), "2020-07-31")["P"]["state"] == "stalled"
    assert compiled.stats["compiled"] - before["compiled"] == 1
