"""Standard-coal (折标准煤) and CO2 coefficients for the energy indicators.

Per canonical unit of the ``energy`` table (kWh, t, m³, GJ). The carbon room's methodology is
the authority for a year it covers (``from_carbon_methodology``); a year before it (2020) reads
the economy's own methodology file ``zhizao/economy/methodologies/zhejiang-energy-2020.yaml``,
every value with its source (GB/T 2589-2020 for standard coal, the NDRC accounting guide for
fuel CO2, MEE/NBS for the grid factor). Every figure says which one it used in its ``basis``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from zhizao import yamltext
from zhizao.contract import units
from zhizao.contract.tables import UNIT_FAMILY_BY_KIND
from zhizao.methodology.models import Methodology, Sourced


class UnitValue(Sourced):
    unit: str


class EnergyCoefficient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tce: UnitValue
    #: None: electricity, whose CO2 is the grid factor
    co2: UnitValue | None = None


class GridFactor(UnitValue):
    #: the year the factor was published for (may differ from the file's year: a stand-in)
    year: int


class EnergyCoefficients(Methodology):
    """The economy's energy coefficients for years without a carbon methodology."""

    method: Literal["economy-energy"] = "economy-energy"
    energy: dict[str, EnergyCoefficient]
    grid_factor: GridFactor

    def per_canonical(self) -> dict[str, tuple[float, float | None]]:
        """energy_type → (tce, tCO2) per canonical unit; exports negative, biomass counted in neither."""
        out: dict[str, tuple[float, float | None]] = {}
        for kind, c in self.energy.items():
            fam = UNIT_FAMILY_BY_KIND[kind]
            tce = _per(c.tce.value, c.tce.unit, fam, None)
            co2 = None if c.co2 is None else _per(c.co2.value, c.co2.unit, fam, "mass")
            out[kind] = (tce, co2)
        for exp, src in (("exported_electricity", "electricity"), ("exported_heat", "heat")):
            tce, co2 = out[src]
            out[exp] = (-tce, None if co2 is None else -co2)
        # biomass is reported apart and counted in neither total (GB/T 32150 boundary)
        out["biomass"] = (0.0, 0.0)
        return out

    def grid_t_per_kwh(self) -> float:
        return _per(self.grid_factor.value, self.grid_factor.unit, "electricity", "mass")


def _per(value: float, unit: str, family: str, numerator: str | None) -> float:
    num, _, den = unit.partition("/")
    n = units.factor(numerator, num) if numerator else 1.0
    d = units.factor(family, den)
    if n is None or d is None:
        raise ValueError(f"无法换算的单位: {unit}")
    return value * n / d


@cache
def shipped_files() -> tuple[EnergyCoefficients, ...]:
    root = resources.files("zhizao.economy.methodologies")
    return tuple(EnergyCoefficients.model_validate(yamltext.load(f.read_text(encoding="utf-8")))
                 for f in sorted(root.iterdir(), key=lambda x: x.name) if f.name.endswith(".yaml"))


def file_for(year: int) -> EnergyCoefficients:
    """The shipped coefficient file for ``year``: the one in force, else the nearest year's."""
    files = shipped_files()
    inforce = [m for m in files if m.applies_to(year)]
    return inforce[0] if inforce else min(files, key=lambda m: (abs(m.valid_from - year), -m.valid_from))


@cache
def _carbon_methodologies() -> tuple[Any, ...]:
    # parsing every shipped file is slow (pure-Python YAML): do it once per process
    from zhizao.methodology import shipped

    return tuple(e.methodology for e in shipped() if e.methodology.method == "carbon")


def _carbon_for(year: int) -> Any:
    """The carbon methodology ``find(None, "carbon", year)`` would pick, from the cached list."""
    from zhizao import capabilities

    cands = list(_carbon_methodologies())
    default = capabilities.get("carbon").extra.get("default_methodology")
    if default:
        cands = [m for m in cands if m.name == default] or cands
    if not cands:
        return None
    valid = [m for m in cands if m.applies_to(year)] or [m for m in cands if m.valid_from <= year] or cands
    return max(valid, key=lambda m: (m.valid_from, m.version))


def from_carbon_methodology(year: int) -> tuple[dict[str, tuple[float, float | None]], float, str] | None:
    """(fuel coefficients per canonical unit, grid factor tCO2/kWh, note) from the carbon room's
    methodology for ``year``; None when there is none (the built-in table is used instead)."""
    try:
        m: Any = _carbon_for(year)
        if m is None:
            return None
        fuels: dict[str, tuple[float, float | None]] = {}
        for kind in m.energy:
            co2 = m.co2_per_canonical(kind) if m.energy[kind].co2 is not None else None
            fuels[str(kind)] = (m.coal_per_canonical(kind), co2)
        per_kwh, row, _notes = m.grid_factor(year)
    except Exception:  # no carbon room, no methodology or another shape: built-in table
        return None
    return fuels, float(per_kwh), f"碳效码方法论 {m.ref}；电网排放因子 {row.value} {row.unit}（{row.year}年）"


def coefficient_table(years: range) -> tuple[pa.Table, dict[int, str]]:
    """One row per (year, energy_type): ``c_year, c_type, tce_per_unit, co2_per_unit``, and per
    year a note saying which coefficients were used."""
    rows: dict[str, list[Any]] = {"c_year": [], "c_type": [], "tce_per_unit": [], "co2_per_unit": []}
    notes: dict[int, str] = {}
    for y in years:
        fuels = file_for(y).per_canonical()
        carbon = from_carbon_methodology(y)
        if carbon:
            got, grid_t_per_kwh, notes[y] = carbon
            for kind, (tce, co2) in got.items():
                if kind in fuels:
                    fuels[kind] = (tce, co2)
            # exports are netted with the same coefficients as what they export
            for exp, src in (("exported_electricity", "electricity"), ("exported_heat", "heat")):
                tce, co2 = fuels[src]
                fuels[exp] = (-tce, None if co2 is None else -co2)
        else:
            f = file_for(y)
            fuels = f.per_canonical()
            grid_t_per_kwh = f.grid_t_per_kwh()
            g = f.grid_factor
            stand_in = f"，{y} 年未发布，取 {g.year} 年值" if g.year != y else ""
            notes[y] = (f"{f.title}（{f.ref}）；电网排放因子 {g.value} {g.unit}（{g.year} 年全国平均"
                        f"{stand_in}{'，默认值' if g.default else ''}）")
        for kind, (tce, co2) in fuels.items():
            rows["c_year"].append(y)
            rows["c_type"].append(kind)
            rows["tce_per_unit"].append(tce)
            if co2 is None:
                co2 = grid_t_per_kwh * (-1.0 if kind.startswith("exported") else 1.0)
            rows["co2_per_unit"].append(co2)
    return pa.table({
        "c_year": pa.array(rows["c_year"], pa.int32()),
        "c_type": pa.array(rows["c_type"], pa.string()),
        "tce_per_unit": pa.array(rows["tce_per_unit"], pa.float64()),
        "co2_per_unit": pa.array(rows["co2_per_unit"], pa.float64()),
    }), notes
