"""The economy indicators (METHODS.md §7), by city and district, by year.

Every total is one vectorised Ibis query over the warehouse's current views (so it runs on
DuckDB and on Spark); the few hundred (region, year) aggregates that come back are turned into
rates, growth and ranks by the pure functions of :mod:`zhizao.economy.growth`.

Regions: a firm counts in its district (``region_code``, 6-digit GB/T 2260) and in its city
(the first four digits + ``00``); a firm registered at the city code itself counts only there.

Conventions (also in ``docs/indicators.md``):

- levels are above-scale (规上) totals at current prices;
- ``value_added_growth`` is at comparable prices on the 同口径 set: firms above scale this year
  that reported value added last year; each firm's value added is deflated by its division's
  producer price index (previous year = 100); a division without an index is not deflated
  (the count is stated in ``basis``);
- ``value_added_cagr`` chains the yearly comparable rates, n = number of yearly intervals;
- per-mu figures are totals over the firms evaluated (land area > 0 that year and a
  statistics row), never a mean of firm ratios.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from zhizao.economy import catalogue, coefficients, growth
from zhizao.economy.catalogue import CATALOGUE, MAPPING_ONLY, RANKED, SHARES
from zhizao.engine.base import Engine

INPUTS = ("enterprises", "statistics_annual", "price_indices", "tax", "land", "energy")


class IndicatorError(ValueError):
    """A request that cannot be answered (message in Chinese)."""


@dataclass(frozen=True)
class Value:
    """One computed figure before rounding; ``row()`` gives the published form."""

    id: str
    region: str
    year: int
    value: float
    basis: str
    #: 1–12 for monthly figures
    month: int | None = None

    def row(self) -> dict[str, Any]:
        """``value`` as published (rounded to the indicator's decimals) and ``exact`` unrounded."""
        ind = CATALOGUE[self.id]
        exact = None if self.value is None or self.value != self.value else float(self.value)
        out = {"id": self.id, "name": ind.name, "region": self.region, "year": self.year,
               "value": catalogue.rounded(self.id, self.value), "exact": exact, "unit": ind.unit,
               "basis": self.basis}
        if self.month is not None:
            out["month"] = self.month
        return out


# ---------------------------------------------------------------- Ibis building blocks
def city_of(region_code: ibis.Value) -> ibis.Value:
    return region_code.substr(0, 4).concat("00")


def by_region(t: ibis.Table) -> ibis.Table:
    """Each row twice: once for its city, once for its district (unless it is the city)."""
    city = t.mutate(region=city_of(t.region_code))
    district = t.filter(t.region_code != city_of(t.region_code)).mutate(region=t.region_code)
    return city.union(district, distinct=False)


def firm_years(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """One row per firm and year in [y_from, y_to] of ``statistics_annual`` with its region,
    category flags (the firm's own where given, else the industry mapping), last year's value
    added and its division's price index."""
    sa = t["statistics_annual"]
    ent = t["enterprises"]
    ent = ent.select(e_code=ent.credit_code, region_code=ent.region_code, industry_code=ent.industry_code)
    flags = t["ref_industry_flags"]
    flags = flags.select(f_code=flags.industry_code, **{f"m_{k}": flags[k] for k in SHARES})
    prices = t["price_indices"]
    prices = prices.select(p_year=prices.year.cast("int64"), p_div=prices.division, p_index=prices["index"])
    prev = sa.select(v_code=sa.credit_code, v_year=(sa.year + 1).cast("int64"), va_prev=sa.value_added)

    cur = sa.filter((sa.year >= y_from) & (sa.year <= y_to))
    cur = cur.select("credit_code", year=cur.year.cast("int64"), above=cur.above_scale.fill_null(False),
                     gross_output=cur.gross_output, value_added=cur.value_added,
                     **{f"s_{k}": cur[k] for k in SHARES})
    j = cur.join(ent, cur.credit_code == ent.e_code)
    j = j.left_join(flags, j.industry_code == flags.f_code)
    j = j.mutate(division=j.industry_code.substr(0, 2))
    j = j.left_join(prices, (j.year == prices.p_year) & (j.division == prices.p_div))
    j = j.left_join(prev, (j.credit_code == prev.v_code) & (j.year == prev.v_year))
    in_cmp = j.above & j.va_prev.notnull() & j.value_added.notnull()
    deflator = j.p_index.fill_null(100.0) / 100.0
    va = j.value_added.fill_null(0.0)
    out = j.mutate(
        in_cmp=in_cmp,
        cmp_cur=in_cmp.ifelse(va / deflator, 0.0),
        cmp_base=in_cmp.ifelse(j.va_prev, 0.0),
        cmp_no_index=in_cmp & j.p_index.isnull(),
        va_above=j.above.ifelse(va, 0.0),
        go_above=j.above.ifelse(j.gross_output.fill_null(0.0), 0.0),
        **{f"va_{k}": (j.above & _category(j, k)).ifelse(va, 0.0) for k in SHARES},
    )
    return out.select("credit_code", "year", "region_code", "industry_code", "division", "above", "in_cmp",
                      "cmp_cur", "cmp_base", "cmp_no_index", "va_above", "go_above",
                      *[f"va_{k}" for k in SHARES], value_added=va)


def _category(j: ibis.Table, k: str) -> ibis.Value:
    """Is the firm in category ``k``: its own flag where given, else the industry mapping; only
    the mapping for the categories of ``MAPPING_ONLY`` (whose flag belongs to another list)."""
    mapped = j[f"m_{k}"].fill_null(False)
    return mapped if k in MAPPING_ONLY else j[f"s_{k}"].fill_null(mapped)


def scale_totals(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """Per (region, year): counts and above-scale totals, shares' numerators, comparable sums."""
    fy = by_region(firm_years(t, y_from, y_to))
    return fy.group_by(["region", "year"]).aggregate(
        above_scale_count=fy.above.cast("int64").sum(),
        gross_output=fy.go_above.sum(),
        value_added=fy.va_above.sum(),
        cmp_cur=fy.cmp_cur.sum(),
        cmp_base=fy.cmp_base.sum(),
        cmp_n=fy.in_cmp.cast("int64").sum(),
        cmp_no_index=fy.cmp_no_index.cast("int64").sum(),
        **{f"va_{k}": fy[f"va_{k}"].sum() for k in SHARES},
    )


def per_mu_totals(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """Per (region, year): land, tax and value added of the above-scale firms evaluated (规上 with
    land area > 0). Land counts each parcel once per region, however many firms hold it."""
    sa = t["statistics_annual"]
    ent = t["enterprises"]
    land = t["land"]
    tax = t["tax"]
    land = land.filter((land.year >= y_from) & (land.year <= y_to))
    area = land.group_by([land.credit_code.name("l_code"), land.year.cast("int64").name("l_year")]).aggregate(
        area=land.area_mu.sum())
    area = area.filter(area.area > 0)
    taxes = tax.select(t_code=tax.credit_code, t_year=tax.year.cast("int64"), tax_paid=tax.tax_paid)
    above = sa.filter(sa.above_scale.fill_null(False))
    cur = above.select("credit_code", year=above.year.cast("int64"), value_added=above.value_added)
    j = cur.join(area, (cur.credit_code == area.l_code) & (cur.year == area.l_year))
    ents = ent.select(e_code=ent.credit_code, region_code=ent.region_code)
    j = j.join(ents, j.credit_code == ents.e_code)
    j = j.left_join(taxes, (j.credit_code == taxes.t_code) & (j.year == taxes.t_year))
    firms = by_region(j.select("region_code", "year", tax_paid=j.tax_paid.fill_null(0.0),
                               value_added=j.value_added.fill_null(0.0)))
    money = firms.group_by(["region", "year"]).aggregate(
        tax_eval=firms.tax_paid.sum(), va_eval=firms.value_added.sum(), n_eval=firms.year.count())
    ev = j.select(p_code=j.credit_code, p_year=j.year, p_region=j.region_code)
    held = land.join(ev, (land.credit_code == ev.p_code) & (land.year.cast("int64") == ev.p_year))
    held = by_region(held.select(region_code=held.p_region, year=held.p_year, parcel_id=held.parcel_id,
                                 area_mu=held.area_mu))
    parcels = held.group_by(["region", "year", "parcel_id"]).aggregate(area=held.area_mu.max(),
                                                                       holders=held.area_mu.count())
    acres = parcels.group_by([parcels.region.name("a_region"), parcels.year.name("a_year")]).aggregate(
        land_mu=parcels.area.sum(), n_shared=(parcels.holders > 1).cast("int64").sum())
    out = money.join(acres, (money.region == acres.a_region) & (money.year == acres.a_year))
    return out.select("region", "year", "land_mu", "tax_eval", "va_eval", "n_eval", "n_shared")


def _energy_rows(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """The energy rows of the years with their year's coefficients (a type without one is left out)."""
    en = t["energy"]
    coef = t["ref_energy_coefficients"]
    en = en.mutate(e_year=en.month.year().cast("int64"))
    en = en.filter((en.e_year >= y_from) & (en.e_year <= y_to))
    return en.join(coef, (en.e_year == coef.c_year.cast("int64")) & (en.energy_type == coef.c_type))


def _energy_firm_years(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """Above-scale firm-years with energy rows: their standard coal, CO2 and value added."""
    j = _energy_rows(t, y_from, y_to)
    per_firm = j.group_by([j.credit_code.name("n_code"), j.e_year.name("n_year")]).aggregate(
        tce=(j.quantity * j.tce_per_unit).sum(), co2=(j.quantity * j.co2_per_unit).sum())
    fy = firm_years(t, y_from, y_to)
    fy = fy.filter(fy.above)
    return fy.join(per_firm, (fy.credit_code == per_firm.n_code) & (fy.year == per_firm.n_year))


def energy_totals(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """Per (region, year): standard coal and CO2 of above-scale firms (each year's coefficients)
    and their value added."""
    k = _energy_firm_years(t, y_from, y_to)
    k = by_region(k.select("region_code", "year", "tce", "co2", va=k.va_above))
    return k.group_by(["region", "year"]).aggregate(
        energy_tce=k.tce.sum(), co2_t=k.co2.sum(), va_energy=k.va.sum(), n_energy=k.tce.count())


def energy_by_type(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """Per (region, year, energy type): the quantity the firms of :func:`energy_totals` used. With
    any year's coefficients it gives that year's standard coal and CO2 of the same quantities
    (the span's changes take the base year's: :func:`span`)."""
    j = _energy_rows(t, y_from, y_to)
    fy = firm_years(t, y_from, y_to)
    fy = fy.filter(fy.above).select(f_code=fy.credit_code, f_year=fy.year, region_code=fy.region_code)
    q = j.join(fy, (j.credit_code == fy.f_code) & (j.e_year == fy.f_year))
    q = by_region(q.select("region_code", "energy_type", year=q.e_year, quantity=q.quantity))
    return q.group_by(["region", "year", "energy_type"]).aggregate(quantity=q.quantity.sum())


def energy_by_division(t: Mapping[str, ibis.Table], y_from: int, y_to: int) -> ibis.Table:
    """Per (region, year, industry division): the value added of the firms of :func:`energy_totals`
    (deflated to any base year's prices by the division's index: :func:`span`)."""
    k = _energy_firm_years(t, y_from, y_to)
    k = by_region(k.select("region_code", "year", "division", va=k.va_above))
    return k.group_by(["region", "year", "division"]).aggregate(va=k.va.sum())


def monthly_totals(t: Mapping[str, ibis.Table], year: int) -> ibis.Table:
    """Per (region, month of ``year``): above-scale value added of the month and the year to
    date, the comparable year-to-date sums on the 同口径 set, electricity and its same-month
    base on the firms with both months."""
    sm = t["statistics_monthly"]
    sa = t["statistics_annual"]
    ent = t["enterprises"]
    prices = t["price_indices"]
    ents = ent.select(e_code=ent.credit_code, region_code=ent.region_code, division=ent.industry_code.substr(0, 2))
    above = sa.filter((sa.year == year) & sa.above_scale.fill_null(False)).select(a_code=sa.credit_code)
    price = prices.filter(prices.year == year).select(p_div=prices.division, p_index=prices["index"])
    cur = sm.filter(sm.month.year() == year)
    cur = cur.select(credit_code=cur.credit_code, m=cur.month.month().cast("int64"),
                     va=cur.value_added.fill_null(0.0))
    prev = sm.filter(sm.month.year() == year - 1)
    prev = prev.select(v_code=prev.credit_code, v_m=prev.month.month().cast("int64"),
                       va_prev=prev.value_added)
    j = cur.join(above, cur.credit_code == above.a_code).join(ents, cur.credit_code == ents.e_code)
    j = j.left_join(price, j.division == price.p_div)
    j = j.left_join(prev, (j.credit_code == prev.v_code) & (j.m == prev.v_m))
    in_cmp = j.va_prev.notnull()
    j = j.select("region_code", "m", "va", cmp_cur=in_cmp.ifelse(j.va / (j.p_index.fill_null(100.0) / 100.0), 0.0),
                 cmp_base=in_cmp.ifelse(j.va_prev, 0.0))
    j = by_region(j)
    g = j.group_by(["region", "m"]).aggregate(va_month=j.va.sum(), cmp_cur=j.cmp_cur.sum(), cmp_base=j.cmp_base.sum())
    w = ibis.window(group_by=g.region, order_by=g.m, preceding=None, following=0)
    g = g.mutate(va_ytd=g.va_month.sum().over(w), cmp_cur_ytd=g.cmp_cur.sum().over(w),
                 cmp_base_ytd=g.cmp_base.sum().over(w))

    en = t["energy"]
    el = en.filter(en.energy_type == "electricity")
    cur_e = el.filter(el.month.year() == year).select(c_code=el.credit_code, c_m=el.month.month().cast("int64"),
                                                       kwh=el.quantity)
    prev_e = el.filter(el.month.year() == year - 1).select(q_code=el.credit_code, q_m=el.month.month().cast("int64"),
                                                            kwh_prev=el.quantity)
    k = cur_e.left_join(prev_e, (cur_e.c_code == prev_e.q_code) & (cur_e.c_m == prev_e.q_m))
    k = k.join(ents, k.c_code == ents.e_code)
    both = k.kwh_prev.notnull()
    k = by_region(k.select("region_code", m=k.c_m, kwh=k.kwh, kwh_cmp=both.ifelse(k.kwh, 0.0),
                           kwh_base=both.ifelse(k.kwh_prev, 0.0)))
    e = k.group_by([k.region.name("e_region"), k.m.name("e_m")]).aggregate(
        kwh=k.kwh.sum(), kwh_cmp=k.kwh_cmp.sum(), kwh_base=k.kwh_base.sum())
    out = g.outer_join(e, (g.region == e.e_region) & (g.m == e.e_m))
    return out.select(region=out.region.fill_null(out.e_region), m=out.m.fill_null(out.e_m),
                      va_month=out.va_month, va_ytd=out.va_ytd, cmp_cur_ytd=out.cmp_cur_ytd,
                      cmp_base_ytd=out.cmp_base_ytd, kwh=out.kwh, kwh_cmp=out.kwh_cmp, kwh_base=out.kwh_base)


def compute_monthly(engine: Engine, year: int, region: str | None = None) -> list[Value]:
    """The monthly indicators of ``year`` (where ``statistics_monthly`` or monthly electricity exists)."""
    t = engine.tables((*INPUTS, "statistics_monthly"))
    df = _frame(engine, monthly_totals(t, year))
    out: list[Value] = []
    for r in df.itertuples(index=False):
        reg, m = str(r.region), int(r.m)
        if region and reg != region:
            continue

        def put(ind: str, value: float | None, basis: str, reg: str = reg, m: int = m) -> None:
            if value is not None:
                out.append(Value(ind, reg, year, value, basis, month=m))

        if _f(r.va_month) is not None:
            put("value_added_month", _f(r.va_month), f"{year}年{m}月，当年规上企业，当年价")
            put("value_added_ytd", _f(r.va_ytd), f"{year}年1–{m}月累计，当年价")
            put("value_added_ytd_growth", growth.growth(_f(r.cmp_base_ytd), _f(r.cmp_cur_ytd)),
                f"{year}年1–{m}月比上年同期，可比价（年度价格指数近似），同口径")
        if _f(r.kwh) is not None:
            put("electricity_month", _f(r.kwh), f"{year}年{m}月，能源表电力")
            put("electricity_index", growth.rate(_f(r.kwh_cmp), _f(r.kwh_base)),
                f"{year}年{m}月比上年同月，两年同月都有电量的企业")
    out.sort(key=lambda v: (v.region, v.id, v.month or 0))
    return out


def distribution_totals(results: ibis.Table, enterprises: ibis.Table, field: str) -> ibis.Table:
    """Per (region, category): firms of a run's results by grade or class."""
    ent = enterprises.select(e_code=enterprises.credit_code, region_code=enterprises.region_code)
    col = results[field]
    # numeric grades may arrive as floats (Spark registers through pandas): 4.0 must read "4"
    if col.type().is_numeric():
        col = col.cast("int64")
    r = results.select(r_code=results.credit_code, category=col.cast("string"))
    r = r.filter(r.category.notnull())
    j = r.join(ent, r.r_code == ent.e_code)
    j = by_region(j.select("region_code", "category"))
    return j.group_by(["region", "category"]).aggregate(firms=j.category.count())


# ---------------------------------------------------------------- assembling the figures
def prepare(engine: Engine, y_from: int, y_to: int) -> tuple[dict[str, ibis.Table], dict[int, str]]:
    """The input tables plus the reference tables the queries join (industry flags, energy
    coefficients), and per year a note of which coefficients were used."""
    from zhizao.codes.industries import industry_flags

    tables = engine.tables(INPUTS)
    tables["ref_industry_flags"] = engine.register("ref_industry_flags", industry_flags())
    coef, notes = coefficients.coefficient_table(range(y_from, y_to + 1))
    tables["ref_energy_coefficients"] = engine.register("ref_energy_coefficients", coef)
    return tables, notes


def deflator(index: Mapping[tuple[str, int], float], division: str, base: int, year: int) -> float:
    """The division's producer price index chained from ``base`` (= 1) to ``year``: dividing
    ``year``'s value added by it gives ``base`` prices. A year without an index for the division
    counts as unchanged prices."""
    cum = 1.0
    for y in range(base + 1, year + 1):
        cum *= index.get((division, y), 100.0) / 100.0
    return cum


def _frame(engine: Engine, expr: ibis.Table) -> pd.DataFrame:
    df = engine.to_pandas(expr)
    if "year" in df.columns:
        df["year"] = df["year"].astype(int)
    return df


def _f(x: Any) -> float | None:
    if x is None or (isinstance(x, float) and x != x) or pd.isna(x):
        return None
    return float(x)


@dataclass(frozen=True)
class Yearly:
    """Every figure of the years ``y_from``…``y_to`` that does not depend on the span asked for
    (levels, rates, growth on last year, ranks, the distributions of published runs), and the
    small per-region aggregates a span's own figures are derived from (:func:`span`): any span
    within the years is then a few milliseconds of Python, not a query (a page's span not seen
    before took 1–2 s of queries)."""

    y_from: int
    y_to: int
    #: the catalogue's yearly figures
    values: tuple[Value, ...]
    #: ranks and the published runs' distributions (no span figure is derived from them)
    extra: tuple[Value, ...]
    #: year → which coefficients its energy figures used
    coef_notes: Mapping[int, str]
    #: year → energy type → (standard coal, CO2) per canonical unit
    coefficients: Mapping[int, Mapping[str, tuple[float | None, float | None]]]
    #: (region, year, energy type, quantity) of the firms with energy figures
    energy_by_type: tuple[tuple[str, int, str, float | None], ...]
    #: (region, year, division, value added) of the same firms
    va_by_division: tuple[tuple[str, int, str, float | None], ...]
    #: (division, year) → producer price index (previous year = 100)
    prices: Mapping[tuple[str, int], float]

    def to_json(self) -> dict[str, Any]:
        """As kept in a prepared file (:mod:`zhizao.prepared`)."""
        def vals(vs: tuple[Value, ...]) -> list[list[Any]]:
            return [[v.id, v.region, v.year, v.value, v.basis] for v in vs]

        return {"y_from": self.y_from, "y_to": self.y_to, "values": vals(self.values), "extra": vals(self.extra),
                "coef_notes": {str(y): n for y, n in self.coef_notes.items()},
                "coefficients": {str(y): {k: list(c) for k, c in cs.items()} for y, cs in self.coefficients.items()},
                "energy_by_type": [list(r) for r in self.energy_by_type],
                "va_by_division": [list(r) for r in self.va_by_division],
                "prices": [[d, y, i] for (d, y), i in self.prices.items()]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Yearly:
        def vals(rows: list[list[Any]]) -> tuple[Value, ...]:
            return tuple(Value(i, r, int(y), v, b) for i, r, y, v, b in rows)

        return cls(int(d["y_from"]), int(d["y_to"]), vals(d["values"]), vals(d["extra"]),
                   {int(y): n for y, n in d["coef_notes"].items()},
                   {int(y): {k: (c[0], c[1]) for k, c in cs.items()} for y, cs in d["coefficients"].items()},
                   tuple((r, int(y), k, q) for r, y, k, q in d["energy_by_type"]),
                   tuple((r, int(y), k, q) for r, y, k, q in d["va_by_division"]),
                   {(str(dv), int(y)): float(i) for dv, y, i in d["prices"]})

    def covers(self, y_from: int, y_to: int) -> bool:
        return self.y_from <= y_from <= y_to <= self.y_to


def yearly(engine: Engine, y_from: int, y_to: int, published: list[PublishedRun] | None = None) -> Yearly:
    """The figures of every year of ``y_from``…``y_to`` (growth of ``y_from`` needs ``y_from − 1``'s
    data and is given when it is there) and what spans within them are derived from."""
    if y_to < y_from:
        raise IndicatorError(f"起止年度有误：{y_from} 晚于 {y_to}")
    t, coef_notes = prepare(engine, y_from, y_to)
    scale = _frame(engine, scale_totals(t, y_from, y_to))
    per_mu = _frame(engine, per_mu_totals(t, y_from, y_to))
    energy = _frame(engine, energy_totals(t, y_from, y_to))
    by_type = _frame(engine, energy_by_type(t, y_from, y_to))
    by_div = _frame(engine, energy_by_division(t, y_from, y_to))
    prices = t["price_indices"]
    price_df = engine.to_pandas(prices.filter((prices.year > y_from) & (prices.year <= y_to))
                                .select("division", "year", "index"))
    coef = coefficients.coefficient_table(range(y_from, y_to + 1))[0].to_pylist()
    out: list[Value] = []

    def put(ind: str, reg: str, year: int, value: float | None, basis: str) -> None:
        if value is not None:
            out.append(Value(ind, reg, year, value, basis))

    for r in scale.itertuples(index=False):
        reg, y = str(r.region), int(r.year)
        n = int(r.above_scale_count)
        put("above_scale_count", reg, y, float(n), f"{y}年统计年报")
        if n:
            put("gross_output", reg, y, _f(r.gross_output), f"{y}年，规上企业{n}家，当年价")
            put("value_added", reg, y, _f(r.value_added), f"{y}年，规上企业{n}家，当年价")
            for k, (name, cls) in SHARES.items():
                how = f"按行业代码映射（{cls}）" if k in MAPPING_ONLY else f"{name}企业标识优先，未填报按行业代码映射"
                put(f"share_{k}", reg, y, growth.rate(_f(getattr(r, f"va_{k}")), _f(r.value_added)), f"{y}年，{how}")
        if int(r.cmp_n):
            note = f"，其中{int(r.cmp_no_index)}家所属大类缺价格指数、未缩减" if int(r.cmp_no_index) else ""
            put("value_added_growth", reg, y, growth.growth(_f(r.cmp_base), _f(r.cmp_cur)),
                f"{y}年比{y - 1}年，可比价，同口径企业{int(r.cmp_n)}家{note}")
    for r in per_mu.itertuples(index=False):
        reg, y = str(r.region), int(r.year)
        shared = f"，其中{int(r.n_shared)}宗多家企业共用的宗地只计一次" if int(r.n_shared) else ""
        basis = f"{y}年，规上企业{int(r.n_eval)}家，用地{_f(r.land_mu):.2f}亩{shared}"
        land, tax, va_eval = _f(r.land_mu), _f(r.tax_eval), _f(r.va_eval)
        put("tax_per_mu", reg, y, tax / land if land and tax is not None else None, basis)
        put("value_added_per_mu", reg, y, va_eval / land if land and va_eval is not None else None, basis)
    for r in energy.itertuples(index=False):
        reg, y = str(r.region), int(r.year)
        basis = f"{y}年，有能耗数据的规上企业{int(r.n_energy)}家；{coef_notes[y]}"
        va = _f(r.va_energy)
        put("energy_tce", reg, y, _f(r.energy_tce), basis)
        put("co2_t", reg, y, _f(r.co2_t), basis)
        tce, co2 = _f(r.energy_tce), _f(r.co2_t)
        if va and va > 0:
            put("energy_per_value_added", reg, y, tce / va if tce is not None else None, basis)
            put("co2_per_value_added", reg, y, co2 / va if co2 is not None else None, basis)
    extra = _ranks(out)
    if published:
        extra += published_distributions(engine, t["enterprises"], published)
    return Yearly(
        y_from, y_to, tuple(out), tuple(extra), dict(coef_notes),
        _coefficients(coef),
        tuple((str(r.region), int(r.year), str(r.energy_type), _f(r.quantity)) for r in by_type.itertuples(index=False)),
        tuple((str(r.region), int(r.year), str(r.division), _f(r.va)) for r in by_div.itertuples(index=False)),
        {(str(r.division), int(r.year)): float(r.index) for r in price_df.itertuples(index=False) if pd.notna(r.index)})


def _coefficients(coef: list[dict[str, Any]]) -> dict[int, dict[str, tuple[float | None, float | None]]]:
    out: dict[int, dict[str, tuple[float | None, float | None]]] = defaultdict(dict)
    for c in coef:
        out[int(c["c_year"])][str(c["c_type"])] = (_f(c["tce_per_unit"]), _f(c["co2_per_unit"]))
    return dict(out)


def _comparable(yr: Yearly, base: int, year: int) -> dict[str, tuple[float | None, float | None, float]]:
    """Per region, ``year``'s standard coal and CO2 with ``base``'s coefficients and its value
    added at ``base`` prices, of the firms with energy figures (none: the region is absent)."""
    coef = yr.coefficients.get(base, {})
    fixed: list[dict[str, float]] = [{}, {}]  # standard coal, CO2: a region without any stays None
    for reg, y, kind, qty in yr.energy_by_type:
        c = coef.get(kind)
        if y != year or qty is None or c is None:
            continue
        for pos in (0, 1):
            factor = c[pos]
            if factor is not None:
                fixed[pos][reg] = fixed[pos].get(reg, 0.0) + qty * factor
    va: dict[str, float] = {}
    for reg, y, div, v in yr.va_by_division:
        if y == year:
            va[reg] = va.get(reg, 0.0) + (v or 0.0) / deflator(yr.prices, div, base, year)
    return {reg: (fixed[0].get(reg), fixed[1].get(reg), total) for reg, total in va.items()}


def span(yr: Yearly, y_from: int, y_to: int, region: str | None = None) -> list[Value]:
    """Every indicator of the catalogue for ``y_from``…``y_to`` (within ``yr``'s years): the yearly
    figures of those years, and the span's own at ``y_to`` (chained growth, changes since
    ``y_from``, intensity changes at ``y_from`` prices and coefficients)."""
    if y_to < y_from:
        raise IndicatorError(f"起止年度有误：{y_from} 晚于 {y_to}")
    if not yr.covers(y_from, y_to):
        raise IndicatorError(f"{y_from}–{y_to}年不在已计算的{yr.y_from}–{yr.y_to}年之内")
    out = [v for v in yr.values if y_from <= v.year <= y_to]
    yearly_values = {(v.id, v.region, v.year): v.value for v in out}
    regions = sorted({v.region for v in out})
    n = y_to - y_from
    if n > 0:
        c_from, c_to = _comparable(yr, y_from, y_from), _comparable(yr, y_from, y_to)
        for reg in regions:
            rates = [yearly_values.get(("value_added_growth", reg, y)) for y in range(y_from + 1, y_to + 1)]
            put_span = _span_putter(out, reg, y_to)
            put_span("value_added_cagr", growth.chained_cagr(rates),
                     f"基年{y_from}，末年{y_to}，n={n}，逐年可比价增速连乘")
            for k in SHARES:
                a, b = yearly_values.get((f"share_{k}", reg, y_from)), yearly_values.get((f"share_{k}", reg, y_to))
                put_span(f"share_{k}_change_pp", growth.change_pp(a, b), f"基年{y_from}，末年{y_to}")
            for ind in ("tax_per_mu", "value_added_per_mu"):
                a, b = yearly_values.get((ind, reg, y_from)), yearly_values.get((ind, reg, y_to))
                put_span(f"{ind}_cagr", growth.cagr(a, b, n), f"基年{y_from}，末年{y_to}，n={n}，当年价")
            c0, c1 = c_from.get(reg), c_to.get(reg)
            if c0 and c1:
                note = (f"基年{y_from}，末年{y_to}，增加值按{y_from}年价格（分行业出厂价格指数逐年连乘缩减），"
                        f"折标系数与排放因子统一取{y_from}年（{yr.coef_notes[y_from]}）")
                for ind, pos in (("energy_per_value_added", 0), ("co2_per_value_added", 1)):
                    n0, d0, n1, d1 = c0[pos], c0[2], c1[pos], c1[2]
                    a = n0 / d0 if n0 is not None and d0 else None
                    b = n1 / d1 if n1 is not None and d1 else None
                    put_span(f"{ind}_change", growth.relative_change(a, b), note)
    out.extend(v for v in yr.extra if y_from <= v.year <= y_to)
    if region:
        out = [v for v in out if v.region == region]
    order = {k: i for i, k in enumerate(CATALOGUE)}
    out.sort(key=lambda v: (v.region, order[v.id], v.year))
    return out


def compute(engine: Engine, y_from: int, y_to: int, region: str | None = None,
            published: list[PublishedRun] | None = None) -> list[Value]:
    """Every indicator of the catalogue for the years ``y_from``…``y_to`` (growth of ``y_from``
    needs ``y_from − 1``'s data and is given when it is there); span indicators at ``y_to``.

    ``published`` (from :func:`load_published`, read before the engine opens the warehouse)
    adds the distributions of published carbon and 亩均 runs. ``region`` keeps one region's
    figures (ranks are computed first)."""
    return span(yearly(engine, y_from, y_to, published), y_from, y_to, region)


def monthly_for_settings(settings: Any, y_from: int, y_to: int, region: str | None = None,
                         engine_name: str | None = None) -> list[Value]:
    """The monthly indicators of every year of the span (warehouse in ``settings.home``)."""
    from zhizao.engine import connect

    eng = connect(settings, engine_name, read_only=True)
    try:
        return [v for y in range(y_from, y_to + 1) for v in compute_monthly(eng, y, region)]
    finally:
        eng.close()


def _span_putter(out: list[Value], reg: str, year: int):  # type: ignore[no-untyped-def]
    def put(ind: str, value: float | None, basis: str) -> None:
        if value is not None:
            out.append(Value(ind, reg, year, value, basis))
    return put


def _ranks(values: list[Value]) -> list[Value]:
    """Districts ranked within their city on each ranked indicator (1 = highest)."""
    groups: dict[tuple[str, str, int], list[Value]] = defaultdict(list)
    for v in values:
        if v.id in RANKED.values() and not v.region.endswith("00"):
            groups[(v.id, v.region[:4], v.year)].append(v)
    ranked = {src: rid for rid, src in RANKED.items()}
    out: list[Value] = []
    for (ind, _city, year), vs in groups.items():
        ordered = sorted(vs, key=lambda v: -v.value)
        for i, v in enumerate(ordered, start=1):
            # ties share the better rank (competition ranking "1224")
            rank = next(j for j, w in enumerate(ordered, start=1) if w.value == v.value) if i > 1 else 1
            out.append(Value(ranked[ind], v.region, year, float(rank),
                             f"{year}年，本市{len(vs)}个区县中按{CATALOGUE[ind].name}从高到低"))
    return out


def published_run_id(settings: Any, method: str, year: int) -> str | None:
    """The run whose results are served for ``method`` and ``year``: the published one when the
    store says so, else the newest registered run."""
    try:
        from zhizao.store.db import session_scope
        from zhizao.store.publish import published_run

        with session_scope(settings) as session:
            pub = published_run(session, method, year)
            if pub is not None:
                return str(pub.run_id)
    except Exception:  # no store (fresh home): fall back to the newest run
        pass
    from zhizao import runs

    found = runs.list_runs(settings, method, year)
    return found[-1].run_id if found else None


@dataclass(frozen=True)
class PublishedRun:
    method: str
    year: int
    run_id: str
    methodology: str
    results: Any  # pyarrow.Table


#: method → (outcome field, indicator prefix, categories as (value, id suffix)); 亩均's
#: 不定等级 is its own category, never counted in B
DISTRIBUTIONS = {
    "carbon": ("grade", "carbon_grade_", tuple((str(g), str(g)) for g in range(1, 6))),
    "mujun": ("class", "mujun_class_", (*((c, c) for c in "ABCD"), ("不定等级", "undetermined"))),
}


def load_published(settings: Any, years: range) -> list[PublishedRun]:
    """The published (else newest) carbon and 亩均 runs of ``years``, results verified by hash.

    Call before opening the warehouse with an engine: the registry lives in the same file."""
    from zhizao import runs

    out: list[PublishedRun] = []
    for method, (field, _prefix, _cats) in DISTRIBUTIONS.items():
        for y in years:
            rid = published_run_id(settings, method, y)
            if rid is None:
                continue
            res = runs.results(settings, rid)
            if field not in res.column_names or "credit_code" not in res.column_names:
                continue
            run = runs.get(settings, rid)
            out.append(PublishedRun(method, y, rid, f"{run.methodology_name}@{run.methodology_version}",
                                    res.select(["credit_code", field])))
    return out


def published_distributions(engine: Engine, enterprises: ibis.Table, published: list[PublishedRun]) -> list[Value]:
    out: list[Value] = []
    for p in published:
        field, prefix, cats = DISTRIBUTIONS[p.method]
        tab = engine.register(f"run_{p.method}_{p.year}", p.results)
        df = engine.to_pandas(distribution_totals(tab, enterprises, field))
        counts = {(str(r.region), str(r.category)): int(r.firms) for r in df.itertuples(index=False)}
        for reg in sorted({k[0] for k in counts}):
            for c, suffix in cats:
                out.append(Value(f"{prefix}{suffix}", reg, p.year, float(counts.get((reg, c), 0)),
                                 f"运行 {p.run_id}（方法论 {p.methodology}）"))
    return out


def for_settings(settings: Any, y_from: int, y_to: int, region: str | None = None,
                 engine_name: str | None = None) -> list[Value]:
    """The indicators of the warehouse in ``settings.home`` (the CLI, the API and the report)."""
    from zhizao.engine import connect

    published = load_published(settings, range(y_from, y_to + 1))
    eng = connect(settings, engine_name, read_only=True)
    try:
        return compute(eng, y_from, y_to, region=region, published=published)
    finally:
        eng.close()


def rows(values: list[Value]) -> list[dict[str, Any]]:
    return [v.row() for v in values]
