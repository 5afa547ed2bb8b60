"""Monthly year-to-date monitoring: the annual figures on cumulative data, month by month.

For each month M of the year that has any energy or monthly statistics, every firm's figures
are computed on January–M cumulative energy, zero-carbon and value added
(``statistics_monthly``), and graded against the same-period benchmark, so the bureau sees a
firm drifting before the year ends. Same rules and reasons as the annual grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from zhizao.carbon.method import SUM_COLS, ZERO_COLS, energy_sums, figures, grade, zero_sums
from zhizao.carbon.methodology import CarbonMethodology
from zhizao.engine.base import Engine
from zhizao.periods import in_year
from zhizao.sums import exact_sum

INPUTS = ("enterprises", "statistics_monthly", "energy", "zero_carbon")


def ytd(inputs: Mapping[str, ir.Table], methodology: CarbonMethodology, year: int) -> ir.Table:
    """One row per firm and month: year-to-date emissions, value added, intensity, K, grade."""
    m = methodology

    def of_year(t: ir.Table) -> ir.Table:
        return t.filter(in_year(t.month, year)).mutate(month=t.month.cast("date"))

    energy, zero = of_year(inputs["energy"]), of_year(inputs["zero_carbon"])
    monthly = of_year(inputs["statistics_monthly"])
    va = monthly.group_by(["credit_code", "month"]).aggregate(
        month_va=exact_sum(monthly.value_added.cast("float64")), stats_rows=monthly.count())
    keys = ["credit_code", "month"]
    months = (energy.select("month").union(monthly.select("month")).union(zero.select("month"))).distinct()
    firms = inputs["enterprises"].select("credit_code", "name", "region_code", "industry_code")
    spine = firms.cross_join(months)
    t = (spine
         .left_join(energy_sums(energy, m, keys), keys).drop("credit_code_right", "month_right")
         .left_join(zero_sums(zero, keys), keys).drop("credit_code_right", "month_right")
         .left_join(va, keys).drop("credit_code_right", "month_right"))
    cum = ibis.cumulative_window(group_by=t.credit_code, order_by=t.month)
    sums = {c: t[c].fill_null(0).sum().over(cum) for c in (*SUM_COLS, *ZERO_COLS, "month_va", "stats_rows")}
    t = t.mutate(**sums)
    t = t.mutate(has_stats=t.stats_rows > 0,
                 value_added=ibis.ifelse(t.stats_rows > 0, t.month_va, ibis.null("float64")))
    return grade(figures(t, m, year, keys=("month",)), m, year, by=("month",))


def summary(engine: Engine, methodology: CarbonMethodology, year: int, month: int | None = None) -> dict[str, Any]:
    """Grade distribution for each month so far, and the firms whose year-to-date grade worsened
    in ``month`` (default: the latest month with data). Plain JSON-able dict."""
    t = ytd(engine.tables(INPUTS), methodology, year)
    dist = engine.to_pyarrow(t.group_by(["month", "status", "grade"]).aggregate(n=t.count())).to_pylist()
    by_month: dict[str, dict[str, Any]] = {}
    for r in dist:
        key = r["month"].strftime("%Y-%m")
        d = by_month.setdefault(key, {"month": key, "graded": 0, "ungraded": 0, "grades": {}})
        if r["status"] == "graded":
            d["graded"] += int(r["n"])
            d["grades"][str(r["grade"])] = int(r["n"])
        else:
            d["ungraded"] += int(r["n"])
    if not by_month:
        raise LookupError(f"{year} 年没有月度能源或统计数据")
    months = sorted(by_month)
    chosen = f"{year}-{month:02d}" if month else months[-1]
    if chosen not in by_month:
        raise LookupError(f"{chosen} 没有数据（有数据的月份: {', '.join(months)}）")
    w = ibis.window(group_by=t.credit_code, order_by=t.month)
    t = t.mutate(previous_grade=t.grade.lag().over(w))
    sel = t.filter(t.month.strftime("%Y-%m") == chosen)
    cols = ("credit_code", "name", "region_code", "industry_code", "emissions_t", "value_added", "intensity",
            "benchmark_intensity", "k_value", "level", "grade", "label", "colour", "status", "reason", "previous_grade")
    rows = engine.to_pyarrow(sel.select(*cols).order_by("credit_code")).to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, float) and v != v:
                r[k] = None
    worsened = [r for r in rows if r["grade"] is not None and r["previous_grade"] is not None
                and r["grade"] > r["previous_grade"]]
    return {"year": year, "month": chosen, "methodology": methodology.ref,
            "months": [by_month[k] for k in months], "worsened": worsened, "firms": rows}
