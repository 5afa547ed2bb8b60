"""Benchmark: the annual 工业碳效码 evaluation of 500,000 firms (24 million energy rows).

Setup (not timed): ``zhizao.demo.scale.write_scale_city`` writes the synthetic province
(500,000 firms, 48 energy rows per firm, PV for about 15 % of firms) as Parquet, loaded into a
DuckDB warehouse file with the warehouse schema (``fact_<table>`` + current views), as
``zhizao import`` would leave it.

Timed, in the same run, on the same warehouse file, each variant in its own process under
``/usr/bin/time -v`` (for its peak resident memory), 3 repetitions each:

- **ibis**: ``zhizao.carbon.evaluate`` (the Ibis method on the DuckDB engine), executed to Arrow;
- **sql**: the same computation hand-written as one plain DuckDB SQL query (same factors, same
  columns), executed to Arrow.

Both variants' results are checked to agree (row count, grade and status counts, ΣK, ΣE).

Run: ``python bench/carbon_eval.py [--firms 500000] [--repeat 3] [--record]``
(``--record`` rewrites ``bench/results/carbon_eval.md``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import duckdb

import _common as common

ROOT = Path(__file__).resolve().parent
YEAR = 2023
TABLES = ("enterprises", "statistics_annual", "energy", "zero_carbon")


# ----------------------------------------------------------------------------- setup
def build_warehouse(data_dir: Path, firms: int) -> Path:
    return common.build_scale_warehouse(data_dir, firms, (YEAR,), TABLES)


# ----------------------------------------------------------------------------- the hand-written SQL
def hand_sql(m, year: int) -> str:  # type: ignore[no-untyped-def]
    """The carbon evaluation as one DuckDB query, for the methodology's national-scope,
    aggregate-benchmark, computed-benchmark rules (the shipped default): the population (tracks,
    firms existing in the year), the publication gate's checks in the methodology's order, the
    benchmark per industry and track over the firms neither held nor ungraded, and the bands read
    on L and K rounded as published."""
    from zhizao.carbon.notes import computed_source

    assert m.electricity.scope == "national" and m.benchmark.statistic == "aggregate"
    assert m.benchmark.origin == "computed"
    grid, _, _ = m.grid_factor(year)
    heat = m.co2_per_canonical("heat")
    fuels = " ".join(f"WHEN '{k}' THEN {m.co2_per_canonical(k)!r}" for k, f in m.energy.items()
                     if f.co2 is not None and k != "heat")
    coal = " ".join(f"WHEN '{k}' THEN {m.coal_per_canonical(k)!r}" for k in m.energy)
    digits = m.benchmark_digits()
    lv = [b.upper.value for b in m.levels[:-1] if b.upper]
    gr = [b.upper.value for b in m.grades[:-1] if b.upper]
    ri, rk = m.rounding.intensity, m.rounding.k_value
    level_case = " ".join(f"WHEN round(intensity, {ri}) <= {u!r} THEN '{b.label}'"
                          for u, b in zip(lv, m.levels, strict=False))
    grade_case = " ".join(f"WHEN round(k, {rk}) <= {u!r} THEN {b.grade}" for u, b in zip(gr, m.grades, strict=False))
    colour_case = " ".join(f"WHEN {b.grade} THEN '{b.colour}'" for b in m.grades)
    tracks = ", ".join(f"'{t}'" for t in m.population.tracks)
    existing = f"AND (f.founded_on IS NULL OR f.founded_on <= DATE '{year}-12-31')" if m.population.existing_only else ""
    checks = {c.id: c for c in m.gate}
    unit = checks.get("unit_mixup")
    spike = checks.get("month_spike")
    f_unit = "0"
    if unit is not None:
        lo, hi = unit.ratio.value / unit.tolerance.value, unit.ratio.value * unit.tolerance.value
        f_unit = (f"max(CASE WHEN med > 0 AND months >= {unit.min_months.value!r} AND ((top / med BETWEEN {lo!r} AND "
                  f"{hi!r}) OR (med / bottom BETWEEN {lo!r} AND {hi!r})) THEN 1 ELSE 0 END)")
    f_spike = "0"
    if spike is not None:
        f_spike = (f"max(CASE WHEN med > 0 AND months >= {spike.min_months.value!r} AND top >= "
                   f"{spike.factor.value!r} * med THEN 1 ELSE 0 END)")
    when = {"unit_mixup": "coalesce(fl.f_unit, 0) = 1", "month_spike": "coalesce(fl.f_spike, 0) = 1",
            "energy_without_output": "coalesce(fl.energy_months, 0) > 0 AND coalesce(p.gross_output, 0) <= 0",
            "output_without_energy": "coalesce(fl.energy_months, 0) = 0 AND coalesce(p.gross_output, 0) > 0"}
    # the screen of zhizao.carbon.method.gate: only (firm, type) pairs that could fail a month check,
    # or with several rows in a month, are summed by month
    screen = " OR ".join(
        ([f"top / bottom >= {unit.ratio.value / unit.tolerance.value * (1 - 1e-9)!r}"] if unit is not None else [])
        + ([f"top >= {spike.factor.value * (1 - 1e-9)!r} * bottom"] if spike is not None else [])) or "false"
    gate_case = " ".join(f"WHEN {when[c.id]} THEN '{c.id}'" for c in m.gate) or "WHEN false THEN ''"
    held_names = " ".join(f"WHEN '{c.id}' THEN '{c.name}'" for c in m.gate) or "WHEN '' THEN ''"
    source = computed_source(m)
    # the method's sums are exact (zhizao.sums): each summand a DECIMAL(38,12), the total read
    # back as a double; the same here, so both do the same work and give the same bits
    return common.exact_sums(f"""
