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

Population (``methodology.population``): the firms of each track (规上 ``above_scale`` by
default; 规下 ``below_scale`` only when the methodology names it, benchmarked apart) that exist
in the year (founded on or before its last day). Other firms are not listed.

The publication gate (``methodology.gate``): a firm failing a consistency check (a month far
above its own median month, a unit mix-up, energy without output, output without energy) is
``status='held'`` with the check's name in ``reason``: no grade, and no weight in any benchmark.
A person releases it (``released``: credit codes, e.g. from ``zhizao runs release``) or corrects
the data; either way a new run.

A firm with no statistics, zero or negative value added, or no energy data for the year is
ungraded (``status='ungraded'`` with a Chinese ``reason``) and left out of the benchmark.

Levels and grades are read on L and K rounded as published (``methodology.rounding``), so a
published K of 0.60 is grade 1 whatever the binary tail of the quotient.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhizao import periods, sums
from zhizao.carbon import methodology as carbon_methodology
from zhizao.carbon.methodology import REPORTED_APART, CarbonMethodology
from zhizao.carbon.notes import computed_source
from zhizao.contract import tables as contract_tables
from zhizao.contract import units as contract_units
from zhizao.engine.compiled import evaluation
from zhizao.periods import in_year
from zhizao.sums import exact_mean, exact_sum

#: the CONTRACT.md row fields of ``carbon`` results, in order
CONTRACT_FIELDS = (
    "credit_code", "name", "region_code", "industry_code", "year", "emissions_t", "value_added", "intensity",
    "benchmark_intensity", "k_value", "level", "grade", "colour", "neutrality_rate", "status", "reason",
)
EXTRA_FIELDS = (
    "label", "track", "held_check", "benchmark_source", "benchmark_code", "benchmark_firms", "net_emissions_t", "offsets_t", "fuel_emissions_t",
    "electricity_emissions_t", "heat_emissions_t", "zero_carbon_netted_t", "sink_t", "pv_self_use_kwh",
    "biomass_t", "energy_tce", "grid_factor",
)

REASON_NO_STATS = "无当年统计数据（工业增加值）"
REASON_BAD_VA = "工业增加值为零或负数"
REASON_NO_ENERGY = "当年无能源消费数据"
REASON_BAD_BENCHMARK = "行业基准碳排放强度不为正，无法计算碳效值"
REASON_NO_PUBLISHED_BENCHMARK = "无该行业该年度的公布基准碳排放强度"

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
        return exact_sum(ibis.ifelse(t == kind, q, 0.0))

    return energy.group_by(list(keys)).aggregate(
        fuel_co2_t=exact_sum(q * fuel_factor),
        electricity_kwh=qty("electricity"),
        exported_kwh=qty("exported_electricity"),
        heat_gj=qty("heat"),
        exported_gj=qty("exported_heat"),
        biomass_t=qty(REPORTED_APART[0]),
        # consumption only: exports are not negative energy use in 综合能耗
        energy_tce=exact_sum(q * coal_factor),
        energy_rows=energy.count(),
    )


