"""Benchmark: carbon (碳效码) and 亩均 on DuckDB, Spark local mode and a Spark standalone cluster with
1 and 2 workers, at 50,000 to 2,000,000 firms, with the time of each stage and the peak memory of
every process.

Data: ``zhizao.demo.scale.write_scale_city`` writes the contract tables of one year as Parquet
(energy: 48 rows per firm, so 96 million rows at 2,000,000 firms) under ``bench/data/`` (git-
ignored; removed with ``--clean``).

Cases. Every case is its own process run under ``/usr/bin/time -v``, so its wall time and peak
memory (maximum resident set size) are the operating system's figures, not Python's. A case
reads the Parquet files through views (the way an engine reads the lake), evaluates the method
through the capability, exactly as ``zhizao evaluate`` does, materialises the results as Arrow
and writes them to Parquet (as the run registry writes a run's results). Engines:

- ``duckdb``: the Ibis method on DuckDB (all cores); ``carbon-sql`` is the carbon job hand-written
  in plain DuckDB SQL, the baseline in the same run (below);
- ``local``: Spark local mode, ``local[2]``: driver and executor in one JVM;
- ``cluster1`` / ``cluster2``: a Spark standalone cluster started by this driver for the case
  from the locked PySpark (``zhizao.engine.cluster``: a master and 1 or 2 workers, each worker
  ``--worker-cores`` cores (1 by default) and ``--worker-memory``; stopped by PID whatever
  happens), the case's process is the Spark driver (client mode, ``spark://…``). With 1 core per
  worker, 1 worker is one executor core and 2 workers are two executors on the machine's two
  cores. **On this 2-core machine both workers share the one machine's cores, memory bandwidth
  and disk with the driver and each other: 1 → 2 workers shows what a second executor gains on
  free cores and what it costs to coordinate two executor JVMs (shuffles between them), not the
  gain of a second machine.**

Memory: ``peak RSS`` is the case process (Python); for Spark the driver JVM's peak (``VmHWM``
of the py4j gateway's JVM: local mode's executors run inside it), for the cluster also every
executor JVM of the application (read from ``/proc`` just before the session stops) and the
master's and workers' JVMs (read by this driver after the case).

Stages (read, join, aggregate, other; then write), each case, from the engine's own
accounting of the one evaluation that is timed (nothing is run twice):

- DuckDB: the profiler (``enable_profiling = 'json'``) of the evaluation's query gives each
  operator's time. Operators are grouped: read = Parquet table scans; join = every join
  operator; aggregate = hash/perfect-hash/ungrouped aggregates, windows and DISTINCT; other =
  projections, filters, sorts, unions, CTE and delim scans. The query's wall time (the
  profile's latency) is split between the groups in proportion to their operator time.
- Spark: the event log (``spark.eventLog.enabled``) of the evaluation's stages. A Spark stage
  is one pipeline of fused operators ending in a shuffle write or the result; it is attributed
  whole to the first group among read (it scans Parquet), join (it runs a join), aggregate
  (it runs an aggregate or a window), other, by the plan operators whose SQL metrics its tasks
  updated. The wall time during which some stage of the evaluation ran is split between the
  groups in proportion to the executor run time (core time) of their stages. So on Spark a
  "read" stage also holds the filters, projections and partial aggregations fused with the
  scan and the shuffle write that ends it: the groups are coarser than DuckDB's operators.
- ``outside``: the evaluation's wall time not covered by the query (DuckDB: Ibis builds and
  compiles the expression, Arrow conversion) or by a running stage (Spark: planning, the gaps
  between jobs, collecting the results to the driver as Arrow).
- ``write``: writing the whole result table to Parquet (zstd), wall clock.

Baseline in the same run: ``carbon-sql`` is the carbon job (fuel, electricity and heat CO2,
intensity, aggregate division benchmark, K, grade) hand-written in plain DuckDB SQL with the
same methodology's factors; the driver checks that it gives every firm the same grade as the
Ibis method. It is the core job only: no population filter (规上, existing in the year), no
publication gate and no zero-carbon offsets, so it is a floor rather than the same
computation; ``bench/carbon_eval.py`` and ``bench/evaluate_cli.py`` compare the method with the
same computation hand-written in SQL. Every Spark case's grades (carbon) or classes (亩均) are
compared firm by firm with DuckDB's.

Quiet machine: before each case the driver waits (up to ``--max-wait`` seconds) until the
1-minute load average is below ``--max-load`` (2), and records the load at the start of the
case and how long it waited. The report so far is kept in ``bench/results/scaling.json``
after every case; ``--resume`` skips the cases it already holds (same firms, method, engine), and
``--render`` rewrites the results file from it.

The estimate: the results file derives, from the recorded figures, the time and memory of the
nation's ~480,000 above-scale and ~4,000,000 industrial firms on n machines (its assumptions are
printed with it).

Run: ``python bench/scaling.py [--sizes 500000,2000000] [--methods carbon,mujun]
[--spark-cases 500000:carbon:local+cluster1+cluster2,...] [--record] [--resume] [--clean]``
(``--record`` rewrites ``bench/results/scaling.md``); ``python bench/scaling.py --render``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results" / "scaling.md"
#: the report so far, kept beside the results file (in the repository, so a later clone can --resume)
REPORT = HERE / "results" / "scaling.json"
YEAR = 2023
SEED = 1
OUTCOME = {"carbon": "grade", "carbon-sql": "grade", "mujun": "class"}
SPARK_ENGINES = ("local", "cluster1", "cluster2")
STAGES = ("read", "join", "aggregate", "other", "outside", "write")
#: the nation's firms the estimate is made for
NATION = {"above-scale (规上) industrial firms": 480_000, "industrial firms": 4_000_000}


# ---------------------------------------------------------------- one case (a child process)
def _views_duckdb(data: Path, tables: tuple[str, ...], threads: int | None) -> Any:
    from zhizao.engine.duckdb_engine import DuckDBEngine
    from zhizao.engine.lake import columns

    eng = DuckDBEngine(None, threads=threads)
    for t in tables:
        cols = ", ".join(f'CAST("{c}" AS {ty}) AS "{c}"' for c, ty in columns(t) if c != "_batch_id")
        eng.con.raw_sql(f"CREATE VIEW \"{t}\" AS SELECT {cols}, 1::BIGINT AS _batch_id "
                        f"FROM read_parquet('{data / (t + '.parquet')}')")
    return eng


CARBON_SQL = """
WITH e AS (
    SELECT credit_code,
           sum(quantity * CASE energy_type {fuel_cases} ELSE 0 END) AS fuel_t,
           sum(CASE WHEN energy_type = 'electricity' THEN quantity ELSE 0 END) AS kwh,
           sum(CASE WHEN energy_type = 'heat' THEN quantity ELSE 0 END) AS gj,
           count(*) AS n
    FROM read_parquet('{data}/energy.parquet')
    WHERE year(month) = {year}
    GROUP BY credit_code
), s AS (
    SELECT credit_code, value_added FROM read_parquet('{data}/statistics_annual.parquet') WHERE year = {year}
), f AS (
    SELECT ent.credit_code, substr(ent.industry_code, 1, 2) AS division, s.value_added,
           e.fuel_t + e.kwh * {grid} + e.gj * {heat} AS emissions_t,
           s.value_added > 0 AND e.n > 0 AS eligible
    FROM read_parquet('{data}/enterprises.parquet') ent
    LEFT JOIN s USING (credit_code) LEFT JOIN e USING (credit_code)
), b AS (
    SELECT *, sum(CASE WHEN eligible THEN emissions_t ELSE 0 END) OVER (PARTITION BY division)
              / sum(CASE WHEN eligible THEN value_added ELSE 0 END) OVER (PARTITION BY division) AS bench
    FROM f
)
SELECT credit_code, emissions_t / value_added AS intensity, bench AS benchmark_intensity,
       (emissions_t / value_added) / bench AS k_value,
       CASE WHEN NOT coalesce(eligible, false) OR bench <= 0 THEN NULL
            {grade_cases} END AS grade
