"""Small hand-built cities for the carbon tests: contract tables as DataFrames, canonical units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from city import Firm, credit_code, tables

from zhizao.methodology import find

#: the tables the carbon method reads, in the order they are loaded (batch ids 1–5)
TABLES = ("enterprises", "statistics_annual", "energy", "zero_carbon", "statistics_monthly")


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
    firms: list[Firm] = field(default_factory=list)

    def firm(self, i: int, industry: str = "2821", region: str = "330502", value_added: float | None = 1000.0,
             energy: dict[str, float] | None = None, zero: dict[str, float] | None = None,
             months: int = 12, stats: bool = True, name: str | None = None, above_scale: bool = True,
             founded_on: dt.date = dt.date(2010, 1, 1), gross_output: float | None = None) -> str:
        """Add a firm; each energy/zero-carbon annual total is spread evenly over ``months`` months
        (gross output defaults to three times the value added; the value added also monthly)."""
        f = Firm(credit_code(i, region), name=name or f"测试企业{i:04d}", region=region, industry=industry,
                 founded=founded_on, above=above_scale if stats else None, value_added=value_added,
                 gross_output=3 * (value_added or 0.0) if gross_output is None else gross_output, monthly=True,
                 energy=dict(energy or {}), zero_carbon=dict(zero or {}), months=tuple(range(1, months + 1)))
        self.firms.append(f)
        return f.code

    def scale_month(self, credit_code: str, month: int, factor: float, energy_type: str = "electricity") -> None:
        """Multiply one month's quantity of one energy type (a unit mix-up: 10,000 for a 千瓦时
        figure labelled 万千瓦时)."""
        for f in self.firms:
            q = f.energy.get(energy_type) if f.code == credit_code else None
            if q is None:
                continue
            by_month = dict(q) if isinstance(q, dict) else {m: q / len(f.months) for m in f.months}
            if month in by_month:
                by_month[month] *= factor
            f.energy[energy_type] = by_month

    def tables(self) -> dict[str, pd.DataFrame]:
        return tables(self.firms, self.year, TABLES)


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
