"""The green-factory ladder: candidates only from the level below, re-review due after three
years, removal after three years in the bottom 5 % or on the negative list, the dynamic report."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from city import credit_code

from zhizao.greenfactory import ladder
from zhizao.greenfactory.ladder import LadderInputs
from zhizao.methodology import find

M = find("gbt-36132@2025", "greenfactory")


def code(i: int) -> str:
    return credit_code(i)


def results(rows: list[tuple[int, str, float | None, int | None]]) -> pa.Table:
    """(firm, status, score, stars) → a result table of the method's columns."""
    return pa.table({
        "credit_code": [code(i) for i, *_ in rows], "name": [f"企业{i}" for i, *_ in rows],
        "region_code": ["330502"] * len(rows), "industry_code": ["3411"] * len(rows),
        "status": [s for _, s, _, _ in rows], "score": pa.array([x for _, _, x, _ in rows], pa.float64()),
        "stars": pa.array([k for *_, k in rows], pa.int32()),
    })


def titles(rows: list[tuple[int, str, str, str | None]]) -> pa.Table:
    return pa.table({
        "credit_code": [code(i) for i, *_ in rows], "title": ["green_factory"] * len(rows),
        "level": [lv for _, lv, _, _ in rows],
        "granted_on": pa.array([dt.date.fromisoformat(g) for _, _, g, _ in rows], pa.date32()),
        "expires_on": pa.array([None] * len(rows), pa.date32()),
        "revoked_on": pa.array([dt.date.fromisoformat(r) if r else None for *_, r in rows], pa.date32()),
    }, schema=ladder._TITLE_SCHEMA)


def reqs(rows: list[tuple[int, str, bool]], year: int = 2025) -> pa.Table:
    return pa.table({"credit_code": [code(i) for i, _, _ in rows], "year": pa.array([year] * len(rows), pa.int32()),
                     "requirement": [r for _, r, _ in rows], "met": [m for *_, m in rows]}, schema=ladder._REQ_SCHEMA)


def test_candidates_come_only_from_the_level_below():
    res = results([(1, "rated", 92.0, 5), (2, "rated", 92.0, 5), (3, "rated", 86.0, 4), (4, "rated", 81.0, 3),
                   (5, "rated", 61.0, 1), (6, "vetoed", 95.0, None), (7, "rated", 50.0, 0), (8, "rated", 91.0, 5)])
    t = titles([(1, "provincial", "2023-05-01", None),  # 5★ province → nation
                (2, "county", "2024-05-01", None),      # 5★ but only county → city (not province, not nation)
                (3, "city", "2022-05-01", None),        # 4★ city → province
                (4, "county", "2021-05-01", None),      # 3★ county → city
                (6, "city", "2024-05-01", None),        # vetoed: nothing
                (8, "national", "2020-05-01", None)])   # top of the ladder: nothing
    inp = LadderInputs(2025, M, {2025: res}, t, reqs([]))
    got = {(r["credit_code"], r["candidate_level"]) for r in ladder.candidates(inp)}
    assert got == {(code(1), "national"), (code(2), "city"), (code(3), "provincial"), (code(4), "city"),
                   (code(5), "county")}


def test_revoked_and_later_titles_do_not_count():
    res = results([(1, "rated", 86.0, 4)])
    t = titles([(1, "city", "2020-01-01", "2024-06-30"), (1, "county", "2019-01-01", None),
                (1, "provincial", "2026-03-01", None)])
    inp = LadderInputs(2025, M, {2025: res}, t, reqs([]))
    assert [(r["credit_code"], r["level"]) for r in ladder.holdings(inp)] == [(code(1), "county")]
    # 4★ holding county only: candidate for city (not province)
    assert [r["candidate_level"] for r in ladder.candidates(inp)] == ["city"]


def test_rereview_due_three_years_after_the_grant():
    t = titles([(1, "city", "2022-04-01", None), (2, "city", "2022-12-31", None), (3, "city", "2023-01-01", None),
                (4, "county", "2020-06-01", None)])
    inp = LadderInputs(2025, M, {}, t, reqs([]))
    due = {r["credit_code"]: r for r in ladder.rereview_due(inp)}
    assert set(due) == {code(1), code(2), code(4)}
    assert due[code(1)]["due_on"] == dt.date(2025, 4, 1)
    assert due[code(4)]["overdue"] and not due[code(1)]["overdue"]


def test_removal_after_three_years_in_the_bottom_five_percent_or_on_the_negative_list():
    def year(bottom: list[int]) -> pa.Table:
        # 40 rated firms; the ones named score lowest (2 of 40 = 5 %)
        rows = [(i, "rated", 100.0 - i if i not in bottom else float(bottom.index(i)), 3) for i in range(1, 41)]
        return results(rows)
    res = {2023: year([1, 2]), 2024: year([1, 3]), 2025: year([1, 2])}
    t = titles([(1, "city", "2020-01-01", None), (2, "city", "2020-01-01", None), (3, "city", "2020-01-01", None),
                (20, "county", "2020-01-01", None)])
    inp = LadderInputs(2025, M, res, t, reqs([(20, "not_dishonest_debtor", False), (21, "operating_normally", False),
                                              (22, "discharge_permit", False)]))
    rem = {r["credit_code"]: r for r in ladder.removals(inp)}
    # firm 1 bottom in all three years; 2 missed 2024; 3 missed 2023 and 2025; 20 holds a title and is on
    # the negative list; 21 is on it without a title (listed in negative_list, not removed)
    assert set(rem) == {code(1), code(20)}
    assert rem[code(1)]["reasons"] == ["连续 3 年处于评价结果后 5%"]
    assert rem[code(20)]["reasons"] == ["负面清单：未列入失信被执行人名单"]
    neg = {r["credit_code"]: r["items"] for r in ladder.negative_list(inp)}
    assert neg == {code(20): ["未列入失信被执行人名单"], code(21): ["正常生产经营（未停产、关闭）"]}


def test_dynamic_report_counts_by_level():
    res = results([(1, "rated", 92.0, 5), (2, "rated", 71.0, 2), (3, "vetoed", 80.0, None),
                   (4, "not_assessed", None, None)])
    t = titles([(1, "provincial", "2025-04-01", None), (2, "county", "2021-01-01", None),
                (3, "city", "2020-01-01", "2025-08-01")])
    rep = ladder.dynamic_report(LadderInputs(2025, M, {2025: res}, t, reqs([])))
    assert rep["due_on"] == "2026-04-15"
    assert rep["status"] == {"rated": 2, "vetoed": 1, "not_assessed": 1}
    assert rep["stars"]["5"] == 1 and rep["stars"]["2"] == 1
    lv = {x["level"]: x for x in rep["levels"]}
    assert (lv["provincial"]["holders"], lv["provincial"]["granted"]) == (1, 1)
    assert (lv["city"]["holders"], lv["city"]["revoked"]) == (0, 1)
    assert lv["national"]["candidates"] == 1 and lv["county"]["rereview_due"] == 1
