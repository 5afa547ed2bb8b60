"""Units of the exchange contract and their conversion to canonical units.

These are physical and monetary facts (1 万元 = 10,000 元), not methodology: the
methodology's own unit table (e.g. a fuel factor stated per 万m³) is converted from the
canonical unit with :func:`factor`.

A header may state a unit in brackets, ``工业增加值(元)`` or ``用地面积（平方米）``; a unit
column (``energy.unit``, ``zero_carbon.unit``) states it per row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitFamily:
    name: str
    canonical: str
    #: spelling → multiplier that converts a value in that unit to the canonical unit
    units: dict[str, float]


MONEY = UnitFamily(
    "money",
    "万元",
    {"万元": 1.0, "元": 1e-4, "千元": 0.1, "百万元": 100.0, "亿元": 1e4, "10000元": 1.0, "wan_yuan": 1.0, "yuan": 1e-4},
)
AREA = UnitFamily(
    "area",
    "亩",
    {"亩": 1.0, "平方米": 1 / 666.6667, "m2": 1 / 666.6667, "㎡": 1 / 666.6667, "公顷": 15.0, "ha": 15.0, "mu": 1.0},
)
MASS = UnitFamily(
    "mass",
    "t",
    {"t": 1.0, "吨": 1.0, "千克": 1e-3, "kg": 1e-3, "公斤": 1e-3, "万吨": 1e4},
)
ELECTRICITY = UnitFamily(
    "electricity",
    "kWh",
    {"千瓦时": 1.0, "kwh": 1.0, "kWh": 1.0, "度": 1.0, "万千瓦时": 1e4, "万kwh": 1e4, "万kWh": 1e4,
     "兆瓦时": 1e3, "mwh": 1e3, "MWh": 1e3},
)
VOLUME = UnitFamily(
    "volume",
    "m³",
    {"立方米": 1.0, "m3": 1.0, "m³": 1.0, "方": 1.0, "万立方米": 1e4, "万m3": 1e4, "万m³": 1e4},
)
HEAT = UnitFamily(
    "heat",
    "GJ",
    {"吉焦": 1.0, "gj": 1.0, "GJ": 1.0, "百万千焦": 1.0, "兆焦": 1e-3, "MJ": 1e-3, "万兆焦": 10.0},
)
COUNT = UnitFamily("count", "人", {"人": 1.0})
RATIO = UnitFamily("ratio", "", {"": 1.0})

FAMILIES: dict[str, UnitFamily] = {
    f.name: f for f in (MONEY, AREA, MASS, ELECTRICITY, VOLUME, HEAT, COUNT, RATIO)
}


def normalise(unit: str) -> str:
    """The spelling used for look-up: trimmed, full-width brackets and case folded for latin units."""
    u = unit.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    return u


def factor(family: str, unit: str) -> float | None:
    """Multiplier from ``unit`` to the family's canonical unit, or None when unknown."""
    fam = FAMILIES[family]
    u = normalise(unit)
    if u in fam.units:
        return fam.units[u]
    lower = {k.lower(): v for k, v in fam.units.items()}
    return lower.get(u.lower())


def convert(value: float, family: str, from_unit: str, to_unit: str) -> float:
    """Convert between two units of one family (used by methodology unit tables)."""
    f_from = factor(family, from_unit)
    f_to = factor(family, to_unit)
    if f_from is None or f_to is None:
        raise ValueError(f"未知计量单位: {from_unit} 或 {to_unit}")
    return value * f_from / f_to
