"""The five-year review is prepared off the request path (issues 16 and 18): the first request
queues one job (also when several ask at once) and answers with a progress page at once; the
worker builds the report and stores it in the home; the next request serves the stored file.
Importing data or publishing a run makes it stale and queues its rebuild in the background. A
district user only ever gets its own district's review."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from minicity import MINI_CITY
from served import NANXUN, WUXING, login, publish_carbon, served_city

from zhizao.economy import prepared
from zhizao.ingest import jobs
from zhizao.settings import Settings
from zhizao.store.db import dispose, session_scope
from zhizao.store.models import AuditEntry, ImportJob

REVIEW = "/economy/review?y_from=2020&y_to=2021"


@pytest.fixture
def city(settings: Settings) -> Iterator[Settings]:
    served_city(settings)  # a published 2021 evaluation: the page's default span is 2017–2021
    # what that publication queued in the background is the subject of one test only
    with session_scope(settings) as s:
        s.query(ImportJob).filter(ImportJob.kind == prepared.PREPARE).delete()
    yield settings
    dispose(settings.store_url)






def progress(r) -> bool:  # type: ignore[no-untyped-def]
    """The answer is the progress page that follows the job (the report is being built)."""
    return r.status_code == 200 and "正在生成报告…" in r.text and "data-poll-url" in r.text




def run_one(settings: Settings) -> dict:
    """The worker takes one job (the first by priority: a person's before the background's)."""
    job = jobs.claim(settings)
    assert job is not None
    return jobs.run(settings, job)


def review_jobs(settings: Settings) -> list[ImportJob]:
    with session_scope(settings) as s:
        rows = list(s.query(ImportJob).filter(ImportJob.kind == prepared.KIND).order_by(ImportJob.id))
        s.expunge_all()
        return rows


def audits(settings: Settings) -> list[dict]:
    with session_scope(settings) as s:
        return [json.loads(a.detail) if isinstance(a.detail, str) else a.detail
                for a in s.query(AuditEntry).filter(AuditEntry.action == "export.review").order_by(AuditEntry.id)]


def test_first_request_queues_and_the_next_serves_the_stored_file(app, city: Settings) -> None:
    c = login(app, "city1")
    r = c.get(REVIEW + "&format=html")
    assert progress(r) and "wait=1" in r.text
    status_url = re.search(r'data-poll-url="([^"]+)"', r.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    st = c.get(status_url).json()
    assert st["ready"] is False and st["status_label"] == "排队中" and st["stage_label"] == "等待开始"
    [job] = review_jobs(city)
    assert job.status == "queued" and json.loads(job.params)["format"] == "html"
    assert audits(city) == []  # no report delivered yet
    assert jobs.work(city, once=True) >= 1
    stored = prepared.current(city, 2020, 2021, None, "html")
    assert stored is not None and stored[0].is_relative_to(city.home)
    assert c.get(status_url).json()["ready"] is True
    r = c.get(REVIEW + "&format=html&wait=1")
    assert r.status_code == 200 and "规上工业" in r.text and "湖州市" in r.text
    assert r.text == stored[0].read_text(encoding="utf-8")
    # the second visit reads the same file: no new job
    assert c.get(REVIEW + "&format=html").text == r.text
    assert len(review_jobs(city)) == 1
    assert [a["format"] for a in audits(city)] == ["html", "html"]  # one entry per report delivered


def test_downloads_keep_their_chinese_file_names(app, city: Settings) -> None:
    c = login(app, "city1")
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        assert progress(c.get(f"{REVIEW}&format={fmt}"))
        jobs.work(city, once=True)
        # reloaded by the progress page: a page that starts the download
        page = c.get(f"{REVIEW}&format={fmt}&wait=1")
        assert page.status_code == 200 and "报告已生成" in page.text and 'content="0;url=' in page.text
        r = c.get(f"{REVIEW}&format={fmt}")
        assert r.status_code == 200 and r.content[:len(magic)] == magic
        assert quote(f"湖州市2020-2021年工业经济回眸.{fmt}") in r.headers["content-disposition"]


def test_an_import_makes_the_review_stale_and_queues_its_rebuild(app, city: Settings, tmp_path: Path) -> None:
    from zhizao.ingest import import_file

    c = login(app, "city1")
    c.get(REVIEW + "&format=html")
    jobs.work(city, once=True)
    before = c.get(REVIEW + "&format=html")
    assert before.status_code == 200 and "规上工业" in before.text
    old = prepared.current(city, 2020, 2021, None, "html")
    assert old is not None
    # a new year of a firm's statistics: the data state changes
    f = tmp_path / "统计.csv"
    f.write_text("统一社会信用代码,年度,是否规上,工业总产值,工业增加值,营业收入,年平均从业人员,研发费用\n"
                 f"{MINI_CITY['enterprises'][0]['credit_code']},2021,是,900,300,1000,100,1\n", encoding="utf-8")
    import duckdb

    con = duckdb.connect(str(city.warehouse_path))  # the mini city wrote its batches without the sequence
    con.execute("SELECT nextval('batch_seq') FROM range(10)").fetchall()
    con.close()
    res = import_file(city, "statistics_annual", f, source="测试")
    assert res.rows_loaded == 1, res.to_dict()
    assert prepared.current(city, 2020, 2021, None, "html") is None  # stale: never served
    prepared.on_data_change(city, {"kind": "import"})  # another change while it waits: still one
    with session_scope(city) as s:  # the import queued the background preparation
        assert s.query(ImportJob).filter(ImportJob.kind == prepared.PREPARE, ImportJob.status == "queued").count() == 1
    stale = c.get(REVIEW + "&format=html")
    assert progress(stale)
    assert run_one(city)["params"]["format"] == "html"  # the person waiting first
    fresh = c.get(REVIEW + "&format=html")
    assert fresh.status_code == 200 and fresh.text != before.text
    assert not old[0].exists()  # the stale file is gone
    # then the preparation: the default span (2017–2021) of the city and of each district in
    # every format, HTML first, in the background
    assert run_one(city)["kind"] == prepared.PREPARE
    with session_scope(city) as s:
        queued = [json.loads(j.params) for j in s.query(ImportJob).filter(ImportJob.kind == prepared.KIND,
                                                                          ImportJob.status == "queued")
                  .order_by(ImportJob.priority, ImportJob.id)]
    assert {(p["y_from"], p["y_to"], p["region"], p["format"]) for p in queued} == {
        (2017, 2021, r, f) for r in (None, WUXING, NANXUN) for f in prepared.FORMATS}
    assert [p["format"] for p in queued[:3]] == ["html"] * 3
    assert run_one(city)["status"] == "done"
    stored = prepared.current(city, 2017, 2021, None, "html")
    assert stored is not None and "湖州市" in stored[0].read_text(encoding="utf-8")


def test_a_publication_makes_the_review_stale(app, city: Settings) -> None:
    c = login(app, "city1")
    c.get(REVIEW + "&format=html")
    run_one(city)
    assert prepared.current(city, 2020, 2021, None, "html") is not None
    publish_carbon(city)  # a rerun published
    assert prepared.current(city, 2020, 2021, None, "html") is None
    with session_scope(city) as s:  # publishing queued the background preparation
        assert s.query(ImportJob).filter(ImportJob.kind == prepared.PREPARE, ImportJob.status == "queued").count() == 1
    assert progress(c.get(REVIEW + "&format=html"))
    assert run_one(city)["params"]["region"] is None  # the person waiting goes first
    r = c.get(REVIEW + "&format=html")
    assert r.status_code == 200 and "规上工业" in r.text and not progress(r)


def test_parallel_first_requests_make_one_job(app, city: Settings) -> None:
    clients = [login(app, "city1") for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def ask(c: TestClient) -> None:
        barrier.wait()
        codes.append(progress(c.get(REVIEW + "&format=pdf")))

    threads = [threading.Thread(target=ask, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [True] * len(clients)
    assert len(review_jobs(city)) == 1
    # the store's unique key decides, also for direct callers racing each other
    found = [prepared.request(city, 2020, 2021, None, "pdf", "x") for _ in range(3)]
    assert {j["job_id"] for j in found} == {review_jobs(city)[0].id}


def test_a_district_user_gets_only_its_own_district(app, city: Settings) -> None:
    c = login(app, "wuxing1")
    # asking for the neighbour (or the city) still queues and serves 吴兴区's review
    assert progress(c.get(REVIEW + f"&format=html&region={NANXUN}"))
    [job] = review_jobs(city)
    assert json.loads(job.params)["region"] == WUXING
    jobs.work(city, once=True)
    r = c.get(REVIEW + "&format=html")
    assert r.status_code == 200 and "吴兴区" in r.text
    assert "南浔区" not in r.text and "区县发展各显特色" not in r.text
    r = c.get(REVIEW + f"&format=html&region={NANXUN}")
    assert r.status_code == 200 and "吴兴区" in r.text and "南浔区" not in r.text
    assert len(review_jobs(city)) == 1
    assert progress(c.get(REVIEW + "&format=xlsx"))
    jobs.work(city, once=True)
    r = c.get(REVIEW + "&format=xlsx")
    assert quote("吴兴区2020-2021年工业经济回眸.xlsx") in r.headers["content-disposition"]
    assert {a["region"] for a in audits(city)} == {WUXING}
    # the city's user asking for 南浔区 gets that one, a job of its own
    city_c = login(app, "city1")
    assert progress(city_c.get(REVIEW + f"&format=html&region={NANXUN}"))
    assert [json.loads(j.params)["region"] for j in review_jobs(city)][-1] == NANXUN


def test_a_report_that_cannot_be_built_says_why_in_chinese(app, city: Settings) -> None:
    c = login(app, "city1")
    assert progress(c.get("/economy/review?y_from=2015&y_to=2016&format=html"))
    jobs.work(city, once=True)
    r = c.get("/economy/review?y_from=2015&y_to=2016&format=html&wait=1")
    assert r.status_code == 404 and "报告生成失败" in r.text and "没有可计算的指标" in r.text
    assert "data-poll-url" not in r.text  # no endless reloading
    # the same data is refused the same way without a new job; 重新生成 tries again
    assert len(review_jobs(city)) == 1
    assert progress(c.get("/economy/review?y_from=2015&y_to=2016&format=html&retry=1"))
    assert len(review_jobs(city)) == 2
    assert c.get("/economy/review?y_from=2021&y_to=2021&format=html").status_code == 404
