"""The cultivation room's part of ``zhizao demo``: the demo city's firm facts and titles (drawn
deterministically from the seed, shaped like the seed city's counts: 金象金牛 doubling over five
years, 9 单项冠军, 29 小巨人, 26 隐形冠军, 7 national and 100 provincial technology centres),
imported as department files, screened against every shipped rule set, published, and a few
firms' listing stages recorded."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

#: (title, level, how many firms hold it at the end of the last year, from the top of the revenue ranking)
DEMO_TITLES: tuple[tuple[str, str, int], ...] = (
    ("golden_elephant", "city", 8),
    ("golden_bull", "city", 18),
    ("eagle", "provincial", 4),
    ("single_champion", "national", 9),
    ("little_giant", "national", 29),
    ("hidden_champion", "provincial", 26),
    ("specialised_sme", "provincial", 160),
    ("tech_sme", "provincial", 420),
    ("tech_centre", "national", 7),
    ("tech_centre", "provincial", 100),
)
STAGE_PLAN = ("cultivating", "restructuring", "tutoring", "filing", "quoted", "listed")


def _firms(ctx: Any, year: int) -> list[tuple[str, str, float, float]]:
    """(credit_code, founded_on, revenue, rd) of the firms with statistics in ``year``, biggest first."""
    from zhizao.engine.warehouse import connect

    con = connect(ctx.settings.warehouse_path, read_only=True, wait_s=30.0)
    try:
        rows = con.execute(
            "SELECT s.credit_code, e.founded_on, s.revenue, coalesce(s.rd_expense, 0) FROM statistics_annual s "
            "JOIN enterprises e USING (credit_code) WHERE s.year = ? AND s.revenue > 0 "
            "ORDER BY s.revenue DESC, s.credit_code", [year]).fetchall()
    finally:
        con.close()
    return [(r[0], str(r[1]), float(r[2]), float(r[3])) for r in rows]


def write_files(ctx: Any, folder: Path) -> tuple[Path, Path]:
    years = sorted(ctx.years)
    last = years[-1]
    firms = _firms(ctx, last)
    rng = np.random.default_rng(ctx.seed + 14)
    folder.mkdir(parents=True, exist_ok=True)
    scale = min(1.0, len(firms) / 5000)
    titles: list[list[Any]] = []
    taken: dict[str, set[str]] = {}
    n_firms = len(firms)
    for title, level, count in DEMO_TITLES:
        count = max(1, round(count * scale))
        # bigger titles go to bigger firms; each title to firms not holding it yet
        pool_end = min(n_firms, max(count * 4, 40) if title not in ("tech_sme", "specialised_sme") else count * 3)
        pool = [i for i in range(pool_end) if title not in taken.get(firms[i][0], set())]
        chosen = sorted(rng.choice(len(pool), size=min(count, len(pool)), replace=False).tolist())
        for k, idx in enumerate(chosen):
            cc = firms[pool[idx]][0]
            taken.setdefault(cc, set()).add(title)
            # half granted before the five years began (the doubling), the rest spread over them
            g_year = years[0] - 1 if k < count // 2 else int(rng.integers(years[0], last + 1))
            granted = dt.date(g_year, int(rng.integers(1, 13)), 1)
            renew = title not in ("golden_elephant", "golden_bull", "tech_centre")
            expires = dt.date(granted.year + 3, granted.month, 1) - dt.timedelta(days=1) if renew else None
            # a renewed title: granted again when it expired (so it stays valid to the last year)
            while expires is not None and expires.year < last:
                titles.append([cc, title, level, granted.isoformat(), expires.isoformat(), ""])
                granted = expires + dt.timedelta(days=1)
                expires = dt.date(granted.year + 3, granted.month, 1) - dt.timedelta(days=1)
            titles.append([cc, title, level, granted.isoformat(), expires.isoformat() if expires else "", ""])
    facts: list[list[Any]] = []
    for i, (cc, founded, revenue, _rd) in enumerate(firms[: min(n_firms, 900)]):
        held = taken.get(cc, set())
        strong = bool(held & {"specialised_sme", "little_giant", "single_champion", "hidden_champion"})
        age = last - int(founded[:4])
        niche = float(max(1, min(age, int(rng.integers(1, 25)))))
        share = float(np.clip(rng.normal(82 if strong else 70, 10), 30, 100))
        row = {
            "niche_years": niche,
            "class_i_ip": float(rng.integers(0, 9) + (2 if strong else 0)),
            "main_business_share": round(share, 1),
            "market_share": round(float(np.clip(rng.gamma(2.0, 4.0 if strong else 2.5), 0.1, 60)), 1),
            "market_rank_national": float(rng.integers(1, 30)),
            "market_rank_global": float(rng.integers(1, 60)),
            "evaluation_score": float(np.clip(round(rng.normal(66 if strong else 55, 10)), 20, 100)),
            "equity_financing": float(round(rng.choice([0, 0, 0, 1500, 2500, 6500, 9000]))),
            "rd_staff_share": round(float(np.clip(rng.normal(18, 8), 2, 70)), 1),
            "lead_product_count": float(rng.integers(1, 6)),
            "new_product": float(rng.random() < 0.1),
        }
        if i < 80:
            row["industrial_investment_3y"] = float(round(rng.uniform(5000, 60000)))
        for measure, v in row.items():
            facts.append([cc, last, measure, v])
        profit = revenue * float(rng.uniform(0.03, 0.12))
        growth = float(rng.normal(0.12, 0.1))
        for back in (2, 1, 0):
            facts.append([cc, last - back, "net_profit", round(profit / (1 + growth) ** back, 1)])
    fpath, tpath = folder / "企业培育指标.csv", folder / "企业称号.csv"
    with fpath.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["统一社会信用代码", "年度", "指标", "数值"])
        w.writerows(facts)
    with tpath.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["统一社会信用代码", "称号", "级别", "认定日期", "有效期至", "撤销日期"])
        w.writerows(titles)
    return fpath, tpath


def run(ctx: Any) -> None:
    from zhizao import runs
    from zhizao.cultivation import listing
    from zhizao.engine import connect
    from zhizao.methodology import MethodologyError, find
    from zhizao.methodology.loader import shipped
    from zhizao.runs.registry import input_batches
    from zhizao.store.db import session_scope
    from zhizao.store.publish import publish

    folder = ctx.folder / "cultivation"
    fpath, tpath = folder / "企业培育指标.csv", folder / "企业称号.csv"
    if not (fpath.exists() and tpath.exists()):
        fpath, tpath = write_files(ctx, folder)
    ctx.import_file("firm_facts", fpath, source="经信局（企业培育库）")
    ctx.import_file("titles", tpath, source="经信局 / 科技局")
    year = max(ctx.years)
    refs = sorted({e.methodology.ref for e in shipped() if e.methodology.method == "tiers"
                   and not getattr(e.methodology, "template", False)})
    eng = connect(ctx.settings)
    done = []
    try:
        batches = input_batches(eng, ("enterprises", "statistics_annual", "tax", "firm_facts", "titles"))
        for ref in refs:
            m = find(ref, "tiers")
            existing = [r for r in runs.list_runs(ctx.settings, "tiers", year)
                        if r.methodology_hash == m.content_hash() and r.input_batches == batches]
            run_id = existing[-1].run_id if existing else runs.execute(ctx.settings, eng, "tiers", year, m).run_id
            done.append((m, run_id))
    finally:
        eng.close()
    # publish, per tier, the version in force for the year (the other version stays for the comparison page)
    for m, run_id in done:
        try:
            in_force = find(m.name, "tiers", year).ref
        except MethodologyError:
            in_force = m.ref
        if in_force == m.ref:
            publish(ctx.settings, run_id, user=ctx.actor)
            ctx.say(f"已发布 {m.title} {year} 年筛选（运行 {run_id}）")
    with session_scope(ctx.settings) as s:
        if not listing.current(s):
            firms = _firms(ctx, year)[:60]
            rng = np.random.default_rng(ctx.seed + 15)
            for i, (cc, *_rest) in enumerate(firms[::2]):
                reached = int(rng.integers(0, len(STAGE_PLAN)))
                day = dt.date(min(ctx.years), 3, 1)
                for stage in STAGE_PLAN[: reached + 1]:
                    listing.record(s, cc, stage, day, ctx.actor, note="演示数据")
                    day = day + dt.timedelta(days=int(rng.integers(120, 400)))
                    if day > dt.date(year, 12, 31):
                        break
                if i > 30:
                    break
    _publish_lists(ctx, year)


def _publish_lists(ctx: Any, year: int) -> None:
    """The year's tier lists as a bureau runs them: the 专精特新中小企业 list noticed and announced,
    the 金象金牛 list (manual-review firms confirmed) in its notice with one objection received,
    the others drafted. Idempotent: a year whose lists exist is left as it is."""
    from zhizao.cultivation import publishing as pb
    from zhizao.cultivation.lists import published_tiers, run_of
    from zhizao.store.db import session_scope

    today = dt.date.today()
    with session_scope(ctx.settings) as s:
        if pb.all_lists(s, year):
            return
        pubs = published_tiers(ctx.settings, s, year).get(year, {})
        for key, lst in pb.LISTS.items():
            if not all(t in pubs for t in lst.tiers):
                continue
            confirmed: list[str] = []
            if key == "golden":
                for t in lst.tiers:
                    confirmed += [r["credit_code"] for r in run_of(ctx.settings, pubs[t])[1]
                                  if r["outcome"] == "manual_review"]
            rec = pb.draft(ctx.settings, s, key, year, ctx.actor, confirmed=tuple(dict.fromkeys(confirmed)))
            entries = pb.summary(s, rec)["entries"]
            ctx.say(f"已拟定 {pb.titles(lst, year)['notice']}（{len(entries)} 家）")
            if not entries:
                continue
            if key == "specialised_sme":
                pb.open_notice(s, rec.id, today - dt.timedelta(days=30), ctx.actor, days=7,
                               contact="市经信局企业服务处 0572-2399001")
                pb.announce(s, rec.id, f"湖经信〔{today.year}〕8号", today - dt.timedelta(days=20), ctx.actor)
            elif key == "golden":
                pb.open_notice(s, rec.id, today - dt.timedelta(days=2), ctx.actor, days=7,
                               contact="市经信局企业服务处 0572-2399001")
                pb.receive_objection(s, rec.id, entries[0]["credit_code"], "反映该企业近三年发生过一般安全生产事故，请核实",
                                     today, ctx.actor)
