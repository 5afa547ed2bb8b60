"""Benchmark: the lifecycle of 1,000,000 projects × 6 milestones on one day, and the 破五未
account of one year.

Setup (not timed): a DuckDB warehouse file with the warehouse schema, filled by SQL: 1,000,000
projects signed 2017–2024 in eight districts (a third with land), their six milestones (6,000,000
rows: plans from random gaps, actual dates with delays, ~2 % stuck for good), a re-plan of 5 % of
the late 开工 milestones as a second batch (the original plan superseded but kept), disposals of
most stuck projects, and 12 months of investment for a tenth of them.

Timed, in the same run, on the same warehouse file, alternating the two variants, each
repetition in its own process under ``/usr/bin/time -v``:

- **ibis**: ``zhizao.projects`` — :func:`lifecycle.status` on 2024-06-30 (state, stall, overdue
  days, colour, next plan in force, land warning, consistency flag: 1,000,000 rows to Arrow) and
  :func:`lifecycle.account_summary` for 2023-07-01 … 2024-06-30 by district and stall type, with
  the full plan history (:func:`lifecycle.plan_versions`);
- **sql**: the same two results hand-written as plain DuckDB SQL.

Both must agree on every count and sum checked (states, stalls, colours, land warnings, Σ overdue
days, Σ next planned day, the account's rows).

Run: ``python bench/projects_status.py [--projects 1000000] [--repeat 3] [--record]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import platform
import time
from pathlib import Path
from typing import Any

import duckdb

import _common as common

ROOT = Path(__file__).resolve().parent
AS_OF = dt.date(2024, 6, 30)
D1, D2 = dt.date(2023, 7, 1), dt.date(2024, 6, 30)
MILESTONES = ("signed", "started", "completed", "in_production", "above_scale", "full_production")
GAPS = ((60, 180), (300, 720), (30, 120), (120, 365), (180, 540))
REGIONS = ("330502", "330503", "330521", "330522", "330523", "330102", "330105", "330106")


# ----------------------------------------------------------------------------- setup
def build_warehouse(data_dir: Path, n: int) -> Path:
    from zhizao.engine.warehouse import ensure_schema

    wh = data_dir / "warehouse.duckdb"
    if wh.exists():
        return wh
    t0 = time.perf_counter()
    with common.new_duckdb(wh) as con:
        ensure_schema(con)
        regions = "[" + ", ".join(f"'{r}'" for r in REGIONS) + "]"
        con.execute(f"""
            INSERT INTO batches VALUES
              (1, 'projects', 'bench', 'projects.csv', 'h1', TIMESTAMP '2024-01-05 08:00:00', {n}, {n}, 0, 'loaded', NULL),
              (2, 'project_milestones', 'bench', 'm.csv', 'h2', TIMESTAMP '2024-01-05 09:00:00', {6 * n}, {6 * n}, 0,
               'loaded', NULL),
              (3, 'project_milestones', 'bench', 'replan.csv', 'h3', TIMESTAMP '2024-03-01 09:00:00', 0, 0, 0,
               'loaded', NULL),
              (4, 'project_disposals', 'bench', 'd.csv', 'h4', TIMESTAMP '2024-06-01 09:00:00', 0, 0, 0, 'loaded', NULL),
              (5, 'project_investment', 'bench', 'i.csv', 'h5', TIMESTAMP '2024-06-01 09:00:00', 0, 0, 0, 'loaded', NULL)
        """)
        con.execute(f"""
            CREATE TEMP TABLE base AS
            SELECT i, 'P' || lpad(CAST(i AS VARCHAR), 8, '0') AS project_id,
                   DATE '2017-01-01' + CAST(hash(i, 'signed') % 2900 AS INTEGER) AS p0,
                   {regions}[1 + CAST(hash(i, 'region') % {len(REGIONS)} AS INTEGER)] AS region_code,
                   hash(i, 'stuck') % 100 < 2 AS stuck, 1 + CAST(hash(i, 'stuckat') % 3 AS INTEGER) AS stuck_at
            FROM range({n}) t(i)
        """)
        # plans: cumulative random gaps; actual dates: on time or early (80 %) or late, sequential
        cols = ["p0"]
        for k, (lo, hi) in enumerate(GAPS, start=1):
            cols.append(f"p{k - 1} + {lo} + CAST(hash(i, 'gap{k}') % {hi - lo} AS INTEGER) AS p{k}")
        con.execute(f"CREATE TEMP TABLE pl AS SELECT *, {', '.join(cols[1:])} FROM base")
        exprs = ["p0 AS a0"]
        for k in range(1, 6):
            delay = (f"CASE WHEN hash(i, 'late{k}') % 100 < 20 THEN 1 + CAST(hash(i, 'delay{k}') % 150 AS INTEGER) "
                     f"ELSE -CAST(hash(i, 'early{k}') % 30 AS INTEGER) END")
            exprs.append(f"CASE WHEN a{k - 1} IS NULL OR (stuck AND stuck_at = {k}) THEN NULL "
                         f"ELSE greatest(a{k - 1} + 1, p{k} + {delay}) END AS a{k}")
        sel = "pl.*"
        for e in exprs:
            sel = f"SELECT *, {e} FROM ({sel if sel.startswith('SELECT') else 'SELECT * FROM pl'})"
        con.execute(f"CREATE TEMP TABLE ac AS {sel}")
        for k in range(6):
            con.execute(f"UPDATE ac SET a{k} = NULL WHERE a{k} > DATE '2024-12-31'")
        for k in range(1, 6):
            con.execute(f"UPDATE ac SET a{k} = NULL WHERE a{k - 1} IS NULL")
        con.execute("""
            INSERT INTO fact_projects
            SELECT project_id, '项目' || project_id, '91330000MA' || lpad(CAST(i % 100000 AS VARCHAR), 8, '0'),
                   region_code, NULL, '3011', ['new', 'expansion', 'upgrade'][1 + CAST(i % 3 AS INTEGER)],
                   5000.0 + CAST(hash(i, 'inv') % 50000 AS DOUBLE), NULL,
                   CASE WHEN i % 3 = 0 THEN 40.0 + CAST(hash(i, 'land') % 200 AS DOUBLE) END,
                   CASE WHEN i % 6 = 0 THEN true END, region_code || '经信局', '代办员' || CAST(i % 50 AS VARCHAR),
                   1, i + 2, true
            FROM ac
        """)
        parts = " UNION ALL ".join(
            f"SELECT project_id, '{m}' AS milestone, p{k} AS planned_on, a{k} AS actual_on, i, {k} AS k FROM ac"
            for k, m in enumerate(MILESTONES))
        con.execute(f"""
            INSERT INTO fact_project_milestones
            SELECT project_id, milestone, planned_on, actual_on, NULL, NULL, 2, i * 6 + k + 2, true FROM ({parts})
        """)
        # re-plans: 5 % of the late or missing 开工, adopted 30 days after the plan fell due
        con.execute("""
            CREATE TEMP TABLE rp AS SELECT project_id, p1 + 200 AS planned_on, p1 + 30 AS since FROM ac
            WHERE (a1 IS NULL OR a1 > p1 + 60) AND a0 IS NOT NULL AND hash(i, 'replan') % 100 < 5
              AND p1 + 30 <= DATE '2024-12-31'
        """)
        con.execute("UPDATE fact_project_milestones AS f SET _current = false FROM rp "
                    "WHERE f.project_id = rp.project_id AND f.milestone = 'started'")
        con.execute("""
            INSERT INTO fact_project_milestones
            SELECT rp.project_id, 'started', rp.planned_on, m.actual_on, rp.since, '环评批复延后', 3, 0, true
            FROM rp JOIN fact_project_milestones m ON m.project_id = rp.project_id AND m.milestone = 'started'
        """)
        con.execute("""
            INSERT INTO fact_project_disposals
            SELECT project_id, p1 + 400, ['terminated', 'land_recovered', 'new_investor'][1 + CAST(i % 3 AS INTEGER)],
                   '破五未专项处置', 4, i + 2, true
            FROM ac WHERE stuck AND hash(i, 'dispose') % 100 < 80 AND p1 + 400 <= DATE '2024-12-31'
        """)
        con.execute("""
            INSERT INTO fact_project_investment
            SELECT project_id, CAST(date_trunc('month', a1) + INTERVAL (m) MONTH AS DATE), 300.0, 5, i * 12 + m, true
            FROM ac, range(12) r(m) WHERE i % 10 = 0 AND a1 IS NOT NULL
        """)
    (data_dir / "setup.json").write_text(json.dumps({"setup_s": round(time.perf_counter() - t0, 1)}))
    return wh


# ----------------------------------------------------------------------------- the hand-written SQL
def _lit(d: dt.date) -> str:
    return f"DATE '{d.isoformat()}'"


def _case(col: str, mapping: dict[str, Any], else_: str = "NULL") -> str:
    whens = " ".join(f"WHEN '{k}' THEN {f'{v!r}' if isinstance(v, str) else v}" for k, v in mapping.items())
    return f"CASE {col} {whens} ELSE {else_} END"


def cases_sql(m: Any) -> str:
    """Every stall case (plan history, gaps, first late day per plan version): a CTE body list."""
    targets = MILESTONES[1:]
    gaps = " UNION ALL ".join(
        f"SELECT project_id, '{t}' AS target, a{k} AS start, "
        f"least({', '.join(f'a{j}' for j in range(k + 1, 6))}, disposed_on) AS stop, "
        f"least({', '.join(f'a{j}' for j in range(k + 1, 6))}) AS nxt, outcome FROM rd"
        for k, t in enumerate(targets))
    grace = _case("p.milestone", {t: m.grace(t) + 1 for t in targets}, "1")
    return f"""
