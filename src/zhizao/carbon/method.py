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
                out.extend(x for x in m.grid_factor(year, p)[2] if x not in out)
    return out


def figures(t: ir.Table, m: CarbonMethodology, year: int, keys: Sequence[str] = ()) -> ir.Table:
    """Emissions, offsets, the ungraded reason and the intensity from the summed quantities
    (columns of energy_sums / zero_sums, ``value_added`` and ``has_stats``), in one projection.

    Few, wide projections keep Ibis's compile time small: each chained ``mutate`` costs a
    rewrite pass, which matters at 500,000 firms less than it does on a 20-firm what-if.
    """
    grid = grid_factor_expr(t.region_code, m, year)
    heat_f = m.co2_per_canonical("heat")
    c = {col: t[col].fill_null(0) for col in (*SUM_COLS, *ZERO_COLS)}
    electricity = (c["electricity_kwh"] - c["exported_kwh"]) * grid
    heat = (c["heat_gj"] - c["exported_gj"]) * heat_f
    gross = c["fuel_co2_t"] + electricity + heat
    netted = c["green_kwh"] * grid + c["sink_t"]
    has_stats = t.has_stats.fill_null(False)
    reason = ibis.cases(
        (~has_stats, REASON_NO_STATS),
        (t.value_added.isnull() | (t.value_added <= 0), REASON_BAD_VA),
        (c["energy_rows"] == 0, REASON_NO_ENERGY),
        else_=ibis.null("string"),
    )
    eligible = reason.isnull()
    has_energy = c["energy_rows"] > 0
    return t.select(
        "credit_code", "name", "region_code", "industry_code", *keys,
        value_added=t.value_added,
        energy_rows=c["energy_rows"],
        grid_factor=grid,
        fuel_emissions_t=c["fuel_co2_t"],
        electricity_emissions_t=electricity,
        heat_emissions_t=heat,
        emissions_t=ibis.ifelse(has_energy, gross, ibis.null("float64")),
        zero_carbon_netted_t=netted,
        net_emissions_t=ibis.ifelse(has_energy, gross - netted, ibis.null("float64")),
        offsets_t=(c["pv_kwh"] + c["green_kwh"]) * grid + c["sink_t"],
        sink_t=c["sink_t"],
        pv_self_use_kwh=c["pv_kwh"],
        biomass_t=c["biomass_t"],
        energy_tce=c["energy_tce"],
        neutrality_rate=ibis.ifelse(gross > 0, ((c["pv_kwh"] + c["green_kwh"]) * grid + c["sink_t"]) / gross,
                                    ibis.null("float64")),
        reason=reason,
        eligible=eligible,
        intensity=ibis.ifelse(eligible, (gross - netted) / t.value_added, ibis.null("float64")),
        benchmark_code=t.industry_code.substr(0, m.benchmark_digits()),
    )


def _band(value: ir.NumericValue, uppers: list[float], labels: list[Any]) -> ir.Value:
    # upper bounds are inclusive ("≤ 0.6"), checked in increasing order
    return ibis.cases(*((value <= u, lab) for u, lab in zip(uppers, labels, strict=False)), else_=labels[-1])


def grade(t: ir.Table, m: CarbonMethodology, year: int, by: Sequence[str] = ()) -> ir.Table:
    """Benchmark, K, level, grade, colour, label and status for the output of :func:`figures`.

    ``by`` adds partition keys of the benchmark (``month`` for year-to-date monitoring).
    """
    w = ibis.window(group_by=[t.benchmark_code, *(t[c] for c in by)])
    n = ibis.ifelse(t.eligible, 1, 0).sum().over(w)
    if m.benchmark.statistic == "aggregate":
        se = ibis.ifelse(t.eligible, t.net_emissions_t, 0.0).sum().over(w)
        sva = ibis.ifelse(t.eligible, t.value_added, 0.0).sum().over(w)
        bench = ibis.ifelse(sva > 0, se / sva, ibis.null("float64"))
    else:
        bench = t.intensity.mean().over(w)
    t = t.mutate(benchmark_firms=n.cast("int64"),
                 benchmark_intensity=ibis.ifelse(t.eligible, bench, ibis.null("float64")))
    ok = t.eligible & (t.benchmark_intensity > 0)
    k = ibis.ifelse(ok, t.intensity / t.benchmark_intensity, ibis.null("float64"))
    level_up = [b.upper.value for b in m.levels[:-1] if b.upper is not None]
    grade_up = [b.upper.value for b in m.grades[:-1] if b.upper is not None]
    level = ibis.ifelse(ok, _band(t.intensity, level_up, [b.label for b in m.levels]), ibis.null("string"))
    g_raw = _band(k, grade_up, [b.grade for b in m.grades])
    g = ibis.ifelse(ok, g_raw.cast("int64"), ibis.null("int64"))
    colour = ibis.ifelse(ok, ibis.cases(*((g_raw == b.grade, b.colour) for b in m.grades), else_=m.grades[-1].colour),
                         ibis.null("string"))
    label = ibis.ifelse(ok, level.concat(g_raw.cast("string"), "级"), ibis.null("string"))
    fields: dict[str, Any] = {
        "year": ibis.literal(year, "int32"),
        "k_value": k, "level": level, "grade": g, "colour": colour,
        "status": ibis.ifelse(ok, "graded", "ungraded"),
        "reason": ibis.ifelse(ok, ibis.null("string"), t.reason.fill_null(REASON_BAD_BENCHMARK)),
        "label": label,
    }
    cols = [*CONTRACT_FIELDS[:5], *by, *CONTRACT_FIELDS[5:], *EXTRA_FIELDS]
    return t.select(*(fields[c].name(c) if c in fields else t[c] for c in cols))


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
    return grade(figures(t, m, year), m, year)


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
