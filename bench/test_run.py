"""The test run, timed (issue 18: ``make test`` under 5 minutes on 2 cores, the slowest tests listed).

Runs the README's test suite (``scripts/test.sh``, the same pytest command ``make test`` ends with:
pytest-xdist on every core, a throw-away PostgreSQL cluster) with every test's duration, under
``/usr/bin/time -v``, and records: the wall time of the whole run, the pytest summary, the load
before and after, the test time per area (the first folder under ``tests/``) and per kind (the Spark
cluster, browser tests in Chromium, Spark-parametrised tests, property tests, the rest), and the
slowest 20 test phases; and each worker's timeline (``bench/_timeline.py``: when its first test
started and its last one stopped, the seconds it spent in tests, and how long it stood idle while
another worker finished), which tells whether the wall time is bound by the sum of the tests' time
or by how the groups of tests were spread over the workers. ``--from-log FILE`` summarises the
output of an earlier ``scripts/test.sh --durations=0`` run instead of running the suite (its wall
time is then the pytest summary's; ``--timeline FILE`` adds that run's timeline). With
``--record``, each group's seconds are also written to ``tests/durations.json``: the next test run
hands the longest groups to its workers first (tests/support/durations.py).

    python bench/test_run.py [--record]                       # about 12-20 minutes on 2 cores
    python bench/test_run.py --from-log /tmp/test.log --commit abc1234 --record
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _common import machine_line, write_result

ROOT = Path(__file__).resolve().parents[1]
PHASE = re.compile(r"^\s*([\d.]+)s (call|setup|teardown)\s+(\S+)")
SUMMARY = re.compile(r"^(?:=+ )?(\d+ (?:passed|failed).*?) in ([\d.]+)s")


def kind(node: str) -> str:
    if "test_cluster" in node:
        return "Spark cluster (master, 2 workers, Spark Connect)"
    if "/browser/" in node or "chromium" in node:
        return "browser (Chromium)"
    if "[spark" in node or "spark" in node.lower():
        return "Spark local (parametrised)"
    if "propert" in node:
        return "property (hypothesis)"
    return "the rest"


def summarise(log: str) -> dict:
    phases: list[tuple[float, str, str]] = []
    summary, pytest_s = "", 0.0
    for line in log.splitlines():
        if m := PHASE.match(line):
            phases.append((float(m[1]), m[2], m[3]))
        elif m := SUMMARY.match(line):
            summary, pytest_s = m[1], float(m[2])
    by_area: collections.Counter[str] = collections.Counter()
    by_kind: collections.Counter[str] = collections.Counter()
    for t, _, node in phases:
        parts = node.split("::")[0].split("/")
        by_area[parts[1] if len(parts) > 2 else parts[-1]] += t
        by_kind[kind(node)] += t
    return {"phases": phases, "summary": summary, "pytest_s": pytest_s, "by_area": by_area, "by_kind": by_kind,
            "total_s": sum(t for t, _, _ in phases)}


def workers(timeline: Path) -> list[dict]:
    """Each worker's first start, last stop, seconds in test phases and idle seconds at the end of
    the run (waiting for the others), from a ``bench/_timeline.py`` file."""
    rows = [json.loads(line) for line in timeline.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["start"] is not None and r["stop"] is not None]
    if not rows:
        return []
    begin, end = min(r["start"] for r in rows), max(r["stop"] for r in rows)
    out = []
    for w in sorted({r["worker"] for r in rows}):
        mine = [r for r in rows if r["worker"] == w]
        last = max(mine, key=lambda r: r["stop"])
        out.append({"worker": w, "first_s": min(r["start"] for r in mine) - begin, "last_s": last["stop"] - begin,
                    "busy_s": sum(r["stop"] - r["start"] for r in mine), "idle_end_s": end - last["stop"],
                    "last_test": last["test"].split("@")[0], "span_s": end - begin})
    return out


def group_seconds(phases: list[tuple[float, str, str]]) -> dict[str, float]:
    """{xdist group: seconds of its tests' phases} of a run (the ``@group`` its node ids carry),
    as ``tests/durations.json`` keeps them for the next run's order (tests/support/durations.py)."""
    out: dict[str, float] = collections.defaultdict(float)
    for t, _, node in phases:
        if "@" in node:
            out[node.rsplit("@", 1)[1]] += t
    return {g: round(t, 1) for g, t in sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))}


