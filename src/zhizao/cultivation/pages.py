"""五企培育 pages: tiers overview, one tier's lists (qualifiers, near misses, next candidates),
titles in their renewal window, the 2022 vs 2026 comparison, Excel lists.

The city and auditors see every firm, a district its own firms, a firm goes to its profile's tier
card; banks have no access. Lists read published runs (never evaluate on the request).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from zhizao.cultivation import lists
from zhizao.cultivation.models import STAGES
from zhizao.cultivation.pages_lists import router as lists_router
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    WAREHOUSE_BUSY,
    audit_page_read,
    busy,
    forbid,
    line_option,
    not_found,
    query_string,
    region_name,
    region_scope,
)

router = APIRouter(include_in_schema=False)
router.include_router(lists_router)
ROLES = ("city", "district", "auditor")
VIEWS = {"qualified": "符合条件", "near": "接近达标", "candidates": "后备梯队"}
#: the firms a tier's list shows at most (the closest first; the Excel export has them all)
LIST_LIMIT = 200


def _guard(user: Any) -> Response | None:
    if user_attr(user, "role") == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}#cultivation", status_code=303)
    forbid(user, *ROLES)
    return None


def _warehouse(settings: Any) -> Any:
    from zhizao.engine.warehouse import connect

    if not settings.warehouse_path.exists():
        return None
    try:
        return connect(settings.warehouse_path, read_only=True, wait_s=0.0)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc


def _in_scope(rows: list[dict[str, Any]], region: str | None) -> list[dict[str, Any]]:
    return [r for r in rows if not region or r.get("region_code") == region]


def _pick(pubs: dict[int, dict[str, str]], year: int | None) -> tuple[int | None, list[int]]:
    years = sorted(pubs)
    if year in pubs:
        return year, years
    return (years[-1] if years else None), years


def _failing_text(r: dict[str, Any]) -> list[str]:
    out = []
    for c in r.get("failing", []):
        if c["outcome"] == "unknown":
            out.append(f"{c['label']}（缺数据）")
        elif c.get("gap") is not None:
            # a gap that two decimals would print as 0.00 (2.996 % against 3 %) is still a gap
            gap = f"差 {c['gap']:,.2f}" if abs(c["gap"]) >= 0.005 else "差不足 0.01"
            out.append(f"{c['label']}（{gap}{c['unit']}）")
        else:
            out.append(c["label"])
    return out


def tier_summary(settings: Any, year: int | None, region: str | None) -> dict[str, Any]:
    """The overview's counts of each published screening of ``year`` (else the latest year) in
    ``region`` (None: the city): ``{year, years, tiers: [{tier, name, ruleset, run_id, counts,
    near}]}``."""
    from zhizao.store.db import session_scope

    with session_scope(settings) as session:
        pubs = lists.published_tiers(settings, session)
    y, years = _pick(pubs, year)
    tiers = []
    if y is not None:
        for tier, run_id in sorted(pubs[y].items(), key=lambda kv: lists.LADDER.index(kv[0]) if kv[0] in lists.LADDER else 99):
            run, _, rows = lists.run_brief(settings, run_id)
            rows = _in_scope(rows, region)
            count = {k: sum(1 for x in rows if x["outcome"] == k)
                     for k in ("qualified", "manual_review", "unknown", "not_qualified")}
            tiers.append({"tier": tier, "name": lists.TIER_NAMES.get(tier, tier), "ruleset": run.methodology.title,
                          "run_id": run_id, "counts": count, "near": len(lists.near_misses(rows))})
    return {"year": y, "years": years, "tiers": tiers}


def prepared_pages(settings: Any) -> list[tuple[str, str, list[Any]]]:
    """The overview's counts of the latest published year, the city's and each district's, as
    :func:`overview` reads them (``Room.prepared_pages``)."""
    from zhizao import prepared

    return [("cultivation", "zhizao.cultivation.pages:tier_summary", [None, region])
            for region in prepared.scopes(settings)]


@router.get("/cultivation", response_class=HTMLResponse)
def overview(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
             year: int | None = None) -> Response:
    if (r := _guard(user)) is not None:
        return r
    region = region_scope(user)
    from zhizao import prepared

    # the published screenings' counts: read as prepared (recomputed in the background after
    # each import or publication; seconds to count from the runs' results)
    found = prepared.page_value(settings, "cultivation", "zhizao.cultivation.pages:tier_summary", [year, region])
    y, years, tiers = found.value["year"], found.value["years"], found.value["tiers"]
    chart_years = list(range((y or dt.date.today().year) - 4, (y or dt.date.today().year) + 1))
    con = _warehouse(settings)
    pipeline, expiring = [], []
    if con is not None:
        try:
            pipeline = lists.pipeline_counts(con, chart_years, region)
            expiring = lists.expiring(con, dt.date.today(), lists.renewal_months(), region=region)
        except duckdb.CatalogException:  # a warehouse written before the room existed has no titles
            pass
        finally:
            con.close()
    shown = ("golden_elephant", "golden_bull", "eagle", "single_champion", "little_giant", "hidden_champion")
    series = {lists.TIER_NAMES[t]: [next((p["firms"] for p in pipeline if p["tier"] == t and p["year"] == yy), 0)
                                    for yy in chart_years] for t in shown}
    chart = line_option("各层级有效称号企业数（年末）", [str(v) for v in chart_years], series, "家") if pipeline else None
    if chart:
        chart["yAxis"]["minInterval"] = 1  # firms are counted in whole numbers
    from zhizao.cultivation import listing

    codes = None
    if region and con is not None:
        con = _warehouse(settings)
        try:
            codes = [c[0] for c in con.execute("SELECT credit_code FROM enterprises WHERE region_code = ?",
                                               [region]).fetchall()]
        finally:
            con.close()
    stages = listing.counts(session, [chart_years[-1]], codes)
    audit_page_read(session, user, "page.cultivation", f"tiers:{y}", request)
    return render(request, "cultivation/overview.html", {
        "breadcrumbs": [("五企培育", None)], "year": y, "years": years, "tiers": tiers, "chart": chart,
        "charts": bool(chart),
        "expiring": expiring[:20], "expiring_total": len(expiring), "stages": stages,
        "region_label": region_name(region) if region else "全市",
        "flashes": [] if found.current else [("info", f"数据已更新，新的统计正在计算；以下为 {found.built_label()} 的统计。")]},
        user=user)


def _tier_run(settings: Any, session: Any, tier: str, year: int | None) -> tuple[str, int, list[int]]:
    """The run published for the tier in ``year`` (else the latest year), that year and the years."""
    pubs = lists.published_tiers(settings, session)
    years = sorted(y for y in pubs if tier in pubs[y])
    if not years:
        raise not_found()
    y = year if year in years else years[-1]
    return pubs[y][tier], y, years


@router.get("/cultivation/tier/{tier}", response_class=HTMLResponse)
def tier_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, tier: str,
              year: int | None = None, view: str = "qualified") -> Response:
    if (r := _guard(user)) is not None:
        return r
    region = region_scope(user)
    run_id, y, years = _tier_run(settings, session, tier, year)
    run, table, rows = lists.run_brief(settings, run_id)
    rows = _in_scope(rows, region)
    view = view if view in VIEWS else "qualified"
    if view == "qualified":
        shown = lists.qualifiers(rows)
    elif view == "near":
        shown = lists.near_misses(rows)
    else:
        con = _warehouse(settings)
        try:
            held = lists.titles_held(con, run.methodology.as_of(y)) if con is not None else {}
        finally:
            if con is not None:
                con.close()
        shown = lists.next_candidates(rows, held, tier, run.methodology.lower_tier)
    # every qualifier; of the others, the closest LIST_LIMIT (how many there are in all is said);
    # the criteria of the firms listed only
    found = len(shown)
    shown = lists.explain(shown if view == "qualified" else shown[:LIST_LIMIT], table, run.methodology)
    for s in shown:
        s["failing_text"] = _failing_text(s) if "failing" in s else []
        s["region_name"] = region_name(s.get("region_code"))
    audit_page_read(session, user, "page.cultivation_tier", f"tiers:{tier}:{y}", request,
                    detail={"view": view, "codes": [s["credit_code"] for s in shown[:LIST_LIMIT]]})
    return render(request, "cultivation/tier.html", {
        "breadcrumbs": [("五企培育", "/cultivation"), (lists.TIER_NAMES.get(tier, tier), None)],
        "tier": tier, "tier_name": lists.TIER_NAMES.get(tier, tier), "ruleset": run.methodology, "year": y,
        "years": years, "view": view, "views": VIEWS, "rows": shown, "found": found, "total": len(rows),
        "lower_name": lists.TIER_NAMES.get(run.methodology.lower_tier or "", ""),
        "params": query_string(year=y, view=view)}, user=user)


@router.get("/cultivation/tier/{tier}/export.xlsx")
def tier_export(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep, tier: str,
                year: int | None = None) -> Response:
    if (r := _guard(user)) is not None:
        return r
    from zhizao.cultivation.export import write_lists

    region = region_scope(user)
    run_id, y, _ = _tier_run(settings, session, tier, year)
    run, rows = lists.run_of(settings, run_id)
    rows = _in_scope(rows, region)
    as_of = run.methodology.as_of(y)
    con = _warehouse(settings)
    try:
        held = lists.titles_held(con, as_of) if con is not None else {}
        exp = [e for e in lists.expiring(con, as_of, lists.renewal_months(), region=region)
               if e["title"] == tier] if con is not None else []
    finally:
        if con is not None:
            con.close()
    audit(session, user, "export.cultivation", f"tiers:{tier}:{y}", request=request,
          detail={"run_id": run.run_id, "rows": len(rows), "region": region})
    tmp = Path(tempfile.mkdtemp()) / f"tiers-{tier}-{y}.xlsx"
    write_lists(tmp, f"{lists.TIER_NAMES.get(tier, tier)} {y} 年", lists.qualifiers(rows),
                lists.with_failing(lists.near_misses(rows)),
                lists.with_failing(lists.next_candidates(rows, held, tier, run.methodology.lower_tier)), exp,
                [f"认定标准：{run.methodology.title}", f"范围：{region_name(region) if region else '全市'}"])
    return FileResponse(tmp, filename=f"{lists.TIER_NAMES.get(tier, tier)}-{y}.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(lambda: tmp.unlink(missing_ok=True)))


@router.get("/cultivation/compare", response_class=HTMLResponse)
def compare(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
            tier: str = "specialised_sme", year: int | None = None) -> Response:
    """The same year's data screened under two versions of a tier's rules (e.g. 2022 and the rules
    in force from 2026-04-01): counts side by side, who gains and who loses eligibility."""
    if (r := _guard(user)) is not None:
        return r
    from zhizao import runs

    region = region_scope(user)
    pairs: dict[tuple[str, int], dict[str, Any]] = {}
    for run in runs.list_runs(settings, "tiers"):
        m = run.methodology
        if m.get("tier") != tier:
            continue
        pairs.setdefault((m["name"], run.year), {})[m["version"]] = run.run_id
    options = sorted({y for (_, y), v in pairs.items() if len(v) >= 2})
    y = year if year in options else (options[-1] if options else None)
    ctx: dict[str, Any] = {"breadcrumbs": [("五企培育", "/cultivation"), ("新旧标准对比", None)], "tier": tier,
                           "tier_name": lists.TIER_NAMES.get(tier, tier), "years": options, "year": y,
                           "tiers": [(t, lists.TIER_NAMES[t]) for t in ("specialised_sme", "little_giant")],
                           "diff": None}
    if y is not None:
        versions = next(v for (_, yy), v in pairs.items() if yy == y and len(v) >= 2)
        old, new = sorted(versions)[0], sorted(versions)[-1]
        ra, rows_a = lists.run_of(settings, versions[old])
        rb, rows_b = lists.run_of(settings, versions[new])
        d = lists.eligibility_diff(_in_scope(rows_a, region), _in_scope(rows_b, region))
        for k in ("gains", "losses", "other_changes"):
            for item in d[k]:
                item["region_name"] = region_name(item.get("region_code"))
        crit_a = {n.id: n for n in ra.methodology.criteria}
        crit_b = {n.id: n for n in rb.methodology.criteria}
        changes = []
        for cid in dict.fromkeys([*crit_a, *crit_b]):
            a, b = crit_a.get(cid), crit_b.get(cid)
            ta = _rule_text(a)
            tb = _rule_text(b)
            if ta != tb:
                changes.append({"before": ta or "—", "after": tb or "—"})
        ctx.update(diff=d, before=ra.methodology, after=rb.methodology, changes=changes,
                   before_run=ra.run_id, after_run=rb.run_id)
    audit_page_read(session, user, "page.cultivation_compare", f"tiers:{tier}:{y}", request)
    return render(request, "cultivation/compare.html", ctx, user=user)


def _rule_text(n: Any) -> str | None:
    if n is None:
        return None
    from zhizao.criteria import Comparison

    if isinstance(n, Comparison):
        return f"{n.label}（{n.threshold_text()}）"
    return str(n.label)


@router.get("/cultivation/expiring", response_class=HTMLResponse)
def expiring_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    if (r := _guard(user)) is not None:
        return r
    region = region_scope(user)
    con = _warehouse(settings)
    rows: list[dict[str, Any]] = []
    if con is not None:
        try:
            rows = lists.expiring(con, dt.date.today(), lists.renewal_months(), region=region)
        finally:
            con.close()
    for x in rows:
        x["region_name"] = region_name(x.get("region_code"))
    audit_page_read(session, user, "page.cultivation_expiring", "titles", request)
    return render(request, "cultivation/expiring.html", {
        "breadcrumbs": [("五企培育", "/cultivation"), ("称号复核提醒", None)], "rows": rows,
        "today": dt.date.today(), "stages": STAGES}, user=user)