WITH pop AS (
    SELECT f.credit_code, f.name, f.region_code, f.industry_code, s.value_added::DOUBLE AS value_added,
           s.gross_output::DOUBLE AS gross_output,
           CASE WHEN coalesce(s.above_scale, false) THEN 'above_scale' ELSE 'below_scale' END AS track
    FROM enterprises f JOIN (SELECT * FROM statistics_annual WHERE year = {year}) s USING (credit_code)
    WHERE (CASE WHEN coalesce(s.above_scale, false) THEN 'above_scale' ELSE 'below_scale' END) IN ({tracks}) {existing}
), e AS (
    SELECT credit_code,
           {{X}}(quantity * CASE energy_type {fuels} ELSE 0 END) AS fuel,
           {{X}}(CASE WHEN energy_type = 'electricity' THEN quantity ELSE 0 END)
             - {{X}}(CASE WHEN energy_type = 'exported_electricity' THEN quantity ELSE 0 END) AS kwh,
           {{X}}(CASE WHEN energy_type = 'heat' THEN quantity ELSE 0 END)
             - {{X}}(CASE WHEN energy_type = 'exported_heat' THEN quantity ELSE 0 END) AS gj,
           {{X}}(CASE WHEN energy_type = 'biomass' THEN quantity ELSE 0 END) AS biomass_t,
           {{X}}(quantity * CASE energy_type {coal} ELSE 0 END) AS energy_tce,
           count(*) AS n
    FROM energy WHERE year(month) = {year} GROUP BY credit_code
), pairs AS (
    SELECT credit_code, energy_type, count(*) AS n, bit_or(1 << (month(month) - 1)) AS bits, max(quantity) AS top,
           min(quantity) AS bottom
    FROM energy WHERE year(month) = {year} AND quantity > 0 GROUP BY ALL
), suspects AS (
    SELECT credit_code, energy_type FROM pairs WHERE bit_count(bits) <> n OR {screen}
), pm AS (
    SELECT credit_code, energy_type, month, {{X}}(quantity) AS q
    FROM energy SEMI JOIN suspects USING (credit_code, energy_type)
    WHERE year(month) = {year} AND quantity > 0 GROUP BY ALL
), med AS (
    SELECT credit_code, energy_type, median(q) AS med, count(*) AS months, max(q) AS top, min(q) AS bottom
    FROM pm GROUP BY ALL
), flm AS (
    SELECT credit_code, {f_unit} AS f_unit, {f_spike} AS f_spike FROM med GROUP BY credit_code
), fl AS (
    SELECT credit_code, sum(n) AS energy_months, any_value(flm.f_unit) AS f_unit, any_value(flm.f_spike) AS f_spike
    FROM pairs LEFT JOIN flm USING (credit_code) GROUP BY credit_code
), z AS (
    SELECT credit_code,
           {{X}}(CASE WHEN kind = 'pv_self_use' THEN quantity ELSE 0 END) AS pv,
           {{X}}(CASE WHEN kind IN ('green_power', 'green_certificate') THEN quantity ELSE 0 END) AS green,
           {{X}}(CASE WHEN kind = 'sink' THEN quantity ELSE 0 END) AS sink
    FROM zero_carbon WHERE year(month) = {year} GROUP BY credit_code
), f AS (
    SELECT p.credit_code, p.name, p.region_code, p.industry_code, p.track, p.value_added,
           CASE {gate_case} END AS held_check,
           coalesce(e.n, 0) AS n, coalesce(e.fuel, 0) AS fuel, coalesce(e.kwh, 0) * {grid!r} AS elec,
           coalesce(e.gj, 0) * {heat!r} AS heat, coalesce(e.biomass_t, 0) AS biomass_t,
           coalesce(e.energy_tce, 0) AS energy_tce, coalesce(z.pv, 0) AS pv, coalesce(z.green, 0) AS green,
           coalesce(z.sink, 0) AS sink
    FROM pop p LEFT JOIN e USING (credit_code) LEFT JOIN z USING (credit_code) LEFT JOIN fl USING (credit_code)
), g AS (
    SELECT *, fuel + elec + heat AS gross, fuel + elec + heat - green * {grid!r} - sink AS net,
           CASE WHEN value_added IS NULL OR value_added <= 0 THEN '工业增加值为零或负数'
                WHEN n = 0 THEN '当年无能源消费数据' END AS why,
           substr(industry_code, 1, {digits}) AS benchmark_code
    FROM f
), b AS (
    SELECT *, CASE WHEN why IS NULL THEN net / value_added END AS intensity,
           why IS NULL AND held_check IS NULL AS elig,
           sum(CASE WHEN why IS NULL AND held_check IS NULL THEN 1 ELSE 0 END) OVER w AS benchmark_firms,
           {{XW}}(CASE WHEN why IS NULL AND held_check IS NULL THEN net ELSE 0 END)
             / nullif({{XW}}(CASE WHEN why IS NULL AND held_check IS NULL THEN value_added ELSE 0 END), 0) AS bench
    FROM g WINDOW w AS (PARTITION BY benchmark_code, track)
), k AS (
    SELECT *, CASE WHEN elig THEN bench END AS benchmark_intensity,
           CASE WHEN elig AND bench > 0 THEN intensity / bench END AS k
    FROM b
), r AS (
    SELECT *, CASE WHEN k IS NOT NULL THEN CASE {level_case} ELSE '{m.levels[-1].label}' END END AS level,
           CASE WHEN k IS NOT NULL THEN CASE {grade_case} ELSE {m.grades[-1].grade} END END AS grade
    FROM k
)
SELECT credit_code, name, region_code, industry_code, {year}::INTEGER AS year,
       CASE WHEN n > 0 THEN gross END AS emissions_t, value_added, intensity, benchmark_intensity, k AS k_value,
       level, grade::BIGINT AS grade, CASE grade {colour_case} END AS colour,
       CASE WHEN gross > 0 THEN ((pv + green) * {grid!r} + sink) / gross END AS neutrality_rate,
       CASE WHEN held_check IS NOT NULL THEN 'held' WHEN grade IS NOT NULL THEN 'graded' ELSE 'ungraded' END AS status,
       CASE WHEN held_check IS NOT NULL THEN CASE held_check {held_names} END
            WHEN grade IS NULL THEN coalesce(why, '行业基准碳排放强度不为正，无法计算碳效值') END AS reason,
       level || grade || '级' AS label, track, held_check, '{source}' AS benchmark_source, benchmark_code,
       benchmark_firms,
       CASE WHEN n > 0 THEN net END AS net_emissions_t, (pv + green) * {grid!r} + sink AS offsets_t,
       fuel AS fuel_emissions_t, elec AS electricity_emissions_t, heat AS heat_emissions_t,
       green * {grid!r} + sink AS zero_carbon_netted_t, sink AS sink_t, pv AS pv_self_use_kwh, biomass_t, energy_tce,
       {grid!r} AS grid_factor
