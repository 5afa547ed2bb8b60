"""Small hand-built cities for the carbon tests: contract tables as DataFrames, canonical units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from zhizao.codes.credit_code import make
from zhizao.methodology import find

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def code(i: int, region: str = "330502") -> str:
    """A valid credit code for firm number ``i``."""
    digits, n = [], i
    for _ in range(8):
        digits.append(_ALPHABET[n % 31])
        n //= 31
    return make("9", "1", region, "".join(reversed(digits)) + "X")


def methodology(year: int = 2022, **changes):  # type: ignore[no-untyped-def]
    """The shipped methodology for ``year``, with optional top-level field overrides."""
    m = find(None, "carbon", year)
    if not changes:
        return m
    data = m.model_dump()
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    return type(m).model_validate(data)


@dataclass
class City:
    year: int = 2022
    firms: list[dict] = field(default_factory=list)
    stats: list[dict] = field(default_factory=list)
    energy: list[dict] = field(default_factory=list)
    zero: list[dict] = field(default_factory=list)
    monthly: list[dict] = field(default_factory=list)

    def firm(self, i: int, industry: str = "2821", region: str = "330502", value_added: float | None = 1000.0,
             energy: dict[str, float] | None = None, zero: dict[str, float] | None = None,
             months: int = 12, stats: bool = True, name: str | None = None, above_scale: bool = True,
             founded_on: dt.date = dt.date(2010, 1, 1), gross_output: float | None = None) -> str:
        """Add a firm; each energy/zero-carbon annual total is spread evenly over ``months`` months
        (gross output defaults to three times the value added)."""
        cc = code(i, region)
        self.firms.append({"credit_code": cc, "name": name or f"测试企业{i:04d}", "region_code": region,
                           "industry_code": industry, "founded_on": founded_on})
        if stats:
            self.stats.append({"credit_code": cc, "year": self.year, "above_scale": above_scale,
                               "value_added": value_added,
                               "gross_output": 3 * (value_added or 0.0) if gross_output is None else gross_output})
            for mth in range(1, 13):
                self.monthly.append({"credit_code": cc, "month": dt.date(self.year, mth, 1),
                                     "value_added": (value_added or 0.0) / 12})
        for table, items, kind_col in ((self.energy, energy, "energy_type"), (self.zero, zero, "kind")):
            for kind, qty in (items or {}).items():
                for mth in range(1, months + 1):
                    table.append({"credit_code": cc, "month": dt.date(self.year, mth, 1), kind_col: kind,
                                  "quantity": qty / months, "unit": ""})
        return cc

    def scale_month(self, credit_code: str, month: int, factor: float, energy_type: str = "electricity") -> None:
        """Multiply one month's quantity of one energy type (a unit mix-up: 10,000 for a 千瓦时
        figure labelled 万千瓦时)."""
        for r in self.energy:
            if r["credit_code"] == credit_code and r["energy_type"] == energy_type and r["month"].month == month:
                r["quantity"] *= factor

    def tables(self) -> dict[str, pd.DataFrame]:
        def df(rows: list[dict], cols: list[str]) -> pd.DataFrame:
            return pd.DataFrame(rows, columns=cols)

        stats = df(self.stats, ["credit_code", "year", "above_scale", "value_added", "gross_output"])
        stats["value_added"] = stats["value_added"].astype("float64")
        stats["year"] = stats["year"].astype("int32")
        energy = df(self.energy, ["credit_code", "month", "energy_type", "quantity", "unit"])
        zero = df(self.zero, ["credit_code", "month", "kind", "quantity", "unit"])
        for d in (energy, zero):
            d["quantity"] = d["quantity"].astype("float64")
            if not len(d):  # typed empty columns: engines refuse NULL-typed ones
                for c in ("credit_code", "energy_type", "kind", "unit"):
                    if c in d:
                        d[c] = d[c].astype(str)
                d["month"] = pd.Series([], dtype="datetime64[us]")
        monthly = df(self.monthly, ["credit_code", "month", "value_added"])
        monthly["value_added"] = monthly["value_added"].astype("float64")
        return {
            "enterprises": df(self.firms, ["credit_code", "name", "region_code", "industry_code", "founded_on"]),
            "statistics_annual": stats,
            "energy": energy,
            "zero_carbon": zero,
            "statistics_monthly": monthly,
        }


def random_city(n: int, seed: int = 7, year: int = 2022) -> City:
    """A realistic small city: several divisions, mixed fuels, PV, green power, a few ungraded firms."""
    rng = np.random.default_rng(seed)
    city = City(year=year)
    industries = ["2821", "2822", "1713", "3311", "3612", "2614", "3041", "2231"]
    regions = ["330502", "330503", "330521", "330522", "330523"]
    for i in range(n):
        va = float(rng.lognormal(7, 1))
        energy = {"electricity": float(rng.lognormal(14, 1))}
        if rng.random() < 0.5:
            energy["natural_gas"] = float(rng.lognormal(11, 1))
        if rng.random() < 0.2:
            energy["raw_coal"] = float(rng.lognormal(6, 1))
        if rng.random() < 0.2:
            energy["heat"] = float(rng.lognormal(8, 1))
        if rng.random() < 0.1:
            energy["diesel"] = float(rng.lognormal(3, 1))
        zero = {}
        if rng.random() < 0.3:
            zero["pv_self_use"] = float(rng.lognormal(12, 1))
        if rng.random() < 0.1:
            zero["green_power"] = float(rng.lognormal(12, 1))
        kind = rng.random()
        city.firm(i, industry=str(rng.choice(industries)), region=str(rng.choice(regions)),
                  value_added=-5.0 if kind < 0.02 else va, energy=None if 0.02 <= kind < 0.04 else energy,
                  zero=zero, stats=not (0.04 <= kind < 0.06), months=int(rng.integers(1, 13)))
    return city


def load_warehouse(settings, city: City) -> None:  # type: ignore[no-untyped-def]
    """Write the city into the settings' warehouse as one batch per table (as an import would)."""
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
