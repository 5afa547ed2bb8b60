"""The green-factory tests' firms: the shared builder's :class:`city.Firm` with an output-led
default year, plus what is the room's own: indicators, basic requirements and the carbon run's
emissions (the input a published carbon run gives the method)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import city
import pandas as pd
from city import credit_code, frame

#: the tables the method reads from firms
TABLES = ("enterprises", "statistics_annual", "energy", "zero_carbon", "land")


def code(i: int) -> str:
    return credit_code(i)


@dataclass
class Firm(city.Firm):
    """``gross_output`` None: no statistics that year; otherwise value added a quarter of it,
    revenue equal to it. ``land_mu``: one parcel, listed twice (it must count once)."""

    industry: str = "3411"
    gross_output: float | None = 10_000.0
    land_mu: float | None = None
    #: indicator id → value, or (value, evidence)
    indicators: dict[str, float | tuple[float, str | None]] = field(default_factory=dict)
    #: requirement id → met
    requirements: dict[str, bool] = field(default_factory=dict)
    #: the carbon run's emissions (t) for the year, when there is one
    carbon_t: float | None = None

    def __post_init__(self) -> None:
        if self.gross_output is None:
            self.above = None
        else:
            self.value_added, self.revenue = self.gross_output / 4, self.gross_output
            self.employees, self.rd = 100.0, 10.0
        if self.land_mu is not None:
            self.parcels = [(f"P{self.code[-5:]}", self.land_mu, "owned")] * 2


def tables(firms: Iterable[Firm], year: int = 2025, carbon_run: bool = True) -> dict[str, pd.DataFrame]:
    firms = list(firms)
    out = city.tables(firms, year, TABLES)
    out["green_indicators"] = frame("green_indicators", (
        {"credit_code": f.code, "year": year, "indicator": i, "value": v[0] if isinstance(v, tuple) else v,
         "evidence": v[1] if isinstance(v, tuple) else None} for f in firms for i, v in f.indicators.items()))
    out["green_requirements"] = frame("green_requirements", (
        {"credit_code": f.code, "year": year, "requirement": r, "met": met}
        for f in firms for r, met in f.requirements.items()))
    if carbon_run:
        out["carbon_run"] = pd.DataFrame(
            {"credit_code": [f.code for f in firms if f.carbon_t is not None],
             "emissions_t": [f.carbon_t for f in firms if f.carbon_t is not None]},
        ).astype({"credit_code": "string", "emissions_t": "float64"})
    return out
