"""Evaluating criteria: one Ibis expression per rule set, the same on DuckDB and Spark.

Every node gets an outcome code, lowest first::

    UNMET 0 < UNKNOWN 1 < MANUAL 2 < MET 3

``all`` is the least of its children and ``any`` the greatest (so a missing value never counts as
unmet: ``all(met, unknown)`` is unknown, ``any(unmet, unknown)`` is unknown); ``not`` swaps met and
unmet and keeps unknown and manual. A comparison is unknown when its measure is null, a title
prerequisite is met or unmet (the titles table is the register: no row means not held), a manual
criterion is manual.

The gap of an unmet comparison is how far the value is from the threshold, in the criterion's
unit (``>=``: threshold − value; ``<=``: value − threshold; ``between``: distance to the nearer
bound; ``=``: the absolute difference). Each unmet node also gets a relative gap in [0, 1]
(gap / |threshold|, capped at 1; 1 for a missing title or a failed ``not``; the sum over an
``all``'s unmet children; the smallest over an ``any``'s routes), used to rank near misses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from zhizao.criteria.model import (
    LEVELS,
    All,
    Any_,
    Comparison,
    CriteriaError,
    Manual,
    Not,
    RuleSet,
    TitleHeld,
    children,
    walk,
)
from zhizao.criteria.outcomes import (
    MANUAL,
    MET,
    OUTCOME_NAMES,
    RESULT_NAMES,
    UNKNOWN,
    UNMET,
)


@dataclass(frozen=True)
class Measure:
    """A named quantity a criterion compares: ``expr`` is a column name of the firm table or a
    function of it returning an Ibis value (null = unknown)."""

    label: str
    unit: str
    expr: str | Callable[[ir.Table], ir.Value]
    doc: str = ""

    def value(self, t: ir.Table) -> ir.FloatingValue:
        v = t[self.expr] if isinstance(self.expr, str) else self.expr(t)
        return v.cast("float64")


def _measure_for(name: str, measures: Mapping[str, Measure], columns: Collection[str]) -> Measure:
    if name in measures:
        return measures[name]
    if name in columns:
        return Measure(name, "", name)
    raise CriteriaError(f"未知指标: {name}")


def validate(
    criteria: Sequence[Any] | RuleSet,
    measures: Mapping[str, Measure],
    columns: Collection[str],
    *,
    titles: Collection[str] | None = None,
    has_titles: bool = True,
) -> None:
    """Raise :class:`CriteriaError` naming every criterion whose measure (or attribute, a column of
    the firm table) is unknown, whose unit differs from its measure's, or whose title is unknown."""
    nodes = criteria.criteria if isinstance(criteria, RuleSet) else list(criteria)
    problems: list[str] = []
    for n in walk(nodes):
        if isinstance(n, Comparison):
            if n.measure not in measures and n.measure not in columns:
                problems.append(f"标准 {n.id}（{n.label}）引用了未知指标或属性: {n.measure}")
            elif n.measure in measures:
                mu = measures[n.measure].unit
                if mu and n.unit and mu != n.unit:
                    problems.append(f"标准 {n.id}（{n.label}）的单位 {n.unit} 与指标 {n.measure} 的单位 {mu} 不一致")
        elif isinstance(n, TitleHeld):
            if titles is not None and n.title not in titles:
                problems.append(f"标准 {n.id}（{n.label}）引用了未知称号: {n.title}")
            if not has_titles:
                problems.append(f"标准 {n.id}（{n.label}）需要称号数据（titles），但未提供")
    if problems:
        raise CriteriaError("；".join(problems))


def _title_flags(nodes: Sequence[Any], titles: ir.Table, as_of: dt.date, key: str) -> ir.Table:
    """Per firm, one 0/1 column per distinct (title, minimum level) prerequisite."""
    day = ibis.literal(as_of, type="date")
    rank = ibis.cases(*((titles.level == lv, i) for i, lv in enumerate(LEVELS)), else_=-1)
    valid = (
        (titles.granted_on.cast("date") <= day)
        & (titles.expires_on.isnull() | (titles.expires_on.cast("date") >= day))
        & (titles.revoked_on.isnull() | (titles.revoked_on.cast("date") > day))
    )
    aggs = {}
    for n in nodes:
        col = _title_col(n)
        if col not in aggs:
            cond = valid & (titles.title == n.title) & (rank >= LEVELS.index(n.level))
            aggs[col] = ibis.ifelse(cond, 1, 0).max()
    return titles.group_by(titles[key]).aggregate(**aggs)


