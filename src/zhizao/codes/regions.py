"""GB/T 2260 administrative divisions (行政区划代码), with retired codes kept.

Packaged copies (``data/SOURCES.md``): ``admin_divisions_2023.csv`` (the statistics bureau's
2023 list: 31 provinces, 342 prefecture rows, 2,975 county rows) and
``admin_divisions_history.csv`` (every code seen 1980–2023 with ``first_seen`` and
``last_seen`` as YYYYMM). A code is *current* when it is in the 2023 list, or is one of the
three provinces GB/T 2260 lists but the statistics list leaves out (台湾, 香港, 澳门).

Firms registered before a redistricting still carry the old code in their credit code and
sometimes in department files, so retired codes stay known (``current`` false) rather than
becoming "unknown". A code reused for a different area (330502 城区 1983–87, 吴兴区 since
2003) has one row here with its latest name; :func:`history_table` keeps every name.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from zhizao.codes.industries import read_data_csv

VERSION = "GB/T 2260 (统计用区划代码 2023)"
#: in GB/T 2260 but outside the statistics bureau's list
GB2260_ONLY = ("710000", "810000", "820000")
LEVELS = ("province", "prefecture", "county")


@cache
def history_table() -> pa.Table:
    """Every (code, name) ever seen: ``code, level, parent, name, first_seen, last_seen,
    in_2023_stats, sources, note``."""
    return read_data_csv("admin_divisions_history.csv")


@cache
def current_table() -> pa.Table:
    """The 2023 list: ``code, level, parent, name, note``."""
    return read_data_csv("admin_divisions_2023.csv")


@cache
def region_table() -> pa.Table:
    """One row per code: ``code, name, level, parent, province_code, first_seen, last_seen,
    current, note`` (all provinces, prefectures and counties, retired ones included)."""
    import duckdb

    hist = history_table()
    cur = current_table()
    con = duckdb.connect()
    try:
        con.register("hist", hist)
        con.register("cur", cur)
        gb_only = ", ".join(f"'{c}'" for c in GB2260_ONLY)
        # latest name wins for a reused code; the 2023 list wins over the history when both exist
        return con.sql(f"""
            WITH spans AS (
                SELECT code, min(first_seen) AS first_seen, max(last_seen) AS last_seen FROM hist GROUP BY code
            ), latest AS (
                SELECT code, name, level, parent, note FROM hist
                QUALIFY row_number() OVER (PARTITION BY code ORDER BY last_seen DESC, first_seen DESC) = 1
            )
            SELECT l.code,
                   coalesce(c.name, l.name) AS name,
                   coalesce(c.level, l.level) AS level,
                   nullif(coalesce(c.parent, l.parent), '') AS parent,
                   substr(l.code, 1, 2) || '0000' AS province_code,
                   s.first_seen, s.last_seen,
                   (c.code IS NOT NULL OR l.code IN ({gb_only})) AS current,
                   nullif(coalesce(c.note, l.note), '') AS note
            FROM latest l JOIN spans s USING (code) LEFT JOIN cur c USING (code)
            ORDER BY l.code
        """).to_arrow_table()
    finally:
        con.close()


@cache
def _index() -> dict[str, tuple[str, str, bool]]:
    t = region_table()
    return {
        c: (n, lv, cu)
        for c, n, lv, cu in zip(t.column("code").to_pylist(), t.column("name").to_pylist(),
                                t.column("level").to_pylist(), t.column("current").to_pylist(), strict=True)
    }


def _clean(code: str | None) -> str:
    return (code or "").strip()


def name(code: str | None) -> str | None:
    """The (latest) name of a code, current or retired; None when never seen."""
    hit = _index().get(_clean(code))
    return hit[0] if hit else None


def level(code: str | None) -> str | None:
    hit = _index().get(_clean(code))
    return hit[1] if hit else None


def is_known(code: str | None) -> bool:
    return _clean(code) in _index()


def is_county(code: str | None) -> bool:
    """Is ``code`` a county-level code (区/县/县级市, statistics zones included), current or retired?"""
    return level(code) == "county"


def is_current(code: str | None) -> bool:
    """Is ``code`` in force (the 2023 list)?"""
    hit = _index().get(_clean(code))
    return bool(hit and hit[2])


def counties(province: str = "33", current_only: bool = True) -> pa.Table:
    """County-level rows of a province (2-digit or 6-digit code), current ones by default."""
    prov = province.strip()[:2] + "0000"
    t = region_table()
    mask = pc.and_(pc.equal(t.column("level"), "county"), pc.equal(t.column("province_code"), prov))
    if current_only:
        mask = pc.and_(mask, t.column("current"))
    return t.filter(mask)


def provinces(current_only: bool = True) -> pa.Table:
    t = region_table()
    mask = pc.equal(t.column("level"), "province")
    if current_only:
        mask = pc.and_(mask, t.column("current"))
    return t.filter(mask)
