"""电力看经济: electricity as a near-real-time activity signal, by firm, industry and district.

For a period (a month, or a calendar year) each firm's electricity is the sum of its daily
readings (``power_daily``) when it has any in the period, else its monthly electricity in
``energy``; the same for the same period last year. The activity index (用电指数) is

    index = kWh(period) / kWh(same period last year) × 100      (100 = as last year)

and industries and districts get the index of their firms' totals on the 同口径 set (firms with
both periods). Warnings, most severe first, with thresholds from the methodology:

1. 数据缺失 (missing): firms with daily readings have too many days without one, or a firm
   that reported last year reported nothing this period;
2. 疑似停产 (possible stoppage): a run of ``stoppage_days`` consecutive days each below
   ``low_day_ratio`` × last year's mean daily use × the day's city-wide level (all judged
   firms' use that day over their mean daily use last year, so a collective holiday such as
   the Spring Festival stops nobody), or an index below ``stoppage_index``;
3. 用电骤降 (sharp drop): index below ``drop_index``;
4. 用电激增 (sharp rise): index above ``rise_index``.

An index on a base under ``min_base_kwh`` is not judged (a small base makes it noise).
Everything is one Ibis expression (window functions for the consecutive-day runs).
"""

from __future__ import annotations

import calendar
import datetime as dt
import sys
from collections.abc import Mapping

import ibis

from zhizao.engine.compiled import compiled_over_days
from zhizao.monitoring import methodology as monitoring_methodology
from zhizao.monitoring.methodology import MonitoringMethodology

INPUTS = ("enterprises", "power_daily", "energy")

WARNINGS = {
    "missing": (1, "数据缺失"),
    "stoppage": (2, "疑似停产"),
    "drop": (3, "用电骤降"),
    "rise": (4, "用电激增"),
}