v AS (SELECT f.project_id, f.milestone, f.planned_on, f._batch_id,
             CASE WHEN row_number() OVER (PARTITION BY f.project_id, f.milestone ORDER BY f._batch_id) = 1 THEN NULL
                  ELSE coalesce(f.planned_since, CAST(b.created_at AS DATE)) END AS eff_from
      FROM fact_project_milestones f JOIN batches b ON b.batch_id = f._batch_id),
plans AS (SELECT *, lead(eff_from) OVER (PARTITION BY project_id, milestone ORDER BY _batch_id) AS eff_to FROM v),
r AS (SELECT project_id, {', '.join(f"max(actual_on) FILTER (WHERE milestone = '{x}') AS a{k}"
                                    for k, x in enumerate(MILESTONES))}
      FROM project_milestones GROUP BY project_id),
rd AS (SELECT r.*, d.disposed_on, d.outcome FROM r LEFT JOIN project_disposals d USING (project_id)),
g AS (SELECT * FROM ({gaps}) WHERE start IS NOT NULL AND (stop IS NULL OR start < stop)),
j AS (SELECT g.*, p.planned_on,
             greatest(g.start, coalesce(p.eff_from, g.start), p.planned_on + {grace}) AS s, p.eff_to
      FROM g JOIN plans p ON p.project_id = g.project_id AND p.milestone = g.target),
