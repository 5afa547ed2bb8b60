"""Every page of every demo role, first and second visit, on default ``zhizao serve`` over the
demo city (issue 18 item 4: first visit as fast as the second, every page under 300 ms).

One run: a copy of the demo city's home (``zhizao demo`` without serving, built once in
``--home``), default ``zhizao serve`` on it (its web workers and import worker), a login of
each demo role (city, district, firm, bank, auditor; the demo password), then

1. **start-up**: once the job queue is idle (what the demo queued is done), every page of
   every role visited twice: the first visit after the server started, then the second;
2. **import**: one department file uploaded through the API (``POST /api/imports/enterprises``,
   20 firms of the demo's own register), and as soon as its job is done (the data changed:
   every memo and prepared figure of the earlier state is stale) every page twice again.

A role's pages: its navigation (the header's entries), a firm profile (一企一档; the firm's own,
and the bank's consented firm), the five-year review (HTML and the PDF/XLSX downloads) for the
roles that have it, the rooms' list pages beyond their entry page, and a page of one thing: the
demo district's first project, and the latest carbon run (city and auditor); and, for the city and
the district, views other than a page's default (another span of years, month, day or year:
:data:`OTHER_VIEWS`), each first visited in that run. The time is the server's
own (``Server-Timing: app;dur=…``: the request's arrival to its response headers); where a
server has no such header, the client's time on loopback. The results file keeps one table per
``--label`` (``before`` / ``after`` a change).

    python bench/page_visits.py --home /tmp/zhizao-page-bench --label after --record
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import load_words, machine_line, write_result
from _serve import free_port, wait_up

PASSWORD = "zhizao-demo"
ROLES = ("city", "district", "firm", "bank", "auditor")
ROLE_OF = {"firm": "enterprise"}
#: the rooms' list pages beyond their entry page (the roles that read them)
LISTS = ("/projects/stalls", "/cultivation/lists", "/cultivation/expiring", "/cultivation/tier/specialised_sme?view=near",
         "/cultivation/tier/little_giant")
REVIEW = ("/economy/review", "/economy/review?format=pdf", "/economy/review?format=xlsx")
#: views other than a page's default, each not seen before its first visit: another span of years
#: (the demo's years are 2020–2024), month, day or year (the city's and the district's)
OTHER_VIEWS = ("/economy?y_from=2018&y_to=2022", "/economy?y_from=2021&y_to=2023", "/monitoring?month=2024-06",
               "/monitoring?month=2023-11", "/projects?as_of=2024-06-30", "/projects/stalls?as_of=2024-03-31",
               "/mujun?year=2023", "/carbon?year=2022")
LIMIT_MS = 300.0
RESULTS = Path(__file__).resolve().parent / "results"


def ensure_demo(home: Path) -> None:
    if (home / "demo-input" / "manifest.json").exists() and (home / "warehouse.duckdb").exists():
        return
    env = dict(os.environ, ZHIZAO_DEMO_SERVE="0")
    subprocess.run([sys.executable, "-m", "zhizao", "--home", str(home), "demo"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def details(home: Path) -> dict[str, str]:
    """A page of one thing each: a project of the demo district (its own and the city's) and the
    latest carbon run (the city's and the auditor's), read from the warehouse before the server starts."""
    import duckdb

    from zhizao.demo.run import DEMO_DISTRICT

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        project = con.execute("SELECT min(project_id) FROM projects WHERE region_code = ?", [DEMO_DISTRICT]).fetchall()
        run = con.execute("SELECT max(run_id) FROM runs WHERE method = 'carbon'").fetchall()
    finally:
        con.close()
    return {"project": f"/projects/p/{project[0][0]}", "run": f"/runs/{run[0][0]}"}


def pages_of(role: str, firm_code: str, detail: dict[str, str]) -> list[str]:
    from zhizao.web.templating import NAV

    own = ROLE_OF.get(role, role)
    out = [path for _label, path, roles in NAV if own in roles]
    if own in ("city", "district", "auditor"):
        out += [f"/enterprises/{firm_code}", *LISTS, *REVIEW, detail["project"]]
        if own != "auditor":
            out += OTHER_VIEWS
        if own != "district":
            out.append(detail["run"])
    elif own == "bank":
        out += [f"/enterprises/{firm_code}"]
    else:  # the firm lands on its own profile
        out = [f"/enterprises/{firm_code}", *out]
    return list(dict.fromkeys(out))


def queue_idle(home: Path, timeout: float) -> float:
    """Wait until the store's job queue has nothing queued or running; the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        con = sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True, timeout=30)
        try:
            busy = con.execute("SELECT count(*) FROM import_jobs WHERE status IN ('queued', 'running')").fetchone()[0]
        except sqlite3.OperationalError:
            busy = 1
        finally:
            con.close()
        if not busy:
            return time.monotonic() - t0
        time.sleep(0.5)
    return time.monotonic() - t0


class Visitor:
    """One role's browser: its session cookie, and the visits' times."""

    def __init__(self, base: str, username: str) -> None:
        import httpx

        self.c = httpx.Client(base_url=base, timeout=600, follow_redirects=False)
        form = self.c.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None, form[:300]
        r = self.c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1),
                                        "next": ""})
        assert r.status_code == 303, (username, r.status_code, r.text[:300])
        self.home = r.headers["location"]

    def visit(self, path: str) -> dict[str, Any]:
        import httpx

        t0 = time.perf_counter()
        try:
            r = self.c.get(path)
        except httpx.TransportError:  # a kept-alive connection the server closed meanwhile: once more
            t0 = time.perf_counter()
            r = self.c.get(path)
        client_ms = (time.perf_counter() - t0) * 1000
        m = re.match(r"app;dur=([\d.]+)", r.headers.get("server-timing", ""))
        return {"status": r.status_code, "ms": float(m.group(1)) if m else client_ms, "client_ms": client_ms,
                "server_timed": m is not None, "bytes": len(r.content),
                "progress": "正在生成报告" in r.text[:20000] if r.headers.get("content-type", "").startswith("text/html")
                else False}

    def close(self) -> None:
        self.c.close()