FROM r
""")


# ----------------------------------------------------------------------------- one variant, one process
def run_variant(variant: str, warehouse: Path, repeat: int, threads: int) -> dict:
    from zhizao.carbon import evaluate
    from zhizao.methodology import find

    m = find(None, "carbon", YEAR)
    times, table, compile_s = common.time_variant(variant, warehouse, repeat, threads,
                                           lambda eng: evaluate(eng.tables(TABLES), m, YEAR), hand_sql(m, YEAR),
                                           compile_too=True)
    import pyarrow.compute as pc

    check = {
        "rows": table.num_rows,
        "graded": int(pc.sum(pc.equal(table["status"], "graded")).as_py()),
        "held": int(pc.sum(pc.equal(table["status"], "held")).as_py() or 0),
        "grades": {str(g["values"]): int(g["counts"]) for g in pc.value_counts(table["grade"]).to_pylist()},
        "sum_k": round(float(pc.sum(table["k_value"]).as_py()), 6),
        "sum_emissions_t": round(float(pc.sum(table["emissions_t"]).as_py()), 3),
        "columns": table.column_names,
    }
    out = {"variant": variant, "times": times, "check": check}
    if variant == "ibis":
        out["compile"] = compile_s
    return out


def main() -> None:
    ap = common.standard_args(500_000)
    ap.add_argument("--note", default="", help="a remark recorded with the results (e.g. machine load)")
    a = common.start(ap, run_variant, "carbon")
    if a is None:
        return
    data = a.data
    wh = build_warehouse(data, a.firms)
    setup_s = json.loads((data / "setup.json").read_text())["setup_s"] if (data / "setup.json").exists() else None
    manifest = data / "parquet" / "manifest.json"
    generate_s = json.loads(manifest.read_text())["seconds"] if manifest.exists() else None
    con = duckdb.connect(str(wh), read_only=True)
    energy_rows = con.execute(f"SELECT count(*) FROM energy WHERE year(month) = {YEAR}").fetchone()[0]  # type: ignore[index]
    firms = con.execute("SELECT count(*) FROM enterprises").fetchone()[0]  # type: ignore[index]
    con.close()
    results, (load_before, load_after) = common.interleave(__file__, wh, ("sql", "ibis"), a.repeat, a.threads)
    ci, cs = results["ibis"]["check"], results["sql"]["check"]
    same = (ci["rows"] == cs["rows"] and ci["graded"] == cs["graded"] and ci["grades"] == cs["grades"]
            and ci["columns"] == cs["columns"] and abs(ci["sum_k"] - cs["sum_k"]) <= 1e-6 * max(1, abs(cs["sum_k"]))
            and abs(ci["sum_emissions_t"] - cs["sum_emissions_t"]) <= 1e-6 * abs(cs["sum_emissions_t"]))
    stats = common.summarise(results)
    for v, r in results.items():
        stats[v]["build_compile_s"] = [round(x, 3) for x in r.get("compile", [])]
    summary = {
        "firms": firms, "energy_rows": energy_rows, "setup_s": setup_s, "generate_s": generate_s, "same_results": same,
        "check": cs, **stats,
        "load_avg_1min": [round(load_before[0], 1), round(load_after[0], 1)], "note": a.note,
    }
    summary.update(common.ratios(summary))
    common.finish(summary, same, a, record)


def record(s: dict, a: argparse.Namespace) -> None:
    import ibis

    g = s["check"]["grades"]
    text = f"""# Benchmark: annual 工业碳效码 evaluation, {s['firms']:,} firms

- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
- Machine: {common.machine_line()}
- Load: 1-minute load average {s['load_avg_1min'][0]} at the start, {s['load_avg_1min'][1]} at the end
  ({common.load_words(s['load_avg_1min'][0], s['load_avg_1min'][1])}). {s['note']}
- Software: Python {platform.python_version()}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}; threads = {a.threads}
- Data: `zhizao.demo.scale.write_scale_city` ({s['firms']:,} firms, seed 1, year {YEAR}) loaded into a DuckDB
  warehouse file (`fact_*` tables and current views); **{s['energy_rows']:,} energy rows** in the year,
  zero-carbon (self-used PV) rows for about 15 % of firms. Setup (generate + load, once, not timed): {f"{s['setup_s']} s" if s['setup_s'] is not None else f"done by an earlier run (generation alone {s['generate_s']} s)"}.
- Methodology: `zhejiang-carbon@{YEAR}` (national average grid factor of {YEAR}, MEE/NBS; 规上 firms existing
  in the year; the publication gate's four checks; division benchmark, aggregate intensity; bands on the
  rounded L and K). Held firms: {s['check'].get('held', 0):,}.

| variant | min (s) | median (s) | runs (s) | peak RSS (MB) |
|---|---|---|---|---|
| hand-written DuckDB SQL | {s['sql']['min_s']} | {s['sql']['median_s']} | {', '.join(map(str, s['sql']['times_s']))} | {s['sql']['peak_rss_mb']} |
| `zhizao.carbon.evaluate` (Ibis on DuckDB) | {s['ibis']['min_s']} | {s['ibis']['median_s']} | {', '.join(map(str, s['ibis']['times_s']))} | {s['ibis']['peak_rss_mb']} |

