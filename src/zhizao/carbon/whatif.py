"""What-if: a firm's grade recomputed under changed energy use, without touching stored data.

The firm's rows for the year are read, changed, and registered on the same engine under a
temporary name; the evaluation then runs on ``(stored rows of the other firms) ∪ (changed
rows of this firm)``, so the benchmark moves exactly as it would.

Changes (applied in this order):

- ``savings``: ``{energy_type: percent}``, that type's consumption cut by the percentage;
- ``coal_to_gas_t``: tonnes of raw coal replaced by natural gas of equal heat value, using the
  standard-coal coefficients (t × tce/t ÷ tce/m³), capped at the coal the firm burns;
- ``pv_kwh``: extra self-used PV: grid electricity falls kWh for kWh (capped at what the firm
  buys) and the PV is recorded as self-used (an offset for the neutrality rate).

Approximations: substitutions are spread over the months in proportion to the replaced
fuel's monthly use; PV replaces grid power one for one (no change in load).
"""

from __future__ import annotations

import uuid
from typing import Any

import ibis
import pandas as pd

from zhizao.carbon.explain import INPUTS, FirmNotFound, firm_result
from zhizao.carbon.methodology import CarbonMethodology
from zhizao.contract.tables import ENERGY_TYPES
from zhizao.engine.base import Engine

_E_COLS = ("credit_code", "month", "energy_type", "quantity")
_Z_COLS = ("credit_code", "month", "kind", "quantity")


class WhatIfError(ValueError):
    pass


def _firm_rows(engine: Engine, table: ibis.Table, cols: tuple[str, ...], credit_code: str, year: int) -> pd.DataFrame:
    t = table.filter((table.credit_code == credit_code) & (table.month.year() == year)).select(*cols)
    df = engine.to_pandas(t)
    df["quantity"] = df["quantity"].astype("float64")
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return df


def _scale(df: pd.DataFrame, col: str, kind: str, remove: float) -> float:
    """Remove ``remove`` units of ``kind`` spread over its months; returns what was removed."""
    mask = df[col] == kind
    total = float(df.loc[mask, "quantity"].sum())
    take = min(max(remove, 0.0), total)
    if total > 0:
        df.loc[mask, "quantity"] = df.loc[mask, "quantity"] * (1 - take / total)
    return take


def _add(df: pd.DataFrame, col: str, kind: str, amount: float, like: pd.DataFrame, credit_code: str,
         year: int) -> pd.DataFrame:
    """Add ``amount`` of ``kind`` in the months (and proportions) of ``like``'s rows, else December."""
    import datetime as dt

    if amount <= 0:
        return df
    if len(like) and like["quantity"].sum() > 0:
        weights = like.groupby("month")["quantity"].sum()
        weights = weights / weights.sum()
    else:
        weights = pd.Series({dt.date(year, 12, 1): 1.0})
    new = pd.DataFrame({"credit_code": credit_code, "month": list(weights.index), col: kind,
                        "quantity": [amount * float(w) for w in weights]})
    out = pd.concat([df, new], ignore_index=True)
    return out.groupby(["credit_code", "month", col], as_index=False)["quantity"].sum()


