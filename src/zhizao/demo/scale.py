"""Benchmark-scale synthetic data, generated in DuckDB SQL from ``range()`` (no Python row loops).

:func:`write_scale_city` writes clean contract tables at province scale (500,000 or 2,000,000
firms), typed and in canonical units as the warehouse's ``fact_<table>`` columns (see
``engine/warehouse.py``), so a benchmark loads them straight into a warehouse with
:func:`fact_insert_sql`. Energy has exactly 48 rows per firm and year (4 types × 12 months):
500,000 firms give 24 million rows a year. Output is streamed to disk by DuckDB's ``COPY``
with a memory limit and a spill directory, so 2,000,000 firms run in bounded memory.

:func:`write_energy_csv` writes the contract-format ``energy`` CSV (Chinese headers, months as
``2023-01``, Chinese energy names, electricity partly in 万千瓦时) with an exact row count,
plus the ``enterprises`` CSV its rows refer to, for the import benchmark.

Randomness is ``hash(firm, seed, stream)`` mapped to [0, 1): deterministic for a seed and a
DuckDB version, independent of thread scheduling.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from zhizao.codes import credit_code as cc
from zhizao.codes import regions
from zhizao.contract import TABLES
from zhizao.demo import profiles
from zhizao.engine.warehouse import fact_name

SCALE_TABLES = ("enterprises", "statistics_annual", "tax", "energy", "land", "emissions", "zero_carbon")
ENERGY_TYPES = (("electricity", "kWh", "kwh", "电力"), ("raw_coal", "t", "coal", "原煤"),
                ("natural_gas", "m³", "gas", "天然气"), ("heat", "GJ", "heat", "热力"))
#: every firm uses a little of each type so energy has exactly 48 rows per firm and year
FLOOR = {"kwh": 30.0, "coal": 0.002, "gas": 0.5, "heat": 0.02}
_U64 = 18446744073709551616.0
#: multiplier coprime with 31 that scatters firm numbers over the 31^7 organisation-code space
_SPREAD = 1_000_000_007


def _u(expr: str, stream: int, seed_sql: str = "$seed") -> str:
    """A uniform [0, 1) number for (expr, seed, stream)."""
    return f"(hash({expr}, {seed_sql}, {stream}) / {_U64})"


def _z(expr: str, stream: int) -> str:
    """A standard normal number (Box–Muller over two uniform streams)."""
    return (f"(sqrt(-2 * ln(greatest({_u(expr, stream)}, 1e-12))) * "
            f"cos(2 * pi() * {_u(expr, stream + 1000)}))")


def credit_code_sql(n: str, region: str) -> str:
    """A valid credit code ``91`` + region + ``MA`` + 7 characters from firm number ``n``.

    The check character is computed from the characters' values, so the whole column is one
    vectorised expression."""
    w = cc.WEIGHTS
    digits = [f"((({n}) * {_SPREAD} + 7919) % {31 ** 7} // {31 ** k}) % 31" for k in range(6, -1, -1)]
    org = " || ".join(f"substr('{cc.ALPHABET}', ({d})::INTEGER + 1, 1)" for d in digits)
    total = " + ".join(
        [f"{9 * w[0] + 1 * w[1]}"]
        + [f"(ascii(substr({region}, {j + 1}, 1)) - 48) * {w[2 + j]}" for j in range(6)]
        + [f"{cc.ALPHABET.index('M') * w[8] + cc.ALPHABET.index('A') * w[9]}"]
        + [f"({d}) * {w[10 + k]}" for k, d in enumerate(digits)]
    )
    body = f"('91' || {region} || 'MA' || {org})"
    return f"({body} || substr('{cc.ALPHABET}', ((31 - (({total}) % 31)) % 31)::INTEGER + 1, 1))"


def _connect(out_dir: Path, memory_limit: str, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    spill = out_dir / ".spill"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _load_profiles(con: duckdb.DuckDBPyConnection, province: str) -> None:
    total = sum(profiles.SEGMENT_SHARES.values())
    seg_rows, cls_rows, lo = [], [], 0.0
    for i, s in enumerate(profiles.SEGMENTS):
        share = profiles.SEGMENT_SHARES[s.key] / total
        seg_rows.append((i, s.key, lo, lo + share if i < len(profiles.SEGMENTS) - 1 else 1.0, s.size_shift,
                         s.va_ratio, max(s.kwh, FLOOR["kwh"]), max(s.coal, FLOOR["coal"]),
                         max(s.gas, FLOOR["gas"]), max(s.heat, FLOOR["heat"]), s.cod, s.nh3, s.so2, s.nox, s.rd))
        lo += share
        wsum = sum(w for _, w in s.classes)
        c_lo = 0.0
        for j, (code, w) in enumerate(s.classes):
            c_hi = c_lo + w / wsum if j < len(s.classes) - 1 else 1.0
            cls_rows.append((i, code, c_lo, c_hi))
            c_lo = c_hi
    con.execute("CREATE TEMP TABLE seg (seg INTEGER, key VARCHAR, lo DOUBLE, hi DOUBLE, size_shift DOUBLE, "
                "va DOUBLE, kwh DOUBLE, coal DOUBLE, gas DOUBLE, heat DOUBLE, cod DOUBLE, nh3 DOUBLE, "
                "so2 DOUBLE, nox DOUBLE, rd DOUBLE)")
    con.executemany("INSERT INTO seg VALUES (" + ", ".join(["?"] * 15) + ")", seg_rows)
    con.execute("CREATE TEMP TABLE cls (seg INTEGER, industry_code VARCHAR, lo DOUBLE, hi DOUBLE)")
    con.executemany("INSERT INTO cls VALUES (?, ?, ?, ?)", cls_rows)
    ct = regions.counties(province)
    # real counties only: no 市辖区 placeholders, no statistics-only development zones
    counties = [c for c, note in zip(ct.column("code").to_pylist(), ct.column("note").to_pylist(), strict=True)
                if not note]
    con.execute("CREATE TEMP TABLE county (k INTEGER, region_code VARCHAR)")
    con.executemany("INSERT INTO county VALUES (?, ?)", list(enumerate(sorted(counties))))
    types = [(k, code, unit, coef) for k, (code, unit, coef, _) in enumerate(ENERGY_TYPES)]
    con.execute("CREATE TEMP TABLE etype (t INTEGER, energy_type VARCHAR, unit VARCHAR, coef VARCHAR)")
    con.executemany("INSERT INTO etype VALUES (?, ?, ?, ?)", types)
    con.execute("CREATE TEMP TABLE mw (m INTEGER, w DOUBLE)")
    con.executemany("INSERT INTO mw VALUES (?, ?)", [(m + 1, w) for m, w in enumerate(profiles.MONTH_WEIGHTS)])


def _build_firms(con: duckdb.DuckDBPyConnection, firms: int, seed: int) -> None:
    n_county = con.execute("SELECT count(*) FROM county").fetchone()[0]  # type: ignore[index]
    con.execute(f"""
        CREATE TEMP TABLE firm AS
        WITH base AS (
            SELECT range AS i, {_u('range', 1)} AS u_seg, {_u('range', 2)} AS u_cls,
                   floor({_u('range', 3)} * {n_county})::INTEGER AS k, {_z('range', 4)} AS z_size,
                   {_u('range', 5)} AS u_age
            FROM range({int(firms)})
        )
        SELECT b.i, s.seg, c.industry_code, co.region_code,
               {credit_code_sql('b.i', 'co.region_code')} AS credit_code,
               exp(7.0 + s.size_shift + 1.1 * b.z_size) AS revenue0,
               DATE '2000-01-01' + (floor(b.u_age * 8400))::INTEGER AS founded_on
        FROM base b
        JOIN seg s ON b.u_seg >= s.lo AND b.u_seg < s.hi
        JOIN cls c ON c.seg = s.seg AND b.u_cls >= c.lo AND b.u_cls < c.hi
        JOIN county co ON co.k = b.k
    """.replace("$seed", str(int(seed))))


def _year_sql(year: int, base_year: int) -> str:
    """Per-firm annual figures for ``year`` (a SELECT over ``firm`` joined with ``seg``)."""
    n = year - base_year
    return f"""
        SELECT f.i, f.credit_code, f.seg, {year} AS year,
               f.revenue0 * pow(1.07, {n}) * exp(0.08 * {_z('f.i', 10 + n)}) AS revenue,
               s.va * exp(0.15 * {_z('f.i', 30 + n)}) AS va_ratio,
               -- a firm's intensity of each energy type, drawn once per firm (not per row)
               s.kwh * exp(0.45 * {_z('f.i * 16', 70)}) AS kwh, s.coal * exp(0.45 * {_z('f.i * 16 + 1', 70)}) AS coal,
               s.gas * exp(0.45 * {_z('f.i * 16 + 2', 70)}) AS gas, s.heat * exp(0.45 * {_z('f.i * 16 + 3', 70)}) AS heat,
               s.cod, s.nh3, s.so2, s.nox, s.rd
        FROM firm f JOIN seg s USING (seg)
        WHERE f.founded_on <= DATE '{year}-12-31'
    """


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path, fmt: str, seed: int) -> int:
    if fmt == "parquet":
        opts = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000"
    else:
        opts = "FORMAT csv, HEADER true"
    con.execute(f"COPY ({query.replace('$seed', str(int(seed)))}) TO '{path.as_posix()}' ({opts})")
    return int(con.execute(
        f"SELECT count(*) FROM read_{'parquet' if fmt == 'parquet' else 'csv'}('{path.as_posix()}')").fetchone()[0])  # type: ignore[index]


def write_scale_city(out_dir: str | Path, firms: int, seed: int = 1, years: Iterable[int] = (2023,),
                     fmt: str = "parquet", energy_csv_rows: int | None = None, province: str = "33",
                     memory_limit: str = "2GB", threads: int | None = None) -> dict[str, Any]:
    """Write clean contract tables for ``firms`` firms and ``years`` to ``out_dir``.

    Files: ``<table>.parquet`` (or ``.csv``) with the contract columns, typed and in canonical
    units; ``manifest.json`` lists files, row counts and timings. With ``energy_csv_rows`` also
    a contract-format ``contract/energy.csv`` of exactly that many rows (see
    :func:`write_energy_csv`)."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"未知格式: {fmt}（可选 parquet、csv）")
    if firms < 1:
        raise ValueError("企业数必须为正")
    years = sorted({int(y) for y in years})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = _connect(out, memory_limit, threads)
    started = time.perf_counter()
    files: dict[str, dict[str, Any]] = {}
    try:
        _load_profiles(con, province)
        _build_firms(con, firms, seed)
        base = years[0]
        ann = " UNION ALL ".join(_year_sql(y, base) for y in years)
        con.execute(f"CREATE TEMP TABLE ann AS {ann}".replace("$seed", str(int(seed))))

        def put(table: str, query: str) -> None:
            t0 = time.perf_counter()
            path = out / f"{table}.{fmt}"
            rows = _copy(con, query, path, fmt, seed)
            files[table] = {"path": path.name, "rows": rows, "seconds": round(time.perf_counter() - t0, 2)}

        put("enterprises", """
            SELECT credit_code, '企业' || lpad(i::VARCHAR, 7, '0') || '有限公司' AS name, region_code,
                   industry_code, founded_on, NULL::VARCHAR AS township, NULL::VARCHAR AS park
            FROM firm ORDER BY i""")
        put("statistics_annual", f"""
            SELECT credit_code, year, revenue >= 2000 AS above_scale,
                   round(revenue * 1.02, 2) AS gross_output, round(revenue * 1.02 * va_ratio, 2) AS value_added,
                   round(revenue, 2) AS revenue,
                   greatest(1, round(revenue / (80 * exp(0.3 * {_z('i', 50)}))))::BIGINT AS employees,
                   round(revenue * rd * exp(0.4 * {_z('i', 51)}), 2) AS rd_expense,
                   round(revenue * (0.9 + 0.4 * {_u('i', 52)}), 2) AS total_assets,
                   round(revenue * (0.9 + 0.4 * {_u('i', 52)}) * (0.35 + 0.4 * {_u('i', 53)}), 2) AS total_liabilities,
                   NULL::BOOLEAN AS strategic_emerging, NULL::BOOLEAN AS high_tech,
                   NULL::BOOLEAN AS equipment, NULL::BOOLEAN AS digital_core
            FROM ann ORDER BY year, i""")
        put("tax", f"""
            SELECT credit_code, year, round(revenue * 0.035 * exp(0.35 * {_z('i', 60)} ), 2) AS tax_paid
            FROM ann ORDER BY year, i""")
        # energy: the hot table; one row per (firm, month, type), streamed in firm order
        put("energy", f"""
            SELECT a.credit_code, make_date(a.year, mw.m, 1) AS month, e.energy_type,
                   round(a.revenue * 1.02 * mw.w
                         * CASE e.coef WHEN 'kwh' THEN a.kwh WHEN 'coal' THEN a.coal
                                       WHEN 'gas' THEN a.gas ELSE a.heat END
                         * (0.92 + 0.16 * {_u('a.i * 256 + mw.m * 16 + e.t', 72)}),
                         3) AS quantity,
                   e.unit
            FROM ann a CROSS JOIN mw CROSS JOIN etype e""")
        put("land", f"""
            SELECT credit_code, year, 'P' || lpad(i::VARCHAR, 8, '0') AS parcel_id,
                   round(greatest(0.5, revenue / (600 * exp(0.4 * {_z('i', 80)}))), 2) AS area_mu,
                   'owned' AS tenure
            FROM ann ORDER BY year, i""")
        put("emissions", f"""
            SELECT a.credit_code, a.year, p.pollutant,
                   round(a.revenue * 1.02 * CASE p.pollutant WHEN 'cod' THEN a.cod WHEN 'ammonia_nitrogen' THEN a.nh3
                                                      WHEN 'so2' THEN a.so2 ELSE a.nox END
                         * exp(0.5 * {_z('a.i * 4 + p.k', 90)}), 4) AS quantity
            FROM ann a CROSS JOIN (VALUES (0, 'cod'), (1, 'ammonia_nitrogen'), (2, 'so2'), (3, 'nox')) p(k, pollutant)""")
        put("zero_carbon", f"""
            SELECT a.credit_code, make_date(a.year, mw.m, 1) AS month, 'pv_self_use' AS kind,
                   round(a.revenue * a.kwh * mw.w * 0.08 * (0.6 + 0.8 * {_u('a.i', 100)}), 1) AS quantity, 'kWh' AS unit
            FROM ann a CROSS JOIN mw
            WHERE {_u('a.i', 101)} < 0.15""")
        if energy_csv_rows:
            files["contract_energy_csv"] = write_energy_csv(out / "contract", energy_csv_rows, seed=seed,
                                                            year=years[-1], con=con)
    finally:
        con.close()
        _rmtree(out / ".spill")
    manifest = {
        "generator": "zhizao.demo.scale",
        "firms": firms, "seed": seed, "years": years, "format": fmt,
        "tables": files,
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def write_energy_csv(out_dir: str | Path, rows: int, seed: int = 1, year: int = 2023,
                     con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Contract-format ``energy.csv`` with exactly ``rows`` data rows and the ``enterprises.csv``
    of the firms it names (Chinese headers; 10 % of electricity rows in 万千瓦时)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    firms = max(1, math.ceil(rows / 48))
    own = con is None
    if con is None:
        con = _connect(out, "2GB", None)
    try:
        if own:
            _load_profiles(con, "33")
            _build_firms(con, firms, seed)
        t0 = time.perf_counter()
        ent = out / "enterprises.csv"
        con.execute(f"""COPY (
            SELECT credit_code AS 统一社会信用代码, '企业' || lpad(i::VARCHAR, 7, '0') || '有限公司' AS 企业名称,
                   region_code AS 行政区划代码, industry_code AS 行业代码, strftime(founded_on, '%Y-%m-%d') AS 成立日期
            FROM firm WHERE i < {firms} ORDER BY i) TO '{ent.as_posix()}' (FORMAT csv, HEADER true)""")
        names = ", ".join(f"({k}, '{zh}')" for k, (_, _, _, zh) in enumerate(ENERGY_TYPES))
        path = out / "energy.csv"
        con.execute(f"""COPY (
            WITH f AS (
                SELECT f.i, f.credit_code, f.revenue0 * 1.02 AS output, s.kwh, s.coal, s.gas, s.heat
                FROM firm f JOIN seg s USING (seg) WHERE f.i < {firms}
            ), r AS (
                SELECT f.i, f.credit_code, mw.m, e.t, e.coef, mw.w,
                       f.output * mw.w * CASE e.coef WHEN 'kwh' THEN f.kwh WHEN 'coal' THEN f.coal
                                                     WHEN 'gas' THEN f.gas ELSE f.heat END
                         * exp(0.45 * {_z('f.i * 16 + e.t', 70)}) AS q,
                       e.t = 0 AND {_u('f.i * 16 + mw.m', 110)} < 0.10 AS wan
                FROM f CROSS JOIN mw CROSS JOIN etype e
            )
            SELECT r.credit_code AS 统一社会信用代码, '{year}-' || lpad(r.m::VARCHAR, 2, '0') AS 月份,
                   n.zh AS 能源品种,
                   CASE WHEN r.wan THEN round(r.q / 10000, 4) ELSE round(r.q, 2) END AS 消费量,
                   CASE WHEN r.wan THEN '万千瓦时'
                        ELSE CASE r.coef WHEN 'kwh' THEN '千瓦时' WHEN 'coal' THEN '吨' WHEN 'gas' THEN '立方米'
                                         ELSE '吉焦' END END AS 计量单位
            FROM r JOIN (VALUES {names}) n(t, zh) ON n.t = r.t
            ORDER BY r.i, r.m, r.t
            LIMIT {int(rows)}) TO '{path.as_posix()}' (FORMAT csv, HEADER true)""".replace("$seed", str(int(seed))))
        return {"path": str(path), "enterprises": str(ent), "rows": int(rows), "firms": firms,
                "seconds": round(time.perf_counter() - t0, 2)}
    finally:
        if own:
            con.close()
            _rmtree(out / ".spill")


def fact_insert_sql(table: str, path: str | Path, batch_id: int) -> str:
    """INSERT of a scale file into the warehouse's ``fact_<table>`` as one batch."""
    t = TABLES[table]
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    p = Path(path).as_posix()
    reader = f"read_parquet('{p}')" if p.endswith(".parquet") else f"read_csv('{p}', header = true)"
    return (f"INSERT INTO {fact_name(table)} ({cols}, _batch_id, _row, _current) "
            f"SELECT {cols}, {int(batch_id)}, row_number() OVER () + 1, true FROM {reader}")


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
