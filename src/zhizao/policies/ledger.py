"""The benefit ledger (一指减负台账): per firm and kind (减税 / 减费 / 减租 / 减息 / 减支 / 奖补),
what is due, what was paid, the rate paid, and what is overdue; totals by district and policy.

Per (firm, item) of the year, the amount due is, in order of authority: the ``benefits`` row
(finance, tax or the bureau's own record), else the amount approved on a 快申快享 application,
else the matched 免申即享 amount (after 从高不重复). The amount paid is the ``benefits`` row's, else
the payouts recorded here. Overdue: due, not fully paid, and past the payout date of its notice
or application. Surcharges (差别化加价) are burdens, not benefits, and stay out of the ledger.
Computed as one Ibis expression on the warehouse (the store's payouts registered as a table).
"""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import nullcontext
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import select

from zhizao.engine.compiled import compiled, kept_in
from zhizao.policies import catalogue as catalogue_module
from zhizao.policies.catalogue import KINDS, Catalogue
from zhizao.settings import Settings

LEDGER_COLUMNS = ("credit_code", "name", "region_code", "item_id", "kind", "expected", "paid", "overdue")
#: what a prepared ledger keeps per row: the columns, and the date its payout falls due (what is
#: overdue is then a matter of the day the page is read, :func:`overdue_on`)
PREPARED_COLUMNS = (*LEDGER_COLUMNS, "due_on")


def store_facts(settings: Settings, year: int, today: dt.date) -> pa.Table:
    """(credit_code, item_id, app_expected, paid, due_on) from notices, applications and payouts."""
    from zhizao.policies.models import PolicyApplication, PolicyNotice, PolicyNoticeEntry, PolicyPayout
    from zhizao.store.db import session_scope

    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(code: str, item: str) -> dict[str, Any]:
        return rows.setdefault((code, item), {"app_expected": None, "paid": 0.0, "due_on": None})

    with session_scope(settings) as s:
        for e, n in s.execute(select(PolicyNoticeEntry, PolicyNotice).join(
                PolicyNotice, PolicyNotice.id == PolicyNoticeEntry.notice_id).where(
                PolicyNotice.year == year, PolicyNoticeEntry.status != "withdrawn")):
            r = row(e.credit_code, n.item_id)
            r["due_on"] = n.payout_due_on if r["due_on"] is None else min(r["due_on"], n.payout_due_on)
        for a in s.scalars(select(PolicyApplication).where(PolicyApplication.year == year,
                                                           PolicyApplication.status.in_(("accepted", "paid")))):
            r = row(a.credit_code, a.item_id)
            r["app_expected"] = (r["app_expected"] or 0.0) + float(a.approved or 0.0)
            r["due_on"] = a.due_on if r["due_on"] is None else min(r["due_on"], a.due_on)
        for p in s.scalars(select(PolicyPayout).where(PolicyPayout.year == year)):
            row(p.credit_code, p.item_id)["paid"] += float(p.amount)
    keys = list(rows)
    return pa.table({
        "credit_code": pa.array([k[0] for k in keys], pa.string()),
        "item_id": pa.array([k[1] for k in keys], pa.string()),
        "app_expected": pa.array([rows[k]["app_expected"] for k in keys], pa.float64()),
        "store_paid": pa.array([rows[k]["paid"] for k in keys], pa.float64()),
        "due_on": pa.array([rows[k]["due_on"] for k in keys], pa.date32()),
    })


def ledger_expr(matches: ir.Table, benefits: ir.Table | None, facts: ir.Table, enterprises: ir.Table,
                year: int, today: dt.date, catalogue: Catalogue | None = None,
                columns: tuple[str, ...] = LEDGER_COLUMNS) -> ir.Table:
    """One row per (firm, item) with a benefit due or paid: ``columns`` (``LEDGER_COLUMNS``, or
    ``PREPARED_COLUMNS`` with the payout's due date)."""
    cat = catalogue or Catalogue()
    kind_of = {it.id: it.kind for it in cat.items if it.kind}
    m = matches.filter((matches.eligible == "true") & (matches.expected_benefit > 0)
                       & matches.item_id.isin(list(kind_of)))
    m = m.group_by(["credit_code", "item_id"]).aggregate(match_expected=m.expected_benefit.sum())
    keys = [m.select("credit_code", "item_id"), facts.select("credit_code", "item_id")]
    if benefits is not None:
        b = benefits.filter(benefits.year == year).select(
            "credit_code", "item_id", b_kind=benefits.kind.cast("string"),
            b_expected=benefits.expected.cast("float64"), b_paid=benefits.paid.cast("float64"))
        keys.append(b.select("credit_code", "item_id"))
    k = keys[0].union(*keys[1:], distinct=True)
    t = k.left_join(m, ["credit_code", "item_id"]).select(k.credit_code, k.item_id, m.match_expected)
    f = facts
    t = t.left_join(f, ["credit_code", "item_id"]).select(t, f.app_expected, f.store_paid, f.due_on)
    if benefits is not None:
        t = t.left_join(b, ["credit_code", "item_id"]).select(t, b.b_kind, b.b_expected, b.b_paid)
    else:
        t = t.mutate(b_kind=ibis.null().cast("string"), b_expected=ibis.null().cast("float64"),
                     b_paid=ibis.null().cast("float64"))
    item_kind = ibis.cases(*((t.item_id == i, kd) for i, kd in kind_of.items()), else_=ibis.null().cast("string"))
    expected = ibis.coalesce(t.b_expected, t.app_expected, t.match_expected, 0.0)
    paid = ibis.coalesce(t.b_paid, t.store_paid, 0.0)
    late = t.due_on.notnull() & (t.due_on < ibis.literal(today, type="date")) & (paid < expected)
    t = t.select(t.credit_code, t.item_id, kind=ibis.coalesce(t.b_kind, item_kind),
                 expected=expected.cast("float64"), paid=paid.cast("float64"),
                 overdue=ibis.ifelse(late, expected - paid, 0.0).cast("float64"), due_on=t.due_on)
    e = enterprises.select("credit_code", "name", "region_code")
    t = t.left_join(e, "credit_code").select(t, e.name, e.region_code)
    return t.filter(t.kind.notnull() & ((t.expected > 0) | (t.paid > 0))).select(*columns)


