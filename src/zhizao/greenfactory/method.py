"""星级绿色工厂 scoring as one pure Ibis expression (DuckDB and Spark alike).

Steps (no I/O, no UDFs, no per-row Python):

1. **Population**: firms with a ``green_indicators`` or ``green_requirements`` row for the year
   (they applied, or an evaluation body reported on them).
2. **Supplied values**: ``green_indicators`` pivoted to one column per indicator (and whether
   evidence was named); **requirements** pivoted to one column per requirement.
3. **Derived values** from the exchange tables: energy per 万元 of gross output (``energy`` with the
   methodology's standard-coal coefficients ÷ ``statistics_annual``), CO2 per 万元 (the carbon
   run of the year, input ``carbon_run``, ÷ gross output), output per mu (``land``, distinct
   parcels), renewable share (``zero_carbon``). The derived value is used when there is one; a
   supplied value differing by more than ``derived_tolerance`` (relative) is kept beside it.
4. **基准值 / 引领值** per firm: the first matching route (sector by 2-digit division, annual energy
   band), else the indicator's own values.
5. **Score** of a quantitative indicator ``w · clamp((x − B) / (L − B), 0, 1)``: linear between
   基准值 (0) and 引领值 (full weight), capped at both ends; a reverse indicator has ``L < B`` and
   the same formula mirrors it. A qualitative item scores ``w`` when passed (value ≥ 1, with
   evidence when required), else 0. A missing value scores 0. Area scores are the sums of their
   indicators, the total the sum of the areas.
6. **Status**: ``vetoed`` when any requirement is not met (the vetoes named, checked before
   scoring: no stars), ``not_assessed`` when the indicators with data carry less than
   ``min_coverage`` of the weight, else ``rated`` with stars 0–5 from the cut-offs.
7. **Gaps** to the next star: per indicator, the change of its value that alone would lift the
   score to the next cut-off (null when the indicator cannot, even at its 引领值). ``to_rows``
   turns them into the cheapest path (smallest relative change first) or, when no single
   indicator suffices, a combination.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhizao import periods, sums
from zhizao.contract import units as contract_units
from zhizao.engine.compiled import evaluation
from zhizao.greenfactory import methodology as greenfactory_methodology
from zhizao.greenfactory.methodology import GreenFactoryMethodology, Indicator
from zhizao.periods import in_year
from zhizao.sums import exact_sum

STATUS_RATED = "rated"
STATUS_VETOED = "vetoed"
STATUS_NOT_ASSESSED = "not_assessed"

#: scores are rounded before stars are given, so that summation order cannot move a firm across
#: a cut-off
_DIGITS = 6
_EPS = 1e-9


def _null(t: str = "float64") -> ir.Value:
    return ibis.null().cast(t)


def _lj(left: ibis.Table, right: ibis.Table) -> ibis.Table:
    j = left.left_join(right, left.credit_code == right.credit_code)
    return j.drop("credit_code_right") if "credit_code_right" in j.columns else j


def _aggregates(inputs: Mapping[str, ibis.Table], m: GreenFactoryMethodology, year: int) -> list[ibis.Table]:
    st = inputs["statistics_annual"]
    st = st.filter(st.year == year).group_by("credit_code").agg(
        gross_output=st.gross_output.cast("float64").max())

    en = inputs["energy"]
    en = en.filter(in_year(en.month, year))
    coef = ibis.cases(*[(en.energy_type == t, ibis.literal(f.per_canonical(t)))
                        for t, f in m.energy_factors.items()], else_=_null())
    energy = en.group_by("credit_code").agg(energy_tce=exact_sum(en.quantity.cast("float64") * coef))

    zc = inputs["zero_carbon"]
    zc = zc.filter(in_year(zc.month, year) & zc.kind.isin(["pv_self_use", "green_power", "green_certificate"]))
    zero = zc.group_by("credit_code").agg(
        renewable_kwh=exact_sum(zc.quantity.cast("float64")),
        pv_kwh=exact_sum(ibis.cases((zc.kind == "pv_self_use", zc.quantity.cast("float64")), else_=0.0)),
    )

    land = inputs["land"]
    land = land.filter(land.year == year)
    parcels = land.group_by(["credit_code", "parcel_id"]).agg(area=land.area_mu.cast("float64").max())
    mu = parcels.group_by("credit_code").agg(land_mu=exact_sum(parcels.area))

    out = [st, energy, zero, mu]
    if "carbon_run" in inputs:
        cr = inputs["carbon_run"]
        out.append(cr.group_by("credit_code").agg(carbon_t=cr.emissions_t.cast("float64").max()))
    return out


def _derived(f: ibis.Table, m: GreenFactoryMethodology, kind: str) -> ir.Value:
    go = f.gross_output
    if kind == "energy_per_output":
        return ibis.cases(((go > 0) & f.energy_tce.notnull(), f.energy_tce * 1000.0 / go), else_=_null())
    if kind == "carbon_per_output":
        if "carbon_t" not in f.columns:
            return _null()
        return ibis.cases(((go > 0) & f.carbon_t.notnull(), f.carbon_t * 1000.0 / go), else_=_null())
    if kind == "output_per_mu":
        return ibis.cases(((f.land_mu > 0) & go.notnull(), go / f.land_mu), else_=_null())
    # renewable_share: renewable electricity over all energy used (self-used PV is not bought, so
    # it is added to the denominator), both in tce
    e = m.energy_factors["electricity"].per_canonical("electricity") if "electricity" in m.energy_factors else 0.0
    ren = f.renewable_kwh.fill_null(0.0) * e
    total = f.energy_tce.fill_null(0.0) + f.pv_kwh.fill_null(0.0) * e
    share = ren * 100.0 / total
    return ibis.cases(((total > 0) & (f.energy_tce.notnull() | f.renewable_kwh.notnull()),
                       ibis.cases((share > 100.0, 100.0), else_=share)), else_=_null())


def _bounds(f: ibis.Table, ind: Indicator) -> tuple[ir.Value, ir.Value]:
    assert ind.baseline is not None and ind.leading is not None
    if not ind.routes:
        return ibis.literal(ind.baseline.value), ibis.literal(ind.leading.value)
    division = f.division
    bs, ls = [], []
    for r in ind.routes:
        cond: Any = ibis.literal(True)
        if r.divisions:
            cond = cond & division.isin(r.divisions)
        if r.energy_tce_min is not None:
            cond = cond & (f.energy_tce.fill_null(0.0) >= r.energy_tce_min)
        if r.energy_tce_max is not None:
            cond = cond & (f.energy_tce.fill_null(0.0) < r.energy_tce_max)
        bs.append((cond, ibis.literal(r.baseline.value)))
        ls.append((cond, ibis.literal(r.leading.value)))
    return (ibis.cases(*bs, else_=ibis.literal(ind.baseline.value)),
            ibis.cases(*ls, else_=ibis.literal(ind.leading.value)))


#: the code the expression comes from, the unit factors its methodology reads included (their
#: source is part of the compiled-SQL cache key)
_CODE = (greenfactory_methodology, contract_units, periods, sums, sys.modules[__name__])

#: the input tables the scoring reads (the year's carbon run when there is one)
INPUTS = ("enterprises", "green_indicators", "green_requirements", "statistics_annual", "energy", "zero_carbon",
          "land", "carbon_run")


def evaluate(inputs: Mapping[str, ibis.Table], methodology: GreenFactoryMethodology, year: int) -> ibis.Table:
    """Score every firm of the year: one row per firm (see the module docstring).

    The expression does not depend on the data, so it is built and compiled once per methodology
    version, year and inputs (:func:`zhizao.engine.compiled.evaluation`)."""
    return evaluation("greenfactory", lambda used: build(used, methodology, year), inputs, INPUTS, methodology,
                      year, code=_CODE)


def build(inputs: Mapping[str, ibis.Table], methodology: GreenFactoryMethodology, year: int) -> ibis.Table:
    """The scoring's expression itself (see :func:`evaluate`)."""
    m = methodology
    gi = inputs["green_indicators"]
    gi = gi.filter(gi.year == year)
    gr = inputs["green_requirements"]
    gr = gr.filter(gr.year == year)

    sup_aggs: dict[str, Any] = {}
    for ind in m.indicators:
        hit = gi.indicator == ind.id
        sup_aggs[f"sup_{ind.id}"] = ibis.cases((hit, gi.value.cast("float64")), else_=_null()).max()
        if ind.kind == "qualitative":
            sup_aggs[f"ev_{ind.id}"] = ibis.cases((hit & gi.evidence.notnull() & (gi.evidence != ""), 1),
                                                  else_=0).max()
    supplied = gi.group_by("credit_code").agg(**sup_aggs)
    req_aggs = {f"req_{r.id}": ibis.cases((gr.requirement == r.id, gr.met.cast("int64")), else_=_null("int64")).min()
                for r in m.requirements}
    reqs = gr.group_by("credit_code").agg(**req_aggs) if req_aggs else None

    ent = inputs["enterprises"]
    codes = gi.select("credit_code").union(gr.select("credit_code")).distinct()
    f = ent.select("credit_code", "name", "region_code", "industry_code").join(codes, "credit_code")
    f = _lj(f, supplied)
    if reqs is not None:
        f = _lj(f, reqs)
    for agg in _aggregates(inputs, m, year):
        f = _lj(f, agg)

    # -- values: derived first, the supplied one beside it when they disagree
    f = f.mutate(division=f.industry_code.substr(0, 2),
                 **{f"der_{i.id}": _derived(f, m, i.derived) for i in m.indicators if i.derived})
    cols: dict[str, Any] = {}
    for ind in m.indicators:
        sup = f[f"sup_{ind.id}"]
        if ind.derived:
            der = f[f"der_{ind.id}"]
            cols[f"x_{ind.id}"] = ibis.coalesce(der, sup)
            tol = m.derived_tolerance.value
            differs = der.notnull() & sup.notnull() & ((sup - der).abs() > tol * der.abs().clip(lower=_EPS))
            cols[f"src_{ind.id}"] = ibis.cases((der.notnull(), "derived"), (sup.notnull(), "supplied"),
                                               else_=_null("string"))
            cols[f"diff_{ind.id}"] = ibis.cases((differs, sup), else_=_null())
        else:
            cols[f"x_{ind.id}"] = sup
            cols[f"src_{ind.id}"] = ibis.cases((sup.notnull(), "supplied"), else_=_null("string"))
            cols[f"diff_{ind.id}"] = _null()
        if ind.kind == "quantitative":
            b, lead = _bounds(f, ind)
            cols[f"b_{ind.id}"] = b
            cols[f"l_{ind.id}"] = lead
    f = f.mutate(**cols)

    # -- points
    pts: dict[str, Any] = {}
    for ind in m.indicators:
        x, w = f[f"x_{ind.id}"], ind.weight.value
        if ind.kind == "quantitative":
            b, lead = f[f"b_{ind.id}"], f[f"l_{ind.id}"]
            r = (x - b) / (lead - b)
            # explicit cases, not greatest/least (those skip nulls on DuckDB)
            r = ibis.cases((r < 0, 0.0), (r > 1, 1.0), else_=r)
            pts[f"s_{ind.id}"] = ibis.cases((x.notnull(), r * w), else_=0.0)
        else:
            ok = x >= 1
            if ind.evidence_required:
                ok = ok & (f[f"ev_{ind.id}"] == 1)
            pts[f"s_{ind.id}"] = ibis.cases((ok.fill_null(False), ibis.literal(w, type="float64")), else_=0.0)
    f = f.mutate(**pts)

    total: Any = ibis.literal(0.0)
    covered: Any = ibis.literal(0.0)
    areas: dict[str, Any] = {}
    for a in m.areas:
        s: Any = ibis.literal(0.0)
        for ind in m.indicators:
            if ind.area == a.id:
                s = s + f[f"s_{ind.id}"]
        areas[f"area_{a.id}"] = s.round(_DIGITS)
        total = total + s
    for ind in m.indicators:
        covered = covered + ibis.cases((f[f"x_{ind.id}"].notnull(), ind.weight.value), else_=0.0)

    vetoes: Any = ibis.literal("")
    for r in m.requirements:
        vetoes = vetoes.concat(ibis.cases((f[f"req_{r.id}"] == 0, f"{r.id};"), else_=""))
    f = f.mutate(**areas, raw_score=total.round(_DIGITS), coverage=(covered / 100.0).round(_DIGITS), veto_ids=vetoes)
    status = ibis.cases((f.veto_ids != "", STATUS_VETOED),
                        (f.coverage < m.min_coverage.value - _EPS, STATUS_NOT_ASSESSED), else_=STATUS_RATED)
    f = f.mutate(status=status)
    cut = [c.value for c in m.stars.cutoffs]
    stars: Any = ibis.literal(0)
    for c in cut:
        stars = stars + ibis.cases((f.raw_score >= c - _EPS, 1), else_=0)
    rated = f.status == STATUS_RATED
    f = f.mutate(
        score=ibis.cases((f.status == STATUS_NOT_ASSESSED, _null()), else_=f.raw_score),
        stars=ibis.cases((rated, stars.cast("int32")), else_=_null("int32")),
    )
    next_cut = ibis.cases(*[(f.stars == k, ibis.literal(cut[k])) for k in range(5)], else_=_null())
    f = f.mutate(next_need=ibis.cases((rated & (f.stars < 5), (next_cut - f.raw_score)), else_=_null()))

    # -- gaps: the change of one indicator that alone reaches the next star
    gaps: dict[str, Any] = {}
    for ind in m.indicators:
        s = f[f"s_{ind.id}"]
        w = ind.weight.value
        room = w - s
        enough = f.next_need.notnull() & (room >= f.next_need - _EPS)
        if ind.kind == "quantitative":
            x, b, lead = f[f"x_{ind.id}"], f[f"b_{ind.id}"], f[f"l_{ind.id}"]
            # from the current value, or from 基准值 when the value is below it (scores 0 there)
            r = (x - b) / (lead - b)
            start = ibis.cases((r < 0, b), else_=x)
            change = (start - x) + f.next_need / w * (lead - b)
            gaps[f"gap_{ind.id}"] = ibis.cases((enough & x.notnull(), change), else_=_null())
        else:
            gaps[f"gap_{ind.id}"] = ibis.cases((enough & (s == 0), 1.0), else_=_null())
    f = f.mutate(**gaps)

    ind_cols: dict[str, Any] = {}
    for ind in m.indicators:
        ind_cols[f"x_{ind.id}"] = f[f"x_{ind.id}"]
        ind_cols[f"src_{ind.id}"] = f[f"src_{ind.id}"]
        ind_cols[f"diff_{ind.id}"] = f[f"diff_{ind.id}"]
        if ind.kind == "quantitative":
            ind_cols[f"b_{ind.id}"] = f[f"b_{ind.id}"]
            ind_cols[f"l_{ind.id}"] = f[f"l_{ind.id}"]
        ind_cols[f"s_{ind.id}"] = f[f"s_{ind.id}"].round(_DIGITS)
        ind_cols[f"gap_{ind.id}"] = f[f"gap_{ind.id}"]
    return f.select(
        "credit_code", "name", "region_code", "industry_code",
        year=ibis.literal(year, type="int32"), methodology=ibis.literal(m.ref), status=f.status, score=f.score, stars=f.stars,
        vetoes=f.veto_ids, coverage=f.coverage, next_need=f.next_need.round(_DIGITS),
        **{k: f[k] for k in areas}, **ind_cols,
    ).order_by("credit_code")


