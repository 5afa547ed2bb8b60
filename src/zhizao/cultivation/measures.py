"""The measures the tier rule sets compare, over one row per firm for a data year.

:func:`firm_table` joins, per firm, the year's and the two previous years' statistics (revenue,
R&D, assets, liabilities), the year's tax, the year's facts (``firm_facts``) and the firm's
attributes; :data:`MEASURES` names what rules may compare (2-year averages, growth, ratios, R&D
over revenue in each of n years). A measure is null (so a criterion on it is *unknown*) when any
year it needs is missing or a ratio's denominator is not positive.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from zhizao.criteria import Measure
from zhizao.cultivation.codes import FACT_UNITS, FACTS

STAT_COLUMNS = ("revenue", "rd_expense", "total_assets", "total_liabilities")
#: years back the measures read (0 = the data year)
YEARS_BACK = (0, 1, 2)
NULL = ibis.null().cast("float64")


def attach(t: ir.Table, other: ir.Table, key: str = "credit_code") -> ir.Table:
    """``t`` left-joined with ``other`` on ``key``, keeping ``t``'s key only."""
    j = t.left_join(other, t[key] == other[key])
    return j.select(t, *[other[c] for c in other.columns if c != key])


def firm_table(inputs: Mapping[str, ir.Table], year: int) -> ir.Table:
    """One row per firm of ``enterprises`` with the columns the measures read."""
    ent = inputs["enterprises"]
    t = ent.select("credit_code", "name", "region_code", "industry_code",
                   founded_year=ent.founded_on.cast("date").year().cast("int64"))
    st = inputs["statistics_annual"]
    st = st.filter(st.year.between(year - 2, year))
    stats = st.group_by("credit_code").aggregate(**{
        f"{c}_y{k}": ibis.ifelse(st.year == year - k, st[c].cast("float64"), NULL).max()
        for c in STAT_COLUMNS for k in YEARS_BACK
    })
    t = attach(t, stats)
    if "tax" in inputs:
        tax = inputs["tax"]
        tax = tax.filter(tax.year == year).group_by("credit_code").aggregate(tax_paid=tax.tax_paid.cast("float64").sum())
        t = attach(t, tax)
    else:
        t = t.mutate(tax_paid=NULL)
    ff = inputs["firm_facts"]
    ff = ff.filter(ff.year.between(year - 2, year))
    aggs = {f"f_{f}": ibis.ifelse((ff.fact == f) & (ff.year == year), ff.value.cast("float64"), NULL).max()
            for f in FACTS}
    aggs |= {f"f_net_profit_y{k}": ibis.ifelse((ff.fact == "net_profit") & (ff.year == year - k),
                                               ff.value.cast("float64"), NULL).max() for k in (1, 2)}
    facts = ff.group_by("credit_code").aggregate(**aggs)
    return attach(t, facts).mutate(year=ibis.literal(year, type="int64"))


def ratio(num: ir.FloatingValue, den: ir.FloatingValue, scale: float = 1.0) -> ir.FloatingValue:
    """``num × scale / den``, null unless ``den`` is positive (no division errors on Spark's ANSI mode)."""
    return ibis.ifelse(den > 0, num * scale / den, NULL)


def all_or_null(*values: ir.FloatingValue) -> ir.BooleanValue:
    cond = values[0].notnull()
    for v in values[1:]:
        cond = cond & v.notnull()
    return cond


def least_of(*values: ir.FloatingValue) -> ir.FloatingValue:
    """The least of ``values``, null when any is null (LEAST skips nulls on both engines)."""
    return ibis.ifelse(all_or_null(*values), ibis.least(*values), NULL)


def mean_of(*values: ir.FloatingValue) -> ir.FloatingValue:
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total / len(values)


def _growth(t: ir.Table, k: int) -> ir.FloatingValue:
    """Revenue growth (%) from year −(k+1) to year −k."""
    return ratio(t[f"revenue_y{k}"] - t[f"revenue_y{k + 1}"], t[f"revenue_y{k + 1}"], 100.0)


def _rd_share(t: ir.Table, k: int) -> ir.FloatingValue:
    return ratio(t[f"rd_expense_y{k}"], t[f"revenue_y{k}"], 100.0)


def _profit_growth(t: ir.Table, k: int) -> ir.FloatingValue:
    now = t.f_net_profit if k == 0 else t[f"f_net_profit_y{k}"]
    before = t[f"f_net_profit_y{k + 1}"]
    return ratio(now - before, before, 100.0)


def _fact(name: str) -> Measure:
    return Measure(FACTS[name][0], FACT_UNITS[name], f"f_{name}", doc=f"firm_facts `{name}` of the data year")


MEASURES: dict[str, Measure] = {
    "revenue": Measure("上年度营业收入", "万元", "revenue_y0", doc="statistics_annual revenue of the data year"),
    "revenue_avg2": Measure("近2年营业收入平均值", "万元", lambda t: mean_of(t.revenue_y0, t.revenue_y1)),
    "revenue_avg3": Measure("近3年营业收入年均值", "万元",
                            lambda t: mean_of(t.revenue_y0, t.revenue_y1, t.revenue_y2)),
    "revenue_growth": Measure("营业收入增长率", "%", lambda t: _growth(t, 0)),
    "revenue_growth_avg2": Measure("近2年营业收入平均增长率", "%",
                                   lambda t: mean_of(_growth(t, 0), _growth(t, 1))),
    "revenue_growth_min2": Measure("近2年营业收入增长率（较低一年）", "%",
                                   lambda t: least_of(_growth(t, 0), _growth(t, 1))),
    "rd_expense": Measure("上年度研发费用", "万元", "rd_expense_y0"),
    "rd_total_2y": Measure("近2年研发费用总额", "万元", lambda t: t.rd_expense_y0 + t.rd_expense_y1),
    "rd_avg2": Measure("近2年研发费用均值", "万元", lambda t: mean_of(t.rd_expense_y0, t.rd_expense_y1)),
    "rd_share": Measure("上年度研发费用占营业收入比重", "%", lambda t: _rd_share(t, 0)),
    "rd_share_min2": Measure("近2年研发费用占营业收入比重（较低一年）", "%",
                             lambda t: least_of(_rd_share(t, 0), _rd_share(t, 1))),
    "rd_share_min3": Measure("近3年研发费用占营业收入比重（最低一年）", "%",
                             lambda t: least_of(_rd_share(t, 0), _rd_share(t, 1), _rd_share(t, 2))),
    "debt_ratio": Measure("资产负债率", "%", lambda t: ratio(t.total_liabilities_y0, t.total_assets_y0, 100.0)),
    "tax_paid": Measure("当年实缴税金", "万元", "tax_paid"),
    "firm_age": Measure("成立年限", "年", lambda t: (t.year - t.founded_year).cast("float64")),
    "net_profit_growth_avg2": Measure("近2年净利润平均增长率", "%",
                                      lambda t: mean_of(_profit_growth(t, 0), _profit_growth(t, 1))),
    **{f: _fact(f) for f in FACTS},
}
