"""Standard-coal (折标准煤) and CO2 coefficients for the energy indicators.

Per canonical unit of the ``energy`` table (kWh, t, m³, GJ). The carbon room's methodology is
the authority for emission factors when it exposes them (``fuel_factors``, see
:func:`from_carbon_methodology`); otherwise this table, transcribed from METHODS.md §1, is used
and every figure says which one it used in its ``basis``.

Sources: standard coal GB/T 2589-2020 《综合能耗计算通则》 附录 (electricity 当量值
1.229 tce/万kWh; natural gas 气田气 12.143 tce/万m³; heat 0.0341 tce/GJ); CO2 factors of fuels
from the provincial greenhouse-gas inventory guidance as quoted in METHODS.md §1; grid factors
MEE/NBS national average (2021: 0.5568, 2022: 0.5366 kgCO2/kWh), the nearest published year
standing in for unpublished ones (DEFAULT); heat 0.11 tCO2/GJ (DEFAULT).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pyarrow as pa

#: energy_type → (tce per canonical unit, tCO2 per canonical unit; None = use the grid factor)
FUELS: dict[str, tuple[float, float | None]] = {
    "electricity": (1.229e-4, None),
    "exported_electricity": (-1.229e-4, None),
    "raw_coal": (0.7143, 1.9003),
    "coke": (0.9714, 2.8604),
    "crude_oil": (1.4286, 3.0202),
    "fuel_oil": (1.4286, 3.1705),
    "gasoline": (1.4714, 2.9251),
    "diesel": (1.4571, 3.0959),
    "lpg": (1.7143, 3.1013),
    "natural_gas": (12.143e-4, 21.622e-4),
    "heat": (0.0341, 0.11),
    "exported_heat": (-0.0341, -0.11),
    # biomass is reported apart and counted in neither total (GB/T 32150 boundary)
    "biomass": (0.0, 0.0),
}

#: national grid emission factor, kgCO2/kWh, by year (MEE/NBS)
GRID_FACTORS: dict[int, float] = {2021: 0.5568, 2022: 0.5366}

SOURCE_NOTE = "折标系数 GB/T 2589-2020（电力当量值）；排放因子见 docs/methods/economy.md"


def grid_factor(year: int) -> tuple[float, int]:
    """The grid factor for ``year`` and the year it was published for (nearest year as fallback)."""
    if year in GRID_FACTORS:
        return GRID_FACTORS[year], year
    nearest = min(GRID_FACTORS, key=lambda y: (abs(y - year), -y))
    return GRID_FACTORS[nearest], nearest


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
        fuels = dict(FUELS)
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
            gf, gy = grid_factor(y)
            grid_t_per_kwh = gf / 1000.0
            notes[y] = f"内置系数表；电网排放因子 {gf} kgCO2/kWh（{gy}年全国平均）"
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
