"""The six-milestone lifecycle and the 破五未 account, as Ibis expressions (no per-row Python).

Inputs (Ibis tables, the warehouse's names):

- ``projects``: current rows of the contract table;
- ``project_milestones``: current rows (the actual dates, the plan now in force);
- ``plans``: every plan a milestone ever had, ``(project_id, milestone, planned_on, eff_from,
  eff_to)``, built by :func:`plan_versions` from ``history_project_milestones`` (every row,
  superseded ones too: the warehouse's view, the lake's table);
  ``eff_from`` NULL is the original plan (in force since always), ``eff_to`` NULL the current one;
- ``project_disposals``: current rows.

**The stall rule** (CONTRACT.md, a methodology value): on day ``d`` a project that has reached
milestone ``n`` (the highest reached on or before ``d``) and not ``n+1``, that is not disposed,
and whose ``n+1`` plan *in force on d* is more than ``grace_days`` before ``d``, is stalled in
"n 未 n+1". A stall is one **case** ``(project, gap)``: it opens on the first such day (``since``)
and is resolved on the day a later milestone is reached or the project is disposed
(``resolved_on``, ``how`` = milestone / disposal). A re-plan does not resolve a case: a later
plan changes what is judged afterwards, never the days already judged against the earlier plan
(so a re-plan after a stall began leaves the stall counted).

Per gap ``n`` of a project, the days it sits in that gap are ``[a_n, end_n)`` with ``a_n`` the
day ``n`` was reached and ``end_n`` the earliest of any later milestone's day and the disposal.
For each plan version ``v`` of ``n+1`` (in force on ``[eff_from_v, eff_to_v)``), the first day
it makes the project late is ``max(a_n, eff_from_v, planned_v + grace + 1)``, if that day is
still inside both spans; ``since`` is the earliest over the versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from zhizao.projects.codes import MILESTONE_ORDER, OUTCOMES
from zhizao.projects.methodology import STALL_CODES, TARGETS, ProjectsMethodology

STATES = ("on_track", "stalled", "disposed", "done")
STATE_NAMES = {"on_track": "正常推进", "stalled": "未按期", "disposed": "已处置", "done": "已达产",
               "not_signed": "未签约"}
STALL_BY_CODE = {code: target for target, code in STALL_CODES.items()}
HOW_NAMES = {"milestone": "节点完成", "disposal": "处置"}
OUTCOME_NAMES = {k: v[0] for k, v in OUTCOMES.items()}


def _case(col: ir.Value, mapping: dict[Any, Any], else_: Any = None) -> ir.Value:
    c = ibis.cases(*((col == k, v) for k, v in mapping.items()), else_=else_)
    return c


def milestone_index(col: ir.Value) -> ir.Value:
    return _case(col, {m: i for i, m in enumerate(MILESTONE_ORDER)})


def plan_versions(history: ir.Table) -> ir.Table:
    """Every plan of every (project, milestone) with the span it was in force.

    ``history`` is ``history_project_milestones`` (every row, superseded too, with the day its batch
    was imported: the warehouse's view and the lake's table of that name); a version's start is
    its ``planned_since`` or, for a later batch without one, the day the batch was imported; the
    first version is the original plan (``eff_from`` NULL)."""
    h = history
    j = h.select(h.project_id, h.milestone, h.planned_on, h.planned_since, h._batch_id,
                 imported_on=h._imported_on)
    w = ibis.window(group_by=[j.project_id, j.milestone], order_by=j._batch_id)
    v = j.mutate(_n=ibis.row_number().over(w))
    v = v.mutate(eff_from=ibis.ifelse(v._n == 0, ibis.null("date"), v.planned_since.fill_null(v.imported_on)))
    w2 = ibis.window(group_by=[v.project_id, v.milestone], order_by=v._batch_id)
    v = v.mutate(eff_to=v.eff_from.lead().over(w2))
    return v.select("project_id", "milestone", "planned_on", "eff_from", "eff_to")


def reached(milestones: ir.Table) -> ir.Table:
    """One row per project: the day each milestone was reached (``a_signed`` … ``a_full_production``)."""
    m = milestones
    return m.group_by(m.project_id).aggregate(
        **{f"a_{k}": m.actual_on.max(where=m.milestone == k) for k in MILESTONE_ORDER})


def cases(milestones: ir.Table, plans: ir.Table, disposals: ir.Table, meth: ProjectsMethodology) -> ir.Table:
    """Every stall case ever opened: ``project_id, target, stall, since, breached_on, resolved_on,
    how, outcome`` (``breached_on``: the planned day whose passing opened the case)."""
    r = reached(milestones)
    d = disposals.select(disposals.project_id, disposed_on=disposals.disposed_on, outcome=disposals.outcome)
    r = r.left_join(d, r.project_id == d.project_id).drop("project_id_right")
    parts = []
    for k, target in enumerate(TARGETS):
        later = [r[f"a_{m}"] for m in MILESTONE_ORDER[k + 1:]]
        nxt = later[0] if len(later) == 1 else ibis.least(*later)
        end = ibis.least(nxt, r.disposed_on)
        parts.append(r.select(
            r.project_id, target=ibis.literal(target), start=r[f"a_{MILESTONE_ORDER[k]}"], end=end,
            how=ibis.cases((nxt.notnull() & (nxt == end), "milestone"), (r.disposed_on.notnull(), "disposal"),
                           else_=ibis.null("string")),
            outcome=ibis.ifelse(nxt.notnull() & (nxt == end), ibis.null("string"), r.outcome),
        ).filter(lambda t: t.start.notnull() & (t.end.isnull() | (t.start < t.end))))
    gaps = ibis.union(*parts)
    grace = _case(plans.milestone, {t: meth.grace(t) + 1 for t in TARGETS}, 1)
    p = plans.filter(plans.milestone.isin(list(TARGETS))).mutate(due=(plans.planned_on + grace.as_interval("D")).cast("date"))
    j = gaps.join(p, (gaps.project_id == p.project_id) & (gaps.target == p.milestone)).select(
        gaps.project_id, gaps.target, gaps.start, gaps.end, gaps.how, gaps.outcome, p.planned_on, p.eff_from,
        p.eff_to, p.due)
    j = j.mutate(s=ibis.greatest(j.start, j.eff_from.fill_null(j.start), j.due))
    j = j.filter((j.eff_to.isnull() | (j.s < j.eff_to)) & (j.end.isnull() | (j.s < j.end)))
    c = j.group_by([j.project_id, j.target]).aggregate(
        since=j.s.min(), breached_on=j.planned_on.argmin(j.s), resolved_on=j.end.max(), how=j.how.max(),
        outcome=j.outcome.max())
    return c.mutate(stall=_case(c.target, STALL_CODES))


def _days(later: ir.Value, earlier: ir.Value) -> ir.Value:
    """Whole days from ``earlier`` to ``later``."""
    return later.delta(earlier, unit="day")


def status(projects: ir.Table, milestones: ir.Table, plans: ir.Table, disposals: ir.Table, meth: ProjectsMethodology,
           as_of: dt.date, stall_cases: ir.Table | None = None, investment: ir.Table | None = None) -> ir.Table:
    """Each project's state on ``as_of``: ``project_id, name, credit_code, region_code, reached,
    state, stall, since, overdue_days, colour, next_milestone, next_planned_on, land_warning,
    inconsistent``."""
    d = ibis.literal(as_of, type="date")
    c = stall_cases if stall_cases is not None else cases(milestones, plans, disposals, meth)
    c = c.filter((c.since <= d) & (c.resolved_on.isnull() | (c.resolved_on > d)))
    r = reached(milestones)
    idx = ibis.cases(*((r[f"a_{m}"] <= d, i) for i, m in reversed(list(enumerate(MILESTONE_ORDER)))),
                     else_=ibis.null("int64"))
    # an actual day earlier than an earlier milestone's: loaded, but flagged
    acts = [r[f"a_{m}"] for m in MILESTONE_ORDER]
    bad = ibis.literal(False)
    for i in range(1, len(acts)):
        prev = acts[0] if i == 1 else ibis.greatest(*acts[:i])
        bad = bad | (acts[i].notnull() & prev.notnull() & (acts[i] < prev)).fill_null(False)
    r = r.mutate(_i=idx, inconsistent=bad)
    base = projects.select("project_id", "name", "credit_code", "region_code", "owner", "facilitator",
                           "total_investment", "land_area_mu", "kind")
    t = base.left_join(r.select("project_id", "_i", "inconsistent", "a_started"),
                       base.project_id == r.project_id).drop("project_id_right")
    dis = disposals.select("project_id", "disposed_on", "outcome")
    t = t.left_join(dis, t.project_id == dis.project_id).drop("project_id_right")
    cs = c.select("project_id", "stall", "target", "since", "breached_on")
    t = t.left_join(cs, t.project_id == cs.project_id).drop("project_id_right")
    disposed = t.disposed_on.notnull() & (t.disposed_on <= d)
    done = t._i == len(MILESTONE_ORDER) - 1
    state = ibis.cases((disposed, "disposed"), (done, "done"), (t.since.notnull(), "stalled"), else_="on_track")
    overdue = ibis.ifelse(t.since.notnull() & ~disposed, _days(d, t.breached_on), 0)
    red = _case(t.target, {x: meth.red(x) for x in TARGETS}, 0)
    t = t.mutate(reached=_case(t._i, dict(enumerate(MILESTONE_ORDER))), state=state, overdue_days=overdue,
                 inconsistent=t.inconsistent.fill_null(False))
    t = t.mutate(colour=ibis.cases((t.state != "stalled", ibis.ifelse(t.state == "on_track", "green", "grey")),
                                   (t.overdue_days > red, "red"), else_="amber"),
                 stall=ibis.ifelse(t.state == "stalled", t.stall, ibis.null("string")),
                 since=ibis.ifelse(t.state == "stalled", t.since, ibis.null("date")),
                 next_milestone=ibis.ifelse(t.state.isin(["on_track", "stalled"]),
                                            _case(t._i.fill_null(-1) + 1, dict(enumerate(MILESTONE_ORDER))),
                                            ibis.null("string")))
    # the plan in force on as_of for the next milestone
    p = plans.filter((plans.eff_from.isnull() | (plans.eff_from <= d)) & (plans.eff_to.isnull() | (plans.eff_to > d)))
    p = p.select(pid=p.project_id, pm=p.milestone, next_planned_on=p.planned_on)
    t = t.left_join(p, (t.project_id == p.pid) & (t.next_milestone == p.pm)).drop("pid", "pm")
    t = _with_land_warning(t, plans, investment, meth, d)
    return t.select("project_id", "name", "credit_code", "region_code", "owner", "facilitator", "kind",
                    "total_investment", "reached", "state", "stall", "since", "overdue_days", "colour",
                    "next_milestone", "next_planned_on", "disposed_on", "outcome", "land_warning", "inconsistent")


def _with_land_warning(t: ir.Table, plans: ir.Table, investment: ir.Table | None, meth: ProjectsMethodology,
                       d: ir.Value) -> ir.Table:
    """Adds ``land_warning`` (METHODS.md's legal anchors), for live projects with land:
    ``reclaimable`` / ``idle_fee`` when not started that many days after the contracted start
    (the original plan of 开工, whatever the re-plans); ``stopped`` when started, not completed,
    under the invested share of the total, with no investment for ``stopped_days``."""
    lr = meth.land
    orig = plans.filter((plans.milestone == "started") & plans.eff_from.isnull())
    orig = orig.select(oid=orig.project_id, contracted_start=orig.planned_on)
    t = t.left_join(orig, t.project_id == orig.oid).drop("oid")
    land = t.land_area_mu.fill_null(0) > 0
    live = t.state.isin(["on_track", "stalled"])
    idle = ibis.ifelse(t.a_started.isnull() | (t.a_started > d), _days(d, t.contracted_start), ibis.null("int64"))
    conds = [
        (land & live & (idle > int(lr.reclaim_days.value)), "reclaimable"),
        (land & live & (idle > int(lr.idle_fee_days.value)), "idle_fee"),
    ]
    if investment is not None:
        inv = investment.filter(investment.month <= d)
        inv = inv.group_by(iid=inv.project_id).aggregate(invested=inv.invested.sum(),
                                                          last_month=inv.month.max(where=inv.invested > 0))
        t = t.left_join(inv, t.project_id == inv.iid).drop("iid")
        share = t.invested.fill_null(0) / ibis.ifelse(t.total_investment > 0, t.total_investment, ibis.null("float64"))
        quiet = t.last_month.isnull() | (_days(d, t.last_month) > int(lr.stopped_days.value))
        started = t.a_started.notnull() & (t.a_started <= d) & (_days(d, t.a_started) > int(lr.stopped_days.value))
        conds.append((land & live & started & t.reached.isin(["started"]) & (share < lr.invested_share.value) & quiet,
                      "stopped"))
    return t.mutate(land_warning=ibis.cases(*conds, else_=ibis.null("string")))


def account_rows(c: ir.Table, projects: ir.Table, d1: dt.date, d2: dt.date) -> ir.Table:
    """The cases touching ``[d1, d2]`` with their flags: ``at_start``, ``new``, ``resolved``,
    ``open_at_end`` (one row per case, region added; ``projects`` already filtered to a region)."""
    a, b = ibis.literal(d1, type="date"), ibis.literal(d2, type="date")
    p = projects.select(pid="project_id", region_code="region_code")
    x = c.filter((c.since <= b) & (c.resolved_on.isnull() | (c.resolved_on >= a)))
    x = x.join(p, x.project_id == p.pid).drop("pid")
    return x.mutate(at_start=x.since < a, new=x.since >= a, resolved=x.resolved_on.notnull() & (x.resolved_on <= b),
                    open_at_end=x.resolved_on.isnull() | (x.resolved_on > b))


def account_summary(rows: ir.Table, by: list[str]) -> ir.Table:
    """Counts of :func:`account_rows` grouped by ``by`` (e.g. ``["region_code", "stall"]``)."""
    return rows.group_by(by).aggregate(
        stock_at_start=rows.at_start.sum(), new=rows.new.sum(), resolved=rows.resolved.sum(),
        resolved_by_milestone=(rows.resolved & (rows.how == "milestone")).sum(),
        resolved_by_disposal=(rows.resolved & (rows.how == "disposal")).sum(),
        open_at_end=rows.open_at_end.sum())


def rate(resolved: int, stock: int, new: int) -> float | None:
    """``resolved / (stock_at_start + new)`` (None when there were no cases)."""
    n = stock + new
    return None if n == 0 else resolved / n


def drive(projects: ir.Table, milestones: ir.Table, first: dt.date, last: dt.date) -> ir.Table:
    """双进双产 by district for the year from ``first`` to ``last``: milestones due (current plan in
    the year), reached on time (on or before the plan), reached early (before the plan), and the
    starts, completions and full productions of the year (``region_code, due, on_time, early,
    started, completed, full_production``)."""
    p = projects.select(pid="project_id", region_code="region_code")
    m = milestones.join(p, milestones.project_id == p.pid)
    y0, y1 = ibis.literal(first, type="date"), ibis.literal(last, type="date")
    in_year = (m.planned_on >= y0) & (m.planned_on <= y1)
    done_in_year = m.actual_on.notnull() & (m.actual_on >= y0) & (m.actual_on <= y1)
    return m.group_by("region_code").aggregate(
        due=in_year.sum(),
        on_time=(in_year & m.actual_on.notnull() & (m.actual_on <= m.planned_on)).sum(),
        early=(done_in_year & (m.actual_on < m.planned_on)).sum(),
        started=(done_in_year & (m.milestone == "started")).sum(),
        completed=(done_in_year & (m.milestone == "completed")).sum(),
        full_production=(done_in_year & (m.milestone == "full_production")).sum(),
    )


def ahead_of_plan(projects: ir.Table, milestones: ir.Table, first: dt.date, last: dt.date) -> ir.Table:
    """双进双产 list: milestones of the year from ``first`` to ``last`` reached ahead of plan (start,
    completion, full production), the most days ahead first."""
    m, p = milestones, projects
    y0, y1 = ibis.literal(first, type="date"), ibis.literal(last, type="date")
    x = m.filter(m.milestone.isin(["started", "completed", "full_production"]) & m.actual_on.notnull()
                 & (m.actual_on >= y0) & (m.actual_on <= y1) & (m.actual_on < m.planned_on))
    pp = p.select(pid="project_id", name="name", region_code="region_code", total_investment="total_investment")
    x = x.join(pp, x.project_id == pp.pid)
    x = x.mutate(days_early=x.planned_on.delta(x.actual_on, unit="day"))
    return x.select("project_id", "name", "region_code", "milestone", "planned_on", "actual_on", "days_early",
                    "total_investment").order_by([ibis.desc("days_early"), "project_id"])
