"""数据打架: the same figure from two departments must agree within a tolerance, and
year-to-date totals must add up. Each failure names both sources: table, field, value and the
import batches the values came from, so the bureau knows whom to call.

Checks for a year (tolerances from the monitoring methodology):

- ``monthly_vs_annual``: Σ of the 12 months of ``statistics_monthly`` against
  ``statistics_annual`` for gross output, value added and revenue (firms with all 12 months;
  fewer months is incomplete reporting, not a contradiction);
- ``tax_vs_revenue``: implied tax rate ``tax.tax_paid / statistics_annual.revenue`` outside
  the band ``[tax_rate_low, tax_rate_high]``;
- ``power_vs_output``: electricity (``energy``, kWh) per 万元 gross output more than
  ``power_output_factor`` times above or below the median of the firm's division (divisions
  with at least ``min_division_firms`` firms);
- ``energy_vs_power_daily``: monthly electricity in ``energy`` against the month's sum of
  ``power_daily``, relative difference above ``energy_power`` (firm-months with both).

One Ibis expression, a union of the four checks, one row per failure.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import ibis

from zhizao.engine.compiled import evaluation
from zhizao.monitoring import methodology as monitoring_methodology
from zhizao.monitoring.methodology import MonitoringMethodology

INPUTS = ("enterprises", "statistics_annual", "statistics_monthly", "tax", "energy", "power_daily")

CHECKS = {
    "monthly_vs_annual": "月报累计与年报不符",
    "tax_vs_revenue": "税收与营业收入不匹配",
    "power_vs_output": "用电与产值不匹配",
    "energy_vs_power_daily": "月度电量与日用电量合计不符",
}

FIELDS_ZH = {"gross_output": "工业总产值", "value_added": "工业增加值", "revenue": "营业收入"}


def _batches(col: ibis.Value) -> ibis.Value:
    """The distinct batch ids behind an aggregate, as text ("3,7")."""
    return col.cast("int64").collect(distinct=True).sort().cast("array<string>").join(",")


def _shape(t: ibis.Table, check: str, *, credit_code: ibis.Value, period: ibis.Value, a_table: str, a_field: str,
           a_value: ibis.Value, a_batches: ibis.Value, b_table: str, b_field: str, b_value: ibis.Value,
           b_batches: ibis.Value, deviation: ibis.Value, tolerance: str) -> ibis.Table:
    """The common shape of a failure: the check, the firm, the period and both sources."""
    return t.select(
        check=ibis.literal(check), check_name=ibis.literal(CHECKS[check]),
        credit_code=credit_code, period=period.cast("string"),
        a_table=ibis.literal(a_table), a_field=ibis.literal(a_field),
        a_value=a_value.cast("float64"), a_batches=a_batches.cast("string"),
        b_table=ibis.literal(b_table), b_field=ibis.literal(b_field),
        b_value=b_value.cast("float64"), b_batches=b_batches.cast("string"),
        deviation=deviation.cast("float64"), tolerance=ibis.literal(tolerance),
    )


def monthly_vs_annual(t: Mapping[str, ibis.Table], m: MonitoringMethodology, year: int) -> ibis.Table:
    tol = m.consistency.monthly_annual.value
    sm = t["statistics_monthly"]
    sm = sm.filter(sm.month.year() == year)
    sums = sm.group_by(sm.credit_code.name("m_code")).aggregate(
        months=sm.month.count(), m_batches=_batches(sm._batch_id),
        **{f"m_{f}": sm[f].sum() for f in FIELDS_ZH})
    sums = sums.filter(sums.months == 12)
    sa = t["statistics_annual"]
    sa = sa.filter(sa.year == year)
    j = sa.join(sums, sa.credit_code == sums.m_code)
    parts = []
    for f in FIELDS_ZH:
        dev = (j[f"m_{f}"] - j[f]).abs() / j[f].abs()
        bad = j.filter((j[f] != 0) & (dev > tol))
        dev = (bad[f"m_{f}"] - bad[f]).abs() / bad[f].abs()
        parts.append(_shape(bad, "monthly_vs_annual", credit_code=bad.credit_code, period=ibis.literal(str(year)),
                            a_table="statistics_monthly", a_field=f"{f}（12个月合计）", a_value=bad[f"m_{f}"],
                            a_batches=bad.m_batches, b_table="statistics_annual", b_field=f,
                            b_value=bad[f], b_batches=bad._batch_id, deviation=dev,
                            tolerance=f"相对差 ≤ {tol:.1%}"))
    return ibis.union(*parts, distinct=False)


def tax_vs_revenue(t: Mapping[str, ibis.Table], m: MonitoringMethodology, year: int) -> ibis.Table:
    low, high = m.consistency.tax_rate_low.value, m.consistency.tax_rate_high.value
    tax = t["tax"]
    tax = tax.filter(tax.year == year)
    tax = tax.select(t_code=tax.credit_code, tax_paid=tax.tax_paid, t_batch=tax._batch_id)
    sa = t["statistics_annual"]
    sa = sa.filter((sa.year == year) & (sa.revenue > 0))
    j = sa.join(tax, sa.credit_code == tax.t_code)
    j = j.mutate(rate=j.tax_paid / j.revenue)
    bad = j.filter((j.rate < low) | (j.rate > high))
    return _shape(bad, "tax_vs_revenue", credit_code=bad.credit_code, period=ibis.literal(str(year)),
                  a_table="tax", a_field="tax_paid", a_value=bad.tax_paid, a_batches=bad.t_batch,
                  b_table="statistics_annual", b_field="revenue", b_value=bad.revenue, b_batches=bad._batch_id,
                  deviation=bad.rate, tolerance=f"实缴税金/营业收入 在 {low:.1%}–{high:.0%} 之间")


def power_vs_output(t: Mapping[str, ibis.Table], m: MonitoringMethodology, year: int) -> ibis.Table:
    factor = m.consistency.power_output_factor.value
    min_firms = int(m.consistency.min_division_firms.value)
    en = t["energy"]
    en = en.filter((en.energy_type == "electricity") & (en.month.year() == year))
    kwh = en.group_by(en.credit_code.name("k_code")).aggregate(kwh=en.quantity.sum(), k_batches=_batches(en._batch_id))
    sa = t["statistics_annual"]
    sa = sa.filter((sa.year == year) & (sa.gross_output > 0))
    ent = t["enterprises"].select(e_code=t["enterprises"].credit_code, industry_code=t["enterprises"].industry_code)
    j = sa.join(kwh, sa.credit_code == kwh.k_code).join(ent, sa.credit_code == ent.e_code)
    j = j.filter(j.kwh > 0).mutate(division=j.industry_code.substr(0, 2), per_output=j.kwh / j.gross_output)
    w = ibis.window(group_by=j.division)
    j = j.mutate(median=j.per_output.median().over(w), division_firms=j.per_output.count().over(w))
    j = j.mutate(ratio=j.per_output / j.median)
    bad = j.filter((j.division_firms >= min_firms) & ((j.ratio > factor) | (j.ratio < 1.0 / factor)))
    return _shape(bad, "power_vs_output", credit_code=bad.credit_code, period=ibis.literal(str(year)),
                  a_table="energy", a_field="electricity（千瓦时，全年合计）", a_value=bad.kwh,
                  a_batches=bad.k_batches, b_table="statistics_annual", b_field="gross_output",
                  b_value=bad.gross_output, b_batches=bad._batch_id, deviation=bad.ratio,
                  tolerance=f"千瓦时/万元产值 在行业中位数的 1/{factor:g}–{factor:g} 倍之间")


def energy_vs_power_daily(t: Mapping[str, ibis.Table], m: MonitoringMethodology, year: int) -> ibis.Table:
    tol = m.consistency.energy_power.value
    en = t["energy"]
    en = en.filter((en.energy_type == "electricity") & (en.month.year() == year))
    en = en.select(e_code=en.credit_code, e_month=en.month, e_kwh=en.quantity, e_batch=en._batch_id)
    pdl = t["power_daily"]
    pdl = pdl.filter(pdl.date.year() == year)
    pdl = pdl.mutate(p_month=pdl.date.truncate("M").cast("date"))
    daily = pdl.group_by([pdl.credit_code.name("p_code"), "p_month"]).aggregate(
        p_kwh=pdl.kwh.sum(), p_batches=_batches(pdl._batch_id))
    j = en.join(daily, (en.e_code == daily.p_code) & (en.e_month == daily.p_month))
    big = ibis.greatest(j.e_kwh, j.p_kwh)
    j = j.mutate(dev=(big > 0).ifelse((j.e_kwh - j.p_kwh).abs() / big, 0.0))
    bad = j.filter(j.dev > tol)
    return _shape(bad, "energy_vs_power_daily", credit_code=bad.e_code, period=bad.e_month.strftime("%Y-%m"),
                  a_table="energy", a_field="electricity（千瓦时，当月）", a_value=bad.e_kwh, a_batches=bad.e_batch,
                  b_table="power_daily", b_field="kwh（当月合计）", b_value=bad.p_kwh, b_batches=bad.p_batches,
                  deviation=bad.dev, tolerance=f"相对差 ≤ {tol:.0%}")


#: the code the expression comes from (its source is part of the compiled-SQL key)
_CODE = (monitoring_methodology, sys.modules[__name__])
#: the list's order
ORDER = ("check", "region_code", "credit_code", "period", "a_field")


def failures(t: Mapping[str, ibis.Table], m: MonitoringMethodology, year: int, region: str | None = None) -> ibis.Table:
    """Every failed check of ``year`` (of firms of ``region`` when given), with the firm's name and
    region, ordered for the list. The checks are built and compiled once per methodology, year and
    inputs (:func:`zhizao.engine.compiled.evaluation`): a page refresh asks for each district's."""
    out = evaluation("monitoring.consistency", lambda used: _failures(used, m, year), t, INPUTS, m, year,
                     code=_CODE)
    if region:
        out = out.filter(out.region_code == region)
    return out.order_by(list(ORDER))


def _failures(t: Mapping[str, ibis.Table], m: MonitoringMethodology, year: int) -> ibis.Table:
    u = ibis.union(monthly_vs_annual(t, m, year), tax_vs_revenue(t, m, year), power_vs_output(t, m, year),
                   energy_vs_power_daily(t, m, year), distinct=False)
    ent = t["enterprises"]
    ent = ent.select(e_code=ent.credit_code, name=ent.name, region_code=ent.region_code)
    return u.left_join(ent, u.credit_code == ent.e_code).drop("e_code")
