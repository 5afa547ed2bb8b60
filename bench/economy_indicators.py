"""Benchmark: the economy indicators' totals for a province-scale city.

Setup (not timed): ``zhizao.demo.scale.write_scale_city`` writes ``--firms`` firms for two
years (Parquet), loaded into a DuckDB warehouse file with the warehouse schema
(``fact_<table>`` + current views) as ``zhizao import`` would leave it, plus one producer price
index per division and year.

Timed, in the same run, on the same warehouse file, ``--repeat`` times each:

- **ibis**: ``zhizao.economy.indicators.scale_totals`` and ``per_mu_totals`` (the Ibis queries
  behind ``zhizao indicators``: levels, category shares' numerators, comparable-price growth
  on the 同口径 set, per-mu totals, by city and district) executed on the DuckDB engine;
- **sql**: the same totals hand-written as plain DuckDB SQL.

Both variants' results are checked to agree (every total, every region).

Run: ``python bench/economy_indicators.py [--firms 200000] [--repeat 3] [--record]``
(``--record`` rewrites ``bench/results/economy_indicators.md``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import duckdb
import numpy as np

from _common import build_scale_warehouse, cpu_model

ROOT = Path(__file__).resolve().parent
YEARS = (2022, 2023)
TABLES = ("enterprises", "statistics_annual", "tax", "land")

SQL = """
WITH fy AS (
  SELECT s.credit_code, s.year, e.region_code, substr(e.industry_code, 1, 2) AS division,
         coalesce(s.above_scale, false) AS above, coalesce(s.value_added, 0) AS va, s.gross_output,
         coalesce(s.equipment, f.equipment, false) AS eq, coalesce(s.high_tech, f.high_tech, false) AS ht,
         coalesce(s.digital_core, f.digital_core, false) AS dc,
         coalesce(s.strategic_emerging, f.strategic_emerging, false) AS se,
         p."index" AS p_index, v.value_added AS va_prev
  FROM statistics_annual s
  JOIN enterprises e USING (credit_code)
  LEFT JOIN flags f ON f.industry_code = e.industry_code
  LEFT JOIN price_indices p ON p.year = s.year AND p.division = substr(e.industry_code, 1, 2)
  LEFT JOIN statistics_annual v ON v.credit_code = s.credit_code AND v.year = s.year - 1
  WHERE s.year BETWEEN $y0 AND $y1
), tagged AS (
  SELECT substr(region_code, 1, 4) || '00' AS region, * FROM fy
  UNION ALL
  SELECT region_code AS region, * FROM fy WHERE region_code <> substr(region_code, 1, 4) || '00'
)
SELECT region, year,
       sum(above::INT) AS above_scale_count,
       sum(CASE WHEN above THEN coalesce(gross_output, 0) ELSE 0 END) AS gross_output,
       sum(CASE WHEN above THEN va ELSE 0 END) AS value_added,
       sum(CASE WHEN above AND va_prev IS NOT NULL THEN va / (coalesce(p_index, 100) / 100) ELSE 0 END) AS cmp_cur,
       sum(CASE WHEN above AND va_prev IS NOT NULL THEN va_prev ELSE 0 END) AS cmp_base,
       sum(CASE WHEN above AND se THEN va ELSE 0 END) AS va_strategic_emerging,
       sum(CASE WHEN above AND ht THEN va ELSE 0 END) AS va_high_tech,
       sum(CASE WHEN above AND eq THEN va ELSE 0 END) AS va_equipment,
       sum(CASE WHEN above AND dc THEN va ELSE 0 END) AS va_digital_core
