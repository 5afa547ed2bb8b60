"""Benchmark: 500,000 firms screened against every shipped tier rule set (五企培育).

Setup (not timed): the scale city (enterprises, three years of statistics_annual, tax) in a DuckDB
warehouse, plus synthetic ``firm_facts`` (the 13 facts for every firm, and two earlier years of net
profit: 7.5 million rows) and ``titles`` (about 40 % of firms hold one to three titles with
validity dates), drawn from hashes of the credit code (deterministic).

Timed, in the same run, on the same warehouse file, alternating the two variants, each repetition
in its own process under ``/usr/bin/time -v`` (peak memory recorded), all eight shipped rule sets
one after the other (the eagle template has no criteria):

- **ibis**: ``zhizao.cultivation.evaluate`` (measures + the criteria engine's one expression per
  rule set) on the DuckDB engine, to Arrow;
- **sql**: the same measures hand-written as plain DuckDB SQL and the same rules compiled to plain
  SQL CASE / LEAST / GREATEST layers (the same output columns), to Arrow.

- **ibis-warm**: the same, with the compiled-SQL cache directory (``ZHIZAO_SQL_CACHE``) filled by
  an untimed run first, as a second ``zhizao evaluate tiers`` of the same rule-set versions finds it
  (the ``ibis`` variant has no cache directory: every process builds and compiles each rule set).

Both must agree: rows, outcome counts per rule set, and a hash of every firm's (code, outcome,
unmet count). Each variant's time is the screening in the child (the function) and the whole
child process (interpreter start, imports, connecting, screening).

Run: ``python bench/tiers_screen.py [--firms 500000] [--repeat 3] [--record]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import duckdb

import _common as common

ROOT = Path(__file__).resolve().parent
YEAR = 2024
TABLES = ("enterprises", "statistics_annual", "tax", "firm_facts", "titles")
LEVELS = ("county", "city", "provincial", "national")
VARIANTS = ("sql", "ibis", "ibis-warm")


def rulesets() -> list:  # type: ignore[type-arg]
    from zhizao.methodology.loader import shipped

    return sorted((e.methodology for e in shipped()
                   if e.methodology.method == "tiers" and not e.methodology.template), key=lambda m: m.ref)


def add_facts_and_titles(con: duckdb.DuckDBPyConnection) -> None:
    """Deterministic facts and titles for every firm (hash of the credit code)."""
    from zhizao.cultivation.codes import FACTS

    def h(salt: str, mod: int) -> str:
        return f"CAST(hash(credit_code || '{salt}') % {mod} AS BIGINT)"

    spec = {
        "niche_years": h("n", 20) + " + 1", "class_i_ip": h("ip", 8), "main_business_share": "50 + " + h("mb", 51),
        "market_share": f"{h('ms', 300)} / 10.0", "market_rank_national": h("rn", 30) + " + 1",
        "market_rank_global": h("rg", 80) + " + 1", "evaluation_score": "30 + " + h("ev", 60),
        "equity_financing": f"CASE WHEN {h('eq', 5)} = 0 THEN {h('eqv', 9000)} ELSE 0 END",
        "rd_staff_share": "5 + " + h("rs", 50), "net_profit": f"{h('np', 5000)} - 500",
        "industrial_investment_3y": h("ii", 60000), "lead_product_count": h("lp", 5) + " + 1",
        "new_product": f"CASE WHEN {h('nw', 10)} = 0 THEN 1 ELSE 0 END",
    }
    assert set(spec) == set(FACTS)
    parts = [f"SELECT credit_code, {YEAR} AS year, '{f}' AS fact, CAST({e} AS DOUBLE) AS value FROM enterprises"
             for f, e in spec.items()]
    parts += [f"SELECT credit_code, {YEAR - k} AS year, 'net_profit', CAST({h('np' + str(k), 5000)} - 400 AS DOUBLE) "
              f"FROM enterprises" for k in (1, 2)]
    con.execute("INSERT INTO fact_firm_facts (credit_code, year, fact, value, _batch_id, _row) "
                f"SELECT *, 90, row_number() OVER () + 1 FROM ({' UNION ALL '.join(parts)})")
    titles = ("tech_sme", "specialised_sme", "little_giant", "single_champion", "hidden_champion", "tech_centre",
              "golden_bull", "golden_elephant")
    rows = []
    for i, t in enumerate(titles):
        share = (40, 15, 4, 1, 2, 5, 1, 1)[i]
        rows.append(f"""SELECT credit_code, '{t}' AS title, (['county','city','provincial','national'])[
                  CAST({h('lv' + t, 4)} AS INTEGER) + 1] AS level,
                  DATE '2019-01-01' + CAST({h('g' + t, 2000)} AS INTEGER) AS granted_on
                  FROM enterprises WHERE {h('t' + t, 100)} < {share}""")
    con.execute(f"""INSERT INTO fact_titles (credit_code, title, level, granted_on, expires_on, revoked_on, _batch_id, _row)
        SELECT credit_code, title, level, granted_on, granted_on + INTERVAL 3 YEAR - INTERVAL 1 DAY,
               NULL, 91, row_number() OVER () + 1 FROM ({' UNION ALL '.join(rows)})""")
    con.execute("INSERT INTO batches VALUES (90, 'firm_facts', 'bench', 'facts', 'h90', now(), 0, 0, 0, 'loaded', NULL)")
    con.execute("INSERT INTO batches VALUES (91, 'titles', 'bench', 'titles', 'h91', now(), 0, 0, 0, 'loaded', NULL)")


# ----------------------------------------------------------------------------- plain SQL
def _g(k: int) -> str:
    return f"CASE WHEN r{k + 1} > 0 THEN (r{k} - r{k + 1}) * 100.0 / r{k + 1} END"


def _rs(k: int) -> str:
    return f"CASE WHEN r{k} > 0 THEN d{k} * 100.0 / r{k} END"


def _np(k: int) -> str:
    return f"CASE WHEN np{k + 1} > 0 THEN (np{k} - np{k + 1}) * 100.0 / np{k + 1} END"


def _least(*xs: str) -> str:
    return f"CASE WHEN {' AND '.join(f'({x}) IS NOT NULL' for x in xs)} THEN least({', '.join(xs)}) END"


MEASURE_SQL = {
    "revenue": "r0", "revenue_avg2": "(r0 + r1) / 2", "revenue_avg3": "(r0 + r1 + r2) / 3",
    "revenue_growth": _g(0), "revenue_growth_avg2": f"(({_g(0)}) + ({_g(1)})) / 2",
    "revenue_growth_min2": _least(_g(0), _g(1)), "rd_expense": "d0", "rd_total_2y": "d0 + d1",
    "rd_avg2": "(d0 + d1) / 2", "rd_share": _rs(0), "rd_share_min2": _least(_rs(0), _rs(1)),
    "rd_share_min3": _least(_rs(0), _rs(1), _rs(2)), "debt_ratio": "CASE WHEN a0 > 0 THEN l0 * 100.0 / a0 END",
    "tax_paid": "tax_paid", "firm_age": f"CAST({YEAR} - fy AS DOUBLE)",
    "net_profit_growth_avg2": f"(({_np(0)}) + ({_np(1)})) / 2",
}


def hand_sql(m, year: int) -> str:  # type: ignore[no-untyped-def]
    from zhizao.criteria import All, Any_, Comparison, Manual, Not, TitleHeld, children, walk
    from zhizao.cultivation.codes import FACTS

    nodes = list(walk(m.criteria))
    used = sorted({n.measure for n in nodes if isinstance(n, Comparison)})
    titles = sorted({(n.title, n.level) for n in nodes if isinstance(n, TitleHeld)})
    day = m.as_of(year).isoformat()
    msql = dict(MEASURE_SQL, **{f: f"f_{f}" for f in FACTS})
    stat = ", ".join(f"max(CASE WHEN year = {year - k} THEN CAST({c} AS DOUBLE) END) AS {a}{k}"
                     for c, a in (("revenue", "r"), ("rd_expense", "d"), ("total_assets", "a"),
                                  ("total_liabilities", "l")) for k in (0, 1, 2))
    facts = ", ".join([f"max(CASE WHEN fact = '{f}' AND year = {year} THEN value END) AS f_{f}" for f in FACTS]
                      + [f"max(CASE WHEN fact = 'net_profit' AND year = {year - k} THEN value END) AS np{k}"
                         for k in (1, 2)])
    rank = "CASE level " + " ".join(f"WHEN '{lv}' THEN {i}" for i, lv in enumerate(LEVELS)) + " ELSE -1 END"
    valid = (f"granted_on <= DATE '{day}' AND (expires_on IS NULL OR expires_on >= DATE '{day}') "
             f"AND (revoked_on IS NULL OR revoked_on > DATE '{day}')")
    tcols = ", ".join(f"max(CASE WHEN {valid} AND title = '{t}' AND {rank} >= {LEVELS.index(lv)} THEN 1 ELSE 0 END) "
                      f"AS t_{t}_{lv}" for t, lv in titles) or "0 AS t_none"
    leaf, groups = [], {}
    for n in nodes:
        if isinstance(n, Comparison):
            v = f"m_{n.measure}"
            lo, hi = repr(float(n.low)), repr(float(n.high))
            ok = {">=": f"{v} >= {lo}", "<=": f"{v} <= {hi}", ">": f"{v} > {lo}", "<": f"{v} < {hi}",
                  "=": f"{v} = {lo}", "between": f"{v} >= {lo} AND {v} <= {hi}"}[n.op]
            raw = {">=": f"{lo} - {v}", ">": f"{lo} - {v}", "<=": f"{v} - {hi}", "<": f"{v} - {hi}",
                   "=": f"abs({v} - {lo})", "between": f"CASE WHEN {v} < {lo} THEN {lo} - {v} ELSE {v} - {hi} END"}[n.op]
            scale = abs(n.low) if n.op in (">=", ">", "between") and n.low else abs(n.high) if n.high else 1.0
            leaf.append(f"CASE WHEN {v} IS NULL THEN 1 WHEN {ok} THEN 3 ELSE 0 END AS {n.id}__code, "
                        f"{v} AS {n.id}__value, CASE WHEN {v} IS NOT NULL AND NOT ({ok}) THEN {raw} END AS {n.id}__gap, "
                        f"CASE WHEN {v} IS NOT NULL AND NOT ({ok}) THEN least(({raw}) / {scale!r}, 1.0) END "
                        f"AS {n.id}__rel_gap")
        elif isinstance(n, TitleHeld):
            c = f"coalesce(t_{n.title}_{n.level}, 0)"
            leaf.append(f"CASE WHEN {c} = 1 THEN 3 ELSE 0 END AS {n.id}__code, CAST({c} AS DOUBLE) AS {n.id}__value, "
                        f"CASE WHEN {c} = 1 THEN NULL ELSE 1.0 END AS {n.id}__rel_gap")
        elif isinstance(n, Manual):
            leaf.append(f"2 AS {n.id}__code, CAST(NULL AS DOUBLE) AS {n.id}__rel_gap")

    def height(n) -> int:  # type: ignore[no-untyped-def]
        return 0 if not children(n) else 1 + max(height(c) for c in children(n))

    for n in nodes:
        if not children(n):
            continue
        cs = [f"{c.id}__code" for c in children(n)]
        rs = [f"{c.id}__rel_gap" for c in children(n)]
        if isinstance(n, Not):
            e = (f"CASE WHEN {cs[0]} = 3 THEN 0 WHEN {cs[0]} = 0 THEN 3 ELSE {cs[0]} END AS {n.id}__code, "
                 f"CASE WHEN {cs[0]} = 3 THEN 1.0 END AS {n.id}__rel_gap")
        elif isinstance(n, All):
            lc = f"least({', '.join(cs)})" if len(cs) > 1 else cs[0]
            tot = " + ".join(f"CASE WHEN {c} = 0 THEN {r} ELSE 0.0 END" for c, r in zip(cs, rs, strict=True))
            e = f"{lc} AS {n.id}__code, CASE WHEN {lc} = 0 THEN 0.0 + {tot} END AS {n.id}__rel_gap"
        else:
            assert isinstance(n, Any_)
            gc = f"greatest({', '.join(cs)})" if len(cs) > 1 else cs[0]
            best = f"least({', '.join(f'coalesce({r}, 1.0)' for r in rs)})" if len(rs) > 1 else f"coalesce({rs[0]}, 1.0)"
            e = f"{gc} AS {n.id}__code, CASE WHEN {gc} = 0 THEN {best} END AS {n.id}__rel_gap"
        groups.setdefault(height(n), []).append(e)
    layers = [f"c0 AS (SELECT *, {', '.join(leaf)} FROM m)"]
    for i, h in enumerate(sorted(groups), start=1):
        layers.append(f"c{i} AS (SELECT *, {', '.join(groups[h])} FROM c{i - 1})")
    last = f"c{len(layers) - 1}"
    top = [f"{n.id}__code" for n in m.criteria]
    tc = f"least({', '.join(top)})" if len(top) > 1 else top[0]
    names = "CASE {c} WHEN 0 THEN 'unmet' WHEN 1 THEN 'unknown' WHEN 2 THEN 'manual' ELSE 'met' END"
    out = []
    for n in nodes:
        out.append(names.format(c=f"{n.id}__code") + f" AS {n.id}__outcome")
        out.append(f"{n.id}__rel_gap")
        if isinstance(n, Comparison):
            out += [f"{n.id}__value", f"{n.id}__gap"]
        elif isinstance(n, TitleHeld):
            out.append(f"{n.id}__value")
    counts = {k: " + ".join(f"CASE WHEN {c} = {v} THEN 1 ELSE 0 END" for c in top)
              for k, v in (("met_count", 3), ("unmet_count", 0), ("unknown_count", 1), ("manual_count", 2))}
    return f"""
