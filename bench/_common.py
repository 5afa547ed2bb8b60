"""What the evaluation benchmarks share: a warehouse built from the scale city's Parquet files,
and a variant timed in its own process under ``/usr/bin/time -v`` (wall time from the child,
peak memory from ``time``). Not a benchmark itself (``run_all.sh`` skips ``_*`` files)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb


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
    tmp = wh.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        ensure_schema(con)
        for batch, name in enumerate(tables, start=1):
            con.execute(fact_insert_sql(name, src / f"{name}.parquet", batch))
        if adjust is not None:
            adjust(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.rename(wh)
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


def time_variant(variant: str, warehouse: Path, repeat: int, threads: int, expr: Callable[[Any], Any], sql: str,
                 compile_too: bool = False) -> tuple[list[float], Any, list[float]]:
    """Time ``repeat`` runs of one variant in this process: ``ibis`` executes ``expr(engine)`` on a
    read-only DuckDB engine over the warehouse, ``sql`` runs the hand-written query. Returns the
    times, the last result (Arrow) and, with ``compile_too``, the time of building and compiling
    the Ibis expression alone (measured after each timed run, so it warms nothing up)."""
    times: list[float] = []
    compile_s: list[float] = []
    table = None
    if variant == "ibis":
        from zhizao.engine.duckdb_engine import DuckDBEngine

        eng = DuckDBEngine(warehouse, read_only=True, threads=threads)
        for _ in range(repeat):
            t0 = time.perf_counter()
            table = eng.to_pyarrow(expr(eng))
            times.append(time.perf_counter() - t0)
            if compile_too:
                t0 = time.perf_counter()
                eng.con.compile(expr(eng))
                compile_s.append(time.perf_counter() - t0)
        eng.close()
    else:
        con = duckdb.connect(str(warehouse), read_only=True)
        con.execute(f"SET threads = {threads}")
        for _ in range(repeat):
            t0 = time.perf_counter()
            table = con.sql(sql).to_arrow_table()
            times.append(time.perf_counter() - t0)
        con.close()
    assert table is not None
    return times, table, compile_s
