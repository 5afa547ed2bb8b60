"""一企一档: a firm's data by department and year, read from the DuckDB warehouse.

Reads go through the process's shared read-only connection
(:func:`zhizao.engine.warehouse.shared_reader`: opening the file per request cost more than
the reads), which steps aside as soon as a writer (an import, a run) waits: the command line
and the import worker can write between requests, and DuckDB lets one writing process exclude
all others. While a writer has or waits for the file, :class:`WarehouseBusy` is raised and the
web layer answers a Chinese 503.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from zhizao.engine.warehouse import WarehouseBusy, shared_reader
from zhizao.settings import Settings

#: how long a page waits for a writer (an import, a run) before answering 503
WEB_WAIT_S = 2.0


@contextmanager
def warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the warehouse, or None when there is none yet."""
    if not settings.warehouse_path.exists():
        yield None
        return
    with shared_reader(settings.warehouse_path).cursor(wait_s=WEB_WAIT_S) as con:
        yield con


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


# (table, SQL over the current rows of one firm, grouped by year): every department's summary
SUMMARIES: dict[str, str] = {
    "statistics": """SELECT year, above_scale, gross_output, value_added, revenue, employees, rd_expense,
                            total_assets, total_liabilities
                     FROM statistics_annual WHERE credit_code = ? ORDER BY year""",
    "tax": "SELECT year, tax_paid FROM tax WHERE credit_code = ? ORDER BY year",
    "land": """SELECT year, sum(area_mu) AS area_mu, count(*) AS parcels,
                      sum(CASE WHEN tenure = '租赁' THEN area_mu ELSE 0 END) AS leased_mu
               FROM land WHERE credit_code = ? GROUP BY year ORDER BY year""",
    "energy": """SELECT year(month) AS year, energy_type, sum(quantity) AS quantity, any_value(unit) AS unit,
                        count(*) AS months
                 FROM energy WHERE credit_code = ? GROUP BY 1, 2 ORDER BY 1, 2""",
    "zero_carbon": """SELECT year(month) AS year, kind, sum(quantity) AS quantity, any_value(unit) AS unit
                      FROM zero_carbon WHERE credit_code = ? GROUP BY 1, 2 ORDER BY 1, 2""",
    "emissions": """SELECT year, pollutant, sum(quantity) AS quantity_t FROM emissions WHERE credit_code = ?
                    GROUP BY 1, 2 ORDER BY 1, 2""",
    "power": """SELECT year(date) AS year, sum(kwh) AS kwh, count(*) AS days FROM power_daily
                WHERE credit_code = ? GROUP BY 1 ORDER BY 1""",
}
_SOURCE_TABLE = {"statistics": "statistics_annual", "power": "power_daily"}


def firm_profile(settings: Settings, credit_code: str) -> dict[str, Any] | None:
    """The firm's master data and its per-year summaries by department, or None if unknown."""
    with warehouse(settings) as con:
        if con is None:
            return None
        tables = _tables(con)
        if "enterprises" not in tables:
            return None
        ent = _rows(con, "SELECT credit_code, name, region_code, industry_code, founded_on, township, park "
                         "FROM enterprises WHERE credit_code = ?", [credit_code])
        if not ent:
            return None
        profile: dict[str, Any] = {"enterprise": ent[0]}
        for key, sql in SUMMARIES.items():
            table = _SOURCE_TABLE.get(key, key)
            profile[key] = _rows(con, sql, [credit_code]) if table in tables else []
    return profile


def firm_region(settings: Settings, credit_code: str) -> str | None:
    with warehouse(settings) as con:
        if con is None or "enterprises" not in _tables(con):
            return None
        r = con.execute("SELECT region_code FROM enterprises WHERE credit_code = ?", [credit_code]).fetchone()
    return None if r is None else r[0]


def list_enterprises(settings: Settings, *, region_code: str | None = None, industry_code: str | None = None,
                     q: str | None = None, codes: list[str] | None = None, limit: int = 50, offset: int = 0
                     ) -> tuple[int, list[dict[str, Any]]]:
    """A page of the warehouse's current enterprises with filters (``codes`` restricts to a set)."""
    with warehouse(settings) as con:
        if con is None or "enterprises" not in _tables(con):
            return 0, []
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if region_code:
            where.append("region_code = ?")
            params.append(region_code)
        if industry_code:
            where.append("starts_with(industry_code, ?)")
            params.append(industry_code)
        if q:
            where.append("(contains(name, ?) OR starts_with(credit_code, ?))")
            params += [q, q.upper()]
        if codes is not None:
            where.append("list_contains(?, credit_code)")
            params.append(codes)
        cond = " AND ".join(where)
        total = con.execute(f"SELECT count(*) FROM enterprises WHERE {cond}", params).fetchone()
        rows = _rows(con, f"SELECT credit_code, name, region_code, industry_code, founded_on, township, park "
                          f"FROM enterprises WHERE {cond} ORDER BY credit_code LIMIT ? OFFSET ?",
                     [*params, limit, offset])
    return int(total[0]) if total else 0, rows