WITH s AS (SELECT credit_code, {stat} FROM statistics_annual WHERE year BETWEEN {year - 2} AND {year} GROUP BY credit_code),
tx AS (SELECT credit_code, sum(tax_paid) AS tax_paid FROM tax WHERE year = {year} GROUP BY credit_code),
f AS (SELECT credit_code, {facts}, max(CASE WHEN fact = 'net_profit' AND year = {year} THEN value END) AS np0
      FROM firm_facts WHERE year BETWEEN {year - 2} AND {year} GROUP BY credit_code),
ti AS (SELECT credit_code, {tcols} FROM titles GROUP BY credit_code),
b AS (SELECT e.credit_code, e.name, e.region_code, e.industry_code, year(e.founded_on) AS fy, s.*, tx.tax_paid, f.*, ti.*
      FROM enterprises e LEFT JOIN s USING (credit_code) LEFT JOIN tx USING (credit_code)
      LEFT JOIN f USING (credit_code) LEFT JOIN ti USING (credit_code)),
m AS (SELECT *, {', '.join(f'CAST({msql[u]} AS DOUBLE) AS m_{u}' for u in used)} FROM b),
{', '.join(layers)}
SELECT credit_code, name, region_code, industry_code,
       CASE {tc} WHEN 0 THEN 'not_qualified' WHEN 1 THEN 'unknown' WHEN 2 THEN 'manual_review' ELSE 'qualified' END AS outcome,
       {', '.join(f'CAST({v} AS BIGINT) AS {k}' for k, v in counts.items())},
       0.0 + {' + '.join(f'coalesce({n.id}__rel_gap, 0.0)' for n in m.criteria)} AS gap_score,
       {', '.join(out)}, {year} AS year, '{m.tier}' AS tier