FROM b
"""


def carbon_sql(data: Path, year: int) -> str:
    """The carbon job in plain DuckDB SQL with the shipped methodology's factors."""
    from zhizao.carbon.method import _fuels
    from zhizao.methodology import find

    m: Any = find(None, "carbon", year)
    assert m.benchmark.statistic == "aggregate" and m.electricity.scope == "national", "baseline covers the default"
    fuel_cases = " ".join(f"WHEN '{k}' THEN {m.co2_per_canonical(k)!r}" for k in _fuels(m))
    grid, _, _ = m.grid_factor(year)
    uppers = [(b.grade, b.upper.value) for b in m.grades[:-1] if b.upper is not None]
    grade_cases = " ".join(f"WHEN (emissions_t / value_added) / bench <= {u!r} THEN {g}" for g, u in uppers)
    grade_cases += f" ELSE {m.grades[-1].grade}"
    return CARBON_SQL.format(fuel_cases=fuel_cases, data=data, year=year, grid=repr(grid),
                             heat=repr(m.co2_per_canonical("heat")), grade_cases=grade_cases)


def _spark_session(args: argparse.Namespace) -> Any:
    """The engine's own Spark session (``zhizao.engine.spark_engine.spark_session``), with the event
    log on and, on a cluster, the executors' memory, added through ``PYSPARK_SUBMIT_ARGS``."""
    from zhizao.engine.spark_engine import spark_session
    from zhizao.settings import SparkSettings

    conf = {"spark.eventLog.enabled": "true", "spark.eventLog.dir": Path(args.event_dir).resolve().as_uri(),
            "spark.eventLog.compress": "false"}
    if args.master.startswith("spark://"):
        conf.update({"spark.executor.memory": args.executor_memory, "spark.driver.host": "127.0.0.1",
                     "spark.driver.bindAddress": "127.0.0.1"})
    os.environ["PYSPARK_SUBMIT_ARGS"] = " ".join(f"--conf {k}={v}" for k, v in conf.items()) + " pyspark-shell"
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return spark_session(SparkSettings(master=args.master, driver_memory=args.driver_memory,
                                       shuffle_partitions=args.shuffle_partitions))


def _views_spark(args: argparse.Namespace, data: Path, tables: tuple[str, ...]) -> Any:
    from zhizao.engine.lake import spark_select
    from zhizao.engine.spark_engine import SparkEngine

    _spark_session(args)
    eng = SparkEngine()
    for t in tables:
        df = eng.session.read.parquet(str(data / f"{t}.parquet")).selectExpr(
            *[s for s in spark_select(t) if not s.endswith("`_batch_id`")], "CAST(1 AS BIGINT) AS `_batch_id`")
        df.createOrReplaceTempView(f"bench_{t}")
        eng._registered[t] = eng.con.table(f"bench_{t}")
    return eng