# ----------------------------------------------------------------------------- one scope answer


@dataclass
class FirmView:
    """A firm as the profile (API and page) shows it, after the scope check."""

    credit_code: str
    #: basic attributes: from the warehouse, else from the newest published row
    firm: dict[str, Any]
    region: str | None
    #: :func:`firm_profile` (None: not in the warehouse, or the warehouse is being written)
    data: dict[str, Any] | None
    #: the warehouse was being written (the published results still show)
    busy: bool = False


def firm_regions(settings: Settings) -> tuple[Any, Any]:
    """Every current firm's code and region in the warehouse, as two arrays sorted by code
    (kept per warehouse state: one query per import, not one warehouse open per request)."""
    from zhizao.caching import Memo

    global _REGIONS
    if _REGIONS is None:
        _REGIONS = Memo(4)

    def load() -> tuple[Any, Any]:
        import numpy as np

        with warehouse(settings) as con:
            if con is None or "enterprises" not in _tables(con):
                return np.array([], dtype="S1"), np.array([], dtype=object)
            t = con.execute("SELECT credit_code, region_code FROM enterprises ORDER BY credit_code").fetchnumpy()
        return np.char.encode(t["credit_code"].astype(str), "utf-8"), t["region_code"]

    return _REGIONS.get(settings, ("firm_regions",), load)


_REGIONS: Any = None


def region_of(settings: Settings, credit_code: str) -> str | None:
    """A firm's region in the warehouse (None: not there), by binary search in :func:`firm_regions`."""
    import numpy as np

    codes, regions = firm_regions(settings)
    key = credit_code.encode("utf-8")
    i = int(np.searchsorted(codes, key))
    if i < len(codes) and codes[i] == key:
        return None if regions[i] is None else str(regions[i])
    return None


def firm_view(settings: Settings, scope: Any, credit_code: str, *, wait: bool = False) -> FirmView:
    """The one scope answer of the firm profile, for the API and the page alike: the firm must
    exist (in the warehouse or in a publication) and the caller see its profile (``what =
    "profile"``: a bank never does; it reads the carbon codes it was granted through the carbon
    list). Anything else is the same 404 as a firm that does not exist.

    **The scope is checked before any profile work** (issue 16: an out-of-scope firm answered
    its 404 only after its profile had been computed, 5 times slower than a missing firm's):
    a bank, or a firm asking for another firm, is answered without reading anything; a
    district learns the firm's region from its publications, else from the warehouse's firm
    regions kept in memory — the profile itself is read only for a firm the caller may see.

    While another process writes the warehouse, ``wait=False`` (the page) answers with the
    published attributes and ``busy``; ``wait=True`` (the API) raises :class:`WarehouseBusy`."""
    from zhizao.store.publish import firm_published
    from zhizao.web.deps import not_found

    code = credit_code.strip().upper()
    role = scope.role
    if role == "bank" or (role == "enterprise" and code != (scope.user.credit_code or "").upper()):
        raise not_found()
    published = firm_published(scope.session, code)
    region = (published or {}).get("region_code")
    if role == "district":
        if region is None:
            region = region_of(settings, code)  # busy: the app's Chinese 503 (page and API)
        if not scope.can_see_firm(code, region, "profile"):
            raise not_found()
    busy = False
    try:
        data = firm_profile(settings, code)
    except WarehouseBusy:
        if wait:
            raise
        data, busy = None, True
    if data is None and published is None:
        raise not_found()
    firm = dict((data or {}).get("enterprise") or {})
    region = firm.get("region_code") or region
    if not scope.can_see_firm(code, region, "profile"):  # the warehouse's region is the firm's current one
        raise not_found()
    if not firm:
        firm = {"credit_code": code, "name": (published or {}).get("name"), "region_code": region,
                "industry_code": (published or {}).get("industry_code")}
    return FirmView(code, firm, region, data, busy)
