"""Benchmark: ``zhizao evaluate carbon`` as a user runs it, whole process, against the same
computation in plain DuckDB SQL (issue 18, point 5).

Setup (not timed): the carbon benchmark's warehouse (``zhizao.demo.scale.write_scale_city``,
500,000 firms by default, one year, loaded as ``zhizao import`` leaves it; reused from
``bench/data/carbon-<firms>`` when present). Before every repetition the warehouse file is copied
into a fresh ``--home`` (untimed), so each run starts from the same state.

Timed, alternating (cli, cli_kept, sql, cli, …), each repetition its own process under
``/usr/bin/time -v`` (wall time and peak resident memory of the whole process):

- **cli**: ``python -m zhizao --home HOME evaluate carbon --year 2023 --json``: start-up, the
  methodology, the input batches, the Ibis evaluation on DuckDB, the results written as Parquet,
  hashed and counted, the run registered. Its in-process figure is the run's own ``elapsed_s``
  (inputs read and evaluated to Arrow) read back from the registry.
- **cli_kept**: the same command in a fresh home holding the compiled SQL and the plan an earlier
  run kept there (``<home>/cache/sql``, filled by one untimed run): a second run of the same
  methodology version and year, which runs the plan's SQL without importing Ibis
  (``zhizao.runs.kept``). Every run of both variants must register the same result hash.
- **sql**: a Python process that imports only ``duckdb``, opens the same warehouse file and writes
  the hand-written query of ``bench/carbon_eval.py`` (the same population, gate, benchmark and
  bands) to a Parquet file with ``COPY``; its in-process figure is the ``COPY`` alone.

Both must give every firm the same status, grade and level and the same K (relative 1e-9).

Run: ``python bench/evaluate_cli.py [--firms 500000] [--repeat 3] [--record]``
(``--record`` rewrites ``bench/results/evaluate_cli.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

import _common as common
import carbon_eval

ROOT = Path(__file__).resolve().parent
YEAR = carbon_eval.YEAR

SQL_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import duckdb
wh, sql_file, out, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
con = duckdb.connect(wh, read_only=True)
con.execute(f"SET threads = {threads}")
sql = open(sql_file, encoding="utf-8").read()
t1 = time.perf_counter()
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
t2 = time.perf_counter()
con.close()
print(json.dumps({"query_s": t2 - t1, "started_s": t1 - t0}))
"""


def _time_v(cmd: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """Run ``cmd`` under ``/usr/bin/time -v``: its stdout, wall seconds and peak RSS (MB)."""
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=False,
                       env={**os.environ, **(env or {})})
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    assert wall and rss, p.stderr[-2000:]
    parts = [float(x) for x in wall.group(1).split(":")]
    return p.stdout, sum(v * 60 ** i for i, v in enumerate(reversed(parts))), int(rss.group(1)) / 1024