def _title_col(n: TitleHeld) -> str:
    return f"t__{n.title}__{n.level}"


def _height(n: Any) -> int:
    kids = children(n)
    return 0 if not kids else 1 + max(_height(c) for c in kids)


def _leaf_cols(n: Any, t: ir.Table, measures: Mapping[str, Measure], columns: Collection[str]) -> dict[str, ir.Value]:
    """Columns of a leaf: ``<id>__code`` (int), ``<id>__rel_gap``, and its value and gap."""
    null_f = ibis.null().cast("float64")
    if isinstance(n, Comparison):
        v = t[_measure_col(n.measure)]
        lo, hi = ibis.literal(n.low, type="float64"), ibis.literal(n.high, type="float64")
        ok = {">=": v >= lo, "<=": v <= hi, ">": v > lo, "<": v < hi, "=": v == lo,
              "between": (v >= lo) & (v <= hi)}[n.op]
        code = ibis.cases((v.isnull(), UNKNOWN), (ok, MET), else_=UNMET)
        raw = {">=": lo - v, ">": lo - v, "<=": v - hi, "<": v - hi, "=": (v - lo).abs(),
               "between": ibis.ifelse(v < lo, lo - v, v - hi)}[n.op]
        scale = abs(n.low) if n.op in (">=", ">", "between") and n.low else abs(n.high) if n.high else 1.0
        unmet = v.notnull() & ~ok
        return {
            f"{n.id}__code": code,
            f"{n.id}__value": v,
            f"{n.id}__gap": ibis.ifelse(unmet, raw, null_f),
            f"{n.id}__rel_gap": ibis.ifelse(unmet, ibis.least(raw / scale, 1.0), null_f),
        }
    if isinstance(n, TitleHeld):
        held = t[_title_col(n)].fill_null(0)
        return {
            f"{n.id}__code": ibis.ifelse(held == 1, MET, UNMET),
            f"{n.id}__value": held.cast("float64"),
            f"{n.id}__rel_gap": ibis.ifelse(held == 1, null_f, 1.0),
        }
    assert isinstance(n, Manual)
    return {f"{n.id}__code": ibis.literal(MANUAL, type="int64"), f"{n.id}__rel_gap": null_f}


def _group_cols(n: Any, t: ir.Table) -> dict[str, ir.Value]:
    """Columns of a group from its children's columns (already in ``t``)."""
    null_f = ibis.null().cast("float64")
    codes = [t[f"{c.id}__code"] for c in children(n)]
    rels = [t[f"{c.id}__rel_gap"] for c in children(n)]
    if isinstance(n, Not):
        c0 = codes[0]
        code = ibis.cases((c0 == MET, UNMET), (c0 == UNMET, MET), else_=c0)
        return {f"{n.id}__code": code, f"{n.id}__rel_gap": ibis.ifelse(c0 == MET, 1.0, null_f)}
    if isinstance(n, All):
        code = ibis.least(*codes) if len(codes) > 1 else codes[0]
        total = sum((ibis.ifelse(c == UNMET, r, 0.0) for c, r in zip(codes, rels, strict=True)), ibis.literal(0.0))
        # unmet exactly when some child is unmet
        some_unmet = ibis.least(*codes) == UNMET if len(codes) > 1 else codes[0] == UNMET
        return {f"{n.id}__code": code, f"{n.id}__rel_gap": ibis.ifelse(some_unmet, total, null_f)}
    assert isinstance(n, Any_)
    code = ibis.greatest(*codes) if len(codes) > 1 else codes[0]
    filled = [r.fill_null(1.0) for r in rels]
    best = ibis.least(*filled) if len(filled) > 1 else filled[0]
    all_unmet = (ibis.greatest(*codes) if len(codes) > 1 else codes[0]) == UNMET
    return {f"{n.id}__code": code, f"{n.id}__rel_gap": ibis.ifelse(all_unmet, best, null_f)}


def _measure_col(name: str) -> str:
    return f"m__{name}"


def _name(code: ir.IntegerValue, names: Mapping[int, str]) -> ir.StringValue:
    return ibis.cases(*((code == k, v) for k, v in names.items()), else_="unknown")