FROM {last}
"""


# ----------------------------------------------------------------------------- one variant, one process
def run_variant(variant: str, warehouse: Path, repeat: int, threads: int) -> dict:
    import pyarrow.compute as pc

    from zhizao.cultivation.method import evaluate

    ms = rulesets()
    check: dict[str, object] = {}
    times, tables = common.run_timed(
        variant, warehouse, repeat, threads,
        lambda eng: [(m, eng.to_pyarrow(evaluate(eng.tables(TABLES), m, YEAR))) for m in ms],
        lambda con: [(m, con.sql(hand_sql(m, YEAR)).to_arrow_table()) for m in ms])
    for m, t in tables:
        counts = {str(g["values"]): int(g["counts"]) for g in pc.value_counts(t["outcome"]).to_pylist()}
        key = sorted(zip(t["credit_code"].to_pylist(), t["outcome"].to_pylist(), t["unmet_count"].to_pylist(),
                         strict=True))
        check[m.ref] = {"rows": t.num_rows, "outcome": dict(sorted(counts.items())),
                        "sha256": hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]}
    return {"variant": variant, "times": times, "check": check}


def main() -> None:
    a = common.start(common.standard_args(500_000, variants=VARIANTS), run_variant, "tiers")
    if a is None:
        return
    data = a.data
    t0 = time.perf_counter()
    wh = common.build_scale_warehouse(data, a.firms, (YEAR - 2, YEAR - 1, YEAR), ("enterprises", "statistics_annual", "tax"),
                               adjust=add_facts_and_titles)
    setup_s = time.perf_counter() - t0
    sizes = common.row_counts(wh, TABLES)
    env_warm = common.warm_sql_cache(__file__, data, wh, a.threads)
    results, (load_before, load_after) = common.interleave(__file__, wh, VARIANTS, a.repeat, a.threads,
                                                    env={"ibis-warm": env_warm})
    same = all(results[v]["check"] == results["sql"]["check"] for v in VARIANTS)
    stats = common.summarise(results, process=True)
    for v, r in results.items():
        stats[v]["process_s"] = [round(x, 3) for x in r["process"]]
    summary = {
        "sizes": sizes, "setup_s": round(setup_s, 1), "same_results": same, "check": results["sql"]["check"],
        "rulesets": len(results["sql"]["check"]), "load": [round(load_before[0], 2), round(load_after[0], 2)],
        **stats,
    }
    for v in ("ibis", "ibis-warm"):
        summary[v].update(common.ratios(summary, v, process=True))
    common.finish(summary, same, a, record, detail={v: results[v]["check"] for v in VARIANTS})


def record(s: dict, a: argparse.Namespace) -> None:
    cpu = common.cpu_model()
    rows = "\n".join(f"| `{ref}` | {c['rows']:,} | " + ", ".join(f"{k} {v:,}" for k, v in c["outcome"].items()) + " |"
                     for ref, c in s["check"].items())
    names = {"sql": "plain DuckDB SQL", "ibis": "Ibis (zhizao), compiled in the process",
             "ibis-warm": "Ibis (zhizao), compiled SQL from the cache"}
    table = "\n".join(
        f"| {names[v]} | {s[v]['median_s']} | {s[v]['min_s']} | {s[v]['times_s']} | {s[v]['process_median_s']} | "
        f"{s[v]['peak_rss_mb']} | " + (f"{s[v]['ratio_median']}× / {s[v]['ratio_process']}×" if v != "sql" else "1") + " |"
        for v in VARIANTS)
    common.write_result("tiers_screen.md", f"""# Tier screening: {a.firms:,} firms × {s['rulesets']} rule sets

