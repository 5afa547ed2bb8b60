"""Tiny synthetic inputs for the 亩均 tests: one dict per firm, turned into the contract tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Firm:
    code: str
    region: str = "331003"
    industry: str = "3311"
    founded: str = "2010-05-01"
    above: bool | None = True
    value_added: float | None = 1000.0
    revenue: float | None = 5000.0
    employees: int | None = 50
    rd: float | None = 150.0
    tax: float | None = 240.0
    parcels: list[tuple[str, float, str]] = field(default_factory=lambda: [])
    #: energy type → quantity in canonical units (kWh, t, m³, GJ) for the year
    energy: dict[str, float] = field(default_factory=dict)
    #: pollutant → t
    emissions: dict[str, float] = field(default_factory=dict)
    name: str | None = None
    #: entries of the year's negative list (负面清单)
    negative: list[str] = field(default_factory=list)


def tables(firms: list[Firm], year: int = 2022) -> dict[str, pd.DataFrame]:
    ent, st, tax, en, land, em, neg = [], [], [], [], [], [], []
    for f in firms:
        ent.append({"credit_code": f.code, "name": f.name or f"企业{f.code[-4:]}", "region_code": f.region,
                    "industry_code": f.industry, "founded_on": dt.date.fromisoformat(f.founded),
                    "township": None, "park": None})
        if f.above is not None:
            st.append({"credit_code": f.code, "year": year, "above_scale": f.above, "gross_output": f.revenue,
                       "value_added": f.value_added, "revenue": f.revenue, "employees": f.employees,
                       "rd_expense": f.rd, "total_assets": None, "total_liabilities": None,
                       "strategic_emerging": None, "high_tech": None, "equipment": None,
                       "digital_core": None})
        if f.tax is not None:
            tax.append({"credit_code": f.code, "year": year, "tax_paid": f.tax})
        for t, q in f.energy.items():
            # split over two months so that the yearly sum is exercised
            for mth in (3, 9):
                en.append({"credit_code": f.code, "month": dt.date(year, mth, 1), "energy_type": t,
                           "quantity": q / 2, "unit": ""})
        for pid, area, tenure in f.parcels:
            land.append({"credit_code": f.code, "year": year, "parcel_id": pid, "area_mu": area, "tenure": tenure})
        for p, q in f.emissions.items():
            em.append({"credit_code": f.code, "year": year, "pollutant": p, "quantity": q})
        for item in f.negative:
            neg.append({"credit_code": f.code, "year": year, "item": item, "department": None, "note": None})
    schema = {
        "enterprises": ["credit_code", "name", "region_code", "industry_code", "founded_on", "township", "park"],
        "statistics_annual": ["credit_code", "year", "above_scale", "gross_output", "value_added", "revenue",
                              "employees", "rd_expense", "total_assets", "total_liabilities",
                              "strategic_emerging", "high_tech", "equipment", "digital_core"],
        "tax": ["credit_code", "year", "tax_paid"],
        "energy": ["credit_code", "month", "energy_type", "quantity", "unit"],
        "land": ["credit_code", "year", "parcel_id", "area_mu", "tenure"],
        "emissions": ["credit_code", "year", "pollutant", "quantity"],
        "mujun_negative_list": ["credit_code", "year", "item", "department", "note"],
    }
    out: dict[str, pd.DataFrame] = {}
    for name, rows in zip(schema, (ent, st, tax, en, land, em, neg), strict=True):
        df = pd.DataFrame(rows, columns=schema[name])
        out[name] = _typed(name, df)
    return out


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    floats = {"gross_output", "value_added", "revenue", "rd_expense", "total_assets", "total_liabilities",
              "tax_paid", "quantity", "area_mu"}
    bools = {"above_scale", "strategic_emerging", "high_tech", "equipment", "digital_core"}
    for c in df.columns:
        if c in floats:
            df[c] = df[c].astype("float64")
        elif c == "employees":
            df[c] = df[c].astype("Int64").astype("float64")
        elif c == "year":
            df[c] = df[c].astype("int32")
        elif c in bools:
            df[c] = df[c].astype("boolean")
        elif c in ("founded_on", "month"):
            df[c] = pd.to_datetime(df[c])
        else:
            df[c] = df[c].astype("string")
    return df


def code(i: int) -> str:
    """A distinct 18-character code (the method does not check the GB 32100 character)."""
    return f"91331003MA{i:07d}X"