def _duckdb_group(op: str) -> str:
    op = op.upper()
    if op in ("TABLE_SCAN", "READ_PARQUET", "PARQUET_SCAN") or op.startswith("READ_"):
        return "read"
    if "JOIN" in op or op == "CROSS_PRODUCT":
        return "join"
    if "GROUP_BY" in op or "AGGREGATE" in op or "WINDOW" in op or op == "DISTINCT":
        return "aggregate"
    return "other"


def _profile(path: Path) -> dict[str, Any]:
    """DuckDB's JSON profile of the last query, or {} (then the whole evaluation counts as outside)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def duckdb_stages(profile: dict[str, Any]) -> tuple[dict[str, float], float]:
    """({group: operator seconds}, the query's latency) from DuckDB's JSON profile (DuckDB 2:
    ``operator`` nodes with ``type`` and ``timing``, ``query.total_time``; DuckDB 1: ``children``
    with ``operator_type`` and ``operator_timing``, ``latency``)."""
    groups: dict[str, float] = {}

    def walk(node: dict[str, Any]) -> None:
        op = node.get("type") or node.get("operator_type") or node.get("operator_name") or ""
        t = float(node.get("timing", node.get("operator_timing", 0.0)) or 0.0)
        if op:
            g = _duckdb_group(str(op))
            groups[g] = groups.get(g, 0.0) + t
        for child in node.get("children", []):
            walk(child)

    if not profile:
        return {}, 0.0
    for top in profile.get("operator", []):
        walk(top)
    for top in profile.get("children", []):
        walk(top)
    query = profile.get("query") or {}
    latency = float(query.get("total_time") or profile.get("latency") or sum(groups.values()))
    return groups, latency


def _spark_group(nodes: set[str], rdds: list[str]) -> str:
    names = " ".join(sorted(nodes))
    if "Scan" in names or "FileScanRDD" in rdds:
        return "read"
    if "Join" in names or any(r.startswith(("ZippedPartitionsRDD", "CartesianRDD")) for r in rdds):
        return "join"
    if "Aggregate" in names or "Window" in names:
        return "aggregate"
    return "other"


def spark_stages(event_dir: Path, start_ms: float, end_ms: float) -> tuple[dict[str, float], float, int]:
    """({group: executor run seconds}, seconds during which some stage ran, stages) of the stages
    submitted in [start_ms, end_ms], from the Spark event log."""
    node_of: dict[int, str] = {}  # SQL metric accumulator id → plan operator
    stages: list[tuple[float, float, float, list[int], list[str]]] = []

    def walk(node: dict[str, Any]) -> None:
        for m in node.get("metrics", []):
            node_of[int(m["accumulatorId"])] = str(node.get("nodeName", ""))
        for child in node.get("children", []):
            walk(child)

    for f in sorted(p for p in event_dir.rglob("*") if p.is_file()):  # Spark 4: eventlog_v2_*/events_*
        with open(f, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.startswith("{"):
                    continue
                ev = json.loads(line)
                kind = ev.get("Event", "")
                if kind.endswith(("SQLExecutionStart", "SQLAdaptiveExecutionUpdate")) and "sparkPlanInfo" in ev:
                    walk(ev["sparkPlanInfo"])
                elif kind == "SparkListenerStageCompleted":
                    si = ev["Stage Info"]
                    sub, done = si.get("Submission Time"), si.get("Completion Time")
                    if sub is None or done is None or not (start_ms <= sub <= end_ms):
                        continue
                    accs = si.get("Accumulables", [])
                    run_ms = sum(float(a.get("Value", 0)) for a in accs
                                 if a.get("Name") == "internal.metrics.executorRunTime")
                    stages.append((float(sub), float(done), run_ms / 1000, [int(a["ID"]) for a in accs],
                                   [str(r.get("Name", "")) for r in si.get("RDD Info", [])]))
    groups: dict[str, float] = {}
    for _, _, run_s, ids, rdds in stages:
        g = _spark_group({node_of[i] for i in ids if i in node_of}, rdds)
        groups[g] = groups.get(g, 0.0) + run_s
    covered, last = 0.0, start_ms
    for sub, done, *_ in sorted(stages):
        lo, hi = max(sub, last, start_ms), min(done, end_ms)
        if hi > lo:
            covered += hi - lo
            last = hi
    return groups, covered / 1000, len(stages)


def apportion(groups: dict[str, float], covered_s: float, evaluate_s: float, write_s: float) -> dict[str, float]:
    """Stage wall seconds: ``covered_s`` split in proportion to ``groups``; the rest of the
    evaluation is ``outside``; then ``write``."""
    covered = min(covered_s, evaluate_s)
    total = sum(groups.values())
    out = {g: round(covered * groups.get(g, 0.0) / total, 3) if total else 0.0 for g in STAGES[:4]}
    out["outside"] = round(evaluate_s - covered, 3)
    out["write"] = round(write_s, 3)
    return out


def _vm_hwm_mb(pid: int) -> float | None:
    """A process's peak resident memory (``VmHWM``), or None if it is gone."""
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith("VmHWM:"):
                return round(int(ln.split()[1]) / 1024, 1)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def _executor_pids(app_id: str) -> list[int]:
    """The executor JVMs of one Spark application on this machine."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if b"org.apache.spark.executor.CoarseGrainedExecutorBackend" in cmd and app_id.encode() in cmd:
            out.append(int(d.name))
    return out


def run_case(args: argparse.Namespace) -> None:
    """Evaluate one (method, engine, size); print one JSON line; write the outcomes as Parquet."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data, out = Path(args.data), Path(args.out)
    profile = out.with_suffix(".profile.json")
    profile.unlink(missing_ok=True)
    t0 = time.perf_counter()
    jvm: dict[str, Any] = {}
    groups: dict[str, float]
    result: Any
    if args.method == "carbon-sql":
        import duckdb

        con = duckdb.connect()
        if args.threads:
            con.execute(f"SET threads = {args.threads}")
        sql = carbon_sql(data, args.year)
        con.execute("SET enable_profiling = 'json'")
        con.execute(f"SET profiling_output = '{profile}'")
        t1 = time.perf_counter()
        result = con.execute(sql).to_arrow_table()
        t2 = time.perf_counter()
        groups, covered = duckdb_stages(_profile(profile))
        engine_name = "duckdb (hand-written SQL)"
    else:
        from zhizao import capabilities
        from zhizao.methodology import find

        cap = capabilities.get(args.method)
        m = find(None, args.method, args.year)
        if args.engine == "duckdb":
            eng = _views_duckdb(data, cap.inputs, args.threads)
            eng.raw.execute("SET enable_profiling = 'json'")
            eng.raw.execute(f"SET profiling_output = '{profile}'")
        else:
            eng = _views_spark(args, data, cap.inputs)
        t1, e1 = time.perf_counter(), time.time()
        result = eng.to_pyarrow(cap.evaluate(eng.tables(cap.inputs), m, args.year))
        t2, e2 = time.perf_counter(), time.time()
        if args.engine == "duckdb":
            groups, covered = duckdb_stages(_profile(profile))
            engine_name = "duckdb"
        else:
            sc = eng.session.sparkContext
            proc = getattr(sc._gateway, "proc", None)
            jvm["driver_mb"] = _vm_hwm_mb(proc.pid) if proc is not None else None
            execs = [_vm_hwm_mb(p) for p in _executor_pids(sc.applicationId)]
            jvm["executors_mb"] = [x for x in execs if x is not None]
            eng.session.stop()
            groups, covered, jvm["stages"] = spark_stages(Path(args.event_dir), e1 * 1000, e2 * 1000)
            engine_name = "spark"
    tw = time.perf_counter()
    pq.write_table(result, out.with_suffix(".result.parquet"), compression="zstd")
    write_s = time.perf_counter() - tw
    field = OUTCOME[args.method]
    outcome = result.select(["credit_code", field]).cast(pa.schema([("credit_code", pa.string()), (field, pa.string())]))
    pq.write_table(outcome, out)
    counts = {str(r["values"]): int(r["counts"]) for r in pc.value_counts(result[field]).to_pylist()}
    print(json.dumps({"method": args.method, "engine": engine_name, "rows": result.num_rows,
                      "setup_s": round(t1 - t0, 3), "evaluate_s": round(t2 - t1, 3), "outcomes": counts,
                      "stages": apportion(groups, covered, t2 - t1, write_s),
                      "engine_time_s": {g: round(v, 3) for g, v in groups.items()}, "jvm": jvm}))


# ---------------------------------------------------------------- the driver
def _time_v(cmd: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``cmd`` under /usr/bin/time -v; return (its JSON line, wall seconds and peak RSS)."""
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        log = DATA / "scaling-failed-case.log"  # the whole stderr: a JVM's shutdown noise can bury the cause
        log.write_text(p.stderr, encoding="utf-8")
        raise SystemExit(f"case failed ({p.returncode}, whole stderr in {log}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    assert wall and rss, p.stderr[-2000:]
    parts = [float(x) for x in wall.group(1).split(":")]
    seconds = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line), {"wall_s": round(seconds, 2), "peak_rss_mb": round(int(rss.group(1)) / 1024, 1)}


def wait_quiet(max_load: float, max_wait_s: float) -> tuple[float, float]:
    """Wait until the 1-minute load average is below ``max_load`` (at most ``max_wait_s``);
    return (the load then, seconds waited)."""
    t0 = time.monotonic()
    while os.getloadavg()[0] >= max_load and time.monotonic() - t0 < max_wait_s:
        time.sleep(5)
    return round(os.getloadavg()[0], 2), round(time.monotonic() - t0, 1)


def engine_label(engine: str, worker_cores: int) -> str:
    return {"duckdb": "duckdb", "carbon-sql": "duckdb (hand-written SQL)", "local": "spark local[2]",
            "cluster1": f"spark cluster, 1 worker × {worker_cores} core",
            "cluster2": f"spark cluster, 2 workers × {worker_cores} core"}[engine]


@contextlib.contextmanager
def _maybe_cluster(engine: str, work: Path, args: argparse.Namespace) -> Iterator[Any]:
    if not engine.startswith("cluster"):
        yield None
        return
    from zhizao.engine.cluster import standalone

    shutil.rmtree(work, ignore_errors=True)
    with standalone(work, workers=int(engine[-1]), connect=False, worker_cores=args.worker_cores,
                    worker_memory=args.worker_memory) as c:
        yield c


def parse_spark_cases(spec: str) -> list[tuple[int, str, str]]:
    """``SIZE:METHOD[:ENGINE+ENGINE…]`` pairs → (size, method, engine); engines default to all."""
    out = []
    for item in (x for x in spec.split(",") if x):
        parts = item.split(":")
        engines = parts[2].split("+") if len(parts) > 2 else list(SPARK_ENGINES)
        for e in engines:
            if e not in SPARK_ENGINES:
                raise SystemExit(f"unknown Spark engine {e!r} (one of {', '.join(SPARK_ENGINES)})")
            out.append((int(parts[0]), parts[1], e))
    return out


def main() -> None:
    global RESULTS, REPORT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    c = sub.add_parser("case")
    c.add_argument("--method", required=True, choices=sorted(OUTCOME))
    c.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    c.add_argument("--master", default="local[2]")
    c.add_argument("--data", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--event-dir", default="")
    c.add_argument("--year", type=int, default=YEAR)
    c.add_argument("--threads", type=int, default=None)
    c.add_argument("--shuffle-partitions", type=int, default=8)
    c.add_argument("--driver-memory", default="6g")
    c.add_argument("--executor-memory", default="5g")
    ap.add_argument("--sizes", default="500000,2000000", help="sizes evaluated on DuckDB (every method)")
    ap.add_argument("--methods", default="carbon,mujun")
    ap.add_argument("--spark-cases", default="500000:carbon,500000:mujun,2000000:carbon,2000000:mujun",
                    help="SIZE:METHOD[:ENGINE+ENGINE…] on Spark; engines local, cluster1, cluster2 (default all)")
    ap.add_argument("--worker-cores", type=int, default=1)
    ap.add_argument("--worker-memory", default="6g")
    ap.add_argument("--executor-memory", default="5g")
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--max-load", type=float, default=2.0, help="wait for a 1-minute load below this")
    ap.add_argument("--max-wait", type=float, default=600, help="seconds to wait for it at most, per case")
    ap.add_argument("--resume", action="store_true", help=f"keep the cases already in {REPORT.name}")
    ap.add_argument("--render", action="store_true", help=f"only rewrite the results file from {REPORT.name}")
    ap.add_argument("--record", action="store_true", help="rewrite bench/results/scaling.md")
    ap.add_argument("--clean", action="store_true", help="remove bench/data/scale-* afterwards")
    ap.add_argument("--name", default="scaling",
                    help="the results' name: bench/results/NAME.md and NAME.json (a set of cases recorded apart)")
    args = ap.parse_args()
    RESULTS, REPORT = RESULTS.with_name(f"{args.name}.md"), REPORT.with_name(f"{args.name}.json")
    if args.cmd == "case":
        run_case(args)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the cluster and the report still closed
    if args.render:
        RESULTS.write_text(render(json.loads(REPORT.read_text(encoding="utf-8"))), encoding="utf-8")
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    methods = [m for m in args.methods.split(",") if m]
    spark_cases = parse_spark_cases(args.spark_cases)
    all_sizes = sorted(set(sizes) | {n for n, _, _ in spark_cases})
    report: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                              "generation": {}, "cases": [], "checks": [],
                              "command": "python bench/scaling.py " + " ".join(sys.argv[1:]),
                              "settings": {k: getattr(args, k) for k in ("worker_cores", "worker_memory",
                                                                         "executor_memory", "driver_memory",
                                                                         "max_load")}}
    if args.resume and REPORT.exists():
        old = json.loads(REPORT.read_text(encoding="utf-8"))
        report.update({k: old[k] for k in ("started", "generation", "cases", "checks")})
        report["command"] = old["command"] + " ; " + report["command"]
    done = {(c["firms"], c["method"], c["engine_key"]) for c in report["cases"]}
    me = [sys.executable, str(Path(__file__).resolve()), "case"]
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    DATA.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        if args.record:
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(render(report), encoding="utf-8")

    try:
        for n in all_sizes:
            t0 = time.perf_counter()
            data, manifest = generate(n)
            complete(data, methods + [m for _, m, _ in spark_cases])
            if str(n) not in report["generation"]:
                report["generation"][str(n)] = {
                    "seconds": round(time.perf_counter() - t0, 1), "energy_rows": manifest["tables"]["energy"]["rows"],
                    "bytes": sum(f.stat().st_size for f in data.glob("*.parquet") if not f.name.startswith("out-"))}
            cases: list[tuple[str, str]] = []
            if n in sizes:
                cases = [(m, "duckdb") for m in methods]
                if "carbon" in methods:
                    cases.insert(1, ("carbon-sql", "carbon-sql"))
            cases += [(m, e) for size, m, e in spark_cases if size == n]
            for method, engine in cases:
                out = data / f"out-{method}-{engine}.parquet"
                if (n, method, engine) in done:
                    continue
                load, waited = wait_quiet(args.max_load, args.max_wait)
                events = data / f"events-{method}-{engine}"
                shutil.rmtree(events, ignore_errors=True)
                events.mkdir()
                cmd = [*me, "--method", method, "--data", str(data), "--out", str(out), "--event-dir", str(events),
                       "--driver-memory", args.driver_memory, "--executor-memory", args.executor_memory,
                       "--engine", "duckdb" if engine in ("duckdb", "carbon-sql") else "spark"]
                tc = time.perf_counter()
                with _maybe_cluster(engine, DATA / f"cluster-{engine}", args) as cluster:
                    started_s = round(time.perf_counter() - tc, 1)
                    if cluster is not None:
                        cmd += ["--master", cluster.master_url]
                    js, tv = _time_v(cmd, env)
                    daemons = [x for x in (_vm_hwm_mb(p) for p in cluster.pids()) if x] if cluster else []
                jvm = js.get("jvm") or {}
                if daemons:
                    jvm["daemons_mb"] = daemons
                    jvm["cluster_start_s"] = started_s
                row = {"firms": n, "method": method, "engine": engine_label(engine, args.worker_cores),
                       "engine_key": engine, "evaluate_s": js["evaluate_s"], "setup_s": js["setup_s"], **tv,
                       "rows": js["rows"], "outcomes": js["outcomes"], "stages": js["stages"],
                       "engine_time_s": js["engine_time_s"], "load": load, "waited_s": waited,
                       "load_after": round(os.getloadavg()[0], 2), "jvm": jvm,
                       "at": datetime.now(UTC).isoformat(timespec="seconds")}
                report["cases"].append(row)
                done.add((n, method, engine))
                print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
                ref = data / f"out-{'carbon' if method == 'carbon-sql' else method}-duckdb.parquet"
                if engine != "duckdb" and ref.exists():
                    f = OUTCOME[method]
                    if method == "carbon-sql":  # not the same population: the count is shown, not required to be 0
                        what = ("carbon: Ibis method vs hand-written SQL (all firms, no gate, so not the same "
                                "benchmark), grade, firms the method graded")
                        report["checks"].append({"firms": n, "what": what, "informational": True,
                                                 **compare(ref, out, f, f, graded_only=True)})
                    else:
                        report["checks"].append({"firms": n, "what": f"{method}: DuckDB vs {row['engine']}, {f}",
                                                 **compare(ref, out, f, f)})
                save()
    finally:
        save()
        if args.clean:
            for n in all_sizes:
                shutil.rmtree(DATA / f"scale-{n}", ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    bad = [c for c in report["checks"] if c["different"] and not c.get("informational")]
    if bad:
        raise SystemExit(f"engines disagree: {bad}")


def generate(firms: int) -> tuple[Path, dict[str, Any]]:
    from zhizao.demo.scale import write_scale_city

    out = DATA / f"scale-{firms}"
    manifest = out / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        if m.get("firms") == firms and m.get("years") == [YEAR] and m.get("seed") == SEED:
            return out, m
    shutil.rmtree(out, ignore_errors=True)
    print(f"generating {firms:,} firms …", file=sys.stderr, flush=True)
    return out, write_scale_city(out, firms, seed=SEED, years=(YEAR,), fmt="parquet", memory_limit="4GB")


def complete(data: Path, methods: list[str]) -> list[str]:
    """An empty Parquet file, with the warehouse's columns, for each input of ``methods`` that the
    scale city does not write (e.g. 亩均's negative list): every engine reads the same files."""
    import duckdb

    from zhizao import capabilities
    from zhizao.engine.lake import columns

    added = []
    for method in methods:
        for t in capabilities.get("carbon" if method == "carbon-sql" else method).inputs:
            f = data / f"{t}.parquet"
            if f.exists():
                continue
            cols = ", ".join(f'CAST(NULL AS {ty}) AS "{c}"' for c, ty in columns(t) if c != "_batch_id")
            duckdb.connect().execute(f"COPY (SELECT {cols} WHERE false) TO '{f}' (FORMAT parquet)")
            added.append(t)
    return added


def compare(a: Path, b: Path, field_a: str, field_b: str, graded_only: bool = False) -> dict[str, int]:
    import duckdb

    join = f"JOIN read_parquet('{b}') y USING (credit_code) WHERE x.{field_a} IS NOT NULL" if graded_only else \
        f"FULL JOIN read_parquet('{b}') y USING (credit_code)"
    r = duckdb.connect().execute(f"""
        SELECT count(*) AS firms,
               count(*) FILTER (WHERE x.{field_a} IS DISTINCT FROM y.{field_b}) AS different
        FROM read_parquet('{a}') x {join}""").fetchone()
    assert r is not None
    return {"compared": int(r[0]), "different": int(r[1])}


def machine() -> dict[str, Any]:
    import duckdb
    import ibis

    from _common import cpu_model, mem_total_kb

    try:
        import pyspark

        spark = pyspark.__version__
    except ImportError:
        spark = "-"
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "memory_gb": round(mem_total_kb() / 1024 / 1024, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "ibis": ibis.__version__,
            "pyspark": spark, "os": platform.platform()}


def render(r: dict[str, Any]) -> str:
    m, st = r["machine"], r.get("settings", {})
    wc = st.get("worker_cores", 1)
    lines = [
        "# Scaling: carbon and 亩均 on DuckDB, Spark local and a Spark standalone cluster",
        "",
        f"Recorded {r['started']} by `bench/scaling.py` (its docstring says what each case does and how "
        "each stage is measured).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; {m['os']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, Ibis {m['ibis']}, PySpark {m['pyspark']}. Spark local is `local[2]`; the "
        f"cluster is a standalone master with 1 or 2 workers of {wc} core(s) and "
        f"{st.get('worker_memory', '?')} each (executor memory {st.get('executor_memory', '?')}, driver "
        f"{st.get('driver_memory', '?')}), all on this machine, started for each case and stopped after it.",
        "",
        f"Rerun (the report so far is kept in `bench/results/{REPORT.name}`; `--resume` adds to it):",
        "",
        "```sh",
        *(f"{c.strip()}" for c in r["command"].split(" ; ")),
        "```",
        "",
        *([f"**Not recorded.** {r['notes']}", ""] if r.get("notes") else []),
        "## Data (one year, `zhizao.demo.scale.write_scale_city`, Parquet/zstd)",
        "",
        "| firms | energy rows | Parquet size |",
        "|---:|---:|---:|",
    ]
    for n, g in sorted(r["generation"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {int(n):,} | {g['energy_rows']:,} | {g['bytes'] / 1e6:,.0f} MB |")
    lines += [
        "",
        "## Cases (each its own process under `/usr/bin/time -v`)",
        "",
        "`evaluate` is the method's own time (expression built, executed, results in Arrow); `process` "
        "and `peak RSS` are the whole process's wall time and maximum resident set size (interpreter, "
        "imports, JVM start). `JVM` is the Spark driver JVM's peak (local mode: driver and executor in "
        "one JVM), `executors` the peak of each executor JVM of the application, `daemons` the master's "
        "and workers' JVMs. `load` is the 1-minute load average when the case started, after waiting "
        "(`waited`) for it to fall below the threshold; `after` when it ended.",
        "",
        "| firms | method | engine | evaluate | µs per firm | process | peak RSS | load (waited, after) |",
        "|---:|---|---|---:|---:|---:|---|---:|",
    ]
    for c in r["cases"]:
        per = c["evaluate_s"] / c["firms"] * 1e6
        rss = f"{c['peak_rss_mb']:,.0f} MB"
        j = c.get("jvm") or {}
        if j.get("driver_mb"):
            rss += f" + JVM {j['driver_mb']:,.0f} MB"
        if j.get("executors_mb"):
            rss += " + executors " + " + ".join(f"{x:,.0f}" for x in j["executors_mb"]) + " MB"
        if j.get("daemons_mb"):
            rss += " (daemons " + " + ".join(f"{x:,.0f}" for x in j["daemons_mb"]) + " MB)"
        lines.append(f"| {c['firms']:,} | {c['method']} | {c['engine']} | {c['evaluate_s']:.2f} s | {per:.1f} | "
                     f"{c['wall_s']:.1f} s | {rss} | {c['load']} ({c.get('waited_s', 0):.0f} s, "
                     f"{c.get('load_after', '–')}) |")
    lines += [
        "",
        "## Stages (seconds of wall time; how each is measured: the docstring)",
        "",
        "DuckDB: the profiler's operator times, grouped and scaled to the query's wall time. Spark: the "
        "event log's stages, each attributed whole to read (it scans Parquet, with what is fused into "
        "it), else join, else aggregate, else other, scaled to the time some stage ran. `outside`: "
        "the evaluation's time outside the query or the stages (Ibis compilation, Spark planning and "
        "scheduling gaps, results to the driver as Arrow). `write`: the result table written to Parquet. "
        "`engine time` is the engine's own total (DuckDB: operator time summed over threads; Spark: "
        "executor run time summed over tasks, i.e. core-seconds).",
        "",
        "| firms | method | engine | read | join | aggregate | other | outside | write | engine time |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in r["cases"]:
        s = c["stages"]
        lines.append(f"| {c['firms']:,} | {c['method']} | {c['engine']} | "
                     + " | ".join(f"{s.get(g, 0):.2f}" for g in STAGES)
                     + f" | {sum(c.get('engine_time_s', {}).values()):.1f} s |")
    by = {(c["firms"], c["method"], c["engine_key"]): c for c in r["cases"]}
    keys = ("duckdb", "carbon-sql", "local", "cluster1", "cluster2")
    lines += [
        "",
        "## Side by side (evaluate, seconds)",
        "",
        "| firms | method | DuckDB | DuckDB SQL | Spark local[2] | cluster 1 worker | cluster 2 workers | "
        "1 → 2 workers |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, method in sorted({(c["firms"], c["method"]) for c in r["cases"] if c["method"] != "carbon-sql"}):
        cells = []
        for k in keys:
            c = by.get((n, "carbon-sql" if k == "carbon-sql" else method, k))
            cells.append(f"{c['evaluate_s']:.1f}" if c and (k != "carbon-sql" or method == "carbon") else "–")
        c1, c2 = by.get((n, method, "cluster1")), by.get((n, method, "cluster2"))
        ratio = f"{c1['evaluate_s'] / c2['evaluate_s']:.2f}× the speed" if c1 and c2 else "–"
        lines.append(f"| {n:,} | {method} | " + " | ".join(cells) + f" | {ratio} |")
    lines += estimate(r)
    lines += ["", "## Checks", "", "| firms | what | firms compared | different |", "|---:|---|---:|---:|"]
    for c in r["checks"]:
        lines.append(f"| {c['firms']:,} | {c['what']} | {c['compared']:,} | {c['different']} |")
    lines.append("")
    return "\n".join(lines)


def estimate(r: dict[str, Any], cores_per_machine: int = 16) -> list[str]:
    """The nation's firms on n machines, derived from the recorded cases (assumptions stated)."""
    wc = r.get("settings", {}).get("worker_cores", 1)
    cores = r["machine"]["cores"] or 2
    out = ["", "## Estimate: the nation's firms on a cluster of n machines (derived from the figures above)", "",
           f"Assumptions: machines of {cores_per_machine} cores; the Spark evaluation time is a fixed cost plus "
           "core time per firm divided by the cores of all machines, either with every core as efficient as "
           "the first (linear) or as efficient as the second executor was here (the 1 → 2 worker efficiency "
           "below, at most 1); the fixed cost and the core time per firm come from the 1-worker cluster (how: "
           "beside each method); DuckDB is one machine at its measured core time per firm (linear in firms and "
           "cores). Memory per firm is the peak of all executor JVMs (cluster) or of the process (DuckDB) "
           "divided by the firms (for Spark an upper bound: a JVM's peak is mostly the heap it grew to). Not measured here: a network between machines (every shuffle here went "
           "through one machine's memory and disk), a distributed file system, stragglers, more than one "
           "year of data; and the 2-worker cases ran on the same 2 cores as the 1-worker case and the "
           "driver, so they show the cost of coordinating two executors on shared cores rather than the "
           "gain of a second machine.", ""]
    by = {(c["firms"], c["method"], c["engine_key"]): c for c in r["cases"]}
    rows = []
    for method in ("carbon", "mujun"):
        one = sorted((c["firms"], c) for c in r["cases"] if c["method"] == method and c["engine_key"] == "cluster1")
        duck = sorted((c["firms"], c) for c in r["cases"] if c["method"] == method and c["engine_key"] == "duckdb")
        if duck:
            n, c = duck[-1]
            core_us = c["evaluate_s"] * cores / n * 1e6
            mem_kb = c["peak_rss_mb"] * 1024 / n
            out.append(f"- **{method}, DuckDB (one machine)**: {core_us:.1f} µs of core time per firm at {n:,} firms "
                       f"({c['evaluate_s']:.1f} s on {cores} cores), {mem_kb:.2f} KB peak memory per firm.")
            for label, firms in NATION.items():
                rows.append((method, "DuckDB, 1 machine", label, firms, firms * core_us / 1e6 / cores_per_machine,
                             firms * mem_kb / 1024 / 1024, None))
        if not one:
            continue
        n2, a2 = one[-1]
        if len(one) >= 2 and one[-2][0] < n2:
            n1, a1 = one[-2]
            slope = (a2["evaluate_s"] - a1["evaluate_s"]) / (n2 - n1)
            fixed = max(0.0, a2["evaluate_s"] - slope * n2)
            how = f"the line through {n1:,} and {n2:,} firms"
        else:  # one size: the executors' own core time is the per-firm part, the rest is fixed
            work = sum((a2.get("engine_time_s") or {}).values())
            slope, fixed = work / wc / n2, max(0.0, a2["evaluate_s"] - work / wc)
            how = f"{n2:,} firms only: executor core time per firm, the rest of the evaluation as fixed cost"
        core_s = slope * wc  # core-seconds per firm
        two = by.get((n2, method, "cluster2"))
        eff = min(1.0, a2["evaluate_s"] / (2 * two["evaluate_s"])) if two else None
        ex = (a2.get("jvm") or {}).get("executors_mb") or []
        mem_kb = sum(ex) * 1024 / n2 if ex else float("nan")
        speed = (f"{a2['evaluate_s'] / two['evaluate_s']:.2f}× the speed (efficiency {eff:.2f} per executor core)"
                 if two and eff is not None else "not measured")
        out.append(f"- **{method}, Spark cluster**: fixed cost {fixed:.1f} s and {core_s * 1e6:.1f} µs of core time "
                   f"per firm ({how}; 1 worker × {wc} core, {n2:,} firms: {a2['evaluate_s']:.1f} s); 1 → 2 workers "
                   f"{speed}; executors' peak memory {mem_kb:.2f} KB per firm.")
        for label, firms in NATION.items():
            for machines in (1, 2, 4, 8):
                cores_n = machines * cores_per_machine
                t = fixed + firms * core_s / cores_n
                t_eff = fixed + firms * core_s / (cores_n * eff) if eff else None
                rows.append((method, f"Spark, {machines} machine{'s' if machines > 1 else ''}", label, firms, t,
                             firms * mem_kb / 1024 / 1024 / machines, t_eff))
    if rows:
        out += ["", f"| method | where ({cores_per_machine} cores each) | firms | estimated time (linear in cores) | "
                "at the measured 1 → 2 efficiency | memory per machine |", "|---|---|---:|---:|---:|---:|"]
        for method, where, label, firms, t, mem, t_eff in rows:
            out.append(f"| {method} | {where} | {firms:,} ({label}) | {_dur(t)} | "
                       f"{_dur(t_eff) if t_eff else '–'} | {mem:,.1f} GB |")
    return out


def _dur(s: float) -> str:
    return f"{s:.1f} s" if s < 10 else f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


if __name__ == "__main__":
    main()