def zero_sums(zero: ir.Table, keys: Sequence[str]) -> ir.Table:
    k, q = zero.kind, zero.quantity.cast("float64")
    return zero.group_by(list(keys)).aggregate(
        pv_kwh=exact_sum(ibis.ifelse(k == "pv_self_use", q, 0.0)),
        green_kwh=exact_sum(ibis.ifelse(k.isin(["green_power", "green_certificate"]), q, 0.0)),
        sink_t=exact_sum(ibis.ifelse(k == "sink", q, 0.0)),
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

    ``by`` adds partition keys of the benchmark (``month`` for year-to-date monitoring). Optional
    input columns: ``track`` (a partition key too), ``held_check`` / ``held_reason`` (the gate:
    held firms get no grade and count in no benchmark) and ``published_benchmark`` /
    ``benchmark_source`` (an imported L̄ used instead of the computed one).
    """
    cols = set(t.columns)
    held = t.held_reason.notnull() if "held_reason" in cols else ibis.literal(False)
    eligible = t.eligible & ~held
    parts = [t.benchmark_code, *(t[c] for c in by)] + ([t.track] if "track" in cols else [])
    w = ibis.window(group_by=parts)
    n = ibis.ifelse(eligible, 1, 0).sum().over(w)
    if "published_benchmark" in cols:
        bench = t.published_benchmark
    elif m.benchmark.statistic == "aggregate":
        se = exact_sum(ibis.ifelse(eligible, t.net_emissions_t, 0.0), over=w)
        sva = exact_sum(ibis.ifelse(eligible, t.value_added, 0.0), over=w)
        bench = ibis.ifelse(sva > 0, se / sva, ibis.null("float64"))
    else:
        bench = exact_mean(ibis.ifelse(eligible, t.intensity, ibis.null("float64")), over=w)
    t = t.mutate(benchmark_firms=n.cast("int64"),
                 benchmark_intensity=ibis.ifelse(eligible, bench, ibis.null("float64")),
                 _eligible=eligible, _held=held)
    ok = t._eligible & (t.benchmark_intensity > 0)
    k = ibis.ifelse(ok, t.intensity / t.benchmark_intensity, ibis.null("float64"))
    # bands read the figures as published (rounded), so 0.60 is ≤ 0.6 whatever the float tail
    l_pub = t.intensity.round(m.rounding.intensity)
    k_pub = k.round(m.rounding.k_value)
    level_up = [b.upper.value for b in m.levels[:-1] if b.upper is not None]
    grade_up = [b.upper.value for b in m.grades[:-1] if b.upper is not None]
    level = ibis.ifelse(ok, _band(l_pub, level_up, [b.label for b in m.levels]), ibis.null("string"))
    g_raw = _band(k_pub, grade_up, [b.grade for b in m.grades])
    g = ibis.ifelse(ok, g_raw.cast("int64"), ibis.null("int64"))
    colour = ibis.ifelse(ok, ibis.cases(*((g_raw == b.grade, b.colour) for b in m.grades), else_=m.grades[-1].colour),
                         ibis.null("string"))
    label = ibis.ifelse(ok, level.concat(g_raw.cast("string"), "级"), ibis.null("string"))
    no_bench = REASON_NO_PUBLISHED_BENCHMARK if "published_benchmark" in cols else REASON_BAD_BENCHMARK
    fields: dict[str, Any] = {
        "year": ibis.literal(year, "int32"),
        "k_value": k, "level": level, "grade": g, "colour": colour,
        "status": ibis.cases((t._held, "held"), (ok, "graded"), else_="ungraded"),
        "reason": ibis.cases(
            (t._held, t.held_reason if "held_reason" in cols else ibis.null("string")),
            (ok, ibis.null("string")),
            else_=ibis.ifelse(t.eligible, no_bench, t.reason.fill_null(no_bench))),
        "label": label,
        "track": t.track if "track" in cols else ibis.literal("above_scale"),
        "held_check": t.held_check if "held_check" in cols else ibis.null("string"),
        "benchmark_source": (t.benchmark_source if "benchmark_source" in cols
                             else ibis.literal(computed_source(m))),
    }
    out_cols = [*CONTRACT_FIELDS[:5], *by, *CONTRACT_FIELDS[5:], *EXTRA_FIELDS]
    return t.select(*(fields[c].name(c) if c in fields else t[c] for c in out_cols))


# ---------------------------------------------------------------------------- population


def population(inputs: Mapping[str, ir.Table], m: CarbonMethodology, year: int) -> ir.Table:
    """The firms graded for ``year``: each listed track (规上 / 规下 by ``statistics_annual.above_scale``),
    founded on or before the year's end when ``existing_only``; with ``track``, ``value_added``,
    ``gross_output`` and ``has_stats`` (firms without the year's statistics are in no track)."""
    ent = inputs["enterprises"]
    firms = ent.select("credit_code", "name", "region_code", "industry_code", founded_on=ent.founded_on)
    stats = inputs["statistics_annual"]
    stats = stats.filter(stats.year == year)
    scale = stats.above_scale.fill_null(False)
    stats = stats.select(
        s_code=stats.credit_code, value_added=stats.value_added.cast("float64"),
        gross_output=stats.gross_output.cast("float64"), has_stats=ibis.literal(True),
        track=ibis.ifelse(scale, "above_scale", "below_scale"))
    t = firms.join(stats, firms.credit_code == stats.s_code).drop("s_code")
    keep = t.track.isin(list(m.population.tracks))
    if m.population.existing_only:
        keep &= t.founded_on.isnull() | (t.founded_on.cast("date") <= ibis.date(year, 12, 31))
    return t.filter(keep).drop("founded_on")


# ---------------------------------------------------------------------------- the gate


def _popcount12(bits: ir.IntegerValue) -> ir.IntegerValue:
    """The number of set bits among the lowest twelve of ``bits`` (a bitwise AND per month, which
    every engine has; the integer division it replaces was four times as slow on DuckDB)."""
    out: ir.IntegerValue = ibis.literal(0, "int64")
    for k in range(12):
        out = out + ibis.ifelse((bits & (1 << k)) != 0, 1, 0)
    return out


#: relative margin of the shortcut's screen below the checks' thresholds (see :func:`gate`)
_SCREEN_MARGIN = 1 - 1e-9


def gate(energy: ir.Table, firms: ir.Table, m: CarbonMethodology, released: Sequence[str] = ()) -> ir.Table:
    """``credit_code, held_check, held_reason`` of every firm of ``firms`` failing a check of
    ``m.gate`` in the year's ``energy`` rows (the first failing check in the methodology's order),
    released firms excepted. Grouped aggregates only, no per-row Python.

    The month checks compare each firm's and energy type's largest and smallest monthly total
    with the median month. Summing every (firm, type, month) first is a hash aggregation with as
    many groups as rows (24 million at 500,000 firms) and was most of an evaluation's time, so a
    screen comes first, per (firm, type) straight from the rows: their count, the set of their
    months (a bit per month, summed) and their largest and smallest quantity. Where each month
    has one row (the contract's key: one row per firm, month and energy type), these are the
    monthly totals themselves, and since the median lies between the smallest and the largest
    month, a check can only fail if ``top ≥ factor × bottom`` (month spike) or
    ``top / bottom ≥ ratio / tolerance`` (unit mix-up). Only the pairs that pass that screen
    (with a margin of 1e-9 below the thresholds) or that have several rows in a month go through
    the monthly totals and the median; every other pair passes both checks. The held firms are
    the same as with the monthly totals for every pair.
    """
    if not m.gate:
        return firms.select("credit_code", held_check=ibis.null("string"), held_reason=ibis.null("string")).filter(
            ibis.literal(False))
    checks = {c.id: c for c in m.gate}
    q = energy.quantity.cast("float64")
    e = energy.filter(q > 0)
    eq = e.quantity.cast("float64")
    month_bit = (ibis.literal(1, "int64") << (e.month.month() - 1)).cast("int64")  # a shift, not a power
    pairs = e.group_by(["credit_code", "energy_type"]).aggregate(
        rows=e.count(), bits=month_bit.sum(), top=eq.max(), bottom=eq.min())
    # one row per month: at most twelve rows, each month's bit once (a repeated month carries)
    one_per_month = (pairs.rows <= 12) & (_popcount12(pairs.bits) == pairs.rows)
    screen: ir.BooleanValue = ~one_per_month
    if "unit_mixup" in checks:
        c = checks["unit_mixup"]
        assert c.ratio is not None and c.tolerance is not None
        screen |= pairs.top / pairs.bottom >= c.ratio.value / c.tolerance.value * _SCREEN_MARGIN
    if "month_spike" in checks:
        c = checks["month_spike"]
        assert c.factor is not None
        screen |= pairs.top >= c.factor.value * _SCREEN_MARGIN * pairs.bottom
    suspects = pairs.filter(screen).select(s_code=pairs.credit_code, s_type=pairs.energy_type)
    # the suspects' rows read again, as a projection of their own: a relation that the SQL reads
    # twice (``e`` or ``energy`` itself) becomes a common table expression, which DuckDB
    # computes once and keeps whole (24 million rows in memory) instead of streaming it
    e = energy.select("credit_code", "energy_type", "month", "quantity")
    e = e.filter(e.quantity.cast("float64") > 0)
    e = e.semi_join(suspects, [e.credit_code == suspects.s_code, e.energy_type == suspects.s_type])
    per_month = e.group_by(["credit_code", "energy_type", "month"]).aggregate(q=exact_sum(e.quantity.cast("float64")))
    med = per_month.group_by(["credit_code", "energy_type"]).aggregate(
        median=per_month.q.median(), months=per_month.count(), top=per_month.q.max(), bottom=per_month.q.min())
    flags: dict[str, ir.BooleanValue] = {}
    usable = med.median > 0
    if "unit_mixup" in checks:
        c = checks["unit_mixup"]
        assert c.ratio is not None and c.tolerance is not None and c.min_months is not None
        lo, hi = c.ratio.value / c.tolerance.value, c.ratio.value * c.tolerance.value
        up, down = med.top / med.median, med.median / med.bottom
        flags["unit_mixup"] = usable & (med.months >= c.min_months.value) & (
            ((up >= lo) & (up <= hi)) | ((down >= lo) & (down <= hi)))
    if "month_spike" in checks:
        c = checks["month_spike"]
        assert c.factor is not None and c.min_months is not None
        flags["month_spike"] = usable & (med.months >= c.min_months.value) & (med.top >= c.factor.value * med.median)
    month_checks = [k for k in ("unit_mixup", "month_spike") if k in flags]
    # energy_rows: the firm's rows with a positive quantity (any means energy in some month)
    by_firm = pairs.group_by(pairs.credit_code.name("g_code")).aggregate(energy_rows=pairs.rows.sum())
    if month_checks:
        failed = med.group_by(med.credit_code.name("f_code")).aggregate(
            **{f"f_{k}": ibis.ifelse(flags[k], 1, 0).max() for k in month_checks})
        by_firm = by_firm.left_join(failed, by_firm.g_code == failed.f_code).drop("f_code")
    t = firms.left_join(by_firm, firms.credit_code == by_firm.g_code)
    has_energy = t.energy_rows.fill_null(0) > 0
    output = t.gross_output.fill_null(0)
    conds: list[tuple[ir.BooleanValue, str]] = []
    for c in m.gate:
        if c.id in month_checks:
            conds.append((t[f"f_{c.id}"].fill_null(0) == 1, c.id))
        elif c.id == "energy_without_output":
            conds.append((has_energy & (output <= 0), c.id))
        elif c.id == "output_without_energy":
            conds.append((~has_energy & (output > 0), c.id))
    check = ibis.cases(*conds, else_=ibis.null("string"))
    names = {c.id: c.name for c in m.gate}
    t = t.select("credit_code", held_check=check)
    t = t.filter(t.held_check.notnull())
    if released:
        t = t.filter(~t.credit_code.isin(list(released)))
    return t.mutate(held_reason=t.held_check.substitute(names))


def _with_published_benchmarks(t: ir.Table, inputs: Mapping[str, ir.Table], m: CarbonMethodology,
                               year: int) -> ir.Table:
    """``t`` with ``published_benchmark`` and ``benchmark_source`` for ``year`` when the benchmark is
    imported: from the methodology's own values (literals in the expression, not an in-memory
    table, so that its compiled SQL stands alone: :mod:`zhizao.engine.compiled`), else from the
    ``benchmarks`` table."""
    if m.benchmark.origin != "imported":
        return t
    vals = [v for v in m.benchmark.values if v.year == year]
    if m.benchmark.values:
        if not vals:
            raise ValueError(f"方法论 {m.ref} 没有 {year} 年的公布基准")
        code = t.benchmark_code
        return t.mutate(
            published_benchmark=ibis.cases(*((code == v.industry, float(v.value)) for v in vals),
                                           else_=ibis.null("float64")),
            benchmark_source=ibis.cases(*((code == v.industry, m.sources.get(v.source, v.source)) for v in vals),
                                        else_=ibis.null("string")))
    if "benchmarks" not in inputs:
        raise KeyError("方法论要求导入的行业基准，但没有 benchmarks 数据表")
    b = inputs["benchmarks"]
    b = b.filter((b.year == year) & (b.industry_code.length() == m.benchmark_digits()))
    pub = b.select(p_code=b.industry_code, published_benchmark=b.intensity.cast("float64"),
                   benchmark_source=b.source)
    return t.left_join(pub, t.benchmark_code == pub.p_code).drop("p_code")


#: the code the expression comes from, the unit factors its methodology reads included (their
#: source is part of the compiled-SQL cache key)
_CODE = (carbon_methodology, contract_tables, contract_units, periods, sums, sys.modules[__name__])

#: the input tables the evaluation reads (``benchmarks`` when the methodology imports them)
INPUTS = ("enterprises", "statistics_annual", "energy", "zero_carbon", "benchmarks")


def evaluate(inputs: Mapping[str, ir.Table], methodology: CarbonMethodology, year: int,
             released: Sequence[str] = ()) -> ir.Table:
    """Annual carbon-efficiency codes: one row per firm of the population, CONTRACT.md fields.

    ``released``: credit codes a person has released from the gate for this year.

    The expression does not depend on the data, so it is built and compiled once per methodology
    version, year, released firms and inputs (:func:`zhizao.engine.compiled.evaluation`)."""
    return evaluation("carbon", lambda used: build(used, methodology, year, released), inputs, INPUTS, methodology,
                      year, extra=sorted(released), code=_CODE)


def build(inputs: Mapping[str, ir.Table], methodology: CarbonMethodology, year: int,
          released: Sequence[str] = ()) -> ir.Table:
    """The evaluation's expression itself (see :func:`evaluate`)."""
    m = methodology
    energy = inputs["energy"]
    energy = energy.filter(in_year(energy.month, year))
    zero = inputs["zero_carbon"]
    zero = zero.filter(in_year(zero.month, year))
    firms = population(inputs, m, year)
    held = gate(energy, firms, m, released)
    t = (firms
         .left_join(energy_sums(energy, m, ["credit_code"]), "credit_code").drop("credit_code_right")
         .left_join(zero_sums(zero, ["credit_code"]), "credit_code").drop("credit_code_right"))
    t = figures(t, m, year, keys=("track",))
    t = t.left_join(held, "credit_code").drop("credit_code_right")
    t = _with_published_benchmarks(t, inputs, m, year)
    return grade(t, m, year)


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
