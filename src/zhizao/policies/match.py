"""Matching every firm (and project) against every policy item of a year, as one Ibis expression.

Eligibility is screened by the criteria engine (:mod:`zhizao.criteria`): an item's rules become
criteria nodes over the measures of :mod:`zhizao.policies.measures`:

- a numeric rule (``equipment_investment >= 500``) → a comparison, with value and gap;
- a yes/no or text rule (``project_kind == upgrade``, ``mujun_class in [C, D]``) → a comparison of
  a 0/1 measure with 1 (no gap: it is met or not);
- a title rule (``title_specialised_sme == true``) → a title prerequisite on the ``titles`` register;
- a rule on a measure the data does not hold (a designation the firm must show) → a manual
  criterion: the item is 快申快享 and such firms are listed as "可申报" with the potential amount.

Outputs one row per (firm or project, item): ``credit_code, name, region_code, item_id, subject
(project id or ''), eligible ('true' / 'false' / 'unknown'), mode, expected_benefit (万元; negative
for a surcharge), reason, gaps [{criterion, value, threshold, gap, unit}]``. Stacking (从高不重复)
then keeps, per firm, subject and stacking group, only the largest eligible amount.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from zhizao import criteria as cr
from zhizao.criteria import engine as criteria_engine
from zhizao.criteria import model as criteria_model
from zhizao.engine.compiled import compiled, materialized
from zhizao.policies import catalogue as catalogue_module
from zhizao.policies import measures as ms
from zhizao.policies.catalogue import OP_TEXT, Catalogue, Item, Rule, mode

#: the inputs matching reads (contract tables, when declared) plus two published results
INPUT_TABLES = ("enterprises", "statistics_annual", "tax", "energy", "water_use", "land", "emissions",
                "titles", "projects", "project_milestones")
#: published results as inputs: ``mujun_classes`` (credit_code, class), ``carbon_grades`` (credit_code, grade)
PUBLISHED_INPUTS = ("mujun_classes", "carbon_grades")

ELIGIBLE = ("true", "false", "unknown")
OUTPUT_COLUMNS = ("credit_code", "name", "region_code", "item_id", "subject", "eligible", "mode",
                  "expected_benefit", "reason", "gaps", "stack_group")

#: the code the expression comes from (its source is part of the compiled-SQL cache key)
_CODE = (criteria_engine, criteria_model, ms, catalogue_module, sys.modules[__name__])

_GAP_TYPE = "struct<criterion: string, value: float64, threshold: float64, gap: float64, unit: string>"


def _year_bounds(year: int) -> tuple[ir.DateValue, ir.DateValue]:
    return ibis.literal(dt.date(year, 1, 1), type="date"), ibis.literal(dt.date(year, 12, 31), type="date")


def _null(type_: str) -> ir.Value:
    return ibis.null().cast(type_)


def firm_profile(inputs: Mapping[str, ir.Table], year: int) -> ir.Table:
    """One row per firm of ``enterprises`` with every firm-level measure of ``year`` (null = the
    data does not say)."""
    e = inputs["enterprises"]
    t = e.select("credit_code", "name", "region_code", "industry_code")
    start, end = _year_bounds(year)

    def join(t: ir.Table, right: ir.Table) -> ir.Table:
        return t.left_join(right, "credit_code").drop("credit_code_right")

    if "statistics_annual" in inputs:
        s = inputs["statistics_annual"]
        cur = s.filter(s.year == year).select(
            "credit_code", above_scale=s.above_scale.cast("float64"), revenue=s.revenue.cast("float64"),
            value_added=s.value_added.cast("float64"))
        prev = s.filter(s.year < year).group_by("credit_code").aggregate(
            revenue_prev_max=s.revenue.cast("float64").max())
        t = join(join(t, cur), prev)
    if "tax" in inputs:
        x = inputs["tax"]
        t = join(t, x.filter(x.year == year).select("credit_code", tax_paid=x.tax_paid.cast("float64")))
    if "energy" in inputs:
        en = inputs["energy"]
        k = en.filter((en.energy_type == "electricity") & (en.month.cast("date") >= start)
                      & (en.month.cast("date") <= end))
        t = join(t, k.group_by("credit_code").aggregate(electricity_kwh=k.quantity.cast("float64").sum()))
    if "water_use" in inputs:
        w = inputs["water_use"]
        t = join(t, w.filter(w.year == year).select("credit_code", water_m3=w.water_m3.cast("float64")))
    if "land" in inputs:
        ld = inputs["land"]
        o = ld.filter((ld.year == year) & (ld.tenure == "owned"))
        t = join(t, o.group_by("credit_code").aggregate(land_mu=o.area_mu.cast("float64").sum()))
    if "emissions" in inputs:
        em = inputs["emissions"]
        y = em.filter(em.year == year)
        t = join(t, y.group_by("credit_code").aggregate(emissions_t=y.quantity.cast("float64").sum()))
    if "mujun_classes" in inputs:
        m = inputs["mujun_classes"]
        t = join(t, m.select("credit_code", mujun_class=m["class"].cast("string")))
    if "carbon_grades" in inputs:
        c = inputs["carbon_grades"]
        t = join(t, c.select("credit_code", carbon_grade=c.grade.cast("float64")))
    present = set(t.columns)
    missing = {m.name: _null({"number": "float64", "bool": "float64", "text": "string"}[m.type])
               for m in ms.MEASURES.values()
               if m.level == "firm" and m.name not in present and not m.name.startswith("title_")}
    return t.mutate(**missing) if missing else t


def project_profile(inputs: Mapping[str, ir.Table], year: int, firms: ir.Table) -> ir.Table | None:
    """One row per project (with its firm's measures) when the projects room's tables are there."""
    if "projects" not in inputs:
        return None
    p = inputs["projects"]
    t = p.select("project_id", "credit_code", project_kind=p.kind.cast("string"),
                 project_industry_code=p.industry_code.cast("string"),
                 equipment_investment=p.equipment_investment.cast("float64"))
    if "project_milestones" in inputs:
        start, end = _year_bounds(year)
        ml = inputs["project_milestones"]
        reached = ml.filter(ml.actual_on.notnull() & (ml.actual_on.cast("date") >= start)
                            & (ml.actual_on.cast("date") <= end))
        flags = reached.group_by("project_id").aggregate(
            project_completed=ibis.ifelse(reached.milestone == "completed", 1.0, 0.0).max(),
            project_in_production=ibis.ifelse(reached.milestone == "in_production", 1.0, 0.0).max())
        t = t.left_join(flags, "project_id").drop("project_id_right").mutate(
            project_completed=ibis._.project_completed.fill_null(0.0),
            project_in_production=ibis._.project_in_production.fill_null(0.0))
    else:
        t = t.mutate(project_completed=_null("float64"), project_in_production=_null("float64"))
    t = t.mutate(benchmark_project=_null("float64"), chain_key_project=_null("float64"))
    return t.inner_join(firms, "credit_code")


# ---------------------------------------------------------------- rules → criteria nodes


def _is_title(rule: Rule) -> bool:
    return rule.measure.startswith("title_")


def nodes_for(item: Item, tables: set[str]) -> tuple[list[Any], dict[str, cr.Measure]]:
    """The item's rules as criteria nodes, and the synthetic measures they compare."""
    nodes: list[Any] = []
    measures: dict[str, cr.Measure] = {}
    for r in item.eligibility:
        m = ms.get(r.measure)
        src = r.source or "policy"
        if not ms.available(r.measure, tables):
            nodes.append(cr.Manual(id=r.id, label=r.label, source=src, default=r.default))
            continue
        if _is_title(r):
            nodes.append(cr.TitleHeld(id=r.id, label=r.label, title=r.measure.removeprefix("title_"), source=src,
                                      default=r.default))
            continue
        if m.type == "number" and r.op in (">=", ">", "<=", "<", "==") and isinstance(r.value, int | float) \
                and not isinstance(r.value, bool):
            nodes.append(cr.Comparison(id=r.id, label=r.label, measure=r.measure, op=r.op, threshold=float(r.value),
                                       unit=r.unit or m.unit, source=src, default=r.default))
            if r.measure not in measures:
                measures[r.measure] = cr.Measure(m.label, r.unit or m.unit, r.measure)
            continue
        # yes/no or membership: a 0/1 measure compared with 1 (null stays null = unknown)
        name = f"{item.id.replace('-', '_')}__{r.id}"
        measures[name] = cr.Measure(r.label, "", _flag(r))
        nodes.append(cr.Comparison(id=r.id, label=r.label, measure=name, op="=", threshold=1.0, source=src,
                                   default=r.default))
    return nodes, measures


def _flag(r: Rule) -> Any:
    def expr(t: ir.Table) -> ir.Value:
        v = t[r.measure]
        val = r.value
        if isinstance(val, bool):
            test = v.cast("float64") == (1.0 if val else 0.0)
        elif r.op in ("in", "not_in"):
            vals = list(val) if isinstance(val, list) else [val]
            test = v.cast("string").isin([str(x) for x in vals])
            if r.op == "not_in":
                test = ~test
        elif isinstance(val, str):
            test = v.cast("string") == val if r.op == "==" else v.cast("string") != val
        elif isinstance(val, int | float):
            test = v.cast("float64") == float(val) if r.op == "==" else v.cast("float64") != float(val)
        else:
            raise ValueError(f"条件 {r.id} 的取值 {val!r} 与比较符 {r.op} 不匹配")
        return ibis.ifelse(v.isnull(), _null("float64"), ibis.ifelse(test, 1.0, 0.0))
    return expr


# ---------------------------------------------------------------- benefits


def benefit_expr(item: Item, t: ir.Table) -> ir.FloatingValue:
    """The amount (万元) the item's formula gives each row, before eligibility and stacking."""
    b = item.benefit
    if b.formula == "none":
        return _null("float64")
    if b.formula == "fixed":
        assert b.amount is not None
        return ibis.literal(b.amount.value, type="float64")
    base = t[b.base].cast("float64") if b.base else _null("float64")
    if b.formula == "rate":
        if b.tiers:
            rate = ibis.cases(*((base >= tr.from_, tr.rate) for tr in reversed(b.tiers)), else_=b.tiers[0].rate)
        else:
            assert b.rate is not None
            rate = ibis.literal(b.rate.value, type="float64")
        amount = base * rate
        if b.cap is not None:
            amount = ibis.least(amount, b.cap.value)
        return amount.cast("float64")
    if b.formula == "thresholds":
        assert b.previous is not None
        prev = t[b.previous].cast("float64")
        award = ibis.cases(*(((base >= th.threshold) & (prev < th.threshold), th.amount)
                             for th in reversed(b.thresholds)), else_=0.0)
        return ibis.ifelse(base.isnull() | prev.isnull(), _null("float64"), award).cast("float64")
    # by_class
    assert b.by is not None
    cls = t[b.by].cast("string")
    rate = ibis.cases(*((cls == k, v) for k, v in b.rates.items()), else_=_null("float64"))
    sign = -1.0 if b.direction == "surcharge" else 1.0
    return (base * rate * b.factor * sign).cast("float64")


# ---------------------------------------------------------------- one item


def _fmt(v: ir.NumericValue) -> ir.StringValue:
    r = v.round(2)
    return ibis.ifelse(r == r.round(0), r.round(0).cast("int64").cast("string"), r.cast("string"))


def _flag_text(r: Rule) -> str:
    """Why a yes/no or membership rule is not met, in words (``亩均效益评价类别不是 C、D 类之一``)."""
    val = r.value
    vals = "、".join(str(x) for x in (val if isinstance(val, list) else [val]))
    if r.op == "in":
        return f"{r.label}不是 {vals} 之一" if isinstance(val, list) and len(val) > 1 else f"{r.label}不是 {vals}"
    if r.op == "not_in":
        return f"{r.label}属于 {vals}"
    if isinstance(val, bool):
        return f"{r.label}：{'否' if val else '是'}"
    return f"{r.label}不是 {vals}" if r.op == "==" else f"{r.label}为 {vals}"


def _reason_unmet(n: Any, t: ir.Table, texts: dict[str, str]) -> ir.StringValue:
    if isinstance(n, cr.Comparison) and not n.measure.count("__"):
        unit = f" {n.unit}" if n.unit else ""
        return (ibis.literal(f"{n.label} ") + _fmt(t[f"{n.id}__value"]) + ibis.literal(
            f"{unit}，要求 {OP_TEXT.get(n.op, n.op)} {n.low:,g}{unit}"))
    if isinstance(n, cr.TitleHeld):
        return ibis.literal(f"未持有“{n.label}”称号")
    return ibis.literal(texts.get(n.id, f"{n.label}：否"))


def match_item(item: Item, base: ir.Table, year: int, tables: set[str], titles: ir.Table | None) -> ir.Table:
    """Every row of ``base`` (firms or projects) against one item, in the output columns."""
    nodes, measures = nodes_for(item, tables)
    m, _ = mode(item, tables)
    subject = "project_id" if item.level == "project" else None
    keep = ["credit_code", "name", "region_code"] + ([subject] if subject else [])
    kept = base.mutate(_benefit=benefit_expr(item, base))
    has_titles = any(isinstance(n, cr.TitleHeld) for n in nodes)
    s = cr.screen(nodes, kept, as_of=dt.date(year, 12, 31), measures=measures,
                  titles=titles if has_titles else None, keep=[*keep, "_benefit"], codes=True)
    comps = [n for n in nodes if isinstance(n, cr.Comparison)]
    numeric = [n for n in comps if "__" not in n.measure]
    manual = [n for n in nodes if isinstance(n, cr.Manual)]
    outcome = s.outcome_code
    award = s._benefit
    thresholds = item.benefit.formula == "thresholds"
    no_award = ibis.literal(thresholds) & award.notnull() & (award == 0.0)
    award_unknown = ibis.literal(thresholds) & award.isnull()
    qualified = outcome == cr.MET
    eligible = ibis.cases(
        (outcome == cr.UNMET, "false"),
        (qualified & no_award, "false"),
        (qualified & award_unknown, "unknown"),
        (qualified, "true"),
        else_="unknown")
    texts = {r.id: _flag_text(r) for r in item.eligibility}
    unmet_reason = ibis.cases(*((s[f"{n.id}__code"] == cr.UNMET, _reason_unmet(n, s, texts)) for n in nodes),
                              else_=ibis.literal("不符合条件"))
    unknown_reason = ibis.cases(*((s[f"{n.id}__code"] == cr.UNKNOWN, ibis.literal(f"缺少“{n.label}”数据，无法判断"))
                                  for n in nodes), else_=ibis.literal("数据不全"))
    manual_text = "、".join(n.label for n in manual)
    threshold_text = "营业收入此前已突破相应档次，本年度无首次突破的档次"
    reason = ibis.cases(
        (outcome == cr.UNMET, ibis.literal("不满足：") + unmet_reason),
        (qualified & no_award, ibis.literal(threshold_text)),
        (qualified & award_unknown, ibis.literal("缺少以前年度数据，无法判断是否首次突破")),
        (qualified, ibis.literal("符合全部条件" + ("，免申即享" if m == "no_application" else ""))),
        (outcome == cr.MANUAL, ibis.literal(f"数据符合其余条件，需企业简易申报：{manual_text}（快申快享）")),
        else_=unknown_reason)
    empty = ibis.literal([], type=f"array<{_GAP_TYPE}>")
    gaps_col: ir.ArrayValue = empty
    for n in numeric:
        one = ibis.array([ibis.struct({"criterion": ibis.literal(n.label), "value": s[f"{n.id}__value"],
                                       "threshold": ibis.literal(n.low, type="float64"),
                                       "gap": s[f"{n.id}__gap"], "unit": ibis.literal(n.unit)})])
        gaps_col = gaps_col.concat(ibis.ifelse(s[f"{n.id}__code"] == cr.UNMET, one, empty))
    expected = ibis.cases(
        (qualified & ~no_award, award),
        (outcome == cr.MANUAL, award),
        else_=_null("float64"))
    return s.select(
        credit_code=s.credit_code.cast("string"), name=s.name.cast("string"),
        region_code=s.region_code.cast("string"), item_id=ibis.literal(item.id),
        subject=(s[subject].cast("string") if subject else ibis.literal("")),
        eligible=eligible, mode=ibis.literal(m), expected_benefit=expected.cast("float64"),
        reason=reason.cast("string"), gaps=gaps_col.cast(f"array<{_GAP_TYPE}>"),
        stack_group=ibis.literal(item.stacking.group if item.stacking and item.stacking.rule == "highest" else "",
                                 type="string"),
    )


def _stack(t: ir.Table, titles: Mapping[str, str]) -> ir.Table:
    """从高不重复: per firm, subject and group, only the largest eligible amount is kept; the
    others keep their eligibility but expect 0, with the reason naming the item paid instead."""
    stacked = (t.stack_group != "") & (t.eligible == "true")
    w = ibis.window(group_by=[t.credit_code, t.subject, t.stack_group, stacked],
                    order_by=[ibis.desc(t.expected_benefit.fill_null(0.0)), t.item_id])
    t = t.mutate(_rank=ibis.row_number().over(w), _top=t.item_id.first().over(w))
    title = ibis.cases(*((t._top == k, v) for k, v in titles.items()), else_=t._top)
    loser = stacked & (t._rank > 0)
    return t.mutate(
        expected_benefit=ibis.ifelse(loser, 0.0, t.expected_benefit),
        reason=ibis.ifelse(loser, ibis.literal("与“") + title + ibis.literal("”从高不重复，按较高者享受"), t.reason),
    ).drop("_rank", "_top")


def match(inputs: Mapping[str, ir.Table], year: int, catalogue: Catalogue | None = None,
          items: Sequence[str] | None = None, tables: set[str] | None = None, materialize: bool = True) -> ir.Table:
    """Every firm and project against every item in force in ``year`` (or ``items``).

    ``materialize``: the firm (and project) profile is computed once on the engine
    (:func:`zhizao.engine.compiled.materialized`: a temporary table on DuckDB, a cached DataFrame
    on Spark, named by its SQL) and every item reads it; otherwise each item's branch of the union
    would recompute the profile's joins. The items' expression is built and compiled once per
    catalogue version, year and inputs (:func:`zhizao.engine.compiled.compiled`)."""
    from zhizao.policies.catalogue import declared_tables

    cat = catalogue or Catalogue()
    chosen = [cat.item(i) for i in items] if items else cat.for_year(year)
    tables = declared_tables() if tables is None else tables
    # a table the caller did not hand over is not in the data for this match
    tables = {t for t in tables if t in inputs}
    # the profiles do not depend on the data either: built and compiled once per year and inputs
    given = dict(inputs)
    firms = compiled(lambda: firm_profile(given, year), key=("policies.firm_profile", year), inputs=given, code=_CODE)
    projects = None
    if "projects" in inputs:
        with_firms = {**given, "_firms": firms}
        projects = compiled(lambda: project_profile(given, year, firms), key=("policies.project_profile", year),
                            inputs=with_firms, code=_CODE)
    if materialize:
        firms = materialized(firms, "zhizao_match_firms")
        projects = materialized(projects, "zhizao_match_projects") if projects is not None else None
    titles = inputs.get("titles")
    if not any(it.level != "project" or projects is not None for it in chosen):
        raise ValueError(f"{year} 年度没有可匹配的政策条目")
    used = {"firms": firms, **({"projects": projects} if projects is not None else {}),
            **({"titles": titles} if titles is not None else {})}
    key = ("policies.match", [it.model_dump_json() for it in chosen], year, sorted(tables))
    return compiled(lambda: _match_items(chosen, firms, projects, titles, year, tables), key=key, inputs=used,
                    code=_CODE)


def _match_items(chosen: Sequence[Item], firms: ir.Table, projects: ir.Table | None, titles: ir.Table | None,
                 year: int, tables: set[str]) -> ir.Table:
    parts = []
    for it in chosen:
        if it.level == "project":
            if projects is None:
                continue
            parts.append(match_item(it, projects, year, tables, titles))
        else:
            parts.append(match_item(it, firms, year, tables, titles))
    out = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return _stack(out, {it.id: it.title for it in chosen})


def to_rows(table: Any) -> list[dict[str, Any]]:
    """Executed matches → CONTRACT.md rows (``eligible`` true / false / "unknown")."""
    rows = table.to_pylist() if hasattr(table, "to_pylist") else list(table)
    out = []
    for r in rows:
        e = r["eligible"]
        out.append({
            "credit_code": r["credit_code"], "name": r.get("name"), "region_code": r.get("region_code"),
            "item_id": r["item_id"], "subject": r.get("subject") or None,
            "eligible": True if e == "true" else False if e == "false" else "unknown",
            "mode": r["mode"], "expected_benefit": None if r["expected_benefit"] is None
            else round(float(r["expected_benefit"]), 4),
            "reason": r["reason"],
            "gaps": [{"criterion": g["criterion"], "value": g["value"], "threshold": g["threshold"],
                      "gap": g["gap"], "unit": g["unit"]} for g in (r.get("gaps") or [])],
        })
    return out