#: the code the ledger's expression comes from (its source is part of the compiled-SQL key)
_CODE = (catalogue_module, sys.modules[__name__])


def _compiled_ledger(matches: ir.Table, benefits: ir.Table | None, facts: ir.Table, enterprises: ir.Table,
                     year: int, today: dt.date, columns: tuple[str, ...]) -> ir.Table:
    """:func:`ledger_expr`, built and compiled once per catalogue's kinds, year, day and inputs
    (:func:`zhizao.engine.compiled.compiled`): it does not depend on the data, and building and
    compiling it on every call was most of a ledger's second on a small city (the five-year
    review asks for one per year and section)."""
    cat = Catalogue()
    kinds = sorted((it.id, it.kind) for it in cat.items if it.kind)
    used = {"matches": matches, "facts": facts, "enterprises": enterprises,
            **({"benefits": benefits} if benefits is not None else {})}
    return compiled(lambda: ledger_expr(matches, benefits, facts, enterprises, year, today, cat, columns),
                    key=("policies.ledger", kinds, year, today.isoformat(), columns), inputs=used,
                    code=_CODE)


def overdue_on(rows: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """Prepared rows (``PREPARED_COLUMNS``) with what is overdue on ``today``, by the rule of
    :func:`ledger_expr`: due, not fully paid, and past its payout date."""
    out = []
    for r in rows:
        due = r.get("due_on")
        late = due is not None and due < today and r["paid"] < r["expected"]
        out.append({k: r[k] for k in LEDGER_COLUMNS} | {"overdue": r["expected"] - r["paid"] if late else 0.0})
    return out


def _rate(paid: float, expected: float) -> float | None:
    return round(paid / expected, 4) if expected > 0 else None


def summarise(rows: list[dict[str, Any]], year: int, credit_code: str | None = None) -> dict[str, Any]:
    """Ledger rows → per firm and kind, with totals by kind, district and policy."""
    from zhizao.codes import regions

    firms: dict[str, dict[str, Any]] = {}
    by_kind: dict[str, dict[str, float]] = {}
    by_region: dict[str, dict[str, float]] = {}
    by_item: dict[str, dict[str, float]] = {}

    def add(acc: dict[str, float], r: dict[str, Any]) -> None:
        for f in ("expected", "paid", "overdue"):
            acc[f] = acc.get(f, 0.0) + float(r[f] or 0.0)

    for r in rows:
        f = firms.setdefault(r["credit_code"], {"credit_code": r["credit_code"], "name": r["name"],
                                                "region_code": r["region_code"], "kinds": {}, "items": []})
        add(f["kinds"].setdefault(r["kind"], {}), r)
        f["items"].append({k: r[k] for k in ("item_id", "kind", "expected", "paid", "overdue")})
        add(by_kind.setdefault(r["kind"], {}), r)
        add(by_region.setdefault(r["region_code"] or "", {}), r)
        add(by_item.setdefault(r["item_id"], {}), r)

    def finish(acc: dict[str, float]) -> dict[str, Any]:
        return {"expected": round(acc.get("expected", 0.0), 4), "paid": round(acc.get("paid", 0.0), 4),
                "rate": _rate(acc.get("paid", 0.0), acc.get("expected", 0.0)),
                "overdue": round(acc.get("overdue", 0.0), 4)}

    out_firms = []
    for f in sorted(firms.values(), key=lambda x: x["credit_code"]):
        kinds = [{"kind": k, "kind_label": KINDS[k], **finish(v)} for k, v in sorted(f["kinds"].items())]
        tot: dict[str, float] = {}
        for v in f["kinds"].values():
            for x in ("expected", "paid", "overdue"):
                tot[x] = tot.get(x, 0.0) + v[x]
        out_firms.append({"credit_code": f["credit_code"], "name": f["name"], "region_code": f["region_code"],
                          "kinds": kinds, "items": f["items"], **finish(tot)})
    firm_count_region: dict[str, int] = {}
    for f in out_firms:
        firm_count_region[f["region_code"] or ""] = firm_count_region.get(f["region_code"] or "", 0) + 1
    total: dict[str, float] = {}
    for v in by_kind.values():
        for x in ("expected", "paid", "overdue"):
            total[x] = total.get(x, 0.0) + v[x]
    cat = Catalogue()
    titles = {it.id: it.title for it in cat.items}
    return {
        "year": year, "credit_code": credit_code, "firms": out_firms, "total": finish(total) | {"firms": len(out_firms)},
        "by_kind": [{"kind": k, "kind_label": KINDS[k], **finish(v)} for k, v in sorted(by_kind.items())],
        "by_region": [{"region_code": k, "region_name": regions.name(k) if k else "", "firms": firm_count_region[k],
                       **finish(v)} for k, v in sorted(by_region.items())],
        "by_item": [{"item_id": k, "title": titles.get(k, k), **finish(v)} for k, v in sorted(by_item.items())],
    }


def _is_city(region: str) -> bool:
    """A prefecture-level code (``330500``): every county of the city."""
    return len(region) == 6 and region.endswith("00") and not region.endswith("0000")


def _prepared_matches(settings: Settings, year: int, credit_code: str | None, region: str | None) -> pa.Table:
    from zhizao.policies.models import PolicyMatch
    from zhizao.store.db import session_scope

    q = select(PolicyMatch.credit_code, PolicyMatch.item_id, PolicyMatch.eligible, PolicyMatch.expected).where(
        PolicyMatch.year == year, PolicyMatch.eligible == "true")
    if credit_code:
        q = q.where(PolicyMatch.credit_code == credit_code)
    if region:
        q = q.where(PolicyMatch.region_code.startswith(region[:4]) if _is_city(region)
                    else PolicyMatch.region_code == region)
    with session_scope(settings) as s:
        rows = s.execute(q).all()
    return pa.table({"credit_code": pa.array([r[0] for r in rows], pa.string()),
                     "item_id": pa.array([r[1] for r in rows], pa.string()),
                     "eligible": pa.array([r[2] for r in rows], pa.string()),
                     "expected_benefit": pa.array([r[3] for r in rows], pa.float64())})


def in_region(region_code: str | None, region: str) -> bool:
    """Whether a firm of ``region_code`` is in ``region`` (a district, or a whole city)."""
    if not region_code:
        return False
    return region_code.startswith(region[:4]) if _is_city(region) else region_code == region


def ledger(settings: Settings, year: int, credit_code: str | None = None, region: str | None = None,
           today: dt.date | None = None, engine: str | None = None, prepared: bool = False) -> dict[str, Any]:
    """The ledger of ``year`` (one firm's with ``credit_code``, one district's with ``region``).
    ``prepared``: take the matches saved with ``match --save`` instead of matching again."""
    from zhizao.store.models import utcnow

    today = today or utcnow().date()
    rows = ledger_rows(settings, year, credit_code, region, today, engine, prepared, LEDGER_COLUMNS)
    return summarise(rows, year, credit_code)


def ledger_rows(settings: Settings, year: int, credit_code: str | None = None, region: str | None = None,
                today: dt.date | None = None, engine: str | None = None, prepared: bool = False,
                columns: tuple[str, ...] = LEDGER_COLUMNS) -> list[dict[str, Any]]:
    """The ledger's rows of ``year`` (``columns``, ordered by firm and item), computed on the
    engine: what :func:`ledger` summarises and what the pages' preparation keeps."""
    from zhizao.contract.tables import TABLES
    from zhizao.engine import connect
    from zhizao.policies.data import inputs
    from zhizao.policies.match import match
    from zhizao.store.models import utcnow

    today = today or utcnow().date()
    if (engine or settings.engine) == "duckdb" and settings.lake is None and not settings.warehouse_path.exists():
        return []  # nothing imported yet: an empty ledger, not an error
    eng = connect(settings, engine, read_only=True)
    try:
        ins = inputs(settings, eng, year)
        if prepared:
            m = eng.register("_policies_prepared", _prepared_matches(settings, year, credit_code, region))
        else:
            # the matches' SQL is kept in the home: the next process (a command, the worker after
            # a restart) compiles nothing for the year
            with kept_in(settings.sql_cache_dir):
                m = match(ins, year)
        if credit_code:
            m = m.filter(m.credit_code == credit_code)
        facts = eng.register("_policies_ledger_facts", store_facts(settings, year, today))
        benefits = eng.table("benefits") if "benefits" in TABLES else None
        # so is the ledger's of the city or a district (one firm's would be a file per firm)
        with kept_in(settings.sql_cache_dir) if credit_code is None else nullcontext():
            t = _compiled_ledger(m, benefits, facts, ins["enterprises"], year, today, columns)
        if credit_code:
            t = t.filter(t.credit_code == credit_code)
        if region:
            t = t.filter(t.region_code.startswith(region[:4]) if _is_city(region) else t.region_code == region)
        out: list[dict[str, Any]] = eng.to_pyarrow(t.order_by(["credit_code", "item_id"])).to_pylist()
        return out
    finally:
        eng.close()
