"""Benchmark: the command line's start-up, whole process (issue 18, point 3: ``zhizao --help`` and
``zhizao batches`` under 0.3 s).

Setup (not timed): a home with a small city imported the way a bureau does it (``zhizao.demo.scale``
writes ``--firms`` firms' contract CSVs, ``zhizao.ingest.import_file`` imports each as a batch),
reused from ``bench/data/cli_startup-<firms>`` when present.

Timed, interleaved (one process per case per round, ``--repeat`` rounds), each a whole process
from ``fork`` to exit under ``/usr/bin/time`` (peak RSS):

- ``python -c pass``: the interpreter alone;
- ``python -c "import duckdb"``: the interpreter and the warehouse driver, the floor of any command
  that reads the warehouse;
- the same job in plain DuckDB: ``import duckdb``, open the warehouse read-only and run the batch
  listing's query (``zhizao.ingest.queries.list_batches``'s SQL);
- ``zhizao --help``, ``zhizao batches``, ``zhizao batches --json`` (the ``zhizao`` console script
  of the venv, or ``python -m zhizao``), with this checkout's ``src`` first on ``PYTHONPATH``;
- with ``--before REV`` (a git revision, e.g. the commit before a change) the three ``zhizao``
  cases again on that revision's ``src`` (``git archive``-d into ``bench/data``), in the same rounds.

hyperfine is used when installed (``which hyperfine``), else these repeated runs (the default here).

Run: ``python bench/cli_startup.py [--firms 2000] [--repeat 15] [--before REV] [--record]``
(``--record`` rewrites ``bench/results/cli_startup.md``).
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

import _common as common

ROOT = Path(__file__).resolve().parent
SRC = ROOT.parent / "src"
TABLES = ("enterprises", "statistics_annual", "tax", "energy", "land")

#: the batch listing's query in plain DuckDB (what ``list_batches`` runs, written out)
BATCHES_SQL = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [r[0] for r in con.execute(
    "SELECT DISTINCT b.table_name FROM batches b JOIN duckdb_tables() t "
    "ON t.schema_name = 'main' AND t.table_name = 'fact_' || b.table_name ORDER BY 1").fetchall()]
cur = " UNION ALL ".join(f"SELECT _batch_id, count(*) AS n FROM fact_{t} WHERE _current GROUP BY _batch_id" for t in tables)
rows = con.execute("SELECT b.*, coalesce(c.n, 0) FROM batches b LEFT JOIN (" + cur + ") c "
                   "ON c._batch_id = b.batch_id ORDER BY b.batch_id").fetchall()
print(len(rows))
"""


def build_home(data: Path, firms: int) -> Path:
    """``data/home``: ``firms`` firms of the scale city imported as contract CSV batches."""
    home = data / "home"
    if (home / "warehouse.duckdb").exists():
        return home
    from zhizao.demo.scale import write_scale_city
    from zhizao.ingest import import_file
    from zhizao.settings import load_settings

    csv = data / "csv"
    write_scale_city(csv, firms, seed=1, years=(2023,), fmt="csv")
    tmp = data / "home.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    settings = load_settings(tmp).ensure()
    for t in TABLES:
        import_file(settings, t, csv / f"{t}.csv", source="基准测试")
    tmp.rename(home)
    return home


