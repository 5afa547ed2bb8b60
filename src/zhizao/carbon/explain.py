"""Why a firm has its carbon-efficiency grade, and how far it is from the next better one.

``explain`` returns a plain JSON-able dict (rendered by the CLI, the API and the pages):
emissions by energy type with their factors, zero-carbon offsets, the benchmark and its firms
(count, ΣE, ΣVA), and the distance to the next better grade.

Distance to the next better grade (target K ≤ b, b the upper bound of that grade). The firm is
one of its benchmark's firms, so moving its own emissions moves the benchmark too; with the
other firms' data held fixed the condition can be solved exactly:

- aggregate benchmark L̄ = S_E / S_VA (sums over the graded firms, the firm included)::

      cut ΔE at constant VA:   (E − ΔE)/VA ≤ b (S_E − ΔE)/S_VA
                               ⇒ ΔE ≥ (E·S_VA − b·VA·S_E) / (S_VA − b·VA)        (needs S_VA > b·VA)
      add ΔV at constant E:    E/(VA + ΔV) ≤ b S_E/(S_VA + ΔV)
                               ⇒ ΔV ≥ (E·S_VA − b·S_E·VA) / (b·S_E − E)          (needs b·S_E > E)

- mean benchmark L̄ = (Σ_others L + L)/n::

      L' ≤ b·Σ_others L / (n − b)                                              (needs n > b)

The figures at a *fixed* benchmark (``ΔE = E − b·L̄·VA``, ``ΔV = E/(b·L̄) − VA``) are given
beside them: the difference is how much the firm's own change moves its benchmark. Both assume
the other firms' figures do not change, and the firm stays graded in the same benchmark.
"""

from __future__ import annotations

from typing import Any

import ibis

from zhizao.carbon.method import CONTRACT_FIELDS, EXTRA_FIELDS, evaluate
from zhizao.carbon.methodology import REPORTED_APART, CarbonMethodology
from zhizao.carbon.notes import notes_for
from zhizao.contract.tables import ENERGY_TYPES, UNIT_FAMILY_BY_KIND, ZERO_CARBON_KINDS
from zhizao.contract.units import FAMILIES
from zhizao.engine.base import Engine
from zhizao.periods import in_year
from zhizao.sums import exact_sum

INPUTS = ("enterprises", "statistics_annual", "energy", "zero_carbon")


class FirmNotFound(LookupError):
    pass


def _clean(v: Any) -> Any:
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def firm_result(engine: Engine, m: CarbonMethodology, year: int, credit_code: str,
                inputs: dict[str, ibis.Table] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the firm's result row, its benchmark's aggregates) computed on ``engine``."""
    res = evaluate(inputs or engine.tables(INPUTS), m, year)
    row_t = engine.to_pyarrow(res.filter(res.credit_code == credit_code)).to_pylist()
    if not row_t:
        raise FirmNotFound(f"找不到企业: {credit_code}")
    row = {k: _clean(v) for k, v in row_t[0].items()}
    graded = res.filter((res.benchmark_code == row["benchmark_code"]) & (res.status == "graded"))
    agg = engine.to_pyarrow(graded.aggregate(
        firms=graded.count(), sum_net_emissions_t=exact_sum(graded.net_emissions_t),
        sum_value_added=exact_sum(graded.value_added), sum_intensity=exact_sum(graded.intensity))).to_pylist()[0]
    return row, {k: _clean(v) for k, v in agg.items()}


def by_energy(engine: Engine, m: CarbonMethodology, year: int, credit_code: str, grid_t_per_kwh: float,
              inputs: dict[str, ibis.Table] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The firm's energy use and zero-carbon items for the year, each with its factor and CO2."""
    t = inputs or engine.tables(INPUTS)
    e, z = t["energy"], t["zero_carbon"]
    e = e.filter((e.credit_code == credit_code) & in_year(e.month, year))
    z = z.filter((z.credit_code == credit_code) & in_year(z.month, year))
    eq = engine.to_pyarrow(e.group_by("energy_type").aggregate(quantity=exact_sum(e.quantity)).order_by("energy_type"))
    zq = engine.to_pyarrow(z.group_by("kind").aggregate(quantity=exact_sum(z.quantity)).order_by("kind"))
    return quantities_rows(m, [(r["energy_type"], r["quantity"]) for r in eq.to_pylist()],
                           [(r["kind"], r["quantity"]) for r in zq.to_pylist()], grid_t_per_kwh)


