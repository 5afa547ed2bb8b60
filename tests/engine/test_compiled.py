"""Compiled SQL kept per key, code and inputs (``zhizao.engine.compiled``): the second time the
same expression meets the same inputs nothing is built or compiled, and anything that could
change the SQL (the key, the inputs' names or schemas, a cache file gone bad) compiles again."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from zhizao.engine import compiled as cc

#: each test starts with nothing compiled (no memory, no shared folder)
pytestmark = pytest.mark.usefixtures("own_sql")


def _inputs(duck, name: str = "firms", revenue: tuple[float, ...] = (100.0, 600.0, 900.0)):
    df = pd.DataFrame({"credit_code": [f"c{i}" for i in range(len(revenue))], "revenue": list(revenue)})
    return {"firms": duck.register(name, df)}


def _screen(inputs, threshold: float):
    t = inputs["firms"]
    return t.select("credit_code", big=t.revenue >= threshold).order_by("credit_code")


def _run(duck, inputs, threshold: float, **kw):
    builds = []

    def build():
        builds.append(1)
        return _screen(inputs, threshold)

    out = duck.to_pandas(cc.compiled(build, key=("test", threshold), inputs=inputs, **kw))
    return out["big"].tolist(), len(builds)


def test_the_second_evaluation_neither_builds_nor_compiles(duck):
    inputs = _inputs(duck)
    first, built1 = _run(duck, inputs, 500.0)
    again, built2 = _run(duck, inputs, 500.0)
    assert first == again == [False, True, True]
    assert (built1, built2) == (1, 0)


def test_the_cached_sql_reads_the_data_of_the_moment(duck):
    assert _run(duck, _inputs(duck), 500.0)[0] == [False, True, True]
    # the same table name and schema, new rows: the SQL is reused, the answer is the new data's
    out, built = _run(duck, _inputs(duck, revenue=(700.0, 10.0, 10.0)), 500.0)
    assert out == [True, False, False] and built == 0


def test_another_key_or_another_input_compiles_again(duck):
    inputs = _inputs(duck)
    _run(duck, inputs, 500.0)
    assert _run(duck, inputs, 800.0) == ([False, False, True], 1)
    other = _inputs(duck, name="firms_b")
    assert _run(duck, other, 500.0) == ([False, True, True], 1)


def test_a_directory_carries_the_sql_to_a_new_process(duck, tmp_path):
    inputs = _inputs(duck)
    assert _run(duck, inputs, 500.0, directory=tmp_path)[1] == 1
    assert len(list(tmp_path.glob("*.json"))) == 1
    cc.clear()  # a new process: nothing in memory
    before = cc.stats["disk"]
    assert _run(duck, inputs, 500.0, directory=tmp_path) == ([False, True, True], 0)
    assert cc.stats["disk"] == before + 1


def test_a_damaged_cache_file_is_compiled_again(duck, tmp_path):
    inputs = _inputs(duck)
    _run(duck, inputs, 500.0, directory=tmp_path)
    (path,) = tmp_path.glob("*.json")
    path.write_text("{not json", encoding="utf-8")
    cc.clear()
    assert _run(duck, inputs, 500.0, directory=tmp_path) == ([False, True, True], 1)
    assert json.loads(path.read_text(encoding="utf-8"))["sql"].startswith(("SELECT", "WITH"))


def test_inputs_without_a_backend_are_not_cached():
    import ibis

    inputs = {"firms": ibis.memtable({"credit_code": ["a", "b"], "revenue": [100.0, 600.0]})}
    seen = []
    before = dict(cc.stats)
    for _ in range(2):
        out = cc.compiled(lambda: _screen(inputs, 500.0), key="m", inputs=inputs).to_pandas()
        seen.append(out["big"].tolist())
    assert seen == [[False, True], [False, True]]
    assert cc.stats == before


def test_an_expression_holding_an_in_memory_table_is_built_each_time_not_cached(duck):
    import ibis

    inputs = _inputs(duck)
    small = ibis.memtable({"credit_code": ["c1"], "note": ["x"]})
    builds = []

    def build():
        builds.append(1)
        t = inputs["firms"]
        return t.left_join(small, "credit_code").select("credit_code", "note").order_by("credit_code")

    before = dict(cc.stats)
    for _ in range(2):
        out = duck.to_pyarrow(cc.compiled(build, key="with-memtable", inputs=inputs))
        assert out["note"].to_pylist() == [None, "x", None]
    assert len(builds) == 2 and cc.stats == before


def test_selects_kept_apart_give_the_same_rows_under_a_key_of_their_own_and_leave_ibis_as_it_was(duck):
    """``fuse_selects=False`` (the 亩均 evaluation): the SQL nests the selects Ibis would merge,
    the rows are the same, the choice is part of the key (the two SQLs are never mixed up), and
    Ibis's global option is back as it was for every other compile."""
    import ibis

    inputs = _inputs(duck)

    def build():  # a select over a select over a select: what Ibis merges into one
        t = inputs["firms"].mutate(twice=lambda s: s.revenue * 2)
        t = t.mutate(big=t.twice >= 1000.0)
        return t.select("credit_code", "big").order_by("credit_code")

    assert ibis.options.sql.fuse_selects is True
    before = dict(cc.stats)
    merged = cc.compiled(build, key="selects", inputs=inputs)
    apart = cc.compiled(build, key="selects", inputs=inputs, fuse_selects=False)
    assert ibis.options.sql.fuse_selects is True
    assert cc.stats["compiled"] - before["compiled"] == 2 and cc.stats["memory"] == before["memory"]
    sql_merged, sql_apart = cc.sql_of(merged)[0], cc.sql_of(apart)[0]  # type: ignore[index]
    assert sql_merged.upper().count("SELECT") < sql_apart.upper().count("SELECT")
    assert duck.to_pyarrow(merged).equals(duck.to_pyarrow(apart))
    assert duck.to_pyarrow(apart)["big"].to_pylist() == [False, True, True]


