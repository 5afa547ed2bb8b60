"""The carbon-efficiency method (工业碳效码): accounting, benchmark, 碳效值 K, level and grade.

Everything here is a pure Ibis expression over the contract tables, so the same function runs
on DuckDB and Spark (no I/O, no UDFs, no per-row Python). Formulas (METHODS.md section 1)::

    E_gross = Σ_fuel q × f_fuel + (kWh_in − kWh_exported) × f_grid + (GJ_in − GJ_exported) × f_heat
    offsets = (kWh_pv + kWh_green + kWh_cert) × f_grid + t_sink        (neutrality rate only)
    E_net   = E_gross − (kWh_green + kWh_cert) × f_grid − t_sink       (self-used PV is not in
                                                                        the grid figure: not netted)
    L  = E_net / VA                      碳排放强度, tCO2/万元
    L̄  = Σ E_net / Σ VA  over the graded firms of the benchmark industry (or mean of L)
    K  = L / L̄                           碳效值 (lower is better)
    neutrality rate = offsets / E_gross  碳中和率

A firm with no statistics, zero or negative value added, or no energy data for the year is
ungraded (``status='ungraded'`` with a Chinese ``reason``) and left out of the benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhizao.carbon.methodology import REPORTED_APART, CarbonMethodology

#: the CONTRACT.md row fields of ``carbon`` results, in order
CONTRACT_FIELDS = (
    "credit_code", "name", "region_code", "industry_code", "year", "emissions_t", "value_added", "intensity",
    "benchmark_intensity", "k_value", "level", "grade", "colour", "neutrality_rate", "status", "reason",
)
EXTRA_FIELDS = (
    "label", "benchmark_code", "benchmark_firms", "net_emissions_t", "offsets_t", "fuel_emissions_t",
    "electricity_emissions_t", "heat_emissions_t", "zero_carbon_netted_t", "sink_t", "pv_self_use_kwh",
    "biomass_t", "energy_tce", "grid_factor",
)

REASON_NO_STATS = "无当年统计数据（工业增加值）"
REASON_BAD_VA = "工业增加值为零或负数"
REASON_NO_ENERGY = "当年无能源消费数据"
REASON_BAD_BENCHMARK = "行业基准碳排放强度不为正，无法计算碳效值"

SUM_COLS = ("fuel_co2_t", "electricity_kwh", "exported_kwh", "heat_gj", "exported_gj", "biomass_t", "energy_tce",
             "energy_rows")
ZERO_COLS = ("pv_kwh", "green_kwh", "sink_t")


def _fuels(m: CarbonMethodology) -> list[str]:
    return [t for t, f in m.energy.items() if f.co2 is not None and t != "heat"]


def energy_sums(energy: ir.Table, m: CarbonMethodology, keys: Sequence[str]) -> ir.Table:
    """Per ``keys``: fuel CO2 (t), electricity and heat in and out, biomass, standard coal, row count.

    Electricity and heat stay as quantities: their factors depend on the year and the firm's
    province, applied after the join with the firm.
    """
    t, q = energy.energy_type, energy.quantity.cast("float64")
    fuel_factor = ibis.cases(*((t == k, m.co2_per_canonical(k)) for k in _fuels(m)), else_=0.0)
    coal_factor = ibis.cases(*((t == k, m.coal_per_canonical(k)) for k in m.energy), else_=0.0)

    def qty(kind: str) -> ir.FloatingValue:
        return ibis.ifelse(t == kind, q, 0.0).sum()

    return energy.group_by(list(keys)).aggregate(
        fuel_co2_t=(q * fuel_factor).sum(),
        electricity_kwh=qty("electricity"),
        exported_kwh=qty("exported_electricity"),
        heat_gj=qty("heat"),
        exported_gj=qty("exported_heat"),
        biomass_t=qty(REPORTED_APART[0]),
        # consumption only: exports are not negative energy use in 综合能耗
        energy_tce=(q * coal_factor).sum(),
        energy_rows=energy.count(),
    )


def zero_sums(zero: ir.Table, keys: Sequence[str]) -> ir.Table:
    k, q = zero.kind, zero.quantity.cast("float64")
    return zero.group_by(list(keys)).aggregate(
        pv_kwh=ibis.ifelse(k == "pv_self_use", q, 0.0).sum(),
        green_kwh=ibis.ifelse(k.isin(["green_power", "green_certificate"]), q, 0.0).sum(),
        sink_t=ibis.ifelse(k == "sink", q, 0.0).sum(),
    )


def grid_factor_expr(region_code: ir.StringValue, m: CarbonMethodology, year: int) -> ir.FloatingValue:
    """tCO2/kWh for each firm: a constant, or by the firm's province when the scope asks for it."""
    national, _, _ = m.grid_factor(year)
    if m.electricity.scope == "national":
        return ibis.literal(national, "float64")
    provinces = sorted({p for r in m.grid_regions.values() for p in r.provinces}
                       | {g.area for g in m.grid_factors if g.scope == "provincial" and g.area})
    branches = []
    for p in provinces:
        f, _, _ = m.grid_factor(year, p)
        if f != national:
            branches.append((region_code.substr(0, 2) == p[:2], f))
    if not branches:
        return ibis.literal(national, "float64")
    return ibis.cases(*branches, else_=national).cast("float64")


