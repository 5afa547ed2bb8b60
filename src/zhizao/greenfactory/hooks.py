"""What the green-factory room adds to the core's pages and reports.

- ``profile_section``: the firm's star card (stars, area scores, vetoes, the path to the next star,
  its green-factory title) on its profile (一企一档), from the published results;
- ``cockpit_tiles``: star-rated firms of the user's scope;
- ``indicators``: rows of ``zhizao indicators`` (star-rated firms, their share of 规上 firms,
  national and provincial green factories), for the city and each district;
- ``review_section``: the green-factory section of the five-year review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhizao.caching import Memo
from zhizao.greenfactory.methodology import LEVEL_TITLES

METHOD = "greenfactory"

#: id → (name, unit, formula)
INDICATORS: dict[str, tuple[str, str, str]] = {
    "green_star_firms": ("星级绿色工厂数", "家", "当年评价结果中 1–5 星的企业数"),
    "green_star_share_above_scale": ("规上工业企业中星级绿色工厂占比", "%",
                                     "1–5 星的规上企业数 ÷ 规上工业企业数 × 100"),
    "green_three_star_firms": ("三星及以上绿色工厂数", "家", "当年评价结果中 3–5 星的企业数"),
    "green_factories_national": ("国家级绿色工厂数", "家", "年末有效的国家级绿色工厂称号（titles）"),
    "green_factories_provincial": ("省级绿色工厂数", "家", "年末有效的省级绿色工厂称号（titles）"),
}


# ----------------------------------------------------------------------------- profile and cockpit


def profile_section(ctx: Any) -> Any:
    from zhizao.store import publish
    from zhizao.web.ui import Section

    if ctx.role == "bank":
        return None
    hist = publish.firm_history(ctx.session, METHOD, ctx.credit_code)
    if not hist:
        return None
    row = next((h for h in hist if h.get("year") == ctx.year), hist[-1])
    chart = None
    rated = [h for h in hist if h.get("score") is not None]
    if len(rated) > 1:
        from zhizao.web.ui import line_option

        chart = line_option("绿色工厂综合得分", [h["year"] for h in rated], {"综合得分": [h["score"] for h in rated]}, "分")
    level = _current_level(ctx.settings, ctx.credit_code, int(row["year"]))
    return Section(title="星级绿色工厂", template="greenfactory/card.html", order=30, anchor="greenfactory",
                   context={"row": row, "history": hist, "chart": chart,
                            "level_title": f"{LEVEL_TITLES[level]}绿色工厂" if level else None})


def _current_level(settings: Any, credit_code: str, year: int) -> str | None:
    from zhizao.greenfactory.ladder import _TITLE_SCHEMA, TITLE, _warehouse_table

    try:
        t = _warehouse_table(settings, "titles", _TITLE_SCHEMA,
                             f"WHERE title = '{TITLE}' AND credit_code = '{credit_code.replace(chr(39), '')}'")
    except Exception:
        return None
    if t is None:
        return None
    end = dt.date(year, 12, 31)
    best = None
    order = list(LEVEL_TITLES)
    for r in t.to_pylist():
        if r["granted_on"] and r["granted_on"] <= end and (r["revoked_on"] is None or r["revoked_on"] > end) \
                and r["level"] in order and (best is None or order.index(r["level"]) > order.index(best)):
            best = r["level"]
    return best


_TILES = Memo(64, published_only=True)


def cockpit_tiles(ctx: Any) -> list[Any]:
    """The star-rated factories of the year (prepared once per scope until the next import or
    publication)."""
    from zhizao.web.ui import scope_of

    scope = scope_of(ctx.user, ctx.session)
    return _TILES.get(ctx.settings, ("tiles", scope.key(METHOD), ctx.region, ctx.year), lambda: _tiles(ctx, scope))


def _tiles(ctx: Any, scope: Any) -> list[Any]:
    from collections import Counter

    from zhizao.web.ui import Tile, distribution, filters, pick_year, pie_option

    y, _ = pick_year(ctx.session, METHOD, ctx.year)
    if y is None:
        return []
    dist = distribution(ctx.session, METHOD, y, filters(scope, METHOD, ctx.region)).get(None, Counter())
    starred = sum(dist.get(str(k), 0) for k in range(1, 6))
    from zhizao.greenfactory.pages import STAR_COLOURS

    chart = pie_option(f"{y}年 绿色工厂星级分布", {f"{k}星": dist.get(str(k), 0) for k in range(6)}, STAR_COLOURS)
    return [Tile(title=f"{y}年 星级绿色工厂", value=f"{starred:,}", unit="家", href="/greenfactory",
                 note=f"其中三星及以上 {sum(dist.get(str(k), 0) for k in range(3, 6)):,} 家", order=30, chart=chart)]


# ----------------------------------------------------------------------------- indicators and review


def _counts(settings: Any, y_from: int, y_to: int) -> list[dict[str, Any]]:
    """Per (region, year): star-rated firms (all, 规上, ≥ 3★), 规上 firms, national and
    provincial titles; for the city (4-digit prefix + 00) and each district. One DuckDB query."""
    import duckdb
    import pyarrow as pa

    from zhizao import runs
    from zhizao.engine.warehouse import connect
    from zhizao.greenfactory.ladder import _TITLE_SCHEMA, TITLE, _warehouse_table, result_run

    parts = []
    for y in range(y_from, y_to + 1):
        run_id = result_run(settings, y)
        if run_id is None:
            continue
        t = runs.results(settings, run_id).select(["credit_code", "region_code", "status", "stars"])
        parts.append(t.append_column("year", pa.array([y] * t.num_rows, pa.int32())))
    if not parts or not settings.warehouse_path.exists():
        return []
    res = pa.concat_tables(parts)
    titles = _warehouse_table(settings, "titles", _TITLE_SCHEMA, f"WHERE title = '{TITLE}'")
    if titles is None:
        titles = _TITLE_SCHEMA.empty_table()
    wh = connect(settings.warehouse_path, read_only=True, wait_s=5.0)
    try:
        above = wh.sql(
            "SELECT s.credit_code, s.year, e.region_code FROM statistics_annual s JOIN enterprises e USING (credit_code) "
            f"WHERE s.above_scale AND s.year BETWEEN {int(y_from)} AND {int(y_to)}").to_arrow_table()
        ent = wh.sql("SELECT credit_code, region_code FROM enterprises").to_arrow_table()
    finally:
        wh.close()
    con = duckdb.connect()
    con.register("res", res)
    con.register("above", above)
    con.register("titles", titles)
    con.register("ent", ent)
    years = ", ".join(f"({y})" for y in range(y_from, y_to + 1))
    sql = f"""
    WITH y(year) AS (VALUES {years}),
    r AS (SELECT res.*, (a.credit_code IS NOT NULL) AS above_scale FROM res
          LEFT JOIN above a ON a.credit_code = res.credit_code AND a.year = res.year),
    reg AS (SELECT region_code, substr(region_code, 1, 4) || '00' AS city FROM ent GROUP BY ALL),
    star AS (
        SELECT region, year, count(*) FILTER (WHERE stars >= 1) AS starred,
               count(*) FILTER (WHERE stars >= 1 AND above_scale) AS starred_above,
               count(*) FILTER (WHERE stars >= 3) AS three
        FROM (SELECT *, region_code AS region FROM r UNION ALL
              SELECT *, substr(region_code, 1, 4) || '00' AS region FROM r
              WHERE region_code <> substr(region_code, 1, 4) || '00')
        GROUP BY ALL),
    ab AS (
        SELECT region, year, count(*) AS n FROM (
            SELECT *, region_code AS region FROM above UNION ALL
            SELECT *, substr(region_code, 1, 4) || '00' AS region FROM above
            WHERE region_code <> substr(region_code, 1, 4) || '00') GROUP BY ALL),
    held AS (
        SELECT t.credit_code, y.year, t.level, e.region_code FROM titles t JOIN ent e USING (credit_code), y
        WHERE year(t.granted_on) <= y.year AND (t.revoked_on IS NULL OR year(t.revoked_on) > y.year)
          AND (t.expires_on IS NULL OR year(t.expires_on) >= y.year)),
    tl AS (
        SELECT region, year, count(DISTINCT credit_code) FILTER (WHERE level = 'national') AS national,
               count(DISTINCT credit_code) FILTER (WHERE level = 'provincial') AS provincial
        FROM (SELECT *, region_code AS region FROM held UNION ALL
              SELECT *, substr(region_code, 1, 4) || '00' AS region FROM held
              WHERE region_code <> substr(region_code, 1, 4) || '00') GROUP BY ALL)
    SELECT s.region, s.year, s.starred, s.starred_above, s.three, ab.n AS above_n,
           coalesce(tl.national, 0) AS national, coalesce(tl.provincial, 0) AS provincial
    FROM star s LEFT JOIN ab USING (region, year) LEFT JOIN tl USING (region, year)
    ORDER BY s.region, s.year"""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def indicators(settings: Any, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in _counts(settings, y_from, y_to):
        if region and c["region"] != region:
            continue
        basis = f"星级绿色工厂评价结果（{c['year']}年）"
        vals: dict[str, float | None] = {
            "green_star_firms": c["starred"], "green_three_star_firms": c["three"],
            "green_star_share_above_scale": c["starred_above"] * 100.0 / c["above_n"] if c["above_n"] else None,
            "green_factories_national": c["national"], "green_factories_provincial": c["provincial"],
        }
        for iid, v in vals.items():
            if v is None:
                continue
            name, unit, _ = INDICATORS[iid]
            shown = round(v, 1) if iid == "green_star_share_above_scale" else v  # as published; exact beside it
            out.append({"id": iid, "name": name, "region": c["region"], "year": int(c["year"]), "value": shown,
                        "exact": float(v), "unit": unit, "basis": basis if not iid.startswith("green_factories") else "绿色工厂称号（年末有效）"})
    return out


def review_section(settings: Any, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    rows = indicators(settings, y_from, y_to, region)
    if not rows:
        return []
    if region is None:
        cities = sorted({r["region"] for r in rows if r["region"].endswith("00")})
        region = cities[0] if cities else rows[0]["region"]
    rows = [r for r in rows if r["region"] == region]
    years = sorted({r["year"] for r in rows})
    by = {(r["id"], r["year"]): r["value"] for r in rows}

    def f(iid: str, y: int) -> str:
        v = by.get((iid, y))
        if v is None:
            return "—"
        return f"{v:,.1f}" if INDICATORS[iid][1] == "%" else f"{int(v):,}"

    y0, y1 = years[0], years[-1]
    paras = [f"{y1}年，星级绿色工厂{f('green_star_firms', y1)}家（{y0}年{f('green_star_firms', y0)}家），"
             f"占规上工业企业的{f('green_star_share_above_scale', y1)}%；三星及以上{f('green_three_star_firms', y1)}家。"
             f"年末有效的国家级绿色工厂{f('green_factories_national', y1)}家、省级{f('green_factories_provincial', y1)}家。"]
    table = {"head": ["指标", "单位", *[str(y) for y in years]],
             "rows": [[INDICATORS[i][0], INDICATORS[i][1], *[f(i, y) for y in years]] for i in INDICATORS]}
    return [{"title": "绿色工厂梯度培育成效显著", "paras": paras, "table": table}]