Every shipped tier rule set (the eagle template has no criteria) screened one after the other,
Ibis (`zhizao.cultivation.evaluate`, the criteria engine) against the same measures and rules as
plain DuckDB SQL, alternating, each repetition in its own process. Two Ibis variants: without a
compiled-SQL cache directory (each process builds and compiles each rule set's expression), and
with one filled by an earlier run (`ZHIZAO_SQL_CACHE`: what a second `zhizao evaluate tiers` of
the same rule-set versions finds).

- Machine: {cpu}, {os.cpu_count()} CPUs; threads {a.threads}; load average (1 min) {s['load'][0]} before,
  {s['load'][1]} after ({common.load_words(s['load'][0], s['load'][1])}).
- Inputs: {', '.join(f'{k} {v:,}' for k, v in s['sizes'].items())} rows; setup (not timed) {s['setup_s']} s.
- Same results in all variants: **{s['same_results']}** (rows, outcome counts and a hash of every firm's
  code, outcome and unmet count, per rule set).

| variant | function median (s) | min (s) | all runs (s) | whole process median (s) | peak RSS (MB) | ratio to SQL: function / process |
|---|---|---|---|---|---|---|
{table}

Target ≤ 1.5× (function time).

| rule set | firms | outcomes |
|---|---|---|
{rows}

Command: `python bench/tiers_screen.py --firms {a.firms} --repeat {a.repeat} --record`
""")


if __name__ == "__main__":
    main()