FROM tagged GROUP BY region, year ORDER BY region, year
"""

SQL_MU = """
WITH area AS (
  SELECT credit_code, year, sum(area_mu) AS area FROM land WHERE year BETWEEN $y0 AND $y1
  GROUP BY credit_code, year HAVING sum(area_mu) > 0
), ev AS (
  SELECT e.region_code, s.year, a.area, coalesce(t.tax_paid, 0) AS tax, coalesce(s.value_added, 0) AS va
  FROM statistics_annual s JOIN area a USING (credit_code, year) JOIN enterprises e USING (credit_code)
  LEFT JOIN tax t ON t.credit_code = s.credit_code AND t.year = s.year
), tagged AS (
  SELECT substr(region_code, 1, 4) || '00' AS region, * FROM ev
  UNION ALL SELECT region_code AS region, * FROM ev WHERE region_code <> substr(region_code, 1, 4) || '00'
)
SELECT region, year, sum(area) AS land_mu, sum(tax) AS tax_eval, sum(va) AS va_eval
FROM tagged GROUP BY region, year ORDER BY region, year
"""


def _price_indices(con: duckdb.DuckDBPyConnection) -> None:
    # one index per division and year, 97–106 (deterministic)
    con.execute("""INSERT INTO fact_price_indices (year, division, "index", _batch_id, _row)
                   SELECT y, lpad(d::VARCHAR, 2, '0'), 97 + (hash(d * 31 + y) % 1000) / 111.0, 99, d
                   FROM range(6, 50) t(d), (VALUES (2022), (2023)) v(y)""")


def build_warehouse(data_dir: Path, firms: int) -> Path:
    return build_scale_warehouse(data_dir, firms, YEARS, TABLES, adjust=_price_indices)


def run_ibis(wh: Path) -> tuple[float, object]:
    from zhizao.economy import indicators
    from zhizao.engine.duckdb_engine import DuckDBEngine

    with DuckDBEngine(wh, read_only=True) as eng:
        t0 = time.perf_counter()
        t, _notes = indicators.prepare(eng, *YEARS)
        a = eng.to_pandas(indicators.scale_totals(t, *YEARS))
        b = eng.to_pandas(indicators.per_mu_totals(t, *YEARS))
        return time.perf_counter() - t0, (a, b)


def run_sql(wh: Path) -> tuple[float, object]:
    from zhizao.codes.industries import industry_flags

    con = duckdb.connect(str(wh), read_only=True)
    try:
        t0 = time.perf_counter()
        flags = industry_flags()
        con.register("flags", flags)
        q = SQL.replace("$y0", str(YEARS[0])).replace("$y1", str(YEARS[1]))
        qm = SQL_MU.replace("$y0", str(YEARS[0])).replace("$y1", str(YEARS[1]))
        a = con.execute(q).df()
        b = con.execute(qm).df()
        return time.perf_counter() - t0, (a, b)
    finally:
        con.close()


def check_same(ibis_out: object, sql_out: object) -> None:
    (ia, ib), (sa, sb) = ibis_out, sql_out  # type: ignore[misc]
    for got, want in ((ia, sa), (ib, sb)):
        got = got.sort_values(["region", "year"]).reset_index(drop=True)
        want = want.sort_values(["region", "year"]).reset_index(drop=True)
        assert len(got) == len(want), (len(got), len(want))
        for col in want.columns:
            if col in ("region", "year"):
                assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col
            else:
                assert np.allclose(got[col].astype(float), want[col].astype(float), rtol=1e-9), col


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    data = ROOT / "data" / f"economy-{args.firms}"
    data.mkdir(parents=True, exist_ok=True)
    wh = build_warehouse(data, args.firms)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT count(*) FROM statistics_annual").fetchone()[0]
    con.close()
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {"ibis": [], "sql": []}
    last: dict[str, object] = {}
    # warm-up, untimed: imports, Ibis backend loading, the carbon methodologies' YAML (cached per process)
    run_sql(wh)
    run_ibis(wh)
    for _ in range(args.repeat):
        # alternate the variants so that a load spike from elsewhere hits both alike
        for name, fn in (("sql", run_sql), ("ibis", run_ibis)):
            s, out = fn(wh)
            times[name].append(s)
            last[name] = out
    check_same(last["ibis"], last["sql"])
    regions = len(last["sql"][0]["region"].unique())  # type: ignore[index]
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [
        "# Economy indicators benchmark: totals behind `zhizao indicators`",
        "",
        f"Recorded {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit `{_commit()}`.",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, Linux {platform.release()}",
        f"- Python {platform.python_version()}, DuckDB {duckdb.__version__}",
        f"- Load average (1 min) {load_before:.1f} before and {os.getloadavg()[0]:.1f} after the timed runs: the machine "
        "was shared, so compare the two variants of the same run (they alternate), not absolute times",
        f"- Warehouse: {args.firms:,} firms × {len(YEARS)} years ({rows:,} `statistics_annual` rows, as many "
        f"`tax` and `land` rows), {regions} regions (cities and districts)",
        "- Job: levels, category shares' numerators (firm flags over the industry mapping), comparable-price "
        "growth on the 同口径 set (self-join on last year, division price index), per-mu totals; by city and "
        "district and year; both variants checked equal on every total",
        "- One warm-up run of each variant first (imports, Ibis backend, the carbon methodology files parsed once "
        "per process); the timings include registering the reference tables (industry flags; energy coefficients "
        "for Ibis) and building and compiling the Ibis expressions",
        "",
        "| | min | median | runs |",
        "|---|---|---|---|",
    ]
    for k in ("sql", "ibis"):
        label = "hand-written DuckDB SQL" if k == "sql" else "`zhizao.economy.indicators` (Ibis on DuckDB)"
        lines.append(f"| {label} | {min(times[k]):.2f} s | {med[k]:.2f} s | "
                     + ", ".join(f"{x:.2f}" for x in times[k]) + " |")
    lines += [f"| ratio Ibis / SQL | | {med['ibis'] / med['sql']:.2f}× | |", "",
              "Rerun:", "", f"    python bench/economy_indicators.py --firms {args.firms} --repeat {args.repeat} --record", ""]
    text = "\n".join(lines)
    print(text)
    if args.record:
        out = ROOT / "results" / "economy_indicators.md"
        out.write_text(text, encoding="utf-8")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