def quantities_rows(m: CarbonMethodology, energy: list[tuple[str, Any]], zero: list[tuple[str, Any]],
                    grid_t_per_kwh: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A firm's (energy type, quantity) and (zero-carbon kind, quantity) of the year, sorted by
    type and kind, as the explanation lists them: each with its factor and CO2."""
    heat = m.co2_per_canonical("heat")
    energy_rows = []
    for kind, quantity in energy:
        q = float(quantity or 0.0)
        if kind in ("electricity", "exported_electricity"):
            factor = grid_t_per_kwh
        elif kind in ("heat", "exported_heat"):
            factor = heat
        elif kind in REPORTED_APART:
            factor = 0.0
        else:
            factor = m.co2_per_canonical(kind)
        sign = -1.0 if kind.startswith("exported_") else 1.0
        energy_rows.append({
            "energy_type": kind, "name": ENERGY_TYPES[kind][0], "quantity": q,
            "unit": FAMILIES[UNIT_FAMILY_BY_KIND[kind]].canonical, "co2_factor_t_per_unit": factor,
            "emissions_t": sign * q * factor,
            "energy_tce": q * m.coal_per_canonical(kind) if kind in m.energy else 0.0,
            "counted": kind not in REPORTED_APART,
        })
    zero_rows = []
    for kind, quantity in zero:
        q = float(quantity or 0.0)
        co2 = q if kind == "sink" else q * grid_t_per_kwh
        zero_rows.append({
            "kind": kind, "name": ZERO_CARBON_KINDS[kind][0], "quantity": q,
            "unit": FAMILIES[UNIT_FAMILY_BY_KIND[kind]].canonical, "offset_t": co2,
            # self-used PV is not in the grid figure: it offsets but is not netted again
            "netted_t": 0.0 if kind == "pv_self_use" else co2,
        })
    return energy_rows, zero_rows


def distance_to_next_grade(m: CarbonMethodology, row: dict[str, Any], bench: dict[str, Any]) -> dict[str, Any]:
    """How much to cut (tCO2, constant VA) or add (万元 VA, constant E) to reach the next better grade."""
    g = row.get("grade")
    if row.get("status") != "graded" or g is None:
        return {"target_grade": None, "message": f"未评级：{row.get('reason') or ''}"}
    if g <= 1:
        return {"target_grade": None, "message": f"已是最优等级（{m.grades[0].grade}级）"}
    band = m.grades[g - 2]
    b = band.upper.value if band.upper else None
    assert b is not None
    e, va, lbar = row["net_emissions_t"], row["value_added"], row["benchmark_intensity"]
    out: dict[str, Any] = {"target_grade": band.grade, "target_k": b, "inclusive": True,
                           "cut_emissions_t": None, "add_value_added": None,
                           "cut_emissions_t_fixed_benchmark": e - b * lbar * va,
                           "add_value_added_fixed_benchmark": e / (b * lbar) - va if b * lbar > 0 else None}
    n = int(bench["firms"] or 0)
    if n <= 1:
        out["message"] = "对标行业内仅本企业，碳效值恒为 1，无法通过自身改善提升等级"
        return out
    if m.benchmark.statistic == "aggregate":
        se, sva = bench["sum_net_emissions_t"], bench["sum_value_added"]
        if sva - b * va > 0:
            out["cut_emissions_t"] = (e * sva - b * va * se) / (sva - b * va)
        if b * se - e > 0:
            out["add_value_added"] = (e * sva - b * se * va) / (b * se - e)
    else:
        others = bench["sum_intensity"] - row["intensity"]
        if n - b > 0:
            target_l = b * others / (n - b)
            out["cut_emissions_t"] = (row["intensity"] - target_l) * va
            out["add_value_added"] = e / target_l - va if target_l > 0 else None
    parts = []
    if out["cut_emissions_t"] is not None:
        parts.append(f"在增加值不变时减排 {out['cut_emissions_t']:.1f} tCO2")
    if out["add_value_added"] is not None:
        parts.append(f"在排放不变时增加工业增加值 {out['add_value_added']:.1f} 万元")
    out["message"] = (f"达到{band.grade}级（K ≤ {b}）需" + "，或".join(parts)) if parts else \
        "仅靠本企业的改变无法达到更优等级"
    return out


def explain(engine: Engine, methodology: CarbonMethodology, year: int, credit_code: str) -> dict[str, Any]:
    """Everything behind one firm's grade (plain JSON-able dict, texts in Chinese)."""
    m = methodology
    row, bench = firm_result(engine, m, year, credit_code)
    energy_rows, zero_rows = by_energy(engine, m, year, credit_code, _grid(m, year, row))
    return assemble(m, year, credit_code, row, bench, energy_rows, zero_rows)


def _grid(m: CarbonMethodology, year: int, row: dict[str, Any]) -> float:
    grid = row.get("grid_factor")
    if grid is None:
        grid, _, _ = m.grid_factor(year, (row.get("region_code") or "")[:2] + "0000")
    return float(grid)


#: what :func:`explain_all` keeps of each firm's result row (what :func:`assemble` reads)
ROW_FIELDS = tuple(dict.fromkeys((*CONTRACT_FIELDS, *EXTRA_FIELDS)))


def explain_all(engine: Engine, methodology: CarbonMethodology, year: int) -> dict[str, Any]:
    """What :func:`explain` reads, for every firm of the year at once (one evaluation, grouped
    on the engine): ``{"rows": {code: result row}, "bench": {benchmark code: aggregates},
    "energy": {code: [[type, quantity]]}, "zero": {code: [[kind, quantity]]}}`` (JSON-able).
    :func:`explain_prepared` gives one firm's explanation from it."""
    m = methodology
    t = engine.tables(INPUTS)
    res = evaluate(t, m, year)
    rows = {r["credit_code"]: {k: _clean(v) for k, v in r.items()}
            for r in engine.to_pyarrow(res.select(*(c for c in ROW_FIELDS if c in res.columns))).to_pylist()}
    graded = res.filter(res.status == "graded")
    bench = {str(r["benchmark_code"]): {k: _clean(v) for k, v in r.items() if k != "benchmark_code"}
             for r in engine.to_pyarrow(graded.group_by("benchmark_code").aggregate(
                 firms=graded.count(), sum_net_emissions_t=exact_sum(graded.net_emissions_t),
                 sum_value_added=exact_sum(graded.value_added), sum_intensity=exact_sum(graded.intensity))).to_pylist()
             if r["benchmark_code"] is not None}
    e, z = t["energy"], t["zero_carbon"]
    e = e.filter(in_year(e.month, year))
    z = z.filter(in_year(z.month, year))
    energy: dict[str, list[list[Any]]] = {}
    for r in engine.to_pyarrow(e.group_by(["credit_code", "energy_type"]).aggregate(quantity=exact_sum(e.quantity))
                               .order_by(["credit_code", "energy_type"])).to_pylist():
        energy.setdefault(r["credit_code"], []).append([r["energy_type"], _clean(r["quantity"])])
    zero: dict[str, list[list[Any]]] = {}
    for r in engine.to_pyarrow(z.group_by(["credit_code", "kind"]).aggregate(quantity=exact_sum(z.quantity))
                               .order_by(["credit_code", "kind"])).to_pylist():
        zero.setdefault(r["credit_code"], []).append([r["kind"], _clean(r["quantity"])])
    return {"rows": rows, "bench": bench, "energy": energy, "zero": zero}


#: a benchmark without graded firms (or a firm without a benchmark): as :func:`firm_result` sums none
_NO_BENCH = {"firms": 0, "sum_net_emissions_t": None, "sum_value_added": None, "sum_intensity": None}


def explain_prepared(methodology: CarbonMethodology, year: int, credit_code: str,
                     prepared: dict[str, Any]) -> dict[str, Any]:
    """One firm's :func:`explain` from :func:`explain_all`'s result (FirmNotFound when the firm
    has no row that year)."""
    m = methodology
    row = prepared["rows"].get(credit_code)
    if row is None:
        raise FirmNotFound(f"找不到企业: {credit_code}")
    code = row.get("benchmark_code")
    bench = prepared["bench"].get(str(code), _NO_BENCH) if code is not None else _NO_BENCH
    energy_rows, zero_rows = quantities_rows(m, [tuple(x) for x in prepared["energy"].get(credit_code, [])],
                                             [tuple(x) for x in prepared["zero"].get(credit_code, [])],
                                             _grid(m, year, row))
    return assemble(m, year, credit_code, row, bench, energy_rows, zero_rows)


def assemble(m: CarbonMethodology, year: int, credit_code: str, row: dict[str, Any], bench: dict[str, Any],
             energy_rows: list[dict[str, Any]], zero_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The explanation from the firm's row, its benchmark's aggregates and its energy rows."""
    result = {k: row.get(k) for k in (*CONTRACT_FIELDS, *EXTRA_FIELDS)}
    return {
        "credit_code": credit_code,
        "name": row.get("name"),
        "year": year,
        "methodology": m.ref,
        "result": result,
        "by_energy": energy_rows,
        "zero_carbon": zero_rows,
        "benchmark": {
            "code": row.get("benchmark_code"),
            "level": m.benchmark.level,
            "statistic": m.benchmark.statistic,
            "firms": bench["firms"],
            "sum_net_emissions_t": bench["sum_net_emissions_t"],
            "sum_value_added": bench["sum_value_added"],
            "intensity": row.get("benchmark_intensity"),
        },
        "grade_bands": [{"grade": b.grade, "upper_k": b.upper.value if b.upper else None, "meaning": b.meaning,
                         "colour": b.colour} for b in m.grades],
        "level_bands": [{"label": b.label, "upper_intensity": b.upper.value if b.upper else None}
                        for b in m.levels],
        "next_grade": distance_to_next_grade(m, row, bench),
        "notes": notes_for(m, year),
    }
