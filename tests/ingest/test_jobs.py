"""The import job queue (issue 16: uploads run off the request path): a queued file is imported
by the worker exactly as ``zhizao import`` would; a worker killed mid-import leaves nothing in
the warehouse and its job is imported again by the next worker; two workers never take the
same job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from world import credit_code

from zhizao.ingest import jobs, list_batches
from zhizao.settings import Settings
from zhizao.store.db import init_store, session_scope
from zhizao.store.models import AuditEntry, ImportJob

HEADER = "统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n"


def enterprises_csv(path: Path, n: int, bad: int = 0) -> Path:
    rows = [f"{credit_code(i)},测试企业{i},330102,3311,2010-01-01" for i in range(n)]
    rows += [f"91330102M0000000X{i % 10},坏代码企业{i},330102,3311,2010-01-01" for i in range(bad)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_queued_file_is_imported_with_its_reject_report(settings: Settings, tmp_path: Path) -> None:
    init_store(settings)
    path = enterprises_csv(tmp_path / "企业名录.csv", 20, bad=2)
    job = jobs.submit(settings, "enterprises", path, path.name, "市场监管", None, "city")
    assert job["status"] == "queued" and job["result"] is None
    assert list_batches(settings) == []  # nothing imported by submitting
    assert jobs.work(settings, once=True, kinds=("import",)) == 1
    done = jobs.get(settings, job["job_id"])
    assert done is not None and done["status"] == "done" and done["attempts"] == 1
    r = done["result"]
    assert (r["rows_read"], r["rows_loaded"], r["rows_rejected"]) == (22, 20, 2)
    assert {x["code"] for x in r["rejects"]} == {"bad_credit_code"} and r["batch_id"] == done["batch_id"]
    assert [b["batch_id"] for b in list_batches(settings)] == [done["batch_id"]]
    with session_scope(settings) as s:
        assert s.query(AuditEntry).filter_by(action="import", username="city").count() == 1


def test_a_file_refused_whole_fails_its_job_in_chinese(settings: Settings, tmp_path: Path) -> None:
    init_store(settings)
    bad = tmp_path / "wrong.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    job = jobs.submit(settings, "enterprises", bad, bad.name, None, None, "city")
    jobs.work(settings, once=True, kinds=("import",))
    failed = jobs.get(settings, job["job_id"])
    assert failed is not None and failed["status"] == "failed" and failed["status_label"] == "失败"
    assert failed["error"] and any("\u4e00" <= ch <= "\u9fff" for ch in failed["error"])
    assert list_batches(settings) == []


def test_two_workers_never_take_the_same_job(settings: Settings, tmp_path: Path) -> None:
    init_store(settings)
    path = enterprises_csv(tmp_path / "e.csv", 3)
    jobs.submit(settings, "enterprises", path, path.name, None, None, "city")
    first = jobs.claim(settings, "host:1")
    assert first is not None
    assert jobs.claim(settings, "host:2") is None


def test_a_killed_worker_leaves_nothing_and_its_job_is_imported_by_the_next(settings: Settings,
                                                                            tmp_path: Path) -> None:
    init_store(settings)
    n = 60_000
    path = enterprises_csv(tmp_path / "big.csv", n)
    job_id = jobs.submit(settings, "enterprises", path, path.name, None, None, "city")["job_id"]
    worker = subprocess.Popen([sys.executable, "-m", "zhizao", "--home", str(settings.home), "worker"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:  # kill -9 as soon as the worker is importing
            job = jobs.get(settings, job_id)
            assert job is not None and job["status"] != "done", "the import finished before it could be killed"
            if job["status"] == "running":
                break
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    killed = jobs.get(settings, job_id)
    assert killed is not None and killed["status"] == "running"  # as the killed worker left it
    assert list_batches(settings) == []  # the import is atomic: not one row of the file
    # the next worker finds the job orphaned (its process is gone), queues it again and imports it
    assert jobs.work(settings, once=True, kinds=("import",)) == 1
    done = jobs.get(settings, job_id)
    assert done is not None and done["status"] == "done" and done["attempts"] == 2
    assert done["result"]["rows_loaded"] == n
    [batch] = list_batches(settings)
    assert batch["rows_loaded"] == n


def test_a_job_that_keeps_killing_its_worker_is_failed_after_three_starts(settings: Settings,
                                                                         tmp_path: Path) -> None:
    init_store(settings)
    path = enterprises_csv(tmp_path / "e.csv", 3)
    job_id = jobs.submit(settings, "enterprises", path, path.name, None, None, "city")["job_id"]
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{jobs.worker_id().rpartition(':')[0]}:{gone.stdout.strip()}"  # a process that has ended
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        assert jobs.claim(settings, dead) is not None
        assert jobs.recover(settings) == [job_id]
        status = jobs.get(settings, job_id)
        assert status is not None and status["attempts"] == attempt
    assert status["status"] == "failed" and "中断" in status["error"]
    with session_scope(settings) as s:
        assert s.get(ImportJob, job_id).worker is None  # type: ignore[union-attr]
    assert list_batches(settings) == []


def test_keyed_jobs_are_one_per_key_under_parallel_submits_and_a_waiting_person_goes_first(
        store_settings: Settings) -> None:
    """A room's job (a prepared report) on the same queue: however many requests ask at once,
    one job per key (the store's unique key decides, SQLite and PostgreSQL alike); a person
    waiting moves a background job ahead of the others; a freed key queues a new job."""
    import threading

    settings = store_settings
    background = [jobs.submit_keyed(settings, "economy.review", f"k{i}", "review", {"i": i}, "", None,
                                    jobs.PRIORITY_BACKGROUND) for i in range(3)]
    barrier = threading.Barrier(8)
    got: list[int] = []

    def ask() -> None:
        barrier.wait()
        got.append(jobs.submit_keyed(settings, "economy.review", "k2", "review", {"i": 2}, "", "city")["job_id"])

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(got) == {background[2]["job_id"]}
    with session_scope(settings) as s:
        assert s.query(ImportJob).filter(ImportJob.job_key == "k2").count() == 1
    first = jobs.claim(settings, "w1", kinds=("economy.review",))
    assert first is not None and first.id == background[2]["job_id"]  # asked for by a person: first
    assert jobs.recent(settings) == []  # the import list shows imports only
    with session_scope(settings) as s:
        s.query(ImportJob).filter(ImportJob.id == first.id).update({"status": "failed"})
    jobs.release(settings, first.id)
    again = jobs.submit_keyed(settings, "economy.review", "k2", "review", {"i": 2}, "", "city")
    assert again["job_id"] != first.id and again["status"] == "queued"