def run_cli(warehouse: Path, home: Path, threads: int, kept_sql: Path | None = None) -> dict[str, Any]:
    """One ``zhizao evaluate carbon`` in a fresh home holding a copy of ``warehouse`` (and, with
    ``kept_sql``, that folder as the home's compiled-SQL cache, as an earlier run leaves it)."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copyfile(warehouse, home / "warehouse.duckdb")
    if kept_sql is not None:
        shutil.copytree(kept_sql, home / "cache" / "sql")
    out, wall, rss = _time_v([sys.executable, "-m", "zhizao", "--home", str(home), "evaluate", "carbon",
                              "--year", str(YEAR), "--json"])
    run = json.loads(out[out.index("{"):])
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        elapsed, digest = con.execute("SELECT elapsed_s, result_hash FROM runs WHERE run_id = ?",  # type: ignore[misc]
                                      [run["run_id"]]).fetchone()
    finally:
        con.close()
    return {"wall_s": wall, "rss_mb": rss, "in_process_s": float(elapsed), "hash": digest,
            "out": home / "runs" / f"{run['run_id']}.parquet"}


def run_sql(warehouse: Path, sql_file: Path, out: Path, threads: int) -> dict[str, Any]:
    out.unlink(missing_ok=True)
    stdout, wall, rss = _time_v([sys.executable, "-c", SQL_CHILD, str(warehouse), str(sql_file), str(out), str(threads)])
    r = json.loads(stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "rss_mb": rss, "in_process_s": r["query_s"], "out": out}


def compare(a: Path, b: Path) -> dict[str, int]:
    """Firms in either output, and those whose status, grade, level or K differ."""
    r = duckdb.connect().execute(f"""
        SELECT count(*),
               count(*) FILTER (WHERE x.status IS DISTINCT FROM y.status OR x.grade IS DISTINCT FROM y.grade
                                OR x.level IS DISTINCT FROM y.level
                                OR abs(coalesce(x.k_value, 0) - coalesce(y.k_value, 0))
                                   > 1e-9 * greatest(1, abs(coalesce(y.k_value, 0)))
                                OR (x.k_value IS NULL) <> (y.k_value IS NULL))
        FROM read_parquet('{a}') x FULL JOIN read_parquet('{b}') y USING (credit_code)""").fetchone()
    assert r is not None
    return {"firms": int(r[0]), "different": int(r[1])}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    w = [r["wall_s"] for r in rows]
    p = [r["in_process_s"] for r in rows]
    return {"wall_median_s": round(statistics.median(w), 2), "wall_min_s": round(min(w), 2),
            "wall_s": [round(x, 2) for x in w], "in_process_median_s": round(statistics.median(p), 2),
            "in_process_s": [round(x, 2) for x in p], "peak_rss_mb": round(max(r["rss_mb"] for r in rows))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--note", default="")
    a = ap.parse_args()
    data = ROOT / "data" / f"carbon-{a.firms}"
    data.mkdir(parents=True, exist_ok=True)
    wh = carbon_eval.build_warehouse(data, a.firms)
    work = ROOT / "data" / f"evaluate_cli-{a.firms}"
    work.mkdir(parents=True, exist_ok=True)
    from zhizao.methodology import find

    sql_file = work / "carbon.sql"
    sql_file.write_text(carbon_eval.hand_sql(find(None, "carbon", YEAR), YEAR), encoding="utf-8")
    # the SQL an earlier run keeps in its home (untimed): what a second run of the same methodology
    # version and year finds
    os.environ.pop("ZHIZAO_SQL_CACHE", None)
    run_cli(wh, work / "home", a.threads)
    kept = work / "kept-sql"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(work / "home" / "cache" / "sql", kept)
    results: dict[str, list[dict[str, Any]]] = {"cli": [], "cli_kept": [], "sql": []}
    load_before = os.getloadavg()
    for _ in range(a.repeat):
        results["cli"].append(run_cli(wh, work / "home", a.threads))
        results["cli_kept"].append(run_cli(wh, work / "home", a.threads, kept_sql=kept))
        results["sql"].append(run_sql(wh, sql_file, work / "sql.parquet", a.threads))
        print(json.dumps({k: {x: v[-1][x] for x in ("wall_s", "rss_mb", "in_process_s")} for k, v in results.items()}),
              file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    check = compare(results["cli"][-1]["out"], results["sql"][-1]["out"])
    s = {"firms": a.firms, "check": check, "load": [round(load_before[0], 2), round(load_after[0], 2)],
         "cli": summary(results["cli"]), "cli_kept": summary(results["cli_kept"]), "sql": summary(results["sql"]),
         "note": a.note}
    check_kept = compare(results["cli_kept"][-1]["out"], results["sql"][-1]["out"])
    s["ratio_wall"] = round(s["cli"]["wall_median_s"] / s["sql"]["wall_median_s"], 3)
    s["ratio_wall_kept"] = round(s["cli_kept"]["wall_median_s"] / s["sql"]["wall_median_s"], 3)
    s["ratio_in_process"] = round(s["cli"]["in_process_median_s"] / s["sql"]["in_process_median_s"], 3)
    s["ratio_rss"] = round(s["cli"]["peak_rss_mb"] / s["sql"]["peak_rss_mb"], 3)
    print(json.dumps(s, ensure_ascii=False, indent=1))
    s["same_hash"] = len({r["hash"] for r in results["cli"] + results["cli_kept"]}) == 1
    if check["different"] or check_kept["different"]:
        raise SystemExit("the CLI's run and the SQL disagree")
    if not s["same_hash"]:
        raise SystemExit("the runs with and without the kept SQL registered different result hashes")
    if a.record:
        record(s, a)


def record(s: dict[str, Any], a: argparse.Namespace) -> None:
    import ibis

    c, k, q = s["cli"], s["cli_kept"], s["sql"]
    text = f"""# Benchmark: `zhizao evaluate carbon`, whole process, {s['firms']:,} firms

- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
- Machine: {common.machine_line()}
- Load: 1-minute load average {s['load'][0]} at the start, {s['load'][1]} at the end
  ({common.load_words(s['load'][0], s['load'][1])}). {s['note']}
- Software: Python {platform.python_version()}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}; threads = {a.threads}
- Data: the carbon benchmark's warehouse (`bench/carbon_eval.py`: `write_scale_city`, {s['firms']:,} firms, seed 1,
  year {YEAR}, loaded as `zhizao import` leaves it), copied into a fresh `--home` before every repetition (untimed).

| variant | whole process, median (s) | runs (s) | in-process, median (s) | runs (s) | peak RSS (MB) |
|---|---:|---|---:|---|---:|
| plain DuckDB SQL (`COPY (query) TO … parquet`) | {q['wall_median_s']} | {', '.join(map(str, q['wall_s']))} | {q['in_process_median_s']} | {', '.join(map(str, q['in_process_s']))} | {q['peak_rss_mb']:,} |
| `zhizao evaluate carbon --year {YEAR}` | {c['wall_median_s']} | {', '.join(map(str, c['wall_s']))} | {c['in_process_median_s']} | {', '.join(map(str, c['in_process_s']))} | {c['peak_rss_mb']:,} |
| the same, with the SQL an earlier run kept in the home | {k['wall_median_s']} | {', '.join(map(str, k['wall_s']))} | {k['in_process_median_s']} | {', '.join(map(str, k['in_process_s']))} | {k['peak_rss_mb']:,} |

**Whole process: {s['ratio_wall_kept']}× the plain SQL with the kept SQL** (target ≤ 1.3×),
{s['ratio_wall']}× for the first run of a methodology version and year (which compiles);
in-process {s['ratio_in_process']}×; peak memory {s['ratio_rss']}×.

The first run of a methodology version and year builds and compiles the Ibis expression and keeps
its SQL in `<home>/cache/sql`, with a plan in `<home>/cache/sql/runs` (the SQL over the warehouse's
tables and the results' Arrow schema, keyed by method, methodology, year, released firms, input
schemas and code: `zhizao.runs.kept`). A later run (a correction, the final run, a rerun) finds the
plan and runs its SQL on the warehouse connection without importing Ibis. The kept-SQL variant
starts each repetition from a fresh home holding the folder one untimed run left. Every run of
both CLI variants registered the same result hash: {s['same_hash']}.

Whole process is the wall time `/usr/bin/time -v` reports for the process (interpreter start-up,
imports, everything the command does); peak RSS is its "Maximum resident set size". The CLI's
in-process figure is the run's `elapsed_s` in the registry (inputs read, evaluated, results in
Arrow: without start-up, the Parquet file, the hash and the registration); the SQL's is the
`COPY` statement alone. The repetitions alternate (cli, cli with kept SQL, sql, cli, …).
The last repetitions of both agree on every firm's status, grade, level and K
({s['check']['firms']:,} firms compared, {s['check']['different']} different).

Rerun (from the repository root, venv active; the data is built under `bench/data/` on the first run):

    python bench/evaluate_cli.py --firms {s['firms']} --repeat {a.repeat} --threads {a.threads} --record
"""
    common.write_result("evaluate_cli.md", text)


if __name__ == "__main__":
    main()
