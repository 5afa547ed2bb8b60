"""Uploads over a real ``zhizao serve``: the upload answers at once, the server's import worker
imports it while the API keeps answering, and a worker killed mid-import is started again and
finishes the job — nothing half-imported, nothing imported twice (issue 16)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serving import zhizao_serve
from world import YEAR, World, build_world, credit_code

from zhizao.ingest import list_batches
from zhizao.settings import Settings
from zhizao.store.db import init_store

HEADER = "统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期\n"


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[str, World]]:
    init_store(settings)
    world = build_world(settings)
    with zhizao_serve(settings.home, "--no-access-log", drop=("ZHIZAO_STORE_URL", "ZHIZAO_IMPORT_WORKER")) as base:
        yield base, world


def test_a_worker_killed_mid_import_is_restarted_and_finishes_the_job(served: tuple[str, World],
                                                                      tmp_path: Path) -> None:
    base, world = served
    n = 60_000
    path = tmp_path / "企业名录.csv"
    path.write_text(HEADER + "\n".join(f"{credit_code(i)},企业{i},330102,3311,2010-01-01" for i in range(n)) + "\n",
                    encoding="utf-8")
    with httpx.Client(base_url=base, timeout=30, headers=world.auth("city")) as c:
        t0 = time.perf_counter()
        with path.open("rb") as f:
            r = c.post("/api/imports/enterprises", files={"file": (path.name, f, "text/csv")})
        assert r.status_code == 202, r.text
        assert time.perf_counter() - t0 < 10  # stored and queued, not imported, on the request path
        url = r.json()["url"]
        deadline = time.monotonic() + 120
        while (job := c.get(url).json())["status"] != "running":  # the server's worker took it
            assert job["status"] == "queued" and time.monotonic() < deadline, job
            time.sleep(0.02)
        # the API answers while the import runs
        t0 = time.perf_counter()
        assert c.get(f"/api/carbon/{YEAR}/{world.firms['a0']}").status_code == 200
        assert time.perf_counter() - t0 < 5
        os.kill(_worker_pid(world), signal.SIGKILL)  # the import worker `zhizao serve` started
        deadline = time.monotonic() + 180
        while (job := c.get(url).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
    assert job["status"] == "done" and job["attempts"] == 2, job
    assert job["result"]["rows_loaded"] == n
    [batch] = list_batches(world.settings)  # imported once: the killed attempt left nothing
    assert batch["rows_loaded"] == n


def _worker_pid(world: World) -> int:
    from zhizao.store.db import session_scope
    from zhizao.store.models import ImportJob

    with session_scope(world.settings) as s:
        worker = s.query(ImportJob.worker).filter(ImportJob.status == "running").scalar()
    assert worker
    return int(worker.rpartition(":")[2])