def upload(base: str, home: Path) -> dict[str, Any]:
    """20 firms of the demo's own register uploaded through the API as the city; waits for the
    job to end. Returns the job and the seconds from upload to done."""
    import httpx

    lines = (home / "demo-input" / "企业基本信息.csv").read_text(encoding="utf-8-sig").splitlines()
    body = "\n".join(lines[:1] + lines[100:120]) + "\n"
    with httpx.Client(base_url=base, timeout=600) as c:
        token = c.post("/api/auth/login", json={"username": "city", "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        t0 = time.perf_counter()
        r = c.post("/api/imports/enterprises", headers=auth, data={"source": "基准测试"},
                   files={"file": ("enterprises-bench.csv", body.encode("utf-8"), "text/csv")})
        assert r.status_code == 202, r.text
        job_url = r.json()["url"]
        while True:
            job = c.get(job_url, headers=auth).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        took = time.perf_counter() - t0
    assert job["status"] == "done", job
    return {"job": job, "s": took}


def run_once(base_home: Path, settle_s: float) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="zhizao-page-visits."))
    shutil.rmtree(home)
    shutil.copytree(base_home, home, ignore=shutil.ignore_patterns("logs", "*.tmp"))
    env = dict(os.environ)
    env.pop("ZHIZAO_STORE_URL", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    detail = details(home)
    log = open(home / "server.log", "w")
    exe = Path(sys.executable).with_name("zhizao")
    server = subprocess.Popen([str(exe) if exe.exists() else "zhizao", "--home", str(home), "serve",
                               "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log,
                              start_new_session=True)
    out: dict[str, Any] = {"phases": {}}
    try:
        wait_up(f"{base}/healthz")
        out["startup_queue_s"] = queue_idle(home, settle_s)
        visitors = {role: Visitor(base, role) for role in ROLES}
        firm_code = visitors["firm"].home.rsplit("/", 1)[-1]
        pages = {role: pages_of(role, firm_code, detail) for role in ROLES}
        out["firm"] = firm_code

        def both_visits(phase: str) -> None:
            got: dict[str, dict[str, list[dict[str, Any]]]] = {}
            for _ in range(2):
                for role in ROLES:
                    for p in pages[role]:
                        got.setdefault(role, {}).setdefault(p, []).append(visitors[role].visit(p))
            out["phases"][phase] = got

        out["load_start"] = os.getloadavg()
        both_visits("start")
        out["import"] = upload(base, home)
        both_visits("import")
        out["load_end"] = os.getloadavg()
        out["after_import_queue_s"] = queue_idle(home, settle_s)
        for v in visitors.values():
            v.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        shutil.copy(home / "server.log", Path(tempfile.gettempdir()) / "zhizao-page-visits-server.log")
        shutil.rmtree(home, ignore_errors=True)
    return out


def cell(v: dict[str, Any]) -> str:
    mark = "" if v["status"] in (200, 303) else f" ({v['status']})"
    slow = "**" if v["ms"] > LIMIT_MS else ""
    prog = " †" if v.get("progress") else ""
    return f"{slow}{v['ms']:,.0f}{slow}{mark}{prog}"


def table(run: dict[str, Any]) -> str:
    st, im = run["phases"]["start"], run["phases"]["import"]
    lines = ["| role | page | start-up: first | second | after an import: first | second |",
             "|---|---|---:|---:|---:|---:|"]
    for role, pages in st.items():
        for p, (a, b) in pages.items():
            c, d = im[role][p]
            lines.append(f"| {role} | `{p.replace(run['firm'], '{firm}')}` | {cell(a)} | {cell(b)} | {cell(c)} | "
                         f"{cell(d)} |")
    return "\n".join(lines)


def over(run: dict[str, Any]) -> list[str]:
    out = []
    for phase, by_role in run["phases"].items():
        for role, pages in by_role.items():
            for p, visits in pages.items():
                for i, v in enumerate(visits):
                    if v["ms"] > LIMIT_MS:
                        out.append(f"{phase} {('first', 'second')[i]} {role} {p.replace(run['firm'], '{firm}')}: "
                                   f"{v['ms']:,.0f} ms")
    return out


def render(runs: dict[str, Any]) -> str:
    parts = ["# Every page of every demo role: first and second visit\n",
             "Server time of each page (`Server-Timing: app;dur`, the request's arrival to its response headers; "
             "a run without the header: the client's time on loopback, marked), in ms; **bold** over 300 ms; "
             "† the page answered a progress note (the review being prepared). Default `zhizao serve` (its web "
             "workers and import worker) on a copy of the demo city (`zhizao demo`, 5,000 firms, 2020–2024). "
             "*start-up*: the first visits after the server started (once the job queue was idle), then the second; "
             "*after an import*: 20 firms of the demo register uploaded through `POST /api/imports/enterprises`, "
             "visited as soon as the import job was done (the data changed), then the second visit.\n"]
    for label, run in runs.items():
        untimed = sum(not v["server_timed"] for ph in run["phases"].values() for pages in ph.values()
                      for vs in pages.values() for v in vs)
        slow = over(run)
        parts.append(f"## {label}\n")
        parts.append(f"Recorded {run['recorded']} at commit `{run['commit']}`.\n")
        parts.append(f"- Machine: {run['machine']}")
        parts.append(f"- Load average (1 min): {run['load_start'][0]:.1f} at the first visit, "
                     f"{run['load_end'][0]:.1f} at the end: {run['load_words']}")
        parts.append("- Times: server (Server-Timing)"
                     + (f", except {untimed} answers without the header (a 500 error page: the client's time)"
                        if untimed else "") + "; "
                     f"the import job took {run['import']['s']:.1f} s from upload to done; after start-up the "
                     f"queue was idle in {run['startup_queue_s']:.0f} s, after the import in "
                     f"{run['after_import_queue_s']:.0f} s more")
        parts.append(f"- Over 300 ms: {len(slow)} visits" + ("" if not slow else ": " + "; ".join(slow)) + "\n")
        parts.append(table(run) + "\n")
        if run.get("reading"):
            parts.append(run["reading"] + "\n")
    parts.append("Rerun (the demo city is built in `--home` first when absent; each run works on a copy):\n\n"
                 "    python bench/page_visits.py --home /tmp/zhizao-page-bench --label after --record\n")
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "zhizao-page-bench",
                    help="the demo city's home (built there first when absent; each run works on a copy)")
    ap.add_argument("--label", default="after", help="the table's name in the results (before / after)")
    ap.add_argument("--settle", type=float, default=900.0, help="seconds to wait at most for an idle job queue")
    ap.add_argument("--quiet-load", type=float, default=2.0, help="wait (up to 5 × 60 s) for a load below this")
    ap.add_argument("--record", action="store_true", help="write bench/results/page_visits.md (and .json)")
    ap.add_argument("--reading", default=None,
                    help="with --render: what a label's table shows, written under it (markdown)")
    ap.add_argument("--render", action="store_true",
                    help="rewrite the .md from the recorded .json only (with --reading: set the label's reading)")
    a = ap.parse_args()
    if a.render:
        store = RESULTS / "page_visits.json"
        runs = json.loads(store.read_text(encoding="utf-8"))
        if a.reading is not None:
            runs[a.label]["reading"] = a.reading
            store.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (RESULTS / "page_visits.md").write_text(render(runs), encoding="utf-8")
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the finally blocks stop the server
    ensure_demo(a.home)
    for _ in range(5):
        if os.getloadavg()[0] < a.quiet_load:
            break
        time.sleep(60)
    load_before = os.getloadavg()
    run = run_once(a.home, a.settle)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    run |= {"recorded": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit,
            "machine": machine_line(), "load_words": load_words(load_before, os.getloadavg())}
    store = RESULTS / "page_visits.json"
    runs = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    runs[a.label] = run
    text = render(runs if a.record else {a.label: run})
    print(text)
    if a.record:
        store.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        write_result("page_visits.md", text)


if __name__ == "__main__":
    main()
