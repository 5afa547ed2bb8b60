"""The declarations are consistent with themselves and with CONTRACT.md's tables."""

from __future__ import annotations

import pytest

from zhizao.contract import TABLES, get, units
from zhizao.contract.rejects import REJECT_CODES
from zhizao.contract.tables import UNIT_FAMILY_BY_KIND
from zhizao.engine.warehouse import SQL_TYPES

CONTRACT_TABLES = ["enterprises", "statistics_annual", "statistics_monthly", "price_indices", "tax", "energy",
                   "zero_carbon", "land", "emissions", "power_daily"]
#: the core's extensions of CONTRACT.md (documented in docs/contract.md)
CORE_EXTENSIONS = {"benchmarks", "province_indicators"}


def test_every_table_of_the_contract_is_declared() -> None:
    """The core's tables, then each room's (``Room.tables``) in registry order."""
    from zhizao import rooms

    room_tables = [t.name for _, tables in rooms.contributions("tables") for t in tables]
    core = list(TABLES)[: len(TABLES) - len(room_tables)]
    assert list(TABLES)[len(core):] == room_tables
    assert core[: len(CONTRACT_TABLES)] == CONTRACT_TABLES
    assert set(core[len(CONTRACT_TABLES):]) <= CORE_EXTENSIONS


@pytest.mark.parametrize("name", list(TABLES))
def test_keys_are_required_declared_columns(name: str) -> None:
    t = get(name)
    for k in t.key:
        assert t.column(k).required, (name, k)
    names = t.column_names
    assert len(set(names)) == len(names)
    headers = [c.header for c in t.columns]
    assert len(set(headers)) == len(headers)
    for c in t.columns:
        assert c.type in SQL_TYPES
        if c.unit_family:
            assert c.unit_family in units.FAMILIES
        if c.check == "enum":
            assert c.values


@pytest.mark.parametrize("name", [n for n in CONTRACT_TABLES if n not in ("enterprises", "price_indices")])
def test_fact_tables_start_with_the_credit_code(name: str) -> None:
    assert get(name).columns[0].name == "credit_code"
    assert get(name).columns[0].check == "credit_code"


def test_every_kind_with_a_per_row_unit_has_a_unit_family() -> None:
    for t in TABLES.values():
        if t.row_unit:
            unit, quantity, kind = t.row_unit
            assert {unit, quantity, kind} <= set(t.column_names)
            for code in t.column(kind).values:
                assert UNIT_FAMILY_BY_KIND[code] in units.FAMILIES


def test_unit_factors_convert_to_the_canonical_unit() -> None:
    for fam in units.FAMILIES.values():
        assert units.factor(fam.name, fam.canonical) == 1.0
        assert all(f > 0 for f in fam.units.values())
    assert units.factor("money", "（元）".strip("（）")) == 1e-4
    assert units.factor("electricity", "万KWH") == 1e4
    assert units.factor("money", "美元") is None
    assert units.convert(1.0, "volume", "万立方米", "立方米") == 1e4


def test_enum_spellings_are_unambiguous() -> None:
    for t in TABLES.values():
        for c in t.columns:
            seen: dict[str, str] = {}
            for code, spellings in c.values.items():
                for s in (code, *spellings):
                    assert seen.setdefault(s.lower(), code) == code, (t.name, c.name, s)


def test_reject_codes_include_the_contract_codes() -> None:
    assert {"bad_credit_code", "unknown_enterprise", "bad_number", "negative_value", "bad_unit", "bad_date",
            "missing_required", "duplicate_key", "unknown_code"} <= set(REJECT_CODES)
