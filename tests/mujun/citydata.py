"""The 亩均 tests' firms: the shared builder's :class:`city.Firm` with the published 黄岩 case's
defaults, the year's negative list (负面清单, a 亩均 table) and loading through the importer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import city
import pandas as pd
from city import credit_code, frame, import_tables

from zhizao.settings import Settings

#: 黄岩区, the county of the published case
REGION = "331003"
#: the tables the 亩均 method reads from firms, in import order
TABLES = ("enterprises", "statistics_annual", "tax", "energy", "land", "emissions")


def code(i: int) -> str:
    return credit_code(i, REGION)


@dataclass
class Firm(city.Firm):
    """A firm of the year with every 亩均 figure (gross output as its revenue unless given)."""

    region: str = REGION
    value_added: float | None = 1000.0
    revenue: float | None = 5000.0
    employees: float | None = 50
    rd: float | None = 150.0
    tax: float | None = 240.0
    #: entries of the year's negative list (负面清单)
    negative: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.gross_output is None:
            self.gross_output = self.revenue


def tables(firms: Iterable[Firm], year: int = 2022) -> dict[str, pd.DataFrame]:
    firms = list(firms)
    out = city.tables(firms, year, TABLES)
    out["mujun_negative_list"] = frame("mujun_negative_list", (
        {"credit_code": f.code, "year": f.year or year, "item": item} for f in firms for item in f.negative))
    return out


def load(settings: Settings, firms: list[Firm], year: int, tmp: Path, only: tuple[str, ...] = TABLES) -> list[int]:
    """Import the firms' tables ``only`` through the importer; returns the batch ids."""
    data = {name: df for name, df in city.tables(firms, year, TABLES).items() if name in only}
    return import_tables(settings, data, tmp / f"files-{year}")
