"""The firm's 亩均 section explains itself: rank out of the ranked firms of its track and district,
each indicator beside the group average with weight and points, and advice derived from the
method (the advised value of one indicator, scored by the method's own formula, brings exactly
the points the next class needs)."""

from __future__ import annotations

import math
import re

import pytest
import tinycity
from forms import logged_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhizao.mujun.explain import advice, explain
from zhizao.store import publish
from zhizao.store.db import session_scope


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tinycity.City:
    return tinycity.shared(tmp_path_factory)


def rows(city: tinycity.City) -> list[dict]:
    with session_scope(city.settings) as s:
        out = []
        for code in city.codes:
            hist = publish.firm_history(s, "mujun", code)
            if hist and hist[-1].get("rank"):
                out.append(hist[-1] | {"_why": explain(s, city.settings, hist[-1])})
        return out


def test_rank_is_out_of_the_ranked_firms_of_the_track_and_district(city: tinycity.City) -> None:
    rs = rows(city)
    assert rs
    for r in rs:
        peers = [p for p in rs if p["track"] == r["track"] and p["region_code"] == r["region_code"]]
        assert r["_why"]["ranked_units"] == len(peers)
        assert 1 <= r["rank"] <= len(peers)


def test_points_are_value_over_average_times_weight(city: tinycity.City) -> None:
    for r in rows(city):
        lines = r["_why"]["lines"]
        assert sum(ln["weight"] for ln in lines) == pytest.approx(100)
        for ln in lines:
            if ln["value"] is not None and ln["average"]:
                assert ln["points"] == pytest.approx(ln["value"] / ln["average"] * ln["weight"], rel=1e-6)
        assert sum(ln["points"] for ln in lines) == pytest.approx(r["score"], abs=1e-4)


def test_the_advice_brings_the_points_the_next_class_needs(city: tinycity.City) -> None:
    advised = 0
    for r in rows(city):
        why = r["_why"]
        if r["class"] == "A":
            assert why["best"] and not why["advice"]
            continue
        assert why["next_class"] == "ABCD"["ABCD".index(r["class"]) - 1]
        assert why["needed"] > r["score"]
        for a in why["advice"]:
            ln = next(x for x in why["lines"] if x["id"] == a["id"])
            gained = a["target"] / ln["average"] * ln["weight"] - ln["points"]
            assert gained == pytest.approx(why["gap"], rel=1e-6)
            advised += 1
    assert advised > 0


def test_the_firm_reads_it_on_its_profile(city: tinycity.City) -> None:
    from zhizao.web.app import create_app

    c = logged_in(create_app(city.settings), city.users["enterprise"], tinycity.PASSWORD)
    html = c.get(f"/enterprises/{city.codes[0]}").text
    section = html.split('id="mujun-indicators"', 1)[1].split('id="mujun-advice"', 1)[0]
    assert "组内平均" in section and "权重" in section and "亩均税收" in section and "万元/亩" in section
    assert re.search(r"组内排名 <strong>\d+ / \d+</strong>", html)
    assert "%" in section and "0.0" not in section.split("R&amp;D", 1)[-1][:40]  # the R&D share as a percentage
    advice_html = html.split('id="mujun-advice"', 1)[1].split("</div>", 1)[0]
    assert "提高到" in advice_html or "最高一类" in advice_html


lines_st = st.lists(st.fixed_dictionaries({
    "title": st.sampled_from(["亩均税收", "亩均增加值", "单位能耗增加值"]),
    "unit": st.just("万元/亩"), "ratio": st.just(False),
    "value": st.floats(0.1, 1e4), "average": st.floats(0.1, 1e4), "weight": st.sampled_from([10, 20, 30]),
    "direction": st.sampled_from(["higher", "lower"]), "max_points": st.none(),
}), min_size=1, max_size=4)


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(lines_st, st.floats(0.01, 80))
def test_each_advice_alone_closes_the_gap(lines: list[dict], gap: float) -> None:
    for k, ln in enumerate(lines):
        ln["id"] = f"i{k}"
        r = ln["value"] / ln["average"] if ln["direction"] == "higher" else ln["average"] / ln["value"]
        ln["points"] = r * ln["weight"]
    for a in advice(lines, gap, None):
        ln = next(x for x in lines if x["id"] == a["id"])
        r = a["target"] / ln["average"] if ln["direction"] == "higher" else ln["average"] / a["target"]
        assert math.isclose(r * ln["weight"] - ln["points"], gap, rel_tol=1e-6, abs_tol=1e-9)
        assert a["change"] >= 0
