"""The policies room's part of ``zhizao demo`` (deterministic for the seed, idempotent):

1. department files: ``water_use`` (水务, from each firm's electricity with a seeded intensity) and
   ``benefits`` (财政/税务 records of land-tax reductions already granted for the year before);
2. the demo year's matches, saved for the pages;
3. the bureau's workflow: payout consents of most eligible firms, a public notice per 免申即享
   money item, one objection (accepted with a corrected amount), the notice closed and paid;
   a few 快申快享 applications (one paid, one pending); a few questions and complaints (one via
   12345, one late and escalated, answered ones rated).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

D = dt.date


def _firms(ctx: Any, year: int) -> pd.DataFrame:
    from zhizao.engine import connect

    eng = connect(ctx.settings, read_only=True)
    try:
        e = eng.table("enterprises")
        en = eng.table("energy")
        k = en.filter((en.energy_type == "electricity") & (en.month.year() == year))
        kwh = k.group_by("credit_code").aggregate(kwh=k.quantity.sum())
        t = e.left_join(kwh, "credit_code").select(e.credit_code, e.region_code, kwh.kwh)
        return eng.to_pandas(t.order_by("credit_code"))
    finally:
        eng.close()


def write_files(ctx: Any, year: int) -> list[tuple[str, Any]]:
    folder = ctx.folder / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(ctx.seed + 15)
    firms = _firms(ctx, year)
    users = firms[firms.kwh.notna() & (firms.kwh > 0)]
    # water: m³ per kWh, lognormal around 0.05 (light industry) — a seeded synthetic department file
    water = pd.DataFrame({"统一社会信用代码": users.credit_code,
                          "年度": year,
                          "用水量(立方米)": (users.kwh * rng.lognormal(np.log(0.05), 0.6, len(users))).round(0)})
    files = []
    wpath = folder / f"企业用水量_{year}.csv"
    if not wpath.exists():
        water.to_csv(wpath, index=False)
    files.append(("water_use", wpath))
    # 财政/税务: land-tax reductions granted for the year before, mostly paid
    pick = firms.sample(n=min(120, len(firms)), random_state=ctx.seed % (2**32)).sort_values("credit_code")
    expected = rng.uniform(2, 20, len(pick)).round(2)
    paid = np.where(rng.random(len(pick)) < 0.85, expected, (expected * 0.5).round(2))
    ben = pd.DataFrame({"统一社会信用代码": pick.credit_code, "年度": year - 1, "政策条目编号": "zj-diff-land-tax",
                        "类别": "减税", "应享金额(万元)": expected, "已兑现金额(万元)": paid,
                        "兑现日期": f"{year}-06-30"})
    bpath = folder / f"政策兑现_{year - 1}.csv"
    if not bpath.exists():
        ben.to_csv(bpath, index=False)
    files.append(("benefits", bpath))
    return files


def run(ctx: Any) -> None:
    from zhizao.policies import prepared
    from zhizao.policies import workflow as wf
    from zhizao.policies.data import run_match
    from zhizao.policies.match import to_rows
    from zhizao.store.db import init_store, session_scope

    init_store(ctx.settings)
    year = max(ctx.years)
    for table, path in write_files(ctx, year):
        ctx.import_file(table, path, source="水务集团" if table == "water_use" else "市财政局、市税务局")
    rows = to_rows(run_match(ctx.settings, year))
    prepared.save(ctx.settings, year, rows, ctx.actor)
    eligible = [r for r in rows if r["eligible"] is True and (r["expected_benefit"] or 0) > 0]
    ctx.say(f"政策匹配 {year} 年度：{len(rows):,} 条，免申即享符合 {len(eligible):,} 条，"
            f"应享合计 {sum(r['expected_benefit'] for r in eligible):,.2f} 万元")
    if wf.notices(ctx.settings, year):
        ctx.say("政策公示与兑现流程已存在，跳过")
        return
    rng = np.random.default_rng(ctx.seed + 16)
    codes = sorted({r["credit_code"] for r in eligible})
    for code in codes:
        if rng.random() < 0.85:
            wf.grant_consent(ctx.settings, code, "payout", "湖州市财政局", D(year + 1, 1, 1), D(year + 3, 12, 31), code)
    by_item: dict[str, list[dict[str, Any]]] = {}
    for r in eligible:
        by_item.setdefault(r["item_id"], []).append(r)
    opened = D(year + 1, 3, 3)
    from zhizao.policies.catalogue import Catalogue

    titles = {item_id: Catalogue().item(item_id).title for item_id in by_item}
    for item_id in sorted(by_item):
        try:
            n = wf.open_notice(ctx.settings, year, item_id, by_item[item_id], ctx.actor, today=opened)
        except wf.WorkflowError as exc:
            ctx.say(f"未公示「{titles[item_id]}」：{exc}")
            continue
        n_entries = wf.notice(ctx.settings, n["id"])["entries"]
        if n_entries:
            o = wf.object_to(ctx.settings, n["id"], n_entries[0]["credit_code"], n_entries[0]["credit_code"],
                             "应享金额有误", "本企业上年营业收入口径与统计年报不同，请核实。", today=opened + dt.timedelta(days=1))
            wf.decide(ctx.settings, o["id"], "accepted", "经核实按统计年报口径更正", ctx.actor,
                      corrected=round(n_entries[0]["expected"] * 0.9, 2))
        wf.close_notice(ctx.settings, n["id"], ctx.actor, today=D(year + 1, 3, 12))
        # paid within the limit for most items; the last item is paid late (shows on the ledger)
        wf.pay_notice(ctx.settings, n["id"], ctx.actor, paid_on=D(year + 1, 4, 20), reference=f"HZCZ-{year + 1}-{n['id']:04d}")
        ctx.say(f"公示并兑现「{titles[item_id]}」：{n['firms']:,} 家企业")
    # 快申快享: claims of a few firms
    fast = [r for r in rows if r["eligible"] == "unknown" and r["mode"] == "fast_application"]
    for i, r in enumerate(sorted(fast, key=lambda r: (r["item_id"], r["credit_code"]))[:6]):
        a = wf.apply(ctx.settings, year, r["item_id"], r["credit_code"], r["credit_code"],
                     region_code=r["region_code"], subject=r["subject"] or "", claimed=r["expected_benefit"],
                     today=D(year + 1, 3, 10 + i))
        if i % 3 == 0:
            # the bureau fixes the amount on review: the claim where the firm stated one, otherwise
            # the amount the reviewers settle on (this demo's: 20 万元)
            approved = r["expected_benefit"] if r["expected_benefit"] else 20.0
            d = wf.decide_application(ctx.settings, a["id"], "accepted", "材料齐全，予以支持", ctx.actor,
                                      approved=approved, today=D(year + 1, 4, 1))
            with session_scope(ctx.settings) as s:
                ok = wf.has_consent(s, r["credit_code"], "payout", D(year + 1, 5, 6))
            if ok and d.get("approved"):
                wf.pay_application(ctx.settings, a["id"], ctx.actor, paid_on=D(year + 1, 5, 6))
        elif i % 3 == 1:
            wf.decide_application(ctx.settings, a["id"], "rejected", "未取得“标杆示范”认定", ctx.actor,
                                  today=D(year + 1, 4, 2))
    # questions and complaints
    who = codes[:4] or sorted({r["credit_code"] for r in rows})[:4]
    items = sorted(by_item) or ["hz23-revenue-milestone"]
    if who:
        q = wf.file_ticket(ctx.settings, "question", who[0], "公示金额如何计算", "想了解应享金额的计算口径。", who[0],
                           item_id=items[0], today=D(year + 1, 3, 4))
        wf.answer_ticket(ctx.settings, q["id"], "按统计年报营业收入首次突破的最高档次计算，详见政策详情页。", ctx.actor,
                         today=D(year + 1, 3, 5))
        wf.rate_ticket(ctx.settings, q["id"], who[0], 5, who[0])
    if len(who) > 1:
        c = wf.file_ticket(ctx.settings, "complaint", who[1], "奖励尚未到账", "公示已结束，奖励仍未到账。", who[1],
                           item_id=items[0], channel="12345", ref_12345=f"12345-{year + 1}-031801",
                           today=D(year + 1, 3, 18))
        wf.escalate_overdue(ctx.settings, ctx.actor, today=D(year + 1, 3, 24))
        wf.answer_ticket(ctx.settings, c["id"], "已于4月20日拨付，请查收。", ctx.actor, today=D(year + 1, 4, 21))
        wf.rate_ticket(ctx.settings, c["id"], who[1], 3, who[1])
    if len(who) > 2:
        wf.file_ticket(ctx.settings, "question", who[2], "快申快享需要哪些材料", "“标杆示范”项目认定文件如何上传？",
                       who[2], item_id="hz23-tech-upgrade-benchmark", today=dt.date.today())
    prepared.prepare(ctx.settings, year)  # the ledger the pages read, after the steps above
    ctx.say("政策公示、兑现、申请与诉求演示流程已完成")