def test_a_compiled_view_is_created_once_per_connection(duck, tmp_path):
    """Each later call that finds the SQL compiled names the connection's view without sending
    DuckDB its SQL again (``CREATE … IF NOT EXISTS`` parsed the whole SQL each time); a new
    connection gets the view anew."""
    import ibis

    inputs = _inputs(duck)
    log = tmp_path / "queries.sql"
    con = duck.con.con  # the DuckDB connection under the Ibis backend
    con.execute(f"SET log_query_path='{log}'")
    try:
        for _ in range(3):
            assert _run(duck, inputs, 500.0)[0] == [False, True, True]
    finally:
        con.execute("SET log_query_path=''")
    assert log.read_text().count("CREATE TEMP VIEW") == 1
    other = ibis.duckdb.connect()
    try:
        other.con.register("firms", inputs["firms"].to_pyarrow())
        again = cc.compiled(lambda: _screen({"firms": other.table("firms")}, 500.0), key=("test", 500.0),
                            inputs={"firms": other.table("firms")})
        assert again.to_pyarrow()["big"].to_pylist() == [False, True, True]
    finally:
        other.disconnect()


# ----------------------------------------------------------------------------- one SQL for every day
def _dated(duck):
    import datetime as dt

    df = pd.DataFrame({"credit_code": ["a", "b", "c"],
                       "signed_on": [dt.date(2023, 5, 1), dt.date(2024, 2, 29), dt.date(2024, 12, 31)]})
    return {"firms": duck.register("dated", df)}


def _signed_by(inputs, builds: list, branch: bool = False):
    import ibis

    def build(day):
        builds.append(day)
        t = inputs["firms"]
        d = ibis.literal(day, type="date")
        if branch and day.year >= 2000:  # a day used in Python: its SQL is no template
            return t.filter(t.signed_on < d).select("credit_code").order_by("credit_code")
        return t.filter(t.signed_on <= d).select("credit_code").order_by("credit_code")
    return build