def notes_for(m: CarbonMethodology, year: int) -> list[str]:
    """What a run must record about factor fallbacks (Chinese), e.g. a year without published
    grid factors using the latest earlier year's."""
    _, _, notes = m.grid_factor(year)
    out = list(notes)
    if m.electricity.scope != "national":
        for r in m.grid_regions.values():
            for p in r.provinces:
                _, g, n = m.grid_factor(year, p)
                if g.year != year:
                    out.extend(x for x in n if x not in out)
    return out


def figures(t: ir.Table, m: CarbonMethodology, year: int) -> ir.Table:
    """Emissions and offsets from the summed quantities (columns of energy_sums / zero_sums)."""
    grid = grid_factor_expr(t.region_code, m, year)
    heat_f = m.co2_per_canonical("heat")
    t = t.mutate(**{c: t[c].fill_null(0) for c in (*SUM_COLS, *ZERO_COLS)})
    electricity = (t.electricity_kwh - t.exported_kwh) * grid
    heat = (t.heat_gj - t.exported_gj) * heat_f
    gross = t.fuel_co2_t + electricity + heat
    netted = t.green_kwh * grid + t.sink_t
    return t.mutate(
        grid_factor=grid,
        fuel_emissions_t=t.fuel_co2_t,
        electricity_emissions_t=electricity,
        heat_emissions_t=heat,
        emissions_t=gross,
        zero_carbon_netted_t=netted,
        net_emissions_t=gross - netted,
        offsets_t=(t.pv_kwh + t.green_kwh) * grid + t.sink_t,
        pv_self_use_kwh=t.pv_kwh,
    )


def _band(value: ir.NumericValue, uppers: list[float], labels: list[Any]) -> ir.Value:
    # upper bounds are inclusive ("≤ 0.6"), checked in increasing order
    return ibis.cases(*((value <= u, lab) for u, lab in zip(uppers, labels, strict=False)), else_=labels[-1])


def grade(t: ir.Table, m: CarbonMethodology, by: Sequence[str] = ()) -> ir.Table:
    """Benchmark, K, level, grade, colour and label for a table of candidate firms.

    ``t`` has ``industry_code``, ``net_emissions_t``, ``value_added`` and ``eligible`` (bool: may
    be graded); ``by`` adds partition keys (``month`` for year-to-date monitoring).
    """
    digits = m.benchmark_digits()
    t = t.mutate(benchmark_code=t.industry_code.substr(0, digits))
    intensity = ibis.ifelse(t.eligible, t.net_emissions_t / t.value_added, ibis.null("float64"))
    t = t.mutate(intensity=intensity)
    w = ibis.window(group_by=[t.benchmark_code, *(t[c] for c in by)])
    n = ibis.ifelse(t.eligible, 1, 0).sum().over(w)
    if m.benchmark.statistic == "aggregate":
        se = ibis.ifelse(t.eligible, t.net_emissions_t, 0.0).sum().over(w)
        sva = ibis.ifelse(t.eligible, t.value_added, 0.0).sum().over(w)
        bench = ibis.ifelse(sva > 0, se / sva, ibis.null("float64"))
    else:
        bench = t.intensity.mean().over(w)
    t = t.mutate(benchmark_firms=n.cast("int64"), benchmark_intensity=ibis.ifelse(t.eligible, bench, ibis.null("float64")))
    ok = t.eligible & (t.benchmark_intensity > 0)
    k = ibis.ifelse(ok, t.intensity / t.benchmark_intensity, ibis.null("float64"))
    t = t.mutate(k_value=k)
    level_up = [b.upper.value for b in m.levels[:-1] if b.upper is not None]
    grade_up = [b.upper.value for b in m.grades[:-1] if b.upper is not None]
    level = ibis.ifelse(ok, _band(t.intensity, level_up, [b.label for b in m.levels]), ibis.null("string"))
    g = ibis.ifelse(ok, _band(t.k_value, grade_up, [b.grade for b in m.grades]).cast("int64"), ibis.null("int64"))
    t = t.mutate(level=level, grade=g)
    colour = ibis.cases(*((t.grade == b.grade, b.colour) for b in m.grades), else_=ibis.null("string"))
    return t.mutate(
        colour=colour,
        label=ibis.ifelse(ok, t.level.concat(t.grade.cast("string"), "级"), ibis.null("string")),
    )