cases AS (SELECT project_id, target, min(s) AS since, arg_min(planned_on, s) AS breached_on, max(stop) AS resolved_on,
                 max(CASE WHEN nxt IS NOT NULL AND nxt = stop THEN 'milestone'
                          WHEN stop IS NOT NULL THEN 'disposal' END) AS how
          FROM j WHERE (eff_to IS NULL OR s < eff_to) AND (stop IS NULL OR s < stop) GROUP BY project_id, target)"""


def status_sql(m: Any, day: dt.date) -> str:
    d = _lit(day)
    targets = MILESTONES[1:]
    from zhizao.projects.methodology import STALL_CODES

    idx = " ".join(f"WHEN a{k} <= {d} THEN {k}" for k in reversed(range(6)))
    bad = " OR ".join(f"(a{k} < greatest({', '.join(f'a{j}' for j in range(k))}))" for k in range(1, 6))
    red = _case("c.target", {t: m.red(t) for t in targets}, "0")
    lr = m.land
    return f"""
WITH {cases_sql(m)},
open_c AS (SELECT * FROM cases WHERE since <= {d} AND (resolved_on IS NULL OR resolved_on > {d})),
inv AS (SELECT project_id, sum(invested) AS invested, max(month) FILTER (WHERE invested > 0) AS last_month
        FROM project_investment WHERE month <= {d} GROUP BY project_id),
orig AS (SELECT project_id, planned_on AS contracted_start FROM plans WHERE milestone = 'started' AND eff_from IS NULL),
t AS (
  SELECT p.project_id, p.name, p.credit_code, p.region_code, p.owner, p.facilitator, p.kind, p.total_investment,
         p.land_area_mu, rd.a1 AS a_started,
         CASE {idx} END AS i,
         coalesce({bad}, false) AS inconsistent,
         rd.disposed_on, rd.outcome, c.target, c.since, c.breached_on
  FROM projects p LEFT JOIN rd USING (project_id) LEFT JOIN open_c c USING (project_id)),
u AS (
  SELECT t.*,
         CASE WHEN disposed_on IS NOT NULL AND disposed_on <= {d} THEN 'disposed' WHEN i = 5 THEN 'done'
              WHEN since IS NOT NULL THEN 'stalled' ELSE 'on_track' END AS state
  FROM t),
w AS (
  SELECT u.*, CASE WHEN state = 'stalled' THEN {d} - breached_on ELSE 0 END AS overdue_days,
         CASE WHEN state IN ('on_track', 'stalled') THEN ['signed', 'started', 'completed', 'in_production',
              'above_scale', 'full_production'][coalesce(i, -1) + 2] END AS next_milestone
  FROM u),