def month_period(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    return start, dt.date(year + (month == 12), month % 12 + 1, 1)


def year_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def last_year(d: dt.date) -> dt.date:
    # 29 February has no same day last year: the 28th stands in
    day = min(d.day, calendar.monthrange(d.year - 1, d.month)[1])
    return dt.date(d.year - 1, d.month, day)


def _lit(d: dt.date) -> ibis.Value:
    return ibis.date(d.year, d.month, d.day)


def firm_activity(t: Mapping[str, ibis.Table], m: MonitoringMethodology, start: dt.date,
                  end: dt.date, ps: dt.date | None = None, pe: dt.date | None = None) -> ibis.Table:
    """One row per firm with electricity in the period (``start`` up to ``end``) or the same
    period last year (``ps`` up to ``pe``, :func:`last_year` of each when not given): its use,
    index, coverage, longest run of low days and its warning (None when none). The days are used
    only as values of the expression (the numbers of days are taken in the SQL), so one compiled
    SQL serves every period (:func:`activity`)."""
    p = m.power
    ps, pe = ps or last_year(start), pe or last_year(end)
    days = _lit(end).delta(_lit(start), unit="day").cast("int16")
    days_prev = _lit(pe).delta(_lit(ps), unit="day")
    pdaily = t["power_daily"]
    energy = t["energy"]

    def daily(s: dt.date, e: dt.date, tag: str) -> ibis.Table:
        f = pdaily.filter((pdaily.date >= _lit(s)) & (pdaily.date < _lit(e)))
        return f.group_by(f.credit_code).aggregate(kwh=f.kwh.sum(), days=f.date.count()).mutate(
            period=ibis.literal(tag), src=ibis.literal("daily"))

    def monthly(s: dt.date, e: dt.date, tag: str) -> ibis.Table:
        f = energy.filter((energy.energy_type == "electricity") & (energy.month >= _lit(s)) & (energy.month < _lit(e)))
        return f.group_by(f.credit_code).aggregate(kwh=f.quantity.sum(), days=f.month.count() * 0).mutate(
            period=ibis.literal(tag), src=ibis.literal("monthly"))

    long = ibis.union(daily(start, end, "cur"), daily(ps, pe, "prev"), monthly(start, end, "cur"),
                      monthly(ps, pe, "prev"), distinct=False)

    def pick(period: str, src: str, col: str) -> ibis.Value:
        return ((long.period == period) & (long.src == src)).ifelse(long[col], ibis.null()).max()

    wide = long.group_by("credit_code").aggregate(
        cur_daily=pick("cur", "daily", "kwh"), cur_days=pick("cur", "daily", "days"),
        cur_monthly=pick("cur", "monthly", "kwh"),
        prev_daily=pick("prev", "daily", "kwh"), prev_days=pick("prev", "daily", "days"),
        prev_monthly=pick("prev", "monthly", "kwh"),
    )
    wide = wide.mutate(
        kwh=wide.cur_daily.fill_null(wide.cur_monthly),
        kwh_last_year=wide.prev_daily.fill_null(wide.prev_monthly),
        source=wide.cur_daily.notnull().ifelse("日用电量", wide.cur_monthly.notnull().ifelse("月度电量", None)),
        days_reported=wide.cur_days.fill_null(0),
        has_daily=wide.cur_daily.notnull() | wide.prev_daily.notnull(),
    )
    judged = wide.kwh_last_year >= p.min_base_kwh.value
    wide = wide.mutate(index=(judged & wide.kwh.notnull()).ifelse(wide.kwh / wide.kwh_last_year * 100.0, None),
                       base_daily=wide.kwh_last_year / days_prev)

    # longest run of consecutive low days (gaps and islands: day number minus row number)
    cur = pdaily.filter((pdaily.date >= _lit(start)) & (pdaily.date < _lit(end)))
    bases = wide.select(b_code=wide.credit_code, base_daily=wide.base_daily, judged=judged)
    low = cur.join(bases, cur.credit_code == bases.b_code)
    low = low.filter(low.judged & (low.base_daily > 0))
    # a day the whole city runs low (Spring Festival, a grid-wide cut) is no stoppage of one firm:
    # compare each firm with the day's city-wide level against last year's mean
    level = low.group_by(low.date.name("l_date")).aggregate(day_level=low.kwh.sum() / low.base_daily.sum())
    low = low.join(level, low.date == level.l_date)
    low = low.filter(low.kwh < low.base_daily * p.low_day_ratio.value * low.day_level)
    dayno = (low.date.epoch_seconds() / 86400).round().cast("int64")
    w = ibis.window(group_by=low.credit_code, order_by=low.date)
    low = low.mutate(island=dayno - ibis.row_number().over(w))
    runs = low.group_by([low.credit_code.name("r_code"), low.island]).aggregate(run=low.date.count())
    runs = runs.group_by("r_code").aggregate(longest_low_run=runs.run.max())

    out = wide.left_join(runs, wide.credit_code == runs.r_code)
    ent = t["enterprises"].select("credit_code", "name", "region_code", "industry_code")
    ent = ent.rename(e_code="credit_code")
    out = out.left_join(ent, out.credit_code == ent.e_code)
    run_len = out.longest_low_run.fill_null(0)
    missing = (out.has_daily & (out.days_reported < days * (1 - p.missing_days_ratio.value))) | (
        out.kwh.isnull() & out.kwh_last_year.notnull())
    stoppage = (run_len >= p.stoppage_days.value) | (out["index"] < p.stoppage_index.value)
    drop = out["index"] < p.drop_index.value
    rise = out["index"] > p.rise_index.value
    warning = (ibis.cases((missing, "missing"), (stoppage, "stoppage"), (drop, "drop"), (rise, "rise"),
                          else_=ibis.null().cast("string")))
    out = out.mutate(warning=warning, longest_low_run=run_len, days_expected=days)
    out = out.mutate(
        warning_text=out.warning.cases(*[(k, v[1]) for k, v in WARNINGS.items()], else_=None),
        severity=out.warning.cases(*[(k, v[0]) for k, v in WARNINGS.items()], else_=None),
        division=out.industry_code.substr(0, 2),
    )
    return out.select("credit_code", "name", "region_code", "industry_code", "division", "kwh", "kwh_last_year",
                      "index", "source", "days_reported", "days_expected", "longest_low_run", "warning",
                      "warning_text", "severity")


def _city(region_code: ibis.Value) -> ibis.Value:
    return region_code.substr(0, 4).concat("00")


def aggregate_index(firms: ibis.Table, by: str) -> ibis.Table:
    """The activity index of an industry division (``by="division"``) or a region (``by="region"``:
    each city and district) on the 同口径 set: Σ kWh / Σ kWh last year × 100 over firms with both."""
    both = firms.filter(firms.kwh.notnull() & firms.kwh_last_year.notnull() & (firms.kwh_last_year > 0))
    if by == "region":
        city = both.mutate(key=_city(both.region_code))
        district = both.filter(both.region_code != _city(both.region_code)).mutate(key=both.region_code)
        both = city.union(district, distinct=False)
    else:
        both = both.mutate(key=both[by])
    g = both.group_by("key").aggregate(kwh=both.kwh.sum(), kwh_last_year=both.kwh_last_year.sum(),
                                       firms=both.credit_code.count(),
                                       warnings=both.warning.notnull().cast("int64").sum())
    return g.mutate(index=g.kwh / g.kwh_last_year * 100.0).order_by("key")


#: the code the expression comes from (its source is part of the compiled-SQL key)
_CODE = (monitoring_methodology, sys.modules[__name__])


def activity(t: Mapping[str, ibis.Table], m: MonitoringMethodology, start: dt.date, end: dt.date) -> ibis.Table:
    """:func:`firm_activity`, built and compiled once per methodology and inputs for every period
    (:func:`zhizao.engine.compiled.compiled_over_days`): the monthly list reads it four times a
    call, each build and compile was 0.3–0.5 s, and a month not seen before paid it again."""
    used = {k: t[k] for k in INPUTS if k in t}
    return compiled_over_days(lambda s, e, ps, pe: firm_activity(used, m, s, e, ps, pe),
                              (start, end, last_year(start), last_year(end)),
                              key=("monitoring.power", m.model_dump_json()), inputs=used, code=_CODE)


def evaluate(inputs: Mapping[str, ibis.Table], methodology: MonitoringMethodology, year: int) -> ibis.Table:
    """The capability's method: each firm's activity over the calendar ``year`` against the year
    before, with its warning (the monthly list is :func:`activity` on a month)."""
    start, end = year_period(year)
    return activity(inputs, methodology, start, end)