# ----------------------------------------------------------------------------- rows


def _fmt(v: float) -> str:
    a = abs(v)
    if a >= 100:
        return f"{a:,.0f}"
    if a >= 10:
        return f"{a:,.1f}".rstrip("0").rstrip(".")
    return f"{a:,.2f}".rstrip("0").rstrip(".")


def change_text(ind: Indicator, change: float) -> str:
    """``工业用水重复利用率提高4.2个百分点``, ``单位产值综合能耗下降31 kgce/万元``, ``节约原材料达标``."""
    if ind.kind == "qualitative":
        return f"{ind.title}达标（提供佐证材料）"
    verb = "提高" if change > 0 else "下降"
    unit = ind.change_unit or ind.unit
    sep = "" if unit.startswith("个") or not unit else " "
    return f"{ind.title}{verb}{_fmt(change)}{sep}{unit}"


def _gaps(r: Mapping[str, Any], m: GreenFactoryMethodology) -> list[dict[str, Any]]:
    """The ways to the next star: every indicator that alone suffices, smallest relative change
    first; when none suffices, the combination filling the cheapest indicators first."""
    if r.get("next_need") is None or r.get("stars") is None or r["stars"] >= 5:
        return []
    target = int(r["stars"]) + 1
    need = float(r["next_need"])
    single = []
    for ind in m.indicators:
        ch = r.get(f"gap_{ind.id}")
        if ch is None:
            continue
        x = r.get(f"x_{ind.id}")
        if ind.kind == "qualitative":
            effort = 1.0 / ind.weight.value
        else:
            effort = abs(ch) / abs(x) if x else abs(ch) / abs(r[f"l_{ind.id}"] - r[f"b_{ind.id}"])
        single.append((effort, ind.id, ind, ch))
    single.sort(key=lambda t: (t[0], t[1]))
    out = []
    for _, _, ind, ch in single:
        out.append({"stars": target, "indicator": ind.id, "title": ind.title, "change": round(ch, 6),
                    "unit": "" if ind.kind == "qualitative" else (ind.change_unit or ind.unit),
                    "combined": False, "text": change_text(ind, ch)})
    if out:
        return out
    # no single indicator reaches the cut-off: fill the indicators with the most points left
    # per unit of relative change until the points needed are found
    options = []
    for ind in m.indicators:
        s = r.get(f"s_{ind.id}") or 0.0
        room = ind.weight.value - s
        x = r.get(f"x_{ind.id}")
        if room <= _EPS or (ind.kind == "quantitative" and x is None):
            continue
        options.append((-room, ind.id, ind, room))
    options.sort(key=lambda t: (t[0], t[1]))
    left = need
    for _, _, ind, room in options:
        take = min(room, left)
        if ind.kind == "quantitative":
            x, b, lead = r[f"x_{ind.id}"], r[f"b_{ind.id}"], r[f"l_{ind.id}"]
            start = b if (x - b) / (lead - b) < 0 else x
            ch = (start - x) + take / ind.weight.value * (lead - b)
        else:
            ch = 1.0
        out.append({"stars": target, "indicator": ind.id, "title": ind.title, "change": round(ch, 6),
                    "unit": "" if ind.kind == "qualitative" else (ind.change_unit or ind.unit),
                    "combined": True, "text": change_text(ind, ch)})
        left -= take
        if left <= _EPS:
            break
    return out if left <= _EPS else []