**Ratio Ibis / SQL: {s['ratio_median']}× (median), {s['ratio_min']}× (min).** Target: ≤ 1.5×, peak memory < 4 GB.

Each time covers building (Ibis: expression + compilation) and executing the evaluation to an Arrow
table of {s['check']['rows']:,} rows × {len(s['check']['columns'])} columns. Ibis's share for building and
compiling the expression alone: {', '.join(map(str, s['ibis']['build_compile_s']))} s. Every repetition ran in a
fresh process under `/usr/bin/time -v`, the two variants interleaved (sql, ibis, sql, ibis, …) so that
load on the machine affects both alike; peak RSS is the largest "Maximum resident set size" of a
variant's processes (Python included).
Both variants gave the same results: {s['check']['graded']:,} graded firms, grades
{', '.join(f'{k}: {v:,}' for k, v in sorted(g.items()))}, ΣK = {s['check']['sum_k']}, ΣE = {s['check']['sum_emissions_t']:,} t.

Rerun (from the repository root, venv active; the first run generates the data under `bench/data/`):

    python bench/carbon_eval.py --firms {s['firms']} --repeat {a.repeat} --threads {a.threads} --record
"""
    # one file per size: 500,000 firms is the reference case, another size is recorded beside it
    common.write_result("carbon_eval.md" if s["firms"] == 500_000 else f"carbon_eval_{s['firms'] // 1000}k.md", text)


if __name__ == "__main__":
    main()