@pytest.mark.parametrize("branch", [False, True])
def test_an_expression_of_a_day_is_compiled_once_for_every_day(duck, branch):
    """The projects board on a day not seen before compiled its states again (0.6 s). Compiled
    once, the SQL takes any day; a build that uses the day in Python is compiled per day
    instead, and both give what the expression of that day gives."""
    import datetime as dt

    inputs = _dated(duck)
    builds: list = []
    build = _signed_by(inputs, builds, branch)
    for day in (dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2025, 1, 1), dt.date(2023, 5, 1)):
        got = duck.to_pandas(cc.compiled_over_days(build, (day,), key=("signed", branch), inputs=inputs))
        direct = build(day)
        want = [c for c, signed in (("a", dt.date(2023, 5, 1)), ("b", dt.date(2024, 2, 29)), ("c", dt.date(2024, 12, 31)))
                if (signed < day if branch else signed <= day)]
        assert got["credit_code"].tolist() == want == duck.to_pandas(direct)["credit_code"].tolist()
    made = [d for d in builds if d.year in (cc.SENTINELS[0].year, cc.SENTINELS[1].year)]
    asked = [d for d in builds if d not in made]
    assert len(made) == 2  # built for the two sentinel days once
    if branch:  # not a template: built for each day as well (and once more above, directly)
        assert len(asked) == 8
    else:  # a template: no day's own build but the direct ones above
        assert len(asked) == 4


def test_days_keep_their_order_in_the_template(duck):
    import datetime as dt

    import ibis

    inputs = _dated(duck)

    def between(a, b):
        t = inputs["firms"]
        return t.filter((t.signed_on >= ibis.literal(a, type="date")) & (t.signed_on <= ibis.literal(b, type="date"))
                        ).select("credit_code").order_by("credit_code")

    for a, b, want in ((dt.date(2024, 1, 1), dt.date(2024, 12, 31), ["b", "c"]),
                       (dt.date(2023, 1, 1), dt.date(2024, 3, 1), ["a", "b"])):
        got = duck.to_pandas(cc.compiled_over_days(between, (a, b), key=("between",), inputs=inputs))
        assert got["credit_code"].tolist() == want


def test_a_distance_between_days_taken_in_python_is_no_template(duck):
    """Days a fixed distance apart in both sentinel sets would hide a number of days computed in
    Python (the days of a month): the sets are spaced differently, so it shows."""
    import datetime as dt

    import ibis

    inputs = _dated(duck)

    def within(a, b):
        t = inputs["firms"]
        span = (b - a).days  # a number in the SQL, not a literal of a day
        return t.filter(t.signed_on.delta(ibis.literal(a, type="date"), unit="day") < span).select(
            "credit_code").order_by("credit_code")

    for a, b, want in ((dt.date(2023, 1, 1), dt.date(2023, 6, 1), ["a"]),
                       (dt.date(2023, 1, 1), dt.date(2024, 3, 1), ["a", "b"])):
        got = duck.to_pandas(cc.compiled_over_days(within, (a, b), key=("within",), inputs=inputs))
        assert got["credit_code"].tolist() == want
    assert len(cc._not_templates) == 1


def test_a_directory_carries_the_template_of_days_to_a_new_process(duck, tmp_path):
    """The worker compiles the projects' states for today; a web process then shows another day
    from the template it kept in the home, building nothing."""
    import datetime as dt

    inputs = _dated(duck)
    builds: list = []
    with cc.kept_in(tmp_path):
        duck.to_pandas(cc.compiled_over_days(_signed_by(inputs, builds), (dt.date(2024, 3, 1),), key=("kept",),
                                             inputs=inputs))
        assert len(builds) == 2 and len(list(tmp_path.glob("*.json"))) == 1
        cc.clear()  # a new process
        got = duck.to_pandas(cc.compiled_over_days(_signed_by(inputs, builds), (dt.date(2024, 12, 31),),
                                                   key=("kept",), inputs=inputs))
    assert got["credit_code"].tolist() == ["a", "b", "c"] and len(builds) == 2
