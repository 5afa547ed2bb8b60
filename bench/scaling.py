"""Benchmark: carbon (碳效码) and 亩均 at 50,000, 500,000 and 2,000,000 firms, DuckDB and Spark.

Data: ``zhizao.demo.scale.write_scale_city`` writes the contract tables of one year as Parquet
(energy: 48 rows per firm, so 96 million rows at 2,000,000 firms) under ``bench/data/`` (git-
ignored; removed with ``--clean``).

Every case is its own process run under ``/usr/bin/time -v``, so its wall time and peak memory
(maximum resident set size) are the operating system's figures, not Python's. A case reads the
Parquet files through views (the way an engine reads the lake), evaluates the method through
the capability, exactly as ``zhizao evaluate`` does, and materialises the results as Arrow. It
reports its own evaluation time beside the process's totals (which include interpreter and, on
Spark, JVM start-up).

Baseline in the same run: ``carbon-sql`` is the carbon job (fuel, electricity and heat CO2,
intensity, aggregate division benchmark, K, grade) hand-written in plain DuckDB SQL with the
same methodology's factors; the driver checks that it gives every firm the same grade as the
Ibis method. It is the core job only: no population filter (规上, existing in the year), no
publication gate (whose month checks were most of the method's time before the gate screened
its (firm, energy type) pairs) and no zero-carbon offsets, so it is a floor rather than the same
computation; ``bench/carbon_eval.py`` and ``bench/evaluate_cli.py`` compare the method with the
same computation hand-written in SQL.

Parity: the 50,000 case also runs on Spark local mode (and carbon at 500,000, which gives
Spark's per-firm slope apart from its fixed cost); the driver compares every firm's grade
(carbon) and class (亩均) between the engines.

Run: ``python bench/scaling.py [--sizes 50000,500000,2000000] [--spark-cases 50000:carbon,50000:mujun,500000:carbon]
[--record] [--clean]``
(``--record`` rewrites ``bench/results/scaling.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results" / "scaling.md"
YEAR = 2023
SEED = 1
OUTCOME = {"carbon": "grade", "carbon-sql": "grade", "mujun": "class"}


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


def _views_spark(data: Path, tables: tuple[str, ...], shuffle_partitions: int, driver_memory: str) -> Any:
    from zhizao.engine.lake import spark_select
    from zhizao.engine.spark_engine import SparkEngine
    from zhizao.settings import SparkSettings

    eng = SparkEngine(SparkSettings(master="local[2]", driver_memory=driver_memory,
                                    shuffle_partitions=shuffle_partitions))
    for t in tables:
        df = eng.session.read.parquet(str(data / f"{t}.parquet")).selectExpr(
            *[s for s in spark_select(t) if not s.endswith("`_batch_id`")], "CAST(1 AS BIGINT) AS `_batch_id`")
        df.createOrReplaceTempView(f"bench_{t}")
        eng._registered[t] = eng.con.table(f"bench_{t}")
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

    m = find(None, "carbon", year)
    assert m.benchmark.statistic == "aggregate" and m.electricity.scope == "national", "baseline covers the default"
    fuel_cases = " ".join(f"WHEN '{k}' THEN {m.co2_per_canonical(k)!r}" for k in _fuels(m))
    grid, _, _ = m.grid_factor(year)
    uppers = [(b.grade, b.upper.value) for b in m.grades[:-1] if b.upper is not None]
    grade_cases = " ".join(f"WHEN (emissions_t / value_added) / bench <= {u!r} THEN {g}" for g, u in uppers)
    grade_cases += f" ELSE {m.grades[-1].grade}"
    return CARBON_SQL.format(fuel_cases=fuel_cases, data=data, year=year, grid=repr(grid),
                             heat=repr(m.co2_per_canonical("heat")), grade_cases=grade_cases)


def run_case(args: argparse.Namespace) -> None:
    """Evaluate one (method, engine, size); print one JSON line; write the outcomes as Parquet."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data, out = Path(args.data), Path(args.out)
    t0 = time.perf_counter()
    if args.method == "carbon-sql":
        import duckdb

        con = duckdb.connect()
        if args.threads:
            con.execute(f"SET threads = {args.threads}")
        sql = carbon_sql(data, args.year)
        t1 = time.perf_counter()
        result = con.execute(sql).to_arrow_table()
        t2 = time.perf_counter()
        engine_name = "duckdb (hand-written SQL)"
    else:
        from zhizao import capabilities
        from zhizao.methodology import find

        cap = capabilities.get(args.method)
        m = find(None, args.method, args.year)
        if args.engine == "duckdb":
            eng = _views_duckdb(data, cap.inputs, args.threads)
        else:
            eng = _views_spark(data, cap.inputs, args.shuffle_partitions, args.driver_memory)
        t1 = time.perf_counter()
        result = eng.to_pyarrow(cap.evaluate(eng.tables(cap.inputs), m, args.year))
        t2 = time.perf_counter()
        engine_name = args.engine
    jvm_mb = None
    if args.engine == "spark" and args.method != "carbon-sql":
        jvm_mb = _jvm_peak_mb(eng.session)
    field = OUTCOME[args.method]
    outcome = result.select(["credit_code", field]).cast(pa.schema([("credit_code", pa.string()), (field, pa.string())]))
    pq.write_table(outcome, out)
    counts = {str(r["values"]): int(r["counts"]) for r in pc.value_counts(result[field]).to_pylist()}
    print(json.dumps({"method": args.method, "engine": engine_name, "rows": result.num_rows,
                      "setup_s": round(t1 - t0, 3), "evaluate_s": round(t2 - t1, 3), "outcomes": counts,
                      "jvm_peak_mb": jvm_mb}))