def render(s: dict, wall_s: float, load: tuple[float, float] | None, commit: str, how: str,
           timeline: list[dict] | None = None) -> str:
    workers = os.cpu_count() or 2
    lines = [
        "# The test run: `make test`'s pytest, timed",
        "",
        f"- Commit `{commit}`; {how}",
        f"- {machine_line()}",
        f"- Load (1 min): {load[0]:.2f} before, {load[1]:.2f} after" if load else "- Load: not recorded",
        f"- Result: {s['summary']}",
        f"- **Wall time: {wall_s / 60:.1f} min** ({wall_s:,.0f} s; target: under 5 min); test time summed over "
        f"the phases: {s['total_s']:,.0f} s on {workers} workers",
        "",
        "Rerun: `python bench/test_run.py --record` (or summarise a saved `scripts/test.sh --durations=0` output "
        "with `--from-log FILE --commit SHA --record`).",
        "",
        "## Test time by kind",
        "",
        "| kind | seconds | share |",
        "|---|---:|---:|",
    ]
    for k, t in s["by_kind"].most_common():
        lines.append(f"| {k} | {t:,.0f} | {t / s['total_s']:.0%} |")
    lines += ["", "## Test time by area (`tests/<area>`)", "", "| area | seconds |", "|---|---:|"]
    for k, t in s["by_area"].most_common():
        lines.append(f"| {k} | {t:,.0f} |")
    if timeline:
        span = timeline[0]["span_s"]
        lines += ["", "## Workers", "",
                  f"From the first test's start to the last one's stop: {span:,.0f} s. A worker idle at the end "
                  "waited for another to finish its last group of tests.", "",
                  "| worker | first test at | last test stopped at | in tests | idle at the end | its last test |",
                  "|---|---:|---:|---:|---:|---|"]
        for w in timeline:
            lines.append(f"| {w['worker']} | {w['first_s']:,.0f} s | {w['last_s']:,.0f} s | {w['busy_s']:,.0f} s | "
                         f"{w['idle_end_s']:,.0f} s | `{w['last_test']}` |")
    lines += ["", "## Slowest 20 phases", "", "| seconds | phase | test |", "|---:|---|---|"]
    for t, ph, node in sorted(s["phases"], reverse=True)[:20]:
        lines.append(f"| {t:,.1f} | {ph} | `{node}` |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from-log", type=Path)
    ap.add_argument("--commit", default=None)
    ap.add_argument("--load", default=None, help="with --from-log: the 1-minute load before and after, as B,A")
    ap.add_argument("--timeline", type=Path, default=None, help="with --from-log: that run's bench/_timeline.py file")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("pytest_args", nargs="*", help="more arguments for pytest (after --), e.g. "
                    "--loadscope-reorder for xdist's own order of the groups")
    a = ap.parse_args()
    commit = a.commit or subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip()
    if a.from_log:
        s = summarise(a.from_log.read_text(encoding="utf-8", errors="replace"))
        load = tuple(float(x) for x in a.load.split(",")) if a.load else None
        text = render(s, s["pytest_s"], load, commit,  # type: ignore[arg-type]
                      f"summarised from a saved run's output (`{a.from_log.name}`); wall time: pytest's own",
                      workers(a.timeline) if a.timeline else None)
    else:
        before = os.getloadavg()[0]
        t0 = time.perf_counter()
        data = ROOT / "bench" / "data"
        data.mkdir(parents=True, exist_ok=True)
        timeline = data / "test_run.timeline.jsonl"
        timeline.unlink(missing_ok=True)
        env = dict(os.environ, ZHIZAO_TEST_TIMELINE=str(timeline),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")])))
        args = ["--durations=0", "-q", "-p", "_timeline", *a.pytest_args]
        p = subprocess.run(["bash", "scripts/test.sh", *args], cwd=ROOT, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        # the whole output kept (a failure's message, every phase), beside the benchmarks' data
        (data / "test_run.log").write_text(p.stdout + p.stderr, encoding="utf-8")
        s = summarise(p.stdout)
        text = render(s, wall, (before, os.getloadavg()[0]), commit,
                      f"`scripts/test.sh {' '.join(args)}` (exit {p.returncode}), wall time of the whole script", workers(timeline) if timeline.exists() else None)
    print(text)
    if a.record:
        write_result("test_run.md", text)
        # the groups' seconds for the next run's order (longest first: tests/support/durations.py)
        (ROOT / "tests" / "durations.json").write_text(
            json.dumps(group_seconds(s["phases"]), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
