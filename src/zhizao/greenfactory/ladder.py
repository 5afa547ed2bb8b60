"""The green-factory ladder (绿色工厂梯度培育): titles by level, candidates, re-review, removal.

Inputs: the green-factory results of the years (one Arrow table per year, the published run or
else the newest run), the ``titles`` table (rows with ``title = green_factory``; declared by the
cultivation room, read when the warehouse has it) and ``green_requirements`` (the negative list).
Everything is one DuckDB query per list over those tables (no per-firm Python).

- **holdings**: each firm's level at the end of the year, the highest unrevoked, unexpired title;
- **candidates**: a firm is a candidate for level k when it holds level k−1 (the county level needs
  no title) and has at least the stars level k asks (each level only from the level below);
- **re-review due**: titles whose re-review date (``expires_on``, else ``granted_on`` + 3 years)
  falls in or before the year;
- **removal**: holders in the bottom 5 % of the rated firms in each of three consecutive years, and
  holders failing a negative-list item in the year;
- **dynamic report**: per level, holders, new and revoked titles of the year, candidates, due
  re-reviews and proposed removals; due on 15 April of the next year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from zhizao.greenfactory.methodology import LEVEL_TITLES, LEVELS, GreenFactoryMethodology
from zhizao.settings import Settings

TITLE = "green_factory"
_TITLE_SCHEMA = pa.schema([("credit_code", pa.string()), ("title", pa.string()), ("level", pa.string()),
                           ("granted_on", pa.date32()), ("expires_on", pa.date32()), ("revoked_on", pa.date32())])
_REQ_SCHEMA = pa.schema([("credit_code", pa.string()), ("year", pa.int32()), ("requirement", pa.string()),
                         ("met", pa.bool_())])


@dataclass(frozen=True)
class LadderInputs:
    year: int
    methodology: GreenFactoryMethodology
    #: year → results of that year (the method's output columns)
    results: dict[int, pa.Table]
    titles: pa.Table
    requirements: pa.Table
    #: where each came from (run ids, "titles: not in the warehouse"), for the report
    notes: tuple[str, ...] = ()


def _level_rank_sql(col: str) -> str:
    return "CASE " + " ".join(f"WHEN {col} = '{lv}' THEN {i + 1}" for i, lv in enumerate(LEVELS)) + " ELSE 0 END"


def _con(inp: LadderInputs) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    y = inp.year
    cur = inp.results.get(y)
    cols = ["credit_code", "name", "region_code", "industry_code", "status", "score", "stars"]
    empty = pa.table({"credit_code": pa.array([], pa.string()), "name": pa.array([], pa.string()),
                      "region_code": pa.array([], pa.string()), "industry_code": pa.array([], pa.string()),
                      "status": pa.array([], pa.string()), "score": pa.array([], pa.float64()),
                      "stars": pa.array([], pa.int32())})
    con.register("cur", cur.select(cols) if cur is not None else empty)
    hist = [t.select(["credit_code", "status", "score"]).append_column("year", pa.array([yy] * t.num_rows, pa.int32()))
            for yy, t in sorted(inp.results.items())]
    con.register("hist", pa.concat_tables(hist) if hist else pa.table(
        {"credit_code": pa.array([], pa.string()), "status": pa.array([], pa.string()),
         "score": pa.array([], pa.float64()), "year": pa.array([], pa.int32())}))
    con.register("titles_all", inp.titles)
    con.register("reqs", inp.requirements)
    end = dt.date(y, 12, 31)
    rr = int(inp.methodology.ladder.rereview_years.value)
    con.execute(f"""
        CREATE TEMP TABLE gt AS
        SELECT credit_code, level, CAST(granted_on AS DATE) AS granted_on, CAST(expires_on AS DATE) AS expires_on,
               CAST(revoked_on AS DATE) AS revoked_on,
               coalesce(CAST(expires_on AS DATE), CAST(CAST(granted_on AS DATE) + INTERVAL {rr} YEAR AS DATE)) AS due_on,
               {_level_rank_sql('level')} AS lrank
        FROM titles_all WHERE title = '{TITLE}'""")
    con.execute(f"""
        CREATE TEMP TABLE held AS
        SELECT credit_code, arg_max(level, lrank) AS level, max(lrank) AS lrank,
               arg_max(granted_on, lrank) AS granted_on, arg_max(due_on, lrank) AS due_on
        FROM gt
        WHERE granted_on <= DATE '{end}' AND (revoked_on IS NULL OR revoked_on > DATE '{end}')
          AND (expires_on IS NULL OR expires_on >= DATE '{dt.date(y, 1, 1)}')
        GROUP BY credit_code""")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def holdings(inp: LadderInputs) -> list[dict[str, Any]]:
    con = _con(inp)
    return _rows(con, "SELECT h.credit_code, c.name, c.region_code, h.level, h.granted_on, h.due_on, c.stars, c.score "
                      "FROM held h LEFT JOIN cur c USING (credit_code) ORDER BY h.lrank DESC, h.credit_code")


def candidates(inp: LadderInputs) -> list[dict[str, Any]]:
    """Firms that may be recommended to the next level this year (each level only from the one below)."""
    con = _con(inp)
    branches = []
    for lv in inp.methodology.ladder.levels:
        need = int(lv.min_stars.value)
        if lv.from_level is None:
            cond = "h.level IS NULL"
        else:
            cond = f"h.level = '{lv.from_level}'"
        branches.append(f"""
            SELECT c.credit_code, c.name, c.region_code, c.industry_code, c.score, c.stars,
                   h.level AS current_level, '{lv.id}' AS candidate_level, {need} AS min_stars
            FROM cur c LEFT JOIN held h USING (credit_code)
            WHERE c.status = 'rated' AND c.stars >= {need} AND {cond}""")
    if not branches:
        return []
    rows = _rows(con, " UNION ALL ".join(branches) + " ORDER BY candidate_level, score DESC, credit_code")
    order = {lv: i for i, lv in enumerate(LEVELS)}
    rows.sort(key=lambda r: (-order[r["candidate_level"]], -(r["score"] or 0), r["credit_code"]))
    return rows


def rereview_due(inp: LadderInputs) -> list[dict[str, Any]]:
    """Titles held at the end of the year whose re-review falls in or before the year."""
    con = _con(inp)
    y = inp.year
    return _rows(con, f"""
        SELECT h.credit_code, c.name, c.region_code, h.level, h.granted_on, h.due_on,
               h.due_on < DATE '{dt.date(y, 1, 1)}' AS overdue, c.stars, c.score, c.status
        FROM held h LEFT JOIN cur c USING (credit_code)
        WHERE h.due_on <= DATE '{dt.date(y, 12, 31)}'
        ORDER BY h.due_on, h.credit_code""")


def removals(inp: LadderInputs) -> list[dict[str, Any]]:
    """Holders to remove: bottom share of the rated firms in each of the last ``bottom_years``
    years (all of them evaluated), or a failed negative-list item in the year."""
    con = _con(inp)
    lad = inp.methodology.ladder
    n = int(lad.bottom_years.value)
    share = lad.bottom_share.value
    y = inp.year
    neg = [r.id for r in inp.methodology.requirements if r.kind == "negative_list"]
    neg_list = ", ".join(f"'{r}'" for r in neg) or "NULL"
    titles = {r.id: r.title for r in inp.methodology.requirements}
    rows = _rows(con, f"""
        WITH ranked AS (
            SELECT credit_code, year,
                   cume_dist() OVER (PARTITION BY year ORDER BY score) AS cd
            FROM hist WHERE status = 'rated' AND year BETWEEN {y - n + 1} AND {y}),
        bottom AS (
            SELECT credit_code, count(*) AS years_bottom FROM ranked WHERE cd <= {share!r}
            GROUP BY credit_code HAVING count(*) = {n}),
        negs AS (
            SELECT credit_code, string_agg(requirement, ';' ORDER BY requirement) AS items FROM reqs
            WHERE year = {y} AND requirement IN ({neg_list}) AND NOT met GROUP BY credit_code)
        SELECT h.credit_code, c.name, c.region_code, h.level, b.years_bottom, n.items AS negative_items
        FROM held h LEFT JOIN bottom b USING (credit_code) LEFT JOIN negs n USING (credit_code)
        LEFT JOIN cur c USING (credit_code)
        WHERE b.credit_code IS NOT NULL OR n.credit_code IS NOT NULL
        ORDER BY h.credit_code""")
    for r in rows:
        reasons = []
        if r["years_bottom"]:
            reasons.append(f"连续 {n} 年处于评价结果后 {share * 100:g}%")
        if r["negative_items"]:
            reasons += ["负面清单：" + titles.get(i, i) for i in r["negative_items"].split(";")]
        r["reasons"] = reasons
    return rows


def negative_list(inp: LadderInputs) -> list[dict[str, Any]]:
    """Every firm failing a negative-list item in the year, holder or not."""
    con = _con(inp)
    neg = {r.id: r.title for r in inp.methodology.requirements if r.kind == "negative_list"}
    if not neg:
        return []
    rows = _rows(con, f"""
        SELECT r.credit_code, c.name, c.region_code, h.level,
               string_agg(r.requirement, ';' ORDER BY r.requirement) AS items
        FROM reqs r LEFT JOIN cur c USING (credit_code) LEFT JOIN held h USING (credit_code)
        WHERE r.year = {inp.year} AND NOT r.met AND r.requirement IN ({', '.join(f"'{k}'" for k in neg)})
        GROUP BY ALL ORDER BY r.credit_code""")
    for r in rows:
        r["items"] = [neg[i] for i in r["items"].split(";")]
    return rows


def dynamic_report(inp: LadderInputs) -> dict[str, Any]:
    """The yearly dynamic report (动态管理报告): per level, holders, new and revoked titles,
    candidates, due re-reviews and proposed removals; the star distribution."""
    con = _con(inp)
    y = inp.year
    # a firm counts once, at its highest level; grants and revocations of the year per level
    per_level = {r["level"]: r for r in _rows(con, f"""
        SELECT level, sum(holders) AS holders, sum(granted) AS granted, sum(revoked) AS revoked FROM (
            SELECT level, count(*) AS holders, 0 AS granted, 0 AS revoked FROM held GROUP BY level
            UNION ALL
            SELECT level, 0, count(*) FILTER (WHERE year(granted_on) = {y}),
                   count(*) FILTER (WHERE year(revoked_on) = {y}) FROM gt GROUP BY level)
        GROUP BY level""")}
    stars = {int(r["stars"]) if r["stars"] is not None else None: int(r["n"]) for r in _rows(
        con, "SELECT stars, count(*) AS n FROM cur WHERE status = 'rated' GROUP BY stars")}
    status = {r["status"]: int(r["n"]) for r in _rows(con, "SELECT status, count(*) AS n FROM cur GROUP BY status")}
    cands = candidates(inp)
    due = rereview_due(inp)
    rem = removals(inp)
    held = {r["credit_code"]: r["level"] for r in holdings(inp)}
    levels = []
    for lv in LEVELS:
        p = per_level.get(lv, {})
        levels.append({
            "level": lv, "title": LEVEL_TITLES[lv], "holders": int(p.get("holders") or 0),
            "granted": int(p.get("granted") or 0), "revoked": int(p.get("revoked") or 0),
            "candidates": sum(1 for c in cands if c["candidate_level"] == lv),
            "rereview_due": sum(1 for d in due if d["level"] == lv),
            "removals": sum(1 for r in rem if held.get(r["credit_code"]) == lv),
        })
    return {
        "year": y, "methodology": inp.methodology.ref,
        "due_on": f"{y + 1}-{inp.methodology.ladder.report_due}",
        "evaluated": sum(status.values()), "status": status,
        "stars": {str(k): stars.get(k, 0) for k in range(6)},
        "levels": levels, "candidates": len(cands), "rereview_due": len(due), "removals": len(rem),
        "negative_list": len(negative_list(inp)), "notes": list(inp.notes),
    }


# ----------------------------------------------------------------------------- loading


def result_run(settings: Settings, year: int) -> str | None:
    """The published green-factory run of the year, else the newest run of the year."""
    from zhizao import runs

    try:
        from zhizao.store import publish
        from zhizao.store.db import session_scope

        with session_scope(settings) as s:
            pub = publish.published_run(s, "greenfactory", year)
            if pub is not None:
                return str(pub.run_id)
    except Exception:
        pass
    found = runs.list_runs(settings, "greenfactory", year)
    return found[-1].run_id if found else None


def _warehouse_table(settings: Settings, name: str, schema: pa.Schema, where: str = "") -> pa.Table | None:
    from zhizao.engine.warehouse import connect

    if not settings.warehouse_path.exists():
        return None
    con = connect(settings.warehouse_path, read_only=True, wait_s=5.0)
    try:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()
        if not exists or not exists[0][0]:
            return None
        cols = ", ".join(f'"{f.name}"' for f in schema)
        t = con.sql(f"SELECT {cols} FROM {name} {where}").to_arrow_table()
    finally:
        con.close()
    return t.cast(schema)


def load(settings: Settings, year: int, methodology: GreenFactoryMethodology | None = None) -> LadderInputs:
    """The results of the year and the years before it (as many as the removal rule looks back),
    the green-factory titles and the requirements."""
    from zhizao import runs
    from zhizao.greenfactory.method import methodology_of

    results: dict[int, pa.Table] = {}
    notes: list[str] = []
    m = methodology
    n = int(methodology.ladder.bottom_years.value) if methodology else 3
    for yy in range(year - max(n, 3) + 1, year + 1):
        run_id = result_run(settings, yy)
        if run_id is None:
            continue
        results[yy] = runs.results(settings, run_id)
        notes.append(f"{yy} 年评价结果：运行 {run_id}")
        if yy == year and m is None:
            m = methodology_of(results[yy])
    if m is None:
        from zhizao.methodology import find

        found = find(None, "greenfactory", year)
        assert isinstance(found, GreenFactoryMethodology)
        m = found
    titles = _warehouse_table(settings, "titles", _TITLE_SCHEMA, f"WHERE title = '{TITLE}'")
    if titles is None:
        notes.append("数据仓库中没有称号表（titles），按无已认定绿色工厂处理")
        titles = _TITLE_SCHEMA.empty_table()
    reqs = _warehouse_table(settings, "green_requirements", _REQ_SCHEMA)
    if reqs is None:
        reqs = _REQ_SCHEMA.empty_table()
    return LadderInputs(year, m, results, titles, reqs, tuple(notes))