def _jvm_peak_mb(session: Any) -> float | None:
    """The Spark driver JVM's peak resident memory (VmHWM): /usr/bin/time only sees Python."""
    proc = getattr(session.sparkContext._gateway, "proc", None)
    if proc is None:
        return None
    for ln in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if ln.startswith("VmHWM:"):
            return round(int(ln.split()[1]) / 1024, 1)
    return None


# ---------------------------------------------------------------- the driver
def _time_v(cmd: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``cmd`` under /usr/bin/time -v; return (its JSON line, wall seconds and peak RSS)."""
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"case failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    assert wall and rss, p.stderr[-2000:]
    parts = [float(x) for x in wall.group(1).split(":")]
    seconds = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line), {"wall_s": round(seconds, 2), "peak_rss_mb": round(int(rss.group(1)) / 1024, 1)}


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


def compare(a: Path, b: Path, field_a: str, field_b: str) -> dict[str, int]:
    import duckdb

    r = duckdb.connect().execute(f"""
        SELECT count(*) AS firms,
               count(*) FILTER (WHERE x.{field_a} IS DISTINCT FROM y.{field_b}) AS different
        FROM read_parquet('{a}') x FULL JOIN read_parquet('{b}') y USING (credit_code)""").fetchone()
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    c = sub.add_parser("case")
    c.add_argument("--method", required=True, choices=sorted(OUTCOME))
    c.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    c.add_argument("--data", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--year", type=int, default=YEAR)
    c.add_argument("--threads", type=int, default=None)
    c.add_argument("--shuffle-partitions", type=int, default=8)
    c.add_argument("--driver-memory", default="6g")
    ap.add_argument("--sizes", default="50000,500000,2000000")
    ap.add_argument("--spark-cases", default="50000:carbon,50000:mujun,500000:carbon",
                    help="SIZE:METHOD pairs also run on Spark local mode")
    ap.add_argument("--methods", default="carbon,mujun")
    ap.add_argument("--record", action="store_true", help="rewrite bench/results/scaling.md")
    ap.add_argument("--clean", action="store_true", help="remove bench/data/scale-* afterwards")
    args = ap.parse_args()
    if args.cmd == "case":
        run_case(args)
        return

    sizes = [int(s) for s in args.sizes.split(",") if s]
    spark_cases = {(int(c.split(":")[0]), c.split(":")[1]) for c in args.spark_cases.split(",") if c}
    methods = [m for m in args.methods.split(",") if m]
    started = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    gen: dict[int, dict[str, Any]] = {}
    me = [sys.executable, str(Path(__file__).resolve()), "case"]
    try:
        for n in sizes:
            t0 = time.perf_counter()
            data, manifest = generate(n)
            gen[n] = {"seconds": round(time.perf_counter() - t0, 1), "energy_rows": manifest["tables"]["energy"]["rows"],
                      "bytes": sum(f.stat().st_size for f in data.glob("*.parquet"))}
            cases = [(m, "duckdb") for m in methods]
            if "carbon" in methods:
                cases.insert(1, ("carbon-sql", "duckdb"))
            cases += [(m, "spark") for m in methods if (n, m) in spark_cases]
            outs: dict[tuple[str, str], Path] = {}
            for method, engine in cases:
                out = data / f"out-{method}-{engine}.parquet"
                load = os.getloadavg()[0]
                js, tv = _time_v([*me, "--method", method, "--engine", engine, "--data", str(data), "--out", str(out)])
                rows.append({"firms": n, "method": method, "engine": js["engine"], "evaluate_s": js["evaluate_s"],
                             "setup_s": js["setup_s"], **tv, "rows": js["rows"], "outcomes": js["outcomes"],
                             "load": round(load, 2), "jvm_peak_mb": js.get("jvm_peak_mb")})
                outs[(method, engine)] = out
                print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
            if ("carbon-sql", "duckdb") in outs:
                checks.append({"firms": n, "what": "carbon: Ibis method vs hand-written SQL, grade",
                               **compare(outs[("carbon", "duckdb")], outs[("carbon-sql", "duckdb")], "grade", "grade")})
            for method in methods:
                if (method, "spark") in outs:
                    f = OUTCOME[method]
                    checks.append({"firms": n, "what": f"{method}: DuckDB vs Spark, {f}",
                                   **compare(outs[(method, "duckdb")], outs[(method, "spark")], f, f)})
    finally:
        if args.clean:
            for n in sizes:
                shutil.rmtree(DATA / f"scale-{n}", ignore_errors=True)
    report = {"started": started.isoformat(timespec="seconds"), "machine": machine(), "generation": gen,
              "cases": rows, "checks": checks, "command": "python bench/scaling.py " + " ".join(sys.argv[1:])}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.record:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(render(report), encoding="utf-8")
    bad = [c for c in checks if c["different"]]
    if bad:
        raise SystemExit(f"engines disagree: {bad}")


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Scaling: carbon and 亩均 from 50,000 to 2,000,000 firms",
        "",
        f"Recorded {r['started']} by `bench/scaling.py` (its docstring says what each case does).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; {m['os']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, Ibis {m['ibis']}, PySpark {m['pyspark']} (local[2]).",
        "",
        "Rerun:",
        "",
        "```sh",
        f"{r['command']}",
        "```",
        "",
        "## Data (one year, `zhizao.demo.scale.write_scale_city`, Parquet/zstd)",
        "",
        "| firms | energy rows | Parquet size | generation |",
        "|---:|---:|---:|---:|",
    ]
    for n, g in r["generation"].items():
        lines.append(f"| {int(n):,} | {g['energy_rows']:,} | {g['bytes'] / 1e6:,.0f} MB | {g['seconds']} s |")
    lines += [
        "",
        "## Cases (each its own process under `/usr/bin/time -v`)",
        "",
        "`evaluate` is the method's own time (expression built, executed, results in Arrow); "
        "`process` and `peak RSS` are the whole process's wall time and maximum resident set size "
        "(interpreter, imports, and for Spark the JVM included). `load` is the 1-minute load average "
        "when the case started (other work shared the machine).",
        "",
        "| firms | method | engine | evaluate | µs per firm | process | peak RSS | load | outcomes |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in r["cases"]:
        per = c["evaluate_s"] / c["firms"] * 1e6
        oc = ", ".join(f"{k}: {v:,}" for k, v in sorted(c["outcomes"].items()))
        rss = f"{c['peak_rss_mb']:,.0f} MB"
        if c.get("jvm_peak_mb"):
            rss += f" + JVM {c['jvm_peak_mb']:,.0f} MB"
        lines.append(f"| {c['firms']:,} | {c['method']} | {c['engine']} | {c['evaluate_s']:.2f} s | {per:.1f} | "
                     f"{c['wall_s']:.1f} s | {rss} | {c['load']} | {oc} |")
    lines += ["", "## Scaling ratios (DuckDB, evaluate time)", "", "| method | 500k / 50k | 2M / 500k | "
              "2M / 500k (process) | peak RSS 2M |", "|---|---:|---:|---:|---:|"]
    by = {(c["method"], c["firms"], c["engine"]): c for c in r["cases"]}
    for method in sorted({c["method"] for c in r["cases"]}):
        eng = next(c["engine"] for c in r["cases"] if c["method"] == method and c["engine"] != "spark")
        a, b, d = (by.get((method, n, eng)) for n in (50000, 500000, 2000000))
        lines.append(
            f"| {method} | {_ratio(b, a)} | {_ratio(d, b)} | "
            f"{(d['wall_s'] / b['wall_s']) if d and b else float('nan'):.2f}× | "
            f"{(d['peak_rss_mb'] if d else float('nan')):,.0f} MB |")
    lines += ["", "## Checks", "", "| firms | what | firms compared | different |", "|---:|---|---:|---:|"]
    for c in r["checks"]:
        lines.append(f"| {c['firms']:,} | {c['what']} | {c['compared']:,} | {c['different']} |")
    lines.append("")
    return "\n".join(lines)


def _ratio(num: dict[str, Any] | None, den: dict[str, Any] | None) -> str:
    if not num or not den:
        return "–"
    return f"{num['evaluate_s'] / den['evaluate_s']:.2f}×"


if __name__ == "__main__":
    main()
