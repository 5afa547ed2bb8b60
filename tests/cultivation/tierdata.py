"""Small hand-built cities for the cultivation tests: contract tables as DataFrames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from zhizao.codes.credit_code import make
from zhizao.methodology import find

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def code(i: int, region: str = "330502") -> str:
    digits, n = [], i
    for _ in range(8):
        digits.append(_ALPHABET[n % 31])
        n //= 31
    return make("9", "1", region, "".join(reversed(digits)) + "T")


def rules(name: str, version: str | None = None):  # type: ignore[no-untyped-def]
    return find(f"{name}@{version}" if version else name, "tiers")


def titles_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    cols = ["credit_code", "title", "level", "granted_on", "expires_on", "revoked_on"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("credit_code", "title", "level"):
        df[c] = df[c].astype("string")
    for c in ("granted_on", "expires_on", "revoked_on"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[us]")
    return df


def title(cc: str, name: str, level: str = "provincial", granted: str = "2021-01-01",
          expires: str | None = "2027-12-31", revoked: str | None = None) -> dict[str, Any]:
    return {"credit_code": cc, "title": name, "level": level, "granted_on": granted, "expires_on": expires,
            "revoked_on": revoked}


@dataclass
class City:
    """Firms with statistics for ``year`` and the two years before, tax, facts and titles."""

    year: int = 2024
    firms: list[dict] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    tax: list[dict] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    titles: list[dict] = field(default_factory=list)

    def firm(self, i: int, *, revenue: tuple[float | None, ...] = (20000.0, 18000.0, 16000.0),
             rd: tuple[float | None, ...] = (1000.0, 900.0, 800.0), assets: float | None = 10000.0,
             liabilities: float | None = 4000.0, tax: float | None = None, founded: int = 2005,
             facts: dict[str, float] | None = None, titles: list[tuple[str, str]] | None = None,
             region: str = "330502", name: str | None = None) -> str:
        """Add a firm; ``revenue`` and ``rd`` are (year, year − 1, year − 2), None = no statistics that year."""
        cc = code(i, region)
        self.firms.append({"credit_code": cc, "name": name or f"培育测试企业{i:03d}", "region_code": region,
                           "industry_code": "3411", "founded_on": dt.date(founded, 6, 1)})
        for k, (r, d) in enumerate(zip(revenue, rd, strict=True)):
            if r is None:
                continue
            self.stats.append({"credit_code": cc, "year": self.year - k, "above_scale": True, "gross_output": r,
                               "value_added": r * 0.25, "revenue": r, "employees": 100, "rd_expense": d,
                               "total_assets": assets, "total_liabilities":
                               liabilities})
        if tax is not None:
            self.tax.append({"credit_code": cc, "year": self.year, "tax_paid": tax})
        for f, v in (facts or {}).items():
            year = self.year
            if f.startswith("net_profit_y"):
                year, f = self.year - int(f[-1]), "net_profit"
            self.facts.append({"credit_code": cc, "year": year, "fact": f, "value": float(v)})
        for t, level in titles or []:
            self.titles.append(title(cc, t, level))
        return cc

    def tables(self) -> dict[str, pd.DataFrame]:
        stats_cols = ["credit_code", "year", "above_scale", "gross_output", "value_added", "revenue", "employees",
                      "rd_expense", "total_assets", "total_liabilities"]
        stats = pd.DataFrame(self.stats, columns=stats_cols)
        for c in stats_cols[3:]:
            stats[c] = stats[c].astype("float64")
        stats["year"] = stats["year"].astype("int64")
        facts = pd.DataFrame(self.facts, columns=["credit_code", "year", "fact", "value"]).astype(
            {"year": "int64", "value": "float64"})
        tax = pd.DataFrame(self.tax, columns=["credit_code", "year", "tax_paid"]).astype(
            {"year": "int64", "tax_paid": "float64"})
        firms = pd.DataFrame(self.firms)
        firms["founded_on"] = pd.to_datetime(firms["founded_on"]).astype("datetime64[us]")
        out = {"enterprises": firms, "statistics_annual": stats, "tax": tax, "firm_facts": facts,
               "titles": titles_frame(self.titles)}
        for df in out.values():
            for c in ("credit_code", "fact", "title", "level", "name", "region_code", "industry_code"):
                if c in df.columns:
                    df[c] = df[c].astype("string")
        return out


def load_warehouse(settings, city: City) -> None:  # type: ignore[no-untyped-def]
    """Write the city into the settings' warehouse, one batch per table (as an import would)."""
    import duckdb

    from zhizao.contract import TABLES
    from zhizao.engine.warehouse import ensure_schema, fact_name

    settings.ensure()
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        ensure_schema(con)
        for batch, (name, df) in enumerate(city.tables().items(), start=1):
            cols = [c for c in TABLES[name].column_names if c in df.columns]
            data = df[cols].copy()
            data["_batch_id"] = batch
            data["_row"] = range(2, len(data) + 2)
            con.register("_incoming", data)
            collist = ", ".join(f'"{c}"' for c in [*cols, "_batch_id", "_row"])
            con.execute(f"INSERT INTO {fact_name(name)} ({collist}) SELECT {collist} FROM _incoming")
            con.unregister("_incoming")
            con.execute("INSERT INTO batches VALUES (?, ?, 'test', ?, ?, now(), ?, ?, 0, 'loaded', NULL)",
                        [batch, name, f"{name}.csv", f"hash{batch}", len(data), len(data)])
    finally:
        con.close()
