"""The five-year review page on the demo city: first and second visit, before and after the
review was prepared off the request path (issues 16 and 18 item 4).

- **before** (what ``GET /economy/review`` did on every visit until the review was prepared):
  ``review.build`` + ``render_html`` / ``write`` inside the request, timed in process;
- **after**: the page's server time through the app (FastAPI TestClient, in process): a visit
  to a review nobody prepared (the job is queued, the progress page answers), the job in the
  worker (off the request path), then the visits served from the stored file; and the default
  span after a publication: the background preparation (timed as one batch in the worker), then
  the first visit of each format, served at once.

Setup (not timed): the demo city (``zhizao demo`` without serving) in ``--home`` unless it is
there, and a city account for the bench. No hand-written SQL variant: the job is serving a page,
not an evaluation.

    python bench/review_prepared.py --home /tmp/review-bench --repeat 3 --record
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import load_words, machine_line, write_result

FORMATS = ("html", "pdf", "xlsx")


def ensure_demo(home: Path) -> None:
    if (home / "demo-input" / "manifest.json").exists():
        return
    env = dict(os.environ, ZHIZAO_DEMO_SERVE="0")
    subprocess.run([sys.executable, "-m", "zhizao", "--home", str(home), "demo"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "zhizao-review-bench",
                    help="the demo city's home (built there first when absent)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true", help="write bench/results/review_prepared.md")
    a = ap.parse_args()
    ensure_demo(a.home)
    load_before = os.getloadavg()

    from fastapi.testclient import TestClient
    from sqlalchemy import delete

    from zhizao.economy import prepared, review
    from zhizao.ingest import jobs
    from zhizao.settings import load_settings
    from zhizao.store.accounts import NewUser, add_user, configure_hasher
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.models import ImportJob, User
    from zhizao.web.app import create_app

    configure_hasher(time_cost=1, memory_kib=1024)
    settings = load_settings(a.home)
    init_store(settings)
    with session_scope(settings) as s:
        if s.query(User).filter(User.username == "bench_review").first() is None:
            add_user(s, NewUser("bench_review", "city"), "bench-password-1")
        y1, y2 = prepared.default_span(s)
        s.execute(delete(ImportJob).where(ImportJob.kind.in_((prepared.KIND, prepared.PREPARE))))
    prepared.clear(settings)

    # before: the build inside the request, every visit
    before: dict[str, list[float]] = {f: [] for f in FORMATS}
    tmp = a.home / "bench-review"
    tmp.mkdir(exist_ok=True)
    for _ in range(a.repeat):
        for f in FORMATS:
            t0 = time.perf_counter()
            rep = review.build(settings, y1, y2)
            if f == "html":
                review.render_html(rep)
            else:
                review.write(rep, f, tmp / f"review.{f}")
            before[f].append(time.perf_counter() - t0)

    c = TestClient(create_app(settings))
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
    assert c.post("/login", data={"username": "bench_review", "password": "bench-password-1", "csrf_token": token,
                                  "next": ""}, follow_redirects=False).status_code == 303

    def visit(url: str) -> tuple[float, Any]:
        t0 = time.perf_counter()
        r = c.get(url)
        return time.perf_counter() - t0, r

    # after, a review not prepared: the first visit queues, the worker builds, later visits read
    first: dict[str, float] = {}
    job_s: dict[str, float] = {}
    second: dict[str, list[float]] = {f: [] for f in FORMATS}
    other = (y1 + 1, y2)  # a span the background preparation does not cover
    for f in FORMATS:
        url = f"/economy/review?y_from={other[0]}&y_to={other[1]}&format={f}"
        first[f], r = visit(url)
        assert "正在生成报告…" in r.text, r.text[:300]
        t0 = time.perf_counter()
        job = jobs.claim(settings, kinds=(prepared.KIND,))
        assert job is not None
        done = jobs.run(settings, job)
        assert done["status"] == "done", done
        job_s[f] = time.perf_counter() - t0
        for _ in range(a.repeat):
            t, r = visit(url)
            assert r.status_code == 200 and "正在生成报告" not in r.text[:3000]
            second[f].append(t)

    # after a publication: the background preparation of the default span, then first visits
    prepared.on_data_change(settings, {"kind": "publish"})
    t0 = time.perf_counter()
    ran = jobs.work(settings, once=True, kinds=(prepared.KIND, prepared.PREPARE))
    prepare_s = time.perf_counter() - t0
    prepared_first: dict[str, float] = {}
    for f in FORMATS:
        prepared_first[f], r = visit(f"/economy/review?y_from={y1}&y_to={y2}&format={f}")
        assert r.status_code == 200 and "正在生成报告" not in r.text[:3000]
    load_after = os.getloadavg()

    med = {f: statistics.median(v) for f, v in before.items()}
    rows = "\n".join(
        f"| {f.upper()} | {ms(med[f])} | {ms(first[f])} (progress page) | {ms(job_s[f])} | "
        f"{ms(statistics.median(second[f]))} | {ms(prepared_first[f])} |" for f in FORMATS)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    text = f"""# The five-year review page: first and second visit (prepared reports)

Recorded {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit `{commit}`.

- Machine: {machine_line()}
- Load average (1 min): {load_before[0]:.1f} before, {load_after[0]:.1f} after: {load_words(load_before, load_after)}
- Data: the demo city (`zhizao demo`, 5,000 firms, 2020–2024); default span {y1}–{y2}, the city's review
- Server time of `GET /economy/review` through the app in process (TestClient), medians of {a.repeat}

| format | before: built in every request | after, not prepared: first visit | the job (worker, off the request) | after: every later visit | after a publication: first visit (prepared in the background) |
|---|---|---|---|---|---|
{rows}

The background preparation after a publication ({ran} jobs: the city and each district × 3
formats, one indicator computation shared) took {prepare_s:,.1f} s in the worker.

Rerun:

    python bench/review_prepared.py --home /tmp/review-bench --repeat {a.repeat} --record
"""
    print(text)
    print(json.dumps({"before": med, "first": first, "job": job_s, "second": second, "prepare_s": prepare_s}))
    if a.record:
        write_result("review_prepared.md", text)


if __name__ == "__main__":
    main()