x AS (
  SELECT w.*, n.planned_on AS next_planned_on, o.contracted_start, inv.invested, inv.last_month
  FROM w
  LEFT JOIN plans n ON n.project_id = w.project_id AND n.milestone = w.next_milestone
       AND (n.eff_from IS NULL OR n.eff_from <= {d}) AND (n.eff_to IS NULL OR n.eff_to > {d})
  LEFT JOIN orig o ON o.project_id = w.project_id
  LEFT JOIN inv ON inv.project_id = w.project_id)
SELECT project_id, name, credit_code, region_code, owner, facilitator, kind, total_investment,
       CASE i {' '.join(f"WHEN {k} THEN '{x}'" for k, x in enumerate(MILESTONES))} END AS reached,
       state,
       CASE WHEN state = 'stalled' THEN {_case('target', STALL_CODES)} END AS stall,
       CASE WHEN state = 'stalled' THEN since END AS since,
       overdue_days,
       CASE WHEN state <> 'stalled' THEN CASE WHEN state = 'on_track' THEN 'green' ELSE 'grey' END
            WHEN overdue_days > {red.replace('c.target', 'target')} THEN 'red' ELSE 'amber' END AS colour,
       next_milestone, next_planned_on, disposed_on, outcome,
       CASE WHEN coalesce(land_area_mu, 0) > 0 AND state IN ('on_track', 'stalled')
                 AND (a_started IS NULL OR a_started > {d}) AND {d} - contracted_start > {int(lr.reclaim_days.value)}
            THEN 'reclaimable'
            WHEN coalesce(land_area_mu, 0) > 0 AND state IN ('on_track', 'stalled')
                 AND (a_started IS NULL OR a_started > {d}) AND {d} - contracted_start > {int(lr.idle_fee_days.value)}
            THEN 'idle_fee'
            WHEN coalesce(land_area_mu, 0) > 0 AND state IN ('on_track', 'stalled') AND a_started IS NOT NULL
                 AND a_started <= {d} AND {d} - a_started > {int(lr.stopped_days.value)} AND i = 1
                 AND coalesce(invested, 0) / CASE WHEN total_investment > 0 THEN total_investment END
                     < {lr.invested_share.value}
                 AND (last_month IS NULL OR {d} - last_month > {int(lr.stopped_days.value)})
            THEN 'stopped' END AS land_warning,
       inconsistent
FROM x"""


def account_sql(m: Any, d1: dt.date, d2: dt.date) -> str:
    from zhizao.projects.methodology import STALL_CODES

    a, b = _lit(d1), _lit(d2)
    return f"""
WITH {cases_sql(m)},
k AS (SELECT c.*, {_case('c.target', STALL_CODES)} AS stall, p.region_code,
             c.since < {a} AS at_start, c.since >= {a} AS new,
             c.resolved_on IS NOT NULL AND c.resolved_on <= {b} AS resolved,
             c.resolved_on IS NULL OR c.resolved_on > {b} AS open_at_end
      FROM cases c JOIN projects p USING (project_id)
      WHERE c.since <= {b} AND (c.resolved_on IS NULL OR c.resolved_on >= {a}))
SELECT region_code, stall, sum(CAST(at_start AS INT)) AS stock_at_start, sum(CAST(new AS INT)) AS new,
       sum(CAST(resolved AS INT)) AS resolved,
       sum(CAST(resolved AND how = 'milestone' AS INT)) AS resolved_by_milestone,
       sum(CAST(resolved AND how = 'disposal' AS INT)) AS resolved_by_disposal,
       sum(CAST(open_at_end AS INT)) AS open_at_end