def status_of(t: ir.Table) -> ir.Table:
    reason = ibis.cases(
        (~t.has_stats, REASON_NO_STATS),
        (t.value_added.isnull() | (t.value_added <= 0), REASON_BAD_VA),
        (t.energy_rows == 0, REASON_NO_ENERGY),
        else_=ibis.null("string"),
    )
    return t.mutate(reason=reason).mutate(eligible=reason.isnull())


def finish(t: ir.Table, year: int, extra_keys: Sequence[str] = ()) -> ir.Table:
    graded = t.grade.notnull()
    t = t.mutate(
        status=ibis.ifelse(graded, "graded", "ungraded"),
        reason=ibis.ifelse(graded, ibis.null("string"), t.reason.fill_null(REASON_BAD_BENCHMARK)),
        year=ibis.literal(year, "int32"),
        neutrality_rate=ibis.ifelse(t.emissions_t > 0, t.offsets_t / t.emissions_t, ibis.null("float64")),
        emissions_t=ibis.ifelse(t.energy_rows > 0, t.emissions_t, ibis.null("float64")),
        net_emissions_t=ibis.ifelse(t.energy_rows > 0, t.net_emissions_t, ibis.null("float64")),
    )
    return t.select(*CONTRACT_FIELDS[:5], *extra_keys, *CONTRACT_FIELDS[5:], *EXTRA_FIELDS)


def _firms(inputs: Mapping[str, ir.Table]) -> ir.Table:
    return inputs["enterprises"].select("credit_code", "name", "region_code", "industry_code")


def evaluate(inputs: Mapping[str, ir.Table], methodology: CarbonMethodology, year: int) -> ir.Table:
    """Annual carbon-efficiency codes: one row per enterprise with the CONTRACT.md fields."""
    m = methodology
    energy = inputs["energy"]
    energy = energy.filter(energy.month.year() == year)
    zero = inputs["zero_carbon"]
    zero = zero.filter(zero.month.year() == year)
    stats = inputs["statistics_annual"]
    stats = stats.filter(stats.year == year).select("credit_code", value_added=stats.value_added.cast("float64"),
                                                     has_stats=ibis.literal(True))
    t = (_firms(inputs)
         .left_join(stats, "credit_code").drop("credit_code_right")
         .left_join(energy_sums(energy, m, ["credit_code"]), "credit_code").drop("credit_code_right")
         .left_join(zero_sums(zero, ["credit_code"]), "credit_code").drop("credit_code_right"))
    t = t.mutate(has_stats=t.has_stats.fill_null(False))
    t = status_of(figures(t, m, year))
    return finish(grade(t, m), year)


def to_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Executed results → rows for ``zhizao results``: CONTRACT.md fields first, extras after."""
    cols = [c for c in (*CONTRACT_FIELDS, *EXTRA_FIELDS) if c in table.column_names]
    cols += [c for c in table.column_names if c not in cols]
    t = table.select(cols)
    if "credit_code" in cols:
        t = t.sort_by([("credit_code", "ascending")] + ([("month", "ascending")] if "month" in cols else []))
    rows = t.to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, float) and v != v:
                r[k] = None
    return rows
