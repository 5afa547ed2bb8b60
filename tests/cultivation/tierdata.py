"""The cultivation tests' firms: each a :class:`city.Firm` for the year and the two before
(statistics, the year's tax), plus what is the room's own: firm facts, titles and rule sets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import city
import pandas as pd
from city import credit_code, frame

from zhizao.methodology import find


def rules(name: str, version: str | None = None):  # type: ignore[no-untyped-def]
    return find(f"{name}@{version}" if version else name, "tiers")


def titles_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return frame("titles", rows)


def title(cc: str, name: str, level: str = "provincial", granted: str = "2021-01-01",
          expires: str | None = "2027-12-31", revoked: str | None = None) -> dict[str, Any]:
    return {"credit_code": cc, "title": name, "level": level, "granted_on": granted, "expires_on": expires,
            "revoked_on": revoked}


@dataclass
class City:
    """Firms with statistics for ``year`` and the two years before, tax, facts and titles."""

    year: int = 2024
    #: the firms' codes, in the order they were added
    codes: list[str] = field(default_factory=list)
    firms: list[city.Firm] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    titles: list[dict] = field(default_factory=list)

    def firm(self, i: int, *, revenue: tuple[float | None, ...] = (20000.0, 18000.0, 16000.0),
             rd: tuple[float | None, ...] = (1000.0, 900.0, 800.0), assets: float | None = 10000.0,
             liabilities: float | None = 4000.0, tax: float | None = None, founded: int = 2005,
             facts: dict[str, float] | None = None, titles: list[tuple[str, str]] | None = None,
             region: str = "330502", name: str | None = None) -> str:
        """Add a firm; ``revenue`` and ``rd`` are (year, year − 1, year − 2), None = no statistics that year."""
        cc = credit_code(i, region)
        self.codes.append(cc)
        for k, (r, d) in enumerate(zip(revenue, rd, strict=True)):
            self.firms.append(city.Firm(
                cc, name=name or f"培育测试企业{i:03d}", region=region, industry="3411", founded=dt.date(founded, 6, 1),
                year=self.year - k, above=None if r is None else True, gross_output=r,
                value_added=None if r is None else r * 0.25, revenue=r, employees=100, rd=d, assets=assets,
                liabilities=liabilities, tax=tax if k == 0 else None))
        for f, v in (facts or {}).items():
            year = self.year
            if f.startswith("net_profit_y"):
                year, f = self.year - int(f[-1]), "net_profit"
            self.facts.append({"credit_code": cc, "year": year, "fact": f, "value": float(v)})
        for t, level in titles or []:
            self.titles.append(title(cc, t, level))
        return cc

    def tables(self) -> dict[str, pd.DataFrame]:
        return {**city.tables(self.firms, self.year, ("enterprises", "statistics_annual", "tax")),
                "firm_facts": frame("firm_facts", self.facts), "titles": titles_frame(self.titles)}
