"""Tiny synthetic inputs for the green-factory tests: one ``Firm`` per firm, turned into the
contract tables the method reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Firm:
    code: str
    industry: str = "3411"
    region: str = "330502"
    gross_output: float | None = 10_000.0
    #: energy type → quantity for the year in canonical units (kWh, t, m³, GJ)
    energy: dict[str, float] = field(default_factory=dict)
    #: zero-carbon kind → kWh for the year
    zero_carbon: dict[str, float] = field(default_factory=dict)
    land_mu: float | None = None
    #: indicator id → value, or (value, evidence)
    indicators: dict[str, float | tuple[float, str | None]] = field(default_factory=dict)
    #: requirement id → met
    requirements: dict[str, bool] = field(default_factory=dict)
    #: the carbon run's emissions (t) for the year, when there is one
    carbon_t: float | None = None


def code(i: int) -> str:
    return f"91330502MA{i:07d}X"


SCHEMA: dict[str, dict[str, str]] = {
    "enterprises": {"credit_code": "string", "name": "string", "region_code": "string", "industry_code": "string",
                    "founded_on": "datetime64[ns]", "township": "string", "park": "string"},
    "statistics_annual": {"credit_code": "string", "year": "int32", "above_scale": "boolean",
                          "gross_output": "float64", "value_added": "float64", "revenue": "float64",
                          "employees": "float64", "rd_expense": "float64"},
    "energy": {"credit_code": "string", "month": "datetime64[ns]", "energy_type": "string", "quantity": "float64",
               "unit": "string"},
    "zero_carbon": {"credit_code": "string", "month": "datetime64[ns]", "kind": "string", "quantity": "float64",
                    "unit": "string"},
    "land": {"credit_code": "string", "year": "int32", "parcel_id": "string", "area_mu": "float64",
             "tenure": "string"},
    "green_indicators": {"credit_code": "string", "year": "int32", "indicator": "string", "value": "float64",
                         "evidence": "string"},
    "green_requirements": {"credit_code": "string", "year": "int32", "requirement": "string", "met": "boolean"},
    "carbon_run": {"credit_code": "string", "emissions_t": "float64"},
}


def tables(firms: list[Firm], year: int = 2025, carbon_run: bool = True) -> dict[str, pd.DataFrame]:
    rows: dict[str, list[dict]] = {k: [] for k in SCHEMA}
    for f in firms:
        rows["enterprises"].append({"credit_code": f.code, "name": f"绿色企业{f.code[-5:-1]}", "region_code": f.region,
                                    "industry_code": f.industry, "founded_on": dt.datetime(2010, 5, 1)})
        if f.gross_output is not None:
            rows["statistics_annual"].append({"credit_code": f.code, "year": year, "above_scale": True,
                                              "gross_output": f.gross_output, "value_added": f.gross_output / 4,
                                              "revenue": f.gross_output, "employees": 100.0, "rd_expense": 10.0})
        for t, q in f.energy.items():
            for mth in (2, 11):  # two months: the yearly sum is exercised
                rows["energy"].append({"credit_code": f.code, "month": dt.datetime(year, mth, 1), "energy_type": t,
                                       "quantity": q / 2, "unit": ""})
        for k, q in f.zero_carbon.items():
            rows["zero_carbon"].append({"credit_code": f.code, "month": dt.datetime(year, 6, 1), "kind": k,
                                        "quantity": q, "unit": "kWh"})
        if f.land_mu is not None:
            # the same parcel listed twice (two tenure rows in a year) counts once
            for _ in range(2):
                rows["land"].append({"credit_code": f.code, "year": year, "parcel_id": f"P{f.code[-5:]}",
                                     "area_mu": f.land_mu, "tenure": "owned"})
        for i, v in f.indicators.items():
            value, evidence = v if isinstance(v, tuple) else (v, None)
            rows["green_indicators"].append({"credit_code": f.code, "year": year, "indicator": i, "value": value,
                                             "evidence": evidence})
        for r, met in f.requirements.items():
            rows["green_requirements"].append({"credit_code": f.code, "year": year, "requirement": r, "met": met})
        if f.carbon_t is not None:
            rows["carbon_run"].append({"credit_code": f.code, "emissions_t": f.carbon_t})
    out = {}
    for name, cols in SCHEMA.items():
        if name == "carbon_run" and not carbon_run:
            continue
        df = pd.DataFrame(rows[name], columns=list(cols))
        out[name] = df.astype(cols)
    return out