def before_src(rev: str) -> Path:
    """``rev``'s ``src`` folder, extracted with ``git archive`` under ``bench/data``."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    out = ROOT / "data" / f"cli_startup-src-{sha}"
    if not (out / "src").is_dir():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha, "src"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


def zhizao_cmd() -> list[str]:
    script = Path(sys.executable).parent / "zhizao"
    return [str(script)] if script.exists() else [sys.executable, "-m", "zhizao"]


def cases(home: Path, before: Path | None) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Name → (argv, extra environment)."""
    wh = str(home / "warehouse.duckdb")
    py = sys.executable
    z = zhizao_cmd()
    now = {"PYTHONPATH": str(SRC)}
    out: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([py, "-c", "pass"], {}),
        'python -c "import duckdb"': ([py, "-c", "import duckdb"], {}),
        "plain DuckDB: the batch listing's query": ([py, "-c", BATCHES_SQL, wh], {}),
        "zhizao --help": ([*z, "--help"], now),
        "zhizao batches": ([*z, "--home", str(home), "batches"], now),
        "zhizao batches --json": ([*z, "--home", str(home), "batches", "--json"], now),
    }
    if before is not None:
        old = {"PYTHONPATH": str(before)}
        out |= {
            "before: zhizao --help": ([*z, "--help"], old),
            "before: zhizao batches": ([*z, "--home", str(home), "batches"], old),
            "before: zhizao batches --json": ([*z, "--home", str(home), "batches", "--json"], old),
        }
    return out


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of the whole process and its peak RSS (MB), output discarded; columns fixed
    so that rich lays out the same table every time."""
    e = {**os.environ, "COLUMNS": "160", **env}
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, env=e, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(argv)}\n{p.stderr[-2000:]}")
    return wall, int(p.stderr.strip().splitlines()[-1]) / 1024


def hyperfine(named: dict[str, tuple[list[str], dict[str, str]]], repeat: int, work: Path) -> dict[str, Any]:
    """The same cases through hyperfine (when installed): mean and min per case."""
    out = work / "hyperfine.json"
    cmds: list[str] = []
    for name, (argv, env) in named.items():
        cmds += ["-n", name, " ".join(map(_quote, ["env", "COLUMNS=160", *(f"{k}={v}" for k, v in env.items()), *argv]))]
    subprocess.run(["hyperfine", "-N", "--warmup", "2", "--runs", str(repeat), "--export-json", str(out), *cmds],
                   check=True, stdout=subprocess.DEVNULL)
    doc = json.loads(out.read_text())
    return {r["command"]: {"median_s": r["median"], "min_s": r["min"], "max_s": r["max"]} for r in doc["results"]}


def _quote(s: str) -> str:
    return s if re.fullmatch(r"[\w./=:@-]+", s) else "'" + s.replace("'", "'\\''") + "'"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--before", default=None, help="a git revision whose src to time as well")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--note", default="")
    a = ap.parse_args()
    data = ROOT / "data" / f"cli_startup-{a.firms}"
    data.mkdir(parents=True, exist_ok=True)
    home = build_home(data, a.firms)
    named = cases(home, before_src(a.before) if a.before else None)
    for argv, env in named.values():  # warm the page cache and the bytecode caches, untimed
        timed(argv, env)
    load_before = os.getloadavg()
    tool = "hyperfine" if shutil.which("hyperfine") else "repeated processes under /usr/bin/time"
    rows: dict[str, dict[str, Any]] = {}
    if shutil.which("hyperfine"):
        rows = hyperfine(named, a.repeat, data)
    else:
        walls: dict[str, list[float]] = {n: [] for n in named}
        rss: dict[str, list[float]] = {n: [] for n in named}
        for _ in range(a.repeat):
            for name, (argv, env) in named.items():
                w, m = timed(argv, env)
                walls[name].append(w)
                rss[name].append(m)
        for name in named:
            w = sorted(walls[name])
            rows[name] = {"median_s": statistics.median(w), "min_s": w[0], "max_s": w[-1],
                          "p90_s": w[min(len(w) - 1, round(0.9 * (len(w) - 1)))], "rss_mb": max(rss[name])}
    load_after = os.getloadavg()
    base = rows['python -c "import duckdb"']["median_s"]
    for r in rows.values():
        r["vs_duckdb"] = r["median_s"] / base
    s = {"firms": a.firms, "repeat": a.repeat, "tool": tool, "load": [round(x, 2) for x in load_before],
         "load_after": [round(x, 2) for x in load_after], "rows": rows, "note": a.note,
         "before": str(a.before) if a.before else None}
    print(json.dumps(s, ensure_ascii=False, indent=1))
    if a.record:
        record(s, a)


def _ms(x: float) -> str:
    return f"{x * 1000:,.0f}"


def record(s: dict[str, Any], a: argparse.Namespace) -> None:
    import duckdb
    import typer

    lines = []
    for name, r in s["rows"].items():
        rss = f"{r['rss_mb']:,.0f}" if "rss_mb" in r else "—"
        p90 = _ms(r["p90_s"]) if "p90_s" in r else "—"
        lines.append(f"| {name} | {_ms(r['median_s'])} | {_ms(r['min_s'])} | {p90} | {_ms(r['max_s'])} | "
                     f"{r['vs_duckdb']:.2f}× | {rss} |")
    before = (f"\n`before:` rows run the same commands on the code of revision `{s['before']}` (`git archive`-d "
              "into `bench/data`), in the same rounds.\n") if s["before"] else ""
    text = f"""# Benchmark: command-line start-up, whole process

- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
- Machine: {common.machine_line()}
- Load: load average {' / '.join(map(str, s['load']))} (1 / 5 / 15 min) at the start,
  {' / '.join(map(str, s['load_after']))} at the end ({common.load_words(s['load'][0], s['load_after'][0])}). {s['note']}
- Software: Python {platform.python_version()}, Typer {typer.__version__}, DuckDB {duckdb.__version__}
- Timing: {s['tool']}; {s['repeat']} rounds, the cases interleaved within each round, one process per
  case and round, after one untimed warm-up round; wall time of the whole process (fork to exit).
- Data: a home with {s['firms']:,} firms of the scale city imported as {len(TABLES)} batches
  ({', '.join(TABLES)}; `zhizao.demo.scale` CSVs through `zhizao.ingest.import_file`).

| case | median (ms) | min (ms) | p90 (ms) | max (ms) | median vs `import duckdb` | peak RSS (MB) |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(lines)}
{before}
The target (issue 18): `zhizao --help` and `zhizao batches` under 300 ms on a quiet machine.
`python -c "import duckdb"` is the floor of any command that reads the warehouse; "plain DuckDB"
is the batch listing's own query in a bare process (import, open read-only, query).

Rerun (from the repository root, venv active; the home is built under `bench/data/` on the first run):

    python bench/cli_startup.py --firms {s['firms']} --repeat {s['repeat']}{' --before ' + str(a.before) if a.before else ''} --record
"""
    common.write_result("cli_startup.md", text)


if __name__ == "__main__":
    main()
