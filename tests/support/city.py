"""One synthetic-city builder for the tests of every room.

A test describes its firms as :class:`Firm` records (one per firm and year), turns them into the
contract tables with :func:`tables` (columns and types from :mod:`zhizao.contract.tables`, the
same tables a method reads from the warehouse) and then either hands the frames to a method on an
engine (``conformance.run_on``), loads them through the real importer (:func:`import_tables`:
CSV files with the contract's Chinese headers → ``import_file``) or, when a test needs speed,
writes them straight into the warehouse (:func:`load_warehouse`, one batch per table).

A room's test data module keeps only what is its own (its defaults, its tables, its cases) and
builds on this one; see docs/testing.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from zhizao.codes.credit_code import make
from zhizao.contract import TABLES
from zhizao.contract import units as _units
from zhizao.contract.tables import UNIT_FAMILY_BY_KIND
from zhizao.settings import Settings

#: the default county of a test firm (湖州市吴兴区)
REGION = "330502"

#: a parcel: (parcel number, area in 亩, ``owned`` or ``leased``)
Parcel = tuple[str, float, str]
#: kind → the year's total (spread evenly over the firm's ``months``) or month number → quantity
Quantities = dict[str, float | dict[int, float]]

#: the tables :func:`tables` builds from firms, in import order (enterprises first)
CORE = ("enterprises", "statistics_annual", "statistics_monthly", "tax", "energy", "zero_carbon", "land",
        "emissions")


def credit_code(i: int, region: str = REGION) -> str:
    """A valid unified social credit code (GB 32100) for test firm number ``i`` of ``region``."""
    return make("9", "1", region, f"MA{i:07d}")


@dataclass
class Firm:
    """One firm and its figures for one year (``year``; default: the year given to :func:`tables`).

    A firm with several years is several records with the same ``code``; the enterprise row comes
    from the first. Quantities are in the contract's canonical units (万元, kWh, t, m³, GJ, 亩)."""

    code: str
    name: str | None = None
    region: str = REGION
    industry: str = "3311"
    founded: str | dt.date = "2010-05-01"
    year: int | None = None
    #: 规上 flag of the year's statistics; None: no statistics row that year
    above: bool | None = True
    gross_output: float | None = None
    value_added: float | None = None
    revenue: float | None = None
    employees: float | None = None
    rd: float | None = None
    assets: float | None = None
    liabilities: float | None = None
    #: statistics_monthly: the year's value added spread evenly over the twelve months
    monthly: bool = False
    tax: float | None = None
    parcels: list[Parcel] = field(default_factory=list)
    #: energy type → quantity (e.g. ``{"electricity": 1e6}`` or ``{"raw_coal": {6: 300.0}}``)
    energy: Quantities = field(default_factory=dict)
    #: zero-carbon kind (pv_self_use, green_power, …) → kWh (t for sinks)
    zero_carbon: Quantities = field(default_factory=dict)
    #: the months a yearly total is spread over (two by default, so a method must sum the year)
    months: tuple[int, ...] = (3, 9)
    #: pollutant (cod, ammonia_nitrogen, so2, nox) → t
    emissions: dict[str, float] = field(default_factory=dict)