def screen(
    criteria: Sequence[Any] | RuleSet,
    firms: ir.Table,
    *,
    as_of: dt.date,
    measures: Mapping[str, Measure] | None = None,
    titles: ir.Table | None = None,
    known_titles: Collection[str] | None = None,
    keep: Sequence[str] = ("credit_code",),
    key: str = "credit_code",
    codes: bool = False,
) -> ir.Table:
    """Screen every row of ``firms`` (one per firm) against ``criteria`` (all must hold).

    Returns one row per firm: the ``keep`` columns, ``outcome`` (qualified / not_qualified /
    unknown / manual_review), ``met_count`` / ``unmet_count`` / ``unknown_count`` /
    ``manual_count`` over the top-level criteria, ``gap_score`` (sum of their relative gaps), and
    per node ``<id>__outcome`` (met / unmet / unknown / manual) and ``<id>__rel_gap``; per
    comparison ``<id>__value`` and ``<id>__gap`` (in its unit); per title ``<id>__value`` (1 held).

    ``codes``: also the integer codes (``UNMET`` 0 < ``UNKNOWN`` 1 < ``MANUAL`` 2 < ``MET`` 3),
    ``outcome_code`` and per node ``<id>__code``, for callers that branch on outcomes over many
    rows (comparing integers rather than the names).
    """
    nodes = criteria.criteria if isinstance(criteria, RuleSet) else list(criteria)
    measures = dict(measures or {})
    columns = set(firms.columns)
    validate(nodes, measures, columns, titles=known_titles, has_titles=titles is not None)
    title_nodes = [n for n in walk(nodes) if isinstance(n, TitleHeld)]
    t = firms
    if title_nodes:
        assert titles is not None
        flags = _title_flags(title_nodes, titles, as_of, key)
        j = firms.left_join(flags, firms[key] == flags[key])
        t = j.select(firms, *[flags[c] for c in flags.columns if c != key])
    used = sorted({n.measure for n in walk(nodes) if isinstance(n, Comparison)})
    if used:
        t = t.mutate(**{_measure_col(m): _measure_for(m, measures, columns).value(t) for m in used})
    everything = list(walk(nodes))
    leaves = [n for n in everything if not children(n)]
    cols: dict[str, ir.Value] = {}
    for n in leaves:
        cols.update(_leaf_cols(n, t, measures, columns))
    t = t.mutate(**cols)
    groups = [n for n in everything if children(n)]
    for h in sorted({_height(g) for g in groups}):
        t = t.mutate(**{k: v for g in groups if _height(g) == h for k, v in _group_cols(g, t).items()})
    top_codes = [t[f"{n.id}__code"] for n in nodes]
    top = ibis.least(*top_codes) if len(top_codes) > 1 else top_codes[0]

    def count(code: int) -> ir.IntegerValue:
        return sum((ibis.ifelse(c == code, 1, 0) for c in top_codes), ibis.literal(0)).cast("int64")

    gap_score = sum((t[f"{n.id}__rel_gap"].fill_null(0.0) for n in nodes), ibis.literal(0.0))
    out: dict[str, ir.Value] = {}
    if codes:
        out["outcome_code"] = top.cast("int64")
    for n in everything:
        out[f"{n.id}__outcome"] = _name(t[f"{n.id}__code"], OUTCOME_NAMES)
        if codes:
            out[f"{n.id}__code"] = t[f"{n.id}__code"].cast("int64")
        for suffix in ("rel_gap", "value", "gap"):
            if f"{n.id}__{suffix}" in t.columns:
                out[f"{n.id}__{suffix}"] = t[f"{n.id}__{suffix}"].cast("float64")
    return t.select(
        *[t[c] for c in keep],
        outcome=_name(top, RESULT_NAMES),
        met_count=count(MET),
        unmet_count=count(UNMET),
        unknown_count=count(UNKNOWN),
        manual_count=count(MANUAL),
        gap_score=gap_score.cast("float64"),
        **out,
    )


def node_columns(criteria: Sequence[Any] | RuleSet) -> list[str]:
    """The per-node columns :func:`screen` adds, in order."""
    nodes = criteria.criteria if isinstance(criteria, RuleSet) else list(criteria)
    out: list[str] = []
    for n in walk(nodes):
        out.append(f"{n.id}__outcome")
        out.append(f"{n.id}__rel_gap")
        if isinstance(n, Comparison):
            out += [f"{n.id}__value", f"{n.id}__gap"]
        elif isinstance(n, TitleHeld):
            out.append(f"{n.id}__value")
    return out