def path_text(gaps: list[dict[str, Any]], limit: int = 2) -> str:
    """One sentence: ``A提高…，或B下降…`` (single options) or ``A…，并B…`` (a combination)."""
    if not gaps:
        return ""
    if gaps[0]["combined"]:
        return "，并".join(g["text"] for g in gaps)
    return "，或".join(g["text"] for g in gaps[:limit])


def methodology_of(table: pa.Table) -> GreenFactoryMethodology:
    """The methodology a result table was computed with (its ``methodology`` column names it);
    a user's own file that is not shipped falls back to the newest shipped version."""
    from zhizao.methodology import MethodologyError, find

    ref = table["methodology"][0].as_py() if table.num_rows and "methodology" in table.column_names else None
    try:
        m = find(ref, "greenfactory")
    except MethodologyError:
        m = find(None, "greenfactory")
    assert isinstance(m, GreenFactoryMethodology)
    return m


def to_rows(table: pa.Table, methodology: GreenFactoryMethodology | None = None) -> list[dict[str, Any]]:
    """CONTRACT.md rows of ``greenfactory``: ``credit_code, name, year, status, score, stars,
    vetoes[], indicators[{id, value, baseline, leading, score, weight}], gaps[{stars, indicator,
    change, unit}]`` plus region, industry, area scores, the path sentence and the reason."""
    m = methodology or methodology_of(table)
    req_titles = {r.id: r.title for r in m.requirements}
    out: list[dict[str, Any]] = []
    for r in table.to_pylist():
        vetoes = [v for v in (r.get("vetoes") or "").split(";") if v]
        inds = []
        for ind in m.indicators:
            if f"x_{ind.id}" not in r:
                continue
            item: dict[str, Any] = {
                "id": ind.id, "title": ind.title, "area": ind.area, "kind": ind.kind, "unit": ind.unit,
                "value": r[f"x_{ind.id}"], "baseline": r.get(f"b_{ind.id}"), "leading": r.get(f"l_{ind.id}"),
                "score": r[f"s_{ind.id}"], "weight": ind.weight.value, "source": r.get(f"src_{ind.id}"),
            }
            if r.get(f"diff_{ind.id}") is not None:
                item["supplied"] = r[f"diff_{ind.id}"]
            inds.append(item)
        gaps = _gaps(r, m)
        status = r["status"]
        if status == STATUS_VETOED:
            reason = "否决：" + "；".join(req_titles.get(v, v) for v in vetoes)
        elif status == STATUS_NOT_ASSESSED:
            reason = f"数据不足，未评价（有数据的指标权重占 {r['coverage'] * 100:.0f}%，低于 " \
                     f"{m.min_coverage.value * 100:.0f}%）"
        else:
            reason = None
        out.append({
            "credit_code": r["credit_code"], "name": r["name"], "region_code": r["region_code"],
            "industry_code": r["industry_code"], "year": r["year"], "status": status,
            "score": r["score"], "stars": r["stars"], "vetoes": vetoes,
            "veto_titles": [req_titles.get(v, v) for v in vetoes],
            "areas": [{"id": a.id, "title": a.title, "score": r[f"area_{a.id}"], "weight": m.area_weight(a.id)}
                      for a in m.areas],
            "indicators": inds, "gaps": gaps, "path": path_text(gaps), "next_need": r.get("next_need"),
            "coverage": r.get("coverage"), "reason": reason,
        })
    return out