def frame(table: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """``rows`` as a frame of contract table ``table``: every column in contract order, typed as
    the warehouse stores it (dates as dates; missing columns are null)."""
    t = TABLES[table]
    df = pd.DataFrame(list(rows), columns=t.column_names)
    for c in t.columns:
        col = df[c.name]
        if c.type in ("text", "code"):
            df[c.name] = col.astype("string")
        elif c.type in ("int", "float"):
            df[c.name] = pd.to_numeric(col).astype("float64")
        elif c.type == "year":
            df[c.name] = col.astype("int32")
        elif c.type == "bool":
            df[c.name] = col.astype("boolean")
        else:
            dates = col.map(_date).astype(object)
            # a column without any date is typed all the same: engines refuse NULL-typed ones
            df[c.name] = dates if dates.notna().any() else pd.Series(pd.NaT, index=df.index, dtype="datetime64[us]")
    return df


def _date(v: Any) -> dt.date | None:
    if v is None or (not isinstance(v, dt.date) and pd.isna(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return pd.Timestamp(v).date()


def _spread(year: int, items: Quantities, months: Sequence[int]) -> list[tuple[dt.date, str, float]]:
    out = []
    for kind, q in items.items():
        by_month = q if isinstance(q, dict) else {m: q / len(months) for m in months}
        out += [(dt.date(year, m, 1), kind, v) for m, v in by_month.items()]
    return out


def tables(firms: Iterable[Firm], year: int, names: Sequence[str] = CORE) -> dict[str, pd.DataFrame]:
    """The contract tables ``names`` (of :data:`CORE`) of ``firms``, figures of ``year`` unless a
    firm names its own."""
    rows: dict[str, list[dict[str, Any]]] = {n: [] for n in CORE}
    seen: set[str] = set()
    for f in firms:
        y = f.year or year
        cc = f.code
        if cc not in seen:
            seen.add(cc)
            rows["enterprises"].append({"credit_code": cc, "name": f.name or f"测试企业{cc[-5:-1]}",
                                        "region_code": f.region, "industry_code": f.industry,
                                        "founded_on": f.founded})
        if f.above is not None:
            rows["statistics_annual"].append({
                "credit_code": cc, "year": y, "above_scale": f.above, "gross_output": f.gross_output,
                "value_added": f.value_added, "revenue": f.revenue, "employees": f.employees,
                "rd_expense": f.rd, "total_assets": f.assets, "total_liabilities": f.liabilities})
            if f.monthly:
                rows["statistics_monthly"] += [{"credit_code": cc, "month": dt.date(y, m, 1),
                                                "value_added": (f.value_added or 0.0) / 12} for m in range(1, 13)]
        if f.tax is not None:
            rows["tax"].append({"credit_code": cc, "year": y, "tax_paid": f.tax})
        rows["energy"] += [{"credit_code": cc, "month": m, "energy_type": k, "quantity": q, "unit": ""}
                           for m, k, q in _spread(y, f.energy, f.months)]
        rows["zero_carbon"] += [{"credit_code": cc, "month": m, "kind": k, "quantity": q, "unit": ""}
                                for m, k, q in _spread(y, f.zero_carbon, f.months)]
        rows["land"] += [{"credit_code": cc, "year": y, "parcel_id": p, "area_mu": a, "tenure": t}
                         for p, a, t in f.parcels]
        rows["emissions"] += [{"credit_code": cc, "year": y, "pollutant": p, "quantity": q}
                              for p, q in f.emissions.items()]
    return {n: frame(n, rows[n]) for n in names}


# ------------------------------------------------------------------ into a warehouse

_UNIT_WORDS = {"t": "吨", "kWh": "千瓦时", "m³": "立方米", "GJ": "吉焦"}


def to_csv(table: str, df: pd.DataFrame, path: Path) -> Path:
    """``df`` as a department would send it: the contract's Chinese headers, 是/否, 2024-03
    months, Chinese names of coded values, the canonical unit of each quantity in words; columns
    that are optional and empty throughout are left out."""
    t = TABLES[table]
    out = pd.DataFrame(index=df.index)
    for c in t.columns:
        if c.name not in df.columns:
            continue
        col = df[c.name]
        if not c.required and col.isna().all():
            continue
        if c.type == "bool":
            col = col.map(lambda v: "" if pd.isna(v) else ("是" if v else "否"))
        elif c.type == "month":
            col = col.map(lambda v: "" if pd.isna(v) else f"{v:%Y-%m}")
        elif c.type == "date":
            col = col.map(lambda v: "" if pd.isna(v) else f"{v:%Y-%m-%d}")
        elif c.values:
            col = col.map(lambda v, vals=c.values: vals[v][0] if v in vals else v)
        out[c.header] = col
    if t.row_unit:
        unit, _, kind = t.row_unit
        header = t.column(unit).header
        out[header] = df[kind].map(
            lambda k: _UNIT_WORDS.get(_units.FAMILIES[UNIT_FAMILY_BY_KIND[k]].canonical, "")).values
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, encoding="utf-8")
    return path


def import_tables(settings: Settings, data: Mapping[str, pd.DataFrame], folder: Path,
                  source: str | None = None) -> list[int]:
    """Import each non-empty table of ``data`` through the real importer (a CSV file per table in
    ``folder``); every row must load. Returns the batch ids."""
    from zhizao.ingest.importer import import_file

    ids = []
    for name, df in data.items():
        if df.empty:
            continue
        r = import_file(settings, name, to_csv(name, df, folder / f"{name}.csv"), source=source)
        assert r.rows_rejected == 0, (name, r.to_dict()["rejects"][:3])
        ids.append(r.batch_id)
    return ids


def load_warehouse(settings: Settings, data: Mapping[str, pd.DataFrame]) -> None:
    """Write ``data`` straight into the settings' warehouse, one batch per table (as an import
    would, without its checks): for tests that need a large city fast."""
    settings.ensure()
    write_warehouse(settings.warehouse_path, data)


def write_warehouse(warehouse: Path, data: Mapping[str, pd.DataFrame]) -> None:
    """:func:`load_warehouse` into the warehouse file ``warehouse`` (created when missing)."""
    import duckdb

    from zhizao.engine.warehouse import SQL_TYPES, ensure_schema, fact_name

    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        for name, df in data.items():
            batch = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
            t = TABLES[name]
            cols = [c for c in t.columns if c.name in df.columns]
            incoming = df[[c.name for c in cols]].copy()
            incoming["_batch_id"] = batch
            incoming["_row"] = range(2, len(incoming) + 2)
            con.register("_incoming", incoming)
            names = ", ".join(f'"{c.name}"' for c in cols)
            casts = ", ".join(f'CAST("{c.name}" AS {SQL_TYPES[c.type]})' for c in cols)
            con.execute(f"INSERT INTO {fact_name(name)} ({names}, _batch_id, _row) "
                        f"SELECT {casts}, _batch_id, _row FROM _incoming")
            con.unregister("_incoming")
            con.execute("INSERT INTO batches (batch_id, table_name, source, file_name, content_hash, created_at, "
                        "rows_read, rows_loaded, rows_rejected, status, duplicate_of) "
                        "VALUES (?, ?, 'test', ?, ?, now(), ?, ?, 0, 'loaded', NULL)",
                        [batch, name, f"{name}.csv", f"hash{batch}", len(incoming), len(incoming)])
    finally:
        con.close()