def apply_changes(m: CarbonMethodology, energy: pd.DataFrame, zero: pd.DataFrame, changes: dict[str, Any],
                  credit_code: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The firm's changed rows and a Chinese description of each change as applied."""
    applied: list[str] = []
    energy, zero = energy.copy(), zero.copy()
    for kind, pct in (changes.get("savings") or {}).items():
        if kind not in ENERGY_TYPES or kind.startswith("exported_"):
            raise WhatIfError(f"未知能源品种: {kind}")
        if not 0 <= float(pct) <= 100:
            raise WhatIfError(f"节能比例应在 0–100 之间: {pct}")
        mask = energy["energy_type"] == kind
        before = float(energy.loc[mask, "quantity"].sum())
        energy.loc[mask, "quantity"] = energy.loc[mask, "quantity"] * (1 - float(pct) / 100)
        applied.append(f"{ENERGY_TYPES[kind][0]}节约 {float(pct):g}%（{before * float(pct) / 100:.2f}）")
    coal_t = float(changes.get("coal_to_gas_t") or 0.0)
    if coal_t < 0:
        raise WhatIfError("煤改气吨数不能为负")
    if coal_t > 0:
        coal_rows = energy[energy["energy_type"] == "raw_coal"].copy()
        taken = _scale(energy, "energy_type", "raw_coal", coal_t)
        gas_m3 = taken * m.coal_per_canonical("raw_coal") / m.coal_per_canonical("natural_gas")
        energy = _add(energy, "energy_type", "natural_gas", gas_m3, coal_rows, credit_code, year)
        applied.append(f"原煤 {taken:.2f} t 改为天然气 {gas_m3:.0f} m³（等热值，按折标煤系数）"
                       + ("，超出部分按实际用煤量封顶" if taken < coal_t else ""))
    pv = float(changes.get("pv_kwh") or 0.0)
    if pv < 0:
        raise WhatIfError("光伏电量不能为负")
    if pv > 0:
        elec_rows = energy[energy["energy_type"] == "electricity"].copy()
        taken = _scale(energy, "energy_type", "electricity", pv)
        zero = _add(zero, "kind", "pv_self_use", pv, elec_rows, credit_code, year)
        applied.append(f"新增光伏自发自用 {pv:.0f} kWh，替代外购电力 {taken:.0f} kWh")
    return energy, zero, applied


def whatif(engine: Engine, methodology: CarbonMethodology, year: int, credit_code: str,
           changes: dict[str, Any]) -> dict[str, Any]:
    """The firm's result before and after ``changes`` (plain JSON-able dict)."""
    m = methodology
    inputs = engine.tables(INPUTS)
    before, bench_before = firm_result(engine, m, year, credit_code, inputs)
    energy = _firm_rows(engine, inputs["energy"], _E_COLS, credit_code, year)
    zero = _firm_rows(engine, inputs["zero_carbon"], _Z_COLS, credit_code, year)
    if energy.empty and not changes.get("pv_kwh"):
        raise FirmNotFound(f"企业 {credit_code} 在 {year} 年没有能源消费数据")
    new_e, new_z, applied = apply_changes(m, energy, zero, changes, credit_code, year)
    tag = uuid.uuid4().hex[:12]
    changed = dict(inputs)
    for name, cols, df in (("energy", _E_COLS, new_e), ("zero_carbon", _Z_COLS, new_z)):
        stored = inputs[name].select(*cols)
        schema = stored.schema()
        df = df.astype({"credit_code": "str", cols[2]: "str", "quantity": "float64"})
        if df.empty:
            df["month"] = pd.Series([], dtype="datetime64[us]")
        reg = engine.register(f"_whatif_{name}_{tag}", df)
        reg = reg.select(*(reg[c].cast(schema[c]).name(c) for c in cols))
        rest = stored.filter(~((stored.credit_code == credit_code) & (stored.month.year() == year)))
        changed[name] = rest.union(reg)
    after, bench_after = firm_result(engine, m, year, credit_code, changed)
    keys = ("emissions_t", "net_emissions_t", "value_added", "intensity", "benchmark_intensity", "k_value",
            "level", "grade", "colour", "label", "neutrality_rate", "offsets_t", "status", "reason")
    return {
        "credit_code": credit_code,
        "name": before.get("name"),
        "year": year,
        "methodology": m.ref,
        "changes": changes,
        "applied": applied,
        "before": {k: before.get(k) for k in keys} | {"benchmark_firms": bench_before["firms"]},
        "after": {k: after.get(k) for k in keys} | {"benchmark_firms": bench_after["firms"]},
        "grade_change": (None if before.get("grade") is None or after.get("grade") is None
                         else int(after["grade"]) - int(before["grade"])),
        "note": "模拟计算，不改变已入库数据；其他企业数据保持不变，行业基准随本企业变化重新计算。",
    }
