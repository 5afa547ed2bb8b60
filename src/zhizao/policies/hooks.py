"""What the policies room contributes to the rest of the house: indicators and the five-year
review's section (一指减负 totals), the firm profile's section, cockpit tiles, and the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any


def _ledger(settings: Any, year: int, region: str | None) -> dict[str, Any] | None:
    """The year's ledger: read from the year's prepared figures when its matches were saved,
    else matched now."""
    from zhizao.policies import prepared
    from zhizao.policies.ledger import ledger
    from zhizao.store.db import init_store, session_scope

    init_store(settings)  # idempotent: the ledger reads the store's payouts (a fresh home has none yet)
    with session_scope(settings) as s:
        ready = year in prepared.years(s)
    try:
        if ready:
            return prepared.ledger_view(settings, year, region=region, fresh=True)[0]
        return ledger(settings, year, region=region)
    except ValueError:  # no item in force that year
        return None


def _city(region: str | None) -> str:
    return region or "330500"


def indicators(settings: Any, y_from: int, y_to: int, region: str | None = None) -> list[dict[str, Any]]:
    """一指减负 rows for ``zhizao indicators``: firms benefiting, amounts due and paid, the rate paid
    and what is overdue, per year (same fields as the economy's rows)."""
    out: list[dict[str, Any]] = []
    for year in range(y_from, y_to + 1):
        d = _ledger(settings, year, region)
        if d is None or not d["firms"]:
            continue
        t = d["total"]
        basis = "政策兑现台账（惠企政策应享数据、免申即享匹配、快申快享申请与兑现记录）"
        for ind_id, name, value, unit in (
            ("policy_firms", "一指减负受惠企业数", t["firms"], "家"),
            ("policy_expected", "一指减负应享金额", t["expected"], "万元"),
            ("policy_paid", "一指减负已兑现金额", t["paid"], "万元"),
            ("policy_paid_rate", "一指减负兑现率", None if t["rate"] is None else t["rate"] * 100, "%"),
            ("policy_overdue", "一指减负逾期未兑现金额", t["overdue"], "万元"),
        ):
            shown = round(value, 1) if value is not None and unit == "%" else value  # exact beside it
            out.append({"id": ind_id, "name": name, "region": _city(region), "year": year, "value": shown,
                        "exact": value, "unit": unit, "basis": basis})
    return out


def review_section(settings: Any, y_from: int, y_to: int, region: str | None = None) -> list[dict[str, Any]]:
    """The review's 一指减负 section: totals by year and, for the last year, by kind."""
    years = []
    for year in range(y_from, y_to + 1):
        d = _ledger(settings, year, region)
        if d is not None and d["firms"]:
            years.append((year, d))
    if not years:
        return []
    y1, last = years[-1]
    t = last["total"]
    expected = sum(d["total"]["expected"] for _, d in years)
    paid = sum(d["total"]["paid"] for _, d in years)
    paras = [f"{years[0][0]}—{y1}年，通过一指减负、直达快享累计为企业兑现政策资金{paid:,.2f}万元"
             f"（应享{expected:,.2f}万元）。",
             f"{y1}年受惠企业{t['firms']:,}家，应享{t['expected']:,.2f}万元，已兑现{t['paid']:,.2f}万元"
             + (f"，兑现率{t['rate'] * 100:.1f}%" if t["rate"] is not None else "") + "。"]
    if t["overdue"] > 0:
        paras.append(f"逾期未兑现{t['overdue']:,.2f}万元，需督促责任单位加快兑现。")
    table = {"head": ["年度", "受惠企业（家）", "应享（万元）", "已兑现（万元）", "兑现率"],
             "rows": [[str(y), f"{d['total']['firms']:,}", f"{d['total']['expected']:,.2f}",
                       f"{d['total']['paid']:,.2f}",
                       "—" if d["total"]["rate"] is None else f"{d['total']['rate'] * 100:.1f}%"] for y, d in years]}
    kinds = {"head": ["类别", "应享（万元）", "已兑现（万元）", "兑现率"],
             "rows": [[k["kind_label"], f"{k['expected']:,.2f}", f"{k['paid']:,.2f}",
                       "—" if k["rate"] is None else f"{k['rate'] * 100:.1f}%"] for k in last["by_kind"]]}
    return [{"title": "一指减负、直达快享惠企成效", "paras": paras, "table": table},
            {"title": f"{y1}年惠企政策兑现分类", "paras": [f"按减税、减费、减租、减息、减支、奖补分类的{y1}年兑现情况。"],
             "table": kinds}]


def profile_section(ctx: Any) -> Any:
    """The firm profile's 政策 section: what the firm gets, can claim and misses (prepared matches)."""
    from zhizao.policies import prepared
    from zhizao.policies.catalogue import Catalogue
    from zhizao.web.ui import Section

    if ctx.role == "bank":
        return None
    years = prepared.years(ctx.session)
    year = ctx.year if ctx.year in years else (years[0] if years else None)
    if year is None:
        return None
    rows = prepared.for_firm(ctx.session, year, ctx.credit_code)
    if not rows:
        return None
    titles = {it.id: it.title for it in Catalogue().items}
    for r in rows:
        r["title"] = titles.get(r["item_id"], r["item_id"])
    return Section(title=f"惠企政策（{year}年度）", template="policies/_profile.html", order=60, anchor="policies",
                   context={"year": year, "get": [r for r in rows if r["eligible"] is True],
                            "claim": [r for r in rows if r["eligible"] == "unknown"
                                      and r["mode"] == "fast_application"],
                            "miss": [r for r in rows if r["eligible"] is False]})


def cockpit_tiles(ctx: Any) -> list[Any]:
    from sqlalchemy import func, select

    from zhizao.policies import prepared
    from zhizao.policies.models import PolicyMatch, PolicyPayout, PolicyTicket
    from zhizao.web.ui import Tile

    s = ctx.session
    years = prepared.years(s)
    if not years:
        return []
    year = ctx.year if ctx.year in years else years[0]
    q = select(func.count(func.distinct(PolicyMatch.credit_code)), func.sum(PolicyMatch.expected)).where(
        PolicyMatch.year == year, PolicyMatch.eligible == "true", PolicyMatch.expected > 0)
    p = select(func.sum(PolicyPayout.amount)).where(PolicyPayout.year == year)
    t = select(func.count()).select_from(PolicyTicket).where(PolicyTicket.status.in_(("open", "escalated")),
                                                              PolicyTicket.due_on < dt.date.today())
    if ctx.region:
        q = q.where(PolicyMatch.region_code == ctx.region)
        p = p.where(PolicyPayout.region_code == ctx.region)
        t = t.where(PolicyTicket.region_code == ctx.region)
    firms, expected = s.execute(q).one()
    paid = s.scalar(p) or 0.0
    late = s.scalar(t) or 0
    return [Tile("免申即享受惠企业", f"{int(firms or 0):,}", "家", "/policies", f"{year}年度", order=60),
            Tile("惠企资金已兑现", f"{paid:,.2f}", "万元", "/policies#notices",
                 f"应享 {float(expected or 0):,.2f} 万元", order=61),
            Tile("超期未答复诉求", f"{int(late):,}", "件", "/policies#tickets", "咨询1个、投诉3个工作日", order=62)]


__all__ = ["cockpit_tiles", "indicators", "profile_section", "review_section"]


def audit_words() -> dict[str, dict[str, str]]:
    """How the audit log names what this room records: policy items by title, consent purposes."""
    from zhizao.policies.catalogue import Catalogue
    from zhizao.policies.workflow import PURPOSES

    return {"item_id": {it.id: it.title for it in Catalogue().items},
            "purpose": {k: v.split("（")[0] for k, v in PURPOSES.items()}}
