"""What the evaluation benchmarks share: a warehouse built from the scale city's Parquet files,
a variant timed in its own process under ``/usr/bin/time -v`` (wall time from the child, peak
memory from ``time``), the driver that interleaves the variants' processes and summarises their
times, and the machine as the results files state it. Not a benchmark itself (``run_all.sh``
skips ``_*`` files)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")


@contextmanager
def new_duckdb(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new DuckDB file built under a temporary name, checkpointed and renamed to
    ``path`` when the block ends without error: an interrupted build leaves no ``path`` and is redone."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        yield con
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.rename(path)


def build_scale_warehouse(data_dir: Path, firms: int, years: Iterable[int], tables: Sequence[str],
                          src: Path | None = None,
                          adjust: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> Path:
    """``data_dir/warehouse.duckdb`` loaded with the scale city (generated into ``data_dir/parquet``
    unless ``src`` already holds every table); ``adjust`` may add or change facts before the
    checkpoint. Built under a temporary name and renamed, so an interrupted build is redone."""
    from zhizao.demo.scale import fact_insert_sql, write_scale_city
    from zhizao.engine.warehouse import ensure_schema

    wh = data_dir / "warehouse.duckdb"
    if wh.exists():
        return wh
    started = time.perf_counter()
    if src is None or not all((src / f"{t}.parquet").exists() for t in tables):
        src = data_dir / "parquet"
        t0 = time.perf_counter()
        manifest = write_scale_city(src, firms, seed=1, years=tuple(years), memory_limit="3GB")
        print(f"generated in {time.perf_counter() - t0:.0f} s: "
              + ", ".join(f"{k} {v['rows']:,}" for k, v in manifest["tables"].items()), file=sys.stderr)
    with new_duckdb(wh) as con:
        ensure_schema(con)
        for batch, name in enumerate(tables, start=1):
            con.execute(fact_insert_sql(name, src / f"{name}.parquet", batch))
        if adjust is not None:
            adjust(con)
    (data_dir / "setup.json").write_text(json.dumps({"setup_s": round(time.perf_counter() - started, 1)}))
    return wh


def timed_child(script: str, variant: str, warehouse: Path, repeat: int, threads: int,
                env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``script --child VARIANT`` in its own process under ``/usr/bin/time -v`` (``env``: extra
    environment variables); returns the child's last JSON line plus ``peak_rss_mb``."""
    cmd = ["/usr/bin/time", "-v", sys.executable, script, "--child", variant, "--warehouse", str(warehouse),
           "--repeat", str(repeat), "--threads", str(threads)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False,
                       env={**os.environ, **env} if env else None)
    if p.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{p.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    out["peak_rss_mb"] = int(rss.group(1)) / 1024 if rss else None
    return out


def run_timed(variant: str, warehouse: Path, repeat: int, threads: int, ibis_job: Callable[[Any], T],
              sql_job: Callable[[duckdb.DuckDBPyConnection], T],
              after: Callable[[Any], None] | None = None) -> tuple[list[float], T]:
    """Time ``repeat`` runs of one variant in this process: an ``ibis…`` variant runs
    ``ibis_job(engine)`` on a read-only DuckDB engine over the warehouse, ``sql`` runs
    ``sql_job(connection)`` on a plain read-only DuckDB connection (both with ``threads``).
    ``after(engine)`` runs after each timed Ibis run, untimed. Returns the times and the last result."""
    times: list[float] = []
    out: T | None = None
    if variant.startswith("ibis"):
        from zhizao.engine.duckdb_engine import DuckDBEngine

        eng = DuckDBEngine(warehouse, read_only=True, threads=threads)
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = ibis_job(eng)
            times.append(time.perf_counter() - t0)
            if after is not None:
                after(eng)
        eng.close()
    else:
        con = duckdb.connect(str(warehouse), read_only=True)
        con.execute(f"SET threads = {threads}")
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = sql_job(con)
            times.append(time.perf_counter() - t0)
        con.close()
    assert out is not None
    return times, out


def time_variant(variant: str, warehouse: Path, repeat: int, threads: int, expr: Callable[[Any], Any], sql: str,
                 compile_too: bool = False) -> tuple[list[float], Any, list[float]]:
    """:func:`run_timed` of one result: ``ibis`` executes ``expr(engine)`` to Arrow, ``sql`` runs
    the hand-written query to Arrow. Returns the times, the last result (Arrow) and, with
    ``compile_too``, the time of building and compiling the Ibis expression alone (measured after
    each timed run, so it warms nothing up)."""
    compile_s: list[float] = []

    def compile_alone(eng: Any) -> None:
        t0 = time.perf_counter()
        eng.con.compile(expr(eng))
        compile_s.append(time.perf_counter() - t0)

    times, table = run_timed(variant, warehouse, repeat, threads, lambda eng: eng.to_pyarrow(expr(eng)),
                             lambda con: con.sql(sql).to_arrow_table(), after=compile_alone if compile_too else None)
    return times, table, compile_s


# ----------------------------------------------------------------------------- the driver of an Ibis-vs-SQL benchmark
def standard_args(default_size: int, size: str = "firms",
                  variants: Sequence[str] = ("ibis", "sql")) -> argparse.ArgumentParser:
    """The options every evaluation benchmark takes: ``--<size>`` (``--firms`` unless the unit is
    another, e.g. ``projects``), ``--repeat``, ``--threads``, ``--data`` (where the generated data
    goes; default ``bench/data/<name>-<size>``), ``--record``, and the internal ``--child VARIANT``
    ``--warehouse PATH`` with which a timed child process is started. A script adds its own."""
    ap = argparse.ArgumentParser()
    ap.add_argument(f"--{size}", type=int, default=default_size)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--child", choices=tuple(variants))
    ap.add_argument("--warehouse", type=Path)
    return ap


def start(ap: argparse.ArgumentParser, run_variant: Callable[[str, Path, int, int], dict[str, Any]], name: str,
          size: str = "firms") -> argparse.Namespace | None:
    """Parse the options. In a child started by :func:`timed_child`: run the one variant, print its
    result as one JSON line and return ``None`` (the script ends). In the parent: the options, with
    ``data`` defaulting to ``bench/data/<name>-<size>``, created."""
    a = ap.parse_args()
    if a.child:
        print(json.dumps(run_variant(a.child, a.warehouse, a.repeat, a.threads)))
        return None
    a.data = a.data or Path(__file__).resolve().parent / "data" / f"{name}-{getattr(a, size)}"
    a.data.mkdir(parents=True, exist_ok=True)
    return a


def row_counts(db: Path, tables: Iterable[str], prefix: str = "") -> dict[str, int]:
    """Rows of each table (``prefix`` + name) of a DuckDB file, read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {prefix}{t}").fetchone()[0] for t in tables}  # type: ignore[index]
    finally:
        con.close()


#: what a child reports as lists over its repetitions, concatenated over the processes
SERIES = ("times", "compile", "process")


def interleave(script: str, warehouse: Path, variants: Sequence[str], repeat: int, threads: int, *,
               env: dict[str, dict[str, str]] | None = None,
               consistent: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None,
               ) -> tuple[dict[str, dict[str, Any]], tuple[tuple[float, ...], tuple[float, ...]]]:
    """Time the variants interleaved, one repetition per process (``timed_child``): ``repeat``
    rounds of every variant in order, so that a drift of the load on a shared machine is charged
    to all variants alike rather than to the one that ran last. ``env``: extra environment per
    variant. Per variant: the first child's output with :data:`SERIES` concatenated over the
    processes (``process`` is each child's wall time from start to exit, measured here) and
    ``peak_rss_mb`` the largest; ``consistent(first, later)`` must hold for every later
    repetition (e.g. the same checks). Also returns the load averages before and after."""
    results: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()
    for _ in range(repeat):
        for v in variants:
            t0 = time.perf_counter()
            r = timed_child(script, v, warehouse, 1, threads, env=(env or {}).get(v))
            r["process"] = [time.perf_counter() - t0]
            if v not in results:
                results[v] = r
                continue
            acc = results[v]
            for k in SERIES:
                if k in r:
                    acc[k] = acc.get(k, []) + r[k]
            acc["peak_rss_mb"] = max(acc["peak_rss_mb"] or 0, r["peak_rss_mb"] or 0)
            assert consistent is None or consistent(acc, r), f"{v}: a repetition gave other results"
    return results, (load_before, os.getloadavg())


def same_checks(first: dict[str, Any], later: dict[str, Any]) -> bool:
    """The ``consistent`` of :func:`interleave` for variants whose checks are exact."""
    return bool(first["check"] == later["check"])


def agree_within(*approx: str, rel: float = 1e-6) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    """The ``agree`` of :func:`compare` for checks equal in every key but the floating sums named in
    ``approx``, which may differ by ``rel`` relative (of at least 1)."""
    def agree(ci: dict[str, Any], cs: dict[str, Any]) -> bool:
        return (ci.keys() == cs.keys() and all(ci[k] == cs[k] for k in cs if k not in approx)
                and all(abs(ci[k] - cs[k]) <= rel * max(1.0, abs(cs[k])) for k in approx))

    return agree


def summarise(results: dict[str, dict[str, Any]], process: bool = False) -> dict[str, dict[str, Any]]:
    """Per variant: min, median and every time (s, 3 decimals) and the peak RSS (MB); with
    ``process`` also the median whole-process time."""
    out = {}
    for v, r in results.items():
        s = {"min_s": round(min(r["times"]), 3), "median_s": round(statistics.median(r["times"]), 3),
             "times_s": [round(x, 3) for x in r["times"]], "peak_rss_mb": round(r["peak_rss_mb"] or 0, 1)}
        if process:
            s["process_median_s"] = round(statistics.median(r["process"]), 3)
        out[v] = s
    return out


def ratios(summary: dict[str, Any], variant: str = "ibis", base: str = "sql", process: bool = False) -> dict[str, float]:
    """``variant`` against ``base`` in a :func:`summarise` result: ``ratio_median``, ``ratio_min``
    (and ``ratio_process`` of the whole-process medians)."""
    a, b = summary[variant], summary[base]
    out = {"ratio_median": round(a["median_s"] / b["median_s"], 3), "ratio_min": round(a["min_s"] / b["min_s"], 3)}
    if process:
        out["ratio_process"] = round(a["process_median_s"] / b["process_median_s"], 3)
    return out


def finish(summary: dict[str, Any], same: bool, a: argparse.Namespace,
           record: Callable[[dict[str, Any], argparse.Namespace], None], detail: Any = None) -> None:
    """Print the summary; stop with an error if the variants disagree (printing ``detail``), else
    record the results file when ``--record`` was given."""
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if not same:
        if detail is not None:
            print(json.dumps(detail, ensure_ascii=False, indent=1))
        raise SystemExit("the two variants disagree")
    if a.record:
        record(summary, a)


def compare(script: str, warehouse: Path, a: argparse.Namespace, head: dict[str, Any],
            agree: Callable[[dict[str, Any], dict[str, Any]], bool],
            record: Callable[[dict[str, Any], argparse.Namespace], None], warm: bool = False) -> None:
    r"""The common course of an Ibis-vs-SQL benchmark after its setup: ``sql`` and ``ibis``
    :func:`interleave`\ d (every repetition of a variant with the same checks), then the summary —
    ``head``, whether ``agree(ibis check, sql check)``, the SQL variant's check, the 1-minute load
    before and after, each variant's times (:func:`summarise`) and the Ibis / SQL :func:`ratios` —
    printed and, with ``--record``, recorded (:func:`finish`). With ``warm``, a third variant
    ``ibis-warm``: the same Ibis run with the compiled-SQL cache directory filled by an earlier run
    (:func:`warm_sql_cache`; its ratios under ``summary["ibis-warm"]``)."""
    variants: tuple[str, ...] = ("sql", "ibis", "ibis-warm") if warm else ("sql", "ibis")
    env = {"ibis-warm": warm_sql_cache(script, a.data, warehouse, a.threads)} if warm else None
    results, (load_before, load_after) = interleave(script, warehouse, variants, a.repeat, a.threads, env=env,
                                                    consistent=same_checks)
    cs = results["sql"]["check"]
    same = all(agree(results[v]["check"], cs) for v in variants if v != "sql")
    summary = {**head, "same_results": same, "check": cs, "load": [round(load_before[0], 2), round(load_after[0], 2)],
               **summarise(results)}
    summary.update(ratios(summary))
    if warm:
        summary["ibis-warm"].update(ratios(summary, "ibis-warm"))
    finish(summary, same, a, record, detail={v: results[v]["check"] for v in variants if v != "sql"})


# ----------------------------------------------------------------------------- the machine, for the results files
def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (else what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def mem_total_kb() -> int:
    """``MemTotal`` from ``/proc/meminfo`` in kB (0 if unknown)."""
    try:
        return int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                        if x.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError, IndexError):
        return 0


def machine_line() -> str:
    """``2 cores (AMD EPYC), 24 GB RAM, Linux 6.1``: the machine as the results files state it."""
    return (f"{os.cpu_count()} cores ({cpu_model()}), {mem_total_kb() / 1024 / 1024:.0f} GB RAM, "
            f"{platform.system()} {platform.release()}")


def load_remark(before: float, after: float) -> str:
    """How to read the figures given the 1-minute load average around the timed runs."""
    cores = os.cpu_count() or 1
    if max(before, after) < cores:
        return f"a quiet machine: the load stayed below its {cores} cores"
    return "other jobs were running (load above the cores), so absolute times are inflated; the ratio is what this measures"


def _first(x: Any) -> float:
    return float(x[0] if isinstance(x, (list, tuple)) else x)


def load_words(before: Any, after: Any) -> str:
    """:func:`load_remark` for a load given as a number or a (1, 5, 15 min) list."""
    return load_remark(_first(before), _first(after))


def write_result(name: str, text: str) -> Path:
    """Write ``bench/results/<name>`` and say so on stderr."""
    out = Path(__file__).resolve().parent / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"recorded {out}", file=sys.stderr)
    return out


def warm_sql_cache(script: str, data: Path, warehouse: Path, threads: int) -> dict[str, str]:
    """An emptied compiled-SQL cache directory (``data/sql-cache``), filled by one untimed run of
    the ``ibis-warm`` variant: the environment of that variant's timed runs (the cache as a second
    ``zhizao evaluate`` of the same methodology versions finds it)."""
    import shutil

    cache = data / "sql-cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ.pop("ZHIZAO_SQL_CACHE", None)
    env = {"ZHIZAO_SQL_CACHE": str(cache)}
    timed_child(script, "ibis-warm", warehouse, 1, threads, env=env)
    return env


def exact_sums(sql: str) -> str:
    """``{X}(e)`` → an exact sum of ``e``; ``{XW}(e)`` → the same over the window ``w``: each summand a
    ``DECIMAL(38, 12)``, the total a double, as the methods add (``zhizao.sums``), so a hand-written
    query and the method give the same bits."""
    from zhizao.sums import SCALE

    def paren(text: str, start: int) -> int:
        depth = 0
        for i in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                return i
        raise ValueError(text[start:])

    for tag, over in (("{XW}(", " OVER w"), ("{X}(", "")):
        while (i := sql.find(tag)) >= 0:
            j = paren(sql, i + len(tag) - 1)
            inner = sql[i + len(tag):j]
            sql = sql[:i] + f"(sum(CAST({inner} AS DECIMAL(38, {SCALE}))){over})::DOUBLE" + sql[j + 1:]
    return sql
