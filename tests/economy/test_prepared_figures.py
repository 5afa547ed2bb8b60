"""The cockpit and the economy page read the figures prepared in the background (issue 18 item
4): the preparation is queued when data is imported or a run published (and when the import
worker starts), the job stores the default span's figures under the data state they were
computed from, and the pages read them — the first visit shows what the second shows, and
nothing is computed on the request. Figures of an earlier state are never shown as current:
after a change the page says when they were computed until the new ones are ready."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from forms import CSRF
from minicity import MINI_CITY
from served import login, served_city

from zhizao import prepared as stored
from zhizao.economy import prepared
from zhizao.ingest import jobs
from zhizao.settings import Settings
from zhizao.store.db import dispose, session_scope
from zhizao.store.models import ImportJob

SPAN = (2017, 2021)  # the default span: five years up to the published 2021 evaluation
STALE_NOTE = "新的指标正在计算"
KPI = re.compile(r'<div class="label">(2021年 [^<]+)</div><div class="value">(?:<a[^>]*>)?([^<]+)')




@pytest.fixture
def city(settings: Settings) -> Iterator[Settings]:
    served_city(settings)  # a published 2021 evaluation: the page's default span is 2017–2021
    yield settings
    dispose(settings.store_url)






def queued_preparations(settings: Settings) -> int:
    with session_scope(settings) as s:
        return s.query(ImportJob).filter(ImportJob.kind == prepared.PREPARE, ImportJob.status == "queued").count()


def run_preparation(settings: Settings) -> None:
    """The worker runs the queued preparation (the figures; the reviews it queues stay queued)."""
    job = jobs.claim(settings, kinds=(prepared.PREPARE,))
    assert job is not None
    assert jobs.run(settings, job)["status"] == "done"


def no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on computing the indicators fails the test: the pages may only read."""
    from zhizao.economy import figures, indicators

    def refuse(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("a page computed the indicators on the request")

    monkeypatch.setattr(indicators, "for_settings", refuse)
    monkeypatch.setattr(figures, "room_rows", refuse)
    figures._ROWS.clear()
    figures._OWN.clear()


def kpis(html: str) -> dict[str, str]:
    return dict(KPI.findall(html))


def content(r) -> str:  # type: ignore[no-untyped-def]
    """The page without its CSRF tokens (signed with the time: one per request)."""
    assert r.status_code == 200, r.text[:300]
    return CSRF.sub("", r.text)


def add_statistics_row(settings: Settings, tmp_path: Path) -> None:
    """A department file changing a firm's 2021 value added (the data state changes)."""
    import duckdb

    from zhizao.ingest import import_file

    f = tmp_path / "统计.csv"
    f.write_text("统一社会信用代码,年度,是否规上,工业总产值,工业增加值,营业收入,年平均从业人员,研发费用\n"
                 f"{MINI_CITY['enterprises'][0]['credit_code']},2021,是,90000,30000,100000,100,1\n", encoding="utf-8")
    con = duckdb.connect(str(settings.warehouse_path))  # the mini city wrote its batches without the sequence
    con.execute("SELECT nextval('batch_seq') FROM range(10)").fetchall()
    con.close()
    assert import_file(settings, "statistics_annual", f, source="测试").rows_loaded == 1


def test_a_publication_queues_the_preparation_and_the_pages_read_it(app, city: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert queued_preparations(city) == 1  # the fixture's publication queued it
    run_preparation(city)
    digest = stored.digest(city)
    for which in ("own", "all"):
        found = stored.read(city, prepared.FIGURES, prepared.figures_key(*SPAN, which), digest)
        assert found is not None and found.current and found.value
    no_computing(monkeypatch)
    c = login(app, "city1")
    first, second = c.get("/"), c.get("/")
    assert content(first) == content(second)
    assert any("增加值" in k for k in kpis(first.text)), kpis(first.text)  # the economy's tiles
    assert STALE_NOTE not in first.text
    page1, page2 = c.get("/economy"), c.get("/economy")
    assert content(page1) == content(page2)
    assert "湖州市" in page1.text and STALE_NOTE not in page1.text
    # a district reads its own rows of the same prepared figures
    d = login(app, "wuxing1")
    r = d.get("/economy")
    assert r.status_code == 200 and "吴兴区" in r.text and "南浔区" not in r.text


def test_after_an_import_the_earlier_figures_are_marked_until_the_new_ones_are_ready(
        app, city: Settings, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run_preparation(city)
    c = login(app, "city1")
    before = kpis(c.get("/").text)
    assert any("增加值" in k for k in before), before
    add_statistics_row(city, tmp_path)
    assert queued_preparations(city) == 1  # the import queued it
    key = prepared.figures_key(*SPAN, "own")
    old = stored.read(city, prepared.FIGURES, key)
    assert old is not None and not old.current  # an earlier state's: never current
    old_all = stored.read(city, prepared.FIGURES, prepared.figures_key(*SPAN, "all"))
    assert old_all is not None and not old_all.current
    with monkeypatch.context() as m:
        no_computing(m)
        for path, found in (("/", old), ("/economy", old_all)):
            r = c.get(path)
            assert r.status_code == 200 and STALE_NOTE in r.text and found.built_label() in r.text
        assert kpis(c.get("/").text) == before
    assert queued_preparations(city) == 1  # the page asked again: still the one job
    run_preparation(city)
    no_computing(monkeypatch)
    first, second = c.get("/"), c.get("/")
    assert STALE_NOTE not in first.text and content(first) == content(second)
    assert kpis(first.text) != before  # the new value added counted
    assert stored.read(city, prepared.FIGURES, key).current  # type: ignore[union-attr]


def test_a_span_not_seen_before_is_derived_from_the_prepared_years_not_computed(
        app, city: Settings, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: "a month or year span not seen before" took seconds. The job prepares the years'
    figures once; any span within them is derived on the request, the same figures as computing
    it, and after an import it is marked as the default span is until the job has run."""
    from zhizao.economy import figures

    run_preparation(city)
    lo, hi = prepared.kept_span(SPAN[1])
    assert (lo, hi) == (2012, 2021)
    computed = {span: figures.rows(city, *span) for span in ((2019, 2021), (2020, 2021), (2013, 2020))}
    with monkeypatch.context() as m:
        no_computing(m)
        for span, want in computed.items():
            got = figures.page_rows(city, *span, None)
            key = [(r["id"], r["region"], r["year"], r["value"], r["basis"]) for r in want]
            assert sorted(key) == sorted((r["id"], r["region"], r["year"], r["value"], r["basis"]) for r in got)
            assert got.note is None
        c = login(app, "city1")
        api = c.get("/api/economy/indicators?from=2019&to=2021")
        assert api.status_code == 200, api.text[:200]
        assert [(r["id"], r["region"], r["year"], r["value"]) for r in api.json()["indicators"]] == \
            [(r["id"], r["region"], r["year"], r["value"]) for r in computed[(2019, 2021)]]
        first, second = c.get("/economy?y_from=2019&y_to=2021"), c.get("/economy?y_from=2019&y_to=2021")
        assert content(first) == content(second) and "2019年" in first.text and STALE_NOTE not in first.text
        d = login(app, "wuxing1")
        r = d.get("/economy?y_from=2020&y_to=2021")
        assert r.status_code == 200 and "吴兴区" in r.text and "南浔区" not in r.text
        add_statistics_row(city, tmp_path)
        stale = c.get("/economy?y_from=2020&y_to=2021")
        assert STALE_NOTE in stale.text
    # a span reaching before the prepared years is computed (and kept in the process)
    assert figures.page_rows(city, 2005, 2021, None) is not None
    run_preparation(city)
    with monkeypatch.context() as m:
        no_computing(m)
        assert STALE_NOTE not in c.get("/economy?y_from=2020&y_to=2021").text


def test_figures_of_a_state_that_changed_while_computing_are_never_current(city: Settings, tmp_path: Path) -> None:
    digest = stored.digest(city)  # taken before computing
    add_statistics_row(city, tmp_path)  # the data changes meanwhile
    stored.store(city, "test", "k", digest, {"a": 1})
    found = stored.read(city, "test", "k")
    assert found is not None and found.value == {"a": 1} and not found.current
    now = stored.digest(city)
    stored.store(city, "test", "k", now, {"a": 2})
    found = stored.read(city, "test", "k")
    assert found is not None and found.value == {"a": 2} and found.current
    assert [p.name for p in stored.folder(city, "test", "k").iterdir()] == [f"{now}.json"]  # the earlier one went


def test_the_worker_queues_the_preparation_when_it_starts(city: Settings) -> None:
    with session_scope(city) as s:
        s.query(ImportJob).filter(ImportJob.kind == prepared.PREPARE).delete()
    stop = threading.Event()
    stop.set()  # start, then stop at once
    jobs.work(city, stop=stop)
    assert queued_preparations(city) == 1


# ----------------------------------------------------------------------------- any page's values (prepared.page_value)
COMPUTED: list[int] = []


def statistics_rows(settings: Settings, year: int) -> int:
    """A page's figure for :func:`zhizao.prepared.page_value` (counts its computations)."""
    import duckdb

    COMPUTED.append(year)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM statistics_annual WHERE year = ?", [year]).fetchone()[0])
    finally:
        con.close()


def test_a_page_value_is_kept_for_every_process_and_refreshed_in_the_background(city: Settings,
                                                                                tmp_path: Path) -> None:
    ref = "test_prepared_figures:statistics_rows"
    from zhizao.rooms import resolve

    computed = resolve("test_prepared_figures:COMPUTED")  # the module as the job resolves it
    computed.clear()
    first = stored.page_value(city, "test", ref, [2021])
    assert first.current and computed == [2021]  # never asked before: computed once, stored
    stored._LOADED.clear()  # another process: reads the file
    again = stored.page_value(city, "test", ref, [2021])
    assert again.current and again.value == first.value and computed == [2021]
    with session_scope(city) as s:
        s.query(ImportJob).filter(ImportJob.kind == stored.REFRESH).delete()
    add_statistics_row(city, tmp_path)
    with session_scope(city) as s:  # the import queued the refresh
        assert s.query(ImportJob).filter(ImportJob.kind == stored.REFRESH, ImportJob.status == "queued").count() == 1
    stale = stored.page_value(city, "test", ref, [2021])
    assert not stale.current and stale.value == first.value and computed == [2021]  # marked, not recomputed
    job = jobs.claim(city, kinds=(stored.REFRESH,))
    assert job is not None and jobs.run(city, job)["status"] == "done"
    fresh = stored.page_value(city, "test", ref, [2021])
    assert fresh.current and computed == [2021, 2021]
    assert fresh.value == statistics_rows(city, 2021)


def test_a_runs_results_are_verified_once_and_again_when_the_file_changes(city: Settings) -> None:
    """The pages read the same published runs on every visit: verified once per process and
    file; a file changed afterwards is read and verified again (and refused)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from zhizao import runs

    run_id = runs.list_runs(city, "carbon", 2021)[-1].run_id
    first = runs.results(city, run_id)
    assert runs.results(city, run_id) is first  # the verified table, not read again
    path = Path(city.runs_dir) / f"{run_id}.parquet"
    i = first.schema.get_field_index("value_added")
    pq.write_table(first.set_column(i, "value_added", pc.add(first["value_added"], 1.0)), path)
    with pytest.raises(runs.RunError, match="哈希不符"):
        runs.results(city, run_id)


def test_prepared_values_keep_their_dates(city: Settings) -> None:
    """A page compares and formats the dates of what it reads (a project's due day)."""
    import datetime as dt

    value = {"rows": [{"since": dt.date(2024, 3, 1), "at": dt.datetime(2024, 3, 1, 8, 30), "n": 1.5, "s": None}],
             "regions": [["330502", "吴兴区"]]}
    stored.store(city, "test", "dates", stored.digest(city), value)
    stored._LOADED.clear()
    found = stored.read(city, "test", "dates")
    assert found is not None and found.current and found.value == value
