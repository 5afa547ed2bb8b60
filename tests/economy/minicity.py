"""A hand-computed mini city (湖州 330500: 吴兴区 330502, 南浔区 330503) written straight into a
warehouse with the warehouse DDL, so every figure of the indicator tests can be checked by hand.

Firms (value added, 万元):

    A 330502 3841 (div 38, equipment by mapping)  2020: 100  2021: 126 (index 105 → 120 comparable)
    B 330502 1711 (div 17)                        2020: 200  2021: 204 (index 102 → 200)
    C 330503 3311 (div 33, equipment)             2021: 50   (enters: not in the 同口径 set)
    D 330503 1711                                 2020: 80   (leaves: no 2021 row)
    E 330503 1711 below scale                     2020: 10   2021: 12  (never counted in levels)

Comparable growth 2021 (city and 吴兴区) = (120 + 200) / (100 + 200) − 1 = 6.667 %.
"""

from __future__ import annotations

from pathlib import Path

from city import credit_code as code
from city import frame, write_warehouse

A, B, C, D, E = (code(i) for i in range(1, 6))


def enterprise(credit_code: str, region: str, industry: str, name: str) -> dict:
    return {"credit_code": credit_code, "name": name, "region_code": region, "industry_code": industry,
            "founded_on": "2010-01-01"}


def stat(credit_code: str, year: int, va: float, above: bool = True, **extra) -> dict:
    return {"credit_code": credit_code, "year": year, "above_scale": above, "gross_output": va * 4,
            "value_added": va, "revenue": va * 4, "employees": 100, "rd_expense": 1.0} | extra


MINI_CITY = {
    "enterprises": [
        enterprise(A, "330502", "3841", "甲电池有限公司"),
        enterprise(B, "330502", "1711", "乙纺织有限公司"),
        enterprise(C, "330503", "3311", "丙钢构有限公司"),
        enterprise(D, "330503", "1711", "丁纺织有限公司"),
        enterprise(E, "330503", "1711", "戊小微纺织厂"),
    ],
    "statistics_annual": [
        stat(A, 2020, 100), stat(A, 2021, 126),
        stat(B, 2020, 200), stat(B, 2021, 204),
        stat(C, 2021, 50),
        stat(D, 2020, 80),
        stat(E, 2020, 10, above=False), stat(E, 2021, 12, above=False),
    ],
    "price_indices": [
        {"year": 2021, "division": "38", "index": 105.0},
        {"year": 2021, "division": "17", "index": 102.0},
        {"year": 2021, "division": "33", "index": 110.0},
    ],
    "land": [
        {"credit_code": A, "year": y, "parcel_id": "A-1", "area_mu": 10.0, "tenure": "owned"} for y in (2020, 2021)
    ] + [
        {"credit_code": B, "year": y, "parcel_id": "B-1", "area_mu": 20.0, "tenure": "owned"} for y in (2020, 2021)
    ] + [
        {"credit_code": C, "year": 2021, "parcel_id": "C-1", "area_mu": 5.0, "tenure": "owned"},
        {"credit_code": D, "year": 2020, "parcel_id": "D-1", "area_mu": 10.0, "tenure": "owned"},
    ],
    "tax": [
        {"credit_code": A, "year": 2020, "tax_paid": 5.0}, {"credit_code": A, "year": 2021, "tax_paid": 8.0},
        {"credit_code": B, "year": 2020, "tax_paid": 10.0}, {"credit_code": B, "year": 2021, "tax_paid": 12.0},
        {"credit_code": C, "year": 2021, "tax_paid": 1.0}, {"credit_code": D, "year": 2020, "tax_paid": 2.0},
    ],
    "energy": [
        # A: 100,000 kWh and 1,000 m³ of gas in 2021 → 12.29 + 1.2143 = 13.5043 tce
        {"credit_code": A, "month": "2021-01-01", "energy_type": "electricity", "quantity": 100000.0, "unit": "千瓦时"},
        {"credit_code": A, "month": "2021-02-01", "energy_type": "natural_gas", "quantity": 1000.0, "unit": "立方米"},
        # B: 10 t of raw coal in 2021 → 7.143 tce
        {"credit_code": B, "month": "2021-03-01", "energy_type": "raw_coal", "quantity": 10.0, "unit": "吨"},
    ],
}


def build(warehouse: Path, data: dict[str, list[dict]]) -> None:
    """The hand-written rows into the warehouse file, one batch per table, through the shared
    city builder (typed as the contract says; missing columns null)."""
    write_warehouse(warehouse, {table: frame(table, rows) for table, rows in data.items()})


