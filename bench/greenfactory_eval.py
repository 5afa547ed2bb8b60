"""Benchmark: 星级绿色工厂 scoring of 500,000 firms × 15 supplied indicators (16 scored).

Setup (not timed): a synthetic city written straight into a DuckDB warehouse file with the
warehouse schema: 500,000 firms in five counties and seven industries (four of them sector-routed),
their statistics, two energy rows each, land, self-used PV for 30 %, **15 green_indicators rows per
firm** (7.5 million: every indicator of GB/T 36132-2025 but output per mu, which is derived from
land; energy per output and renewable share are both supplied and derived, so the discrepancy
check runs) and six requirement rows per firm (3 million; about 6 % fail one and are vetoed).

Timed, in the same run, on the same warehouse file, alternating the two variants, each repetition
in its own process under ``/usr/bin/time -v`` (peak memory recorded):

- **ibis**: ``zhizao.greenfactory.evaluate`` with ``gbt-36132@2025`` on the DuckDB engine, to Arrow;
- **sql**: the same scoring hand-written as one plain DuckDB SQL query (generated from the same
  methodology values), to Arrow.

Both must agree: rows, status and star counts, Σscore, and the (credit code, status, stars) of
every firm.

Run: ``python bench/greenfactory_eval.py [--firms 500000] [--repeat 3] [--record]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import duckdb

import _common as common

ROOT = Path(__file__).resolve().parent
YEAR = 2025
METHODOLOGY = "gbt-36132@2025"
TABLES = ("enterprises", "statistics_annual", "energy", "zero_carbon", "land", "green_indicators",
          "green_requirements")
REQUIREMENTS = ("discharge_permit", "no_major_incident", "iso14001", "iso50001", "operating_normally",
                "not_dishonest_debtor")


def _methodology():  # type: ignore[no-untyped-def]
    from zhizao.methodology import find

    return find(METHODOLOGY, "greenfactory")


# ----------------------------------------------------------------------------- setup
def build_warehouse(data_dir: Path, firms: int) -> Path:
    from zhizao.engine.warehouse import ensure_schema

    wh = data_dir / "warehouse.duckdb"
    if wh.exists():
        return wh
    m = _methodology()
    with common.new_duckdb(wh) as con:
        ensure_schema(con)
        con.execute("SELECT setseed(0.36132)")
        con.execute(f"""CREATE TEMP TABLE f AS SELECT i,
            '91330500' || lpad(CAST(i AS VARCHAR), 9, '0') || 'X' AS credit_code,
            ['330502','330503','330521','330522','330523'][1 + i % 5] AS region_code,
            ['1711','2614','3011','3411','3891','2221','3130'][1 + (i // 5) % 7] AS industry_code,
            random() AS g, 500 + random() * 30000 AS go FROM range({firms}) t(i)""")

        def ins(table: str, select: str) -> None:
            from zhizao.contract import TABLES as T

            cols = ", ".join(f'"{c}"' for c in T[table].column_names)
            con.execute(f"INSERT INTO fact_{table} ({cols}, _batch_id, _row, _current) "
                        f"SELECT {cols}, {TABLES.index(table) + 1}, row_number() OVER () + 1, true FROM ({select})")

        ins("enterprises", "SELECT credit_code, '企业' || i AS name, region_code, industry_code, "
                           "DATE '2010-01-01' AS founded_on, NULL AS township, NULL AS park FROM f")
        ins("statistics_annual", f"SELECT credit_code, {YEAR} AS year, go > 2000 AS above_scale, go AS gross_output, "
                                 "go / 4 AS value_added, go AS revenue, 100 AS employees, go / 50 AS rd_expense, "
                                 "NULL AS total_assets, NULL AS total_liabilities, NULL AS strategic_emerging, "
                                 "NULL AS high_tech, NULL AS equipment, NULL AS digital_core FROM f")
        # energy ≈ (1.2 − g) × 150 kgce per 万元 of output, split between electricity and coal
        ins("energy", f"SELECT credit_code, DATE '{YEAR}-03-01' AS month, 'electricity' AS energy_type, "
                      "go * (1.2 - g) * 0.15 * 0.6 / 1.229e-4 AS quantity, 'kWh' AS unit FROM f UNION ALL "
                      f"SELECT credit_code, DATE '{YEAR}-03-01', 'raw_coal', go * (1.2 - g) * 0.15 * 0.4 / 0.7143, 't' FROM f")
        ins("zero_carbon", f"SELECT credit_code, DATE '{YEAR}-06-01' AS month, 'pv_self_use' AS kind, "
                           "go * g * 400 AS quantity, 'kWh' AS unit FROM f WHERE i % 10 < 3")
        ins("land", f"SELECT credit_code, {YEAR} AS year, 'P' || i AS parcel_id, go / (300 + g * 1000) AS area_mu, "
                    "'owned' AS tenure FROM f")
        sel = []
        for ind in m.indicators:
            if ind.id == "output_per_mu":
                continue
            if ind.kind == "qualitative":
                sel.append(f"SELECT credit_code, {YEAR} AS year, '{ind.id}' AS indicator, "
                           f"CAST(random() < g AS INT)::DOUBLE AS value, '佐证' AS evidence FROM f")
            else:
                b, lead = ind.baseline.value, ind.leading.value
                hi = "100.0" if ind.percentage else "1e12"
                sel.append(f"SELECT credit_code, {YEAR} AS year, '{ind.id}' AS indicator, "
                           f"least(greatest({b!r} + (g + (random() - 0.5) * 0.6) * ({lead!r} - {b!r}), 0.0), {hi}) AS value, "
                           "NULL AS evidence FROM f")
        ins("green_indicators", " UNION ALL ".join(sel))
        ins("green_requirements", " UNION ALL ".join(
            f"SELECT credit_code, {YEAR} AS year, '{r}' AS requirement, random() > 0.01 AS met FROM f"
            for r in REQUIREMENTS))
    return wh


# ----------------------------------------------------------------------------- the hand-written SQL
def hand_sql(m, year: int) -> str:  # type: ignore[no-untyped-def]
    """The green-factory scoring as one DuckDB query, written out from the methodology's values."""
    eps = 1e-9
    coef = " ".join(f"WHEN '{t}' THEN {f.per_canonical(t)!r}" for t, f in m.energy_factors.items())
    e = m.energy_factors["electricity"].per_canonical("electricity")
    tol = m.derived_tolerance.value
    piv = []
    for ind in m.indicators:
        piv.append(f"max(CASE WHEN indicator = '{ind.id}' THEN value END) AS sup_{ind.id}")
        if ind.kind == "qualitative":
            piv.append(f"max(CASE WHEN indicator = '{ind.id}' AND evidence IS NOT NULL AND evidence <> '' "
                       f"THEN 1 ELSE 0 END) AS ev_{ind.id}")
    reqs = [f"min(CASE WHEN requirement = '{r.id}' THEN met::INT END) AS req_{r.id}" for r in m.requirements]
    derived = {
        "energy_per_output": "CASE WHEN gross_output > 0 AND energy_tce IS NOT NULL THEN energy_tce * 1000.0 / gross_output END",
        "carbon_per_output": "CAST(NULL AS DOUBLE)",
        "output_per_mu": "CASE WHEN land_mu > 0 AND gross_output IS NOT NULL THEN gross_output / land_mu END",
        "renewable_share": (f"CASE WHEN (coalesce(energy_tce, 0.0) + coalesce(pv_kwh, 0.0) * {e!r}) > 0 AND "
                            "(energy_tce IS NOT NULL OR renewable_kwh IS NOT NULL) THEN "
                            f"least(coalesce(renewable_kwh, 0.0) * {e!r} * 100.0 / (coalesce(energy_tce, 0.0) + "
                            f"coalesce(pv_kwh, 0.0) * {e!r}), 100.0) END"),
    }
    xs, bl = [], []
    for ind in m.indicators:
        if ind.derived:
            d = derived[ind.derived]
            xs.append(f"coalesce({d}, sup_{ind.id}) AS x_{ind.id}")
            xs.append(f"CASE WHEN ({d}) IS NOT NULL THEN 'derived' WHEN sup_{ind.id} IS NOT NULL THEN 'supplied' END "
                      f"AS src_{ind.id}")
            xs.append(f"CASE WHEN ({d}) IS NOT NULL AND sup_{ind.id} IS NOT NULL AND abs(sup_{ind.id} - ({d})) > "
                      f"{tol!r} * greatest(abs({d}), {eps!r}) THEN sup_{ind.id} END AS diff_{ind.id}")
        else:
            xs.append(f"sup_{ind.id} AS x_{ind.id}")
            xs.append(f"CASE WHEN sup_{ind.id} IS NOT NULL THEN 'supplied' END AS src_{ind.id}")
            xs.append(f"CAST(NULL AS DOUBLE) AS diff_{ind.id}")
        if ind.kind == "quantitative":
            for side, attr in (("b", "baseline"), ("l", "leading")):
                branches = []
                for r in ind.routes:
                    cond = ["TRUE"]
                    if r.divisions:
                        cond.append("substr(industry_code, 1, 2) IN (" + ", ".join(f"'{d}'" for d in r.divisions) + ")")
                    if r.energy_tce_min is not None:
                        cond.append(f"coalesce(energy_tce, 0.0) >= {r.energy_tce_min!r}")
                    if r.energy_tce_max is not None:
                        cond.append(f"coalesce(energy_tce, 0.0) < {r.energy_tce_max!r}")
                    branches.append(f"WHEN {' AND '.join(cond)} THEN {getattr(r, attr).value!r}")
                default = getattr(ind, attr).value
                bl.append(f"CASE {' '.join(branches)} ELSE {default!r} END AS {side}_{ind.id}" if branches
                          else f"{default!r} AS {side}_{ind.id}")
    pts = []
    for ind in m.indicators:
        w = ind.weight.value
        if ind.kind == "quantitative":
            r = f"(x_{ind.id} - b_{ind.id}) / (l_{ind.id} - b_{ind.id})"
            pts.append(f"CASE WHEN x_{ind.id} IS NULL THEN 0.0 WHEN {r} < 0 THEN 0.0 WHEN {r} > 1 THEN {w!r} "
                       f"ELSE {r} * {w!r} END AS s_{ind.id}")
        else:
            ev = f" AND ev_{ind.id} = 1" if ind.evidence_required else ""
            pts.append(f"CASE WHEN x_{ind.id} >= 1{ev} THEN {w!r} ELSE 0.0 END AS s_{ind.id}")
    areas = [f"round({' + '.join(f's_{i.id}' for i in m.indicators if i.area == a.id) or '0.0'}, 6) AS area_{a.id}"
             for a in m.areas]
    total = " + ".join(f"s_{i.id}" for i in m.indicators)
    covered = " + ".join(f"CASE WHEN x_{i.id} IS NOT NULL THEN {i.weight.value!r} ELSE 0.0 END" for i in m.indicators)
    vetoes = " || ".join(f"CASE WHEN req_{r.id} = 0 THEN '{r.id};' ELSE '' END" for r in m.requirements) or "''"
    cut = [c.value for c in m.stars.cutoffs]
    stars = " + ".join(f"CASE WHEN raw_score >= {c - eps!r} THEN 1 ELSE 0 END" for c in cut)
    next_cut = "CASE " + " ".join(f"WHEN stars = {k} THEN {cut[k]!r}" for k in range(5)) + " END"
    gaps = []
    for ind in m.indicators:
        w = ind.weight.value
        enough = f"next_need IS NOT NULL AND ({w!r} - s_{ind.id}) >= next_need - {eps!r}"
        if ind.kind == "quantitative":
            i = ind.id
            start = f"CASE WHEN (x_{i} - b_{i}) / (l_{i} - b_{i}) < 0 THEN b_{i} ELSE x_{i} END"
            gaps.append(f"CASE WHEN {enough} AND x_{i} IS NOT NULL THEN ({start} - x_{i}) + next_need / {w!r} * "
                        f"(l_{i} - b_{i}) END AS gap_{i}")
        else:
            gaps.append(f"CASE WHEN {enough} AND s_{ind.id} = 0 THEN 1.0 END AS gap_{ind.id}")
    out = []
    for ind in m.indicators:
        i = ind.id
        out += [f"x_{i}", f"src_{i}", f"diff_{i}"]
        if ind.kind == "quantitative":
            out += [f"b_{i}", f"l_{i}"]
        out += [f"round(s_{i}, 6) AS s_{i}", f"gap_{i}"]
    return f"""
WITH gi AS (SELECT * FROM green_indicators WHERE year = {year}),
gr AS (SELECT * FROM green_requirements WHERE year = {year}),
sup AS (SELECT credit_code, {', '.join(piv)} FROM gi GROUP BY 1),
rq AS (SELECT credit_code, {', '.join(reqs)} FROM gr GROUP BY 1),
codes AS (SELECT credit_code FROM gi UNION SELECT credit_code FROM gr),
st AS (SELECT credit_code, max(gross_output) AS gross_output FROM statistics_annual WHERE year = {year} GROUP BY 1),
en AS (SELECT credit_code, sum(quantity * CASE energy_type {coef} END) AS energy_tce FROM energy
       WHERE month >= DATE '{year}-01-01' AND month < DATE '{year + 1}-01-01' GROUP BY 1),
zc AS (SELECT credit_code, sum(quantity) AS renewable_kwh,
              sum(CASE WHEN kind = 'pv_self_use' THEN quantity ELSE 0.0 END) AS pv_kwh FROM zero_carbon
       WHERE month >= DATE '{year}-01-01' AND month < DATE '{year + 1}-01-01'
         AND kind IN ('pv_self_use', 'green_power', 'green_certificate') GROUP BY 1),
pl AS (SELECT credit_code, parcel_id, max(area_mu) AS area FROM land WHERE year = {year} GROUP BY 1, 2),
ld AS (SELECT credit_code, sum(area) AS land_mu FROM pl GROUP BY 1),
f AS (SELECT e.credit_code, e.name, e.region_code, e.industry_code, sup.* EXCLUDE (credit_code),
             rq.* EXCLUDE (credit_code), st.gross_output, en.energy_tce, zc.renewable_kwh, zc.pv_kwh, ld.land_mu
      FROM enterprises e JOIN codes USING (credit_code) LEFT JOIN sup USING (credit_code)
      LEFT JOIN rq USING (credit_code) LEFT JOIN st USING (credit_code) LEFT JOIN en USING (credit_code)
      LEFT JOIN zc USING (credit_code) LEFT JOIN ld USING (credit_code)),
x AS (SELECT *, {', '.join(xs + bl)} FROM f),
p AS (SELECT *, {', '.join(pts)} FROM x),
t AS (SELECT *, {', '.join(areas)}, round({total}, 6) AS raw_score, round(({covered}) / 100.0, 6) AS coverage,
             {vetoes} AS veto_ids FROM p),
s AS (SELECT *, CASE WHEN veto_ids <> '' THEN 'vetoed' WHEN coverage < {m.min_coverage.value - eps!r}
                     THEN 'not_assessed' ELSE 'rated' END AS status FROM t),
k AS (SELECT *, CASE WHEN status = 'not_assessed' THEN NULL ELSE raw_score END AS score,
             CASE WHEN status = 'rated' THEN CAST({stars} AS INTEGER) END AS stars FROM s),
n AS (SELECT *, CASE WHEN status = 'rated' AND stars < 5 THEN {next_cut} - raw_score END AS next_need FROM k),
g AS (SELECT *, {', '.join(gaps)} FROM n)
SELECT credit_code, name, region_code, industry_code, {year} AS year, '{m.ref}' AS methodology, status, score, stars,
       veto_ids AS vetoes, coverage, round(next_need, 6) AS next_need, {', '.join(f'area_{a.id}' for a in m.areas)},
       {', '.join(out)}
FROM g ORDER BY credit_code
"""


# ----------------------------------------------------------------------------- one variant, one process
def run_variant(variant: str, warehouse: Path, repeat: int, threads: int) -> dict:
    from zhizao.greenfactory import evaluate

    m = _methodology()
    times, table, _ = common.time_variant(variant, warehouse, repeat, threads,
                                   lambda eng: evaluate(eng.tables(TABLES), m, YEAR), hand_sql(m, YEAR))
    import pyarrow.compute as pc

    def counts(col: str) -> dict[str, int]:
        return {str(g["values"]): int(g["counts"]) for g in pc.value_counts(table[col]).to_pylist()}

    key = list(zip(table["credit_code"].to_pylist(), table["status"].to_pylist(), table["stars"].to_pylist(),
                   strict=True))
    check = {
        "rows": table.num_rows,
        "status": counts("status"),
        "stars": counts("stars"),
        "sum_score": round(float(pc.sum(table["score"]).as_py()), 3),
        "derived_differs": int(pc.sum(pc.is_valid(table["diff_energy_per_output"])).as_py() or 0),
        "firm_stars_sha256": hashlib.sha256(json.dumps(sorted(key, key=lambda r: r[0])).encode()).hexdigest(),
        "columns": len(table.column_names),
    }
    return {"variant": variant, "times": times, "check": check}


def main() -> None:
    a = common.start(common.standard_args(500_000), run_variant, "greenfactory")
    if a is None:
        return
    t0 = time.perf_counter()
    wh = build_warehouse(a.data, a.firms)
    setup_s = round(time.perf_counter() - t0, 1)
    head = {"sizes": common.row_counts(wh, TABLES), "setup_s": setup_s}
    common.compare(__file__, wh, a, head, common.agree_within("sum_score"), record)


def record(s: dict, a: argparse.Namespace) -> None:
    import ibis

    c, sz = s["check"], s["sizes"]
    ok = "within" if s["ratio_median"] <= 1.5 else "NOT within"
    text = f"""# Benchmark: 星级绿色工厂 scoring, {sz['enterprises']:,} firms × 15 supplied indicators

- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
- Machine: {common.machine_line()};
  load average {s['load'][0]} before and {s['load'][1]} after the timed runs
  ({common.load_words(s['load'][0], s['load'][1])})
- Software: Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}
- Methodology: {METHODOLOGY} (16 indicators, 11 requirements, sector and energy-band routes)
- Command: `python bench/greenfactory_eval.py --firms {a.firms} --repeat {a.repeat} --record`

## Inputs (synthetic, generated in SQL; setup {s['setup_s']} s, not timed)

| table | rows |
|---|---:|
""" + "".join(f"| `{t}` | {n:,} |\n" for t, n in sz.items()) + f"""
## Results ({a.repeat} repetitions per variant, interleaved, one process each)

| variant | median (s) | min (s) | all (s) | peak memory (MB) |
|---|---:|---:|---:|---:|
| Ibis method on DuckDB (`zhizao.greenfactory.evaluate`) | {s['ibis']['median_s']} | {s['ibis']['min_s']} | {s['ibis']['times_s']} | {s['ibis']['peak_rss_mb']:,} |
| hand-written DuckDB SQL | {s['sql']['median_s']} | {s['sql']['min_s']} | {s['sql']['times_s']} | {s['sql']['peak_rss_mb']:,} |

Ratio Ibis / SQL: **{s['ratio_median']}×** (median), {s['ratio_min']}× (min): {ok} the 1.5× target.

Both variants return the same {c['rows']:,} rows × {c['columns']} columns: status {c['status']},
stars {c['stars']}, Σscore {c['sum_score']:,}, {c['derived_differs']:,} firms whose supplied energy per output
differs from the derived one beyond the tolerance, identical (credit code, status, stars) of every firm
(sha256 `{c['firm_stars_sha256'][:16]}…`).
"""
    common.write_result("greenfactory_eval.md", text)


if __name__ == "__main__":
    main()