FROM k GROUP BY region_code, stall"""


# ----------------------------------------------------------------------------- variants
def run_variant(variant: str, warehouse: Path, repeat: int, threads: int) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    from zhizao.projects import lifecycle, query
    from zhizao.projects.methodology import load

    m = load()

    def ibis_job(eng: Any) -> tuple[pa.Table, pa.Table]:
        t = query.inputs(eng)
        status = eng.to_pyarrow(query.status_expr(t, m, AS_OF))
        rows = lifecycle.account_rows(query.cases_expr(t, m), t["projects"], D1, D2)
        return status, eng.to_pyarrow(lifecycle.account_summary(rows, ["region_code", "stall"]))

    times, (status, account) = common.run_timed(
        variant, warehouse, repeat, threads, ibis_job,
        lambda con: (con.sql(status_sql(m, AS_OF)).to_arrow_table(), con.sql(account_sql(m, D1, D2)).to_arrow_table()))
    assert isinstance(status, pa.Table) and isinstance(account, pa.Table)

    def counts(col: str) -> dict[str, int]:
        return {str(g["values"]): int(g["counts"]) for g in pc.value_counts(status[col]).to_pylist()}

    epoch = dt.date(1970, 1, 1)
    acc_rows = sorted((str(r["region_code"]), str(r["stall"]), *(int(r[k]) for k in (
        "stock_at_start", "new", "resolved", "resolved_by_milestone", "resolved_by_disposal", "open_at_end")))
        for r in account.to_pylist())
    check = {
        "rows": status.num_rows,
        "state": counts("state"), "stall": counts("stall"), "colour": counts("colour"),
        "land_warning": counts("land_warning"), "inconsistent": int(pc.sum(status["inconsistent"]).as_py() or 0),
        "sum_overdue": int(pc.sum(status["overdue_days"]).as_py() or 0),
        "sum_next_planned": sum((d - epoch).days for d in status["next_planned_on"].to_pylist() if d),
        "account_sha256": hashlib.sha256(json.dumps(acc_rows).encode()).hexdigest(),
        "account_total": [sum(r[k] for r in acc_rows) for k in range(2, 8)],
    }
    return {"variant": variant, "times": times, "check": check}


def main() -> None:
    a = common.start(common.standard_args(1_000_000, size="projects"), run_variant, "projects", size="projects")
    if a is None:
        return
    wh = build_warehouse(a.data, a.projects)
    head = {"sizes": common.row_counts(wh, ("projects", "project_milestones", "project_disposals", "project_investment"),
                                       prefix="fact_"),
            "setup_s": json.loads((a.data / "setup.json").read_text())["setup_s"]}
    common.compare(__file__, wh, a, head, lambda ci, cs: ci == cs, record)


def record(s: dict, a: argparse.Namespace) -> None:
    import ibis

    c = s["check"]
    sz = s["sizes"]
    text = f"""# Benchmark: project lifecycle and 破五未 account, {sz['projects']:,} projects × 6 milestones

- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
- Machine: {common.machine_line()};
  load average {s['load'][0]} before and {s['load'][1]} after the timed runs
  ({common.load_words(s['load'][0], s['load'][1])})
- Software: Python {platform.python_version()}, DuckDB {duckdb.__version__}, Ibis {ibis.__version__}; threads = {a.threads}
- Data (SQL-generated, see the script): {', '.join(f'{k} {v:,}' for k, v in sz.items())} fact rows
  (milestones include the superseded original plans of the re-planned 开工). Setup (not timed): {s['setup_s']} s.
- Methodology: the shipped `huzhou-projects@2021` (grace 0 days, red after 90–365 days, the idle-land anchors).

| variant | min (s) | median (s) | runs (s) | peak RSS (MB) |
|---|---|---|---|---|
| hand-written DuckDB SQL | {s['sql']['min_s']} | {s['sql']['median_s']} | {', '.join(map(str, s['sql']['times_s']))} | {s['sql']['peak_rss_mb']} |
| `zhizao.projects` (Ibis on DuckDB) | {s['ibis']['min_s']} | {s['ibis']['median_s']} | {', '.join(map(str, s['ibis']['times_s']))} | {s['ibis']['peak_rss_mb']} |

**Ratio Ibis / SQL: {s['ratio_median']}× (median), {s['ratio_min']}× (min).** Target: ≤ 1.5×.

Each time covers building (Ibis: expressions and compilation) and executing both results: the
status of every project on {AS_OF} ({c['rows']:,} rows × 20 columns to Arrow: state, stall, overdue
days, colour, next milestone and the plan in force for it, land warning, consistency flag) and the
破五未 account of {D1} … {D2} by district and stall type (cases from the full plan history). The
repetitions alternate (SQL, Ibis, …), each in its own process under `/usr/bin/time -v`.

Both variants gave the same results: states {c['state']}, stalls {c['stall']}, colours {c['colour']},
land warnings {c['land_warning']}, {c['inconsistent']:,} flagged inconsistent, Σ overdue days
{c['sum_overdue']:,}; account totals (stock, new, resolved, by milestone, by disposal, open)
{c['account_total']} (rows sha256 {c['account_sha256'][:16]}…).

Rerun (from the repository root, venv active; the first run builds the data under `bench/data/`):

    python bench/projects_status.py --projects {sz['projects']} --repeat {a.repeat} --threads {a.threads} --record
"""
    common.write_result("projects_status.md", text)


if __name__ == "__main__":
    main()
