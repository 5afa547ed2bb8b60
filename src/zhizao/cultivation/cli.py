"""``zhizao tiers``: near misses, next candidates, expiring titles, pipeline counts, the diff of
two rule sets, Excel lists, and the listing pipeline's stages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

tiers_app = typer.Typer(help="五企培育：接近达标、后备梯队、称号到期、梯队数量、规则对比、上市进程", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from zhizao.cultivation.cli_lists import lists_app

    tiers_app.add_typer(lists_app, name="list")
    app.add_typer(tiers_app, name="tiers")


def _run(ctx: typer.Context, run_id: str) -> Any:
    from zhizao import runs
    from zhizao.cultivation.lists import run_of

    try:
        return run_of(settings_from(ctx), run_id)
    except (runs.RunError, ValueError) as exc:
        fail(str(exc))


def _warehouse(ctx: typer.Context) -> Any:
    from zhizao.engine.warehouse import connect

    settings = settings_from(ctx)
    if not settings.warehouse_path.exists():
        fail(f"数据仓库不存在: {settings.warehouse_path}（请先导入数据）")
    return connect(settings.warehouse_path, read_only=True, wait_s=30.0)


def _print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from zhizao.criteria import RESULT_TEXT

    t = Table("统一社会信用代码", "企业名称", "结果", "未达标", "差距指数", "未达标或缺数据的条件", title=title)
    for r in rows:
        t.add_row(r["credit_code"], r.get("name") or "", RESULT_TEXT.get(r["outcome"], r["outcome"]), str(r["unmet_count"]), f"{r['gap_score']:.3f}",
                  "；".join(c["label"] for c in r.get("failing", [])))
    out_console.print(t)


@tiers_app.command("near-misses")
def near_misses_cmd(ctx: typer.Context, run_id: str,
                    max_unmet: Annotated[int, typer.Option("--max-unmet", help="最多几项未达标")] = 2,
                    limit: Annotated[int, typer.Option("--limit", help="最多列出几家")] = 50,
                    as_json: JsonOpt = False) -> None:
    """接近达标的企业：按未达标条件数、再按差距大小排序。"""
    from zhizao.cultivation.lists import near_misses, with_failing

    run, rows = _run(ctx, run_id)
    data = {"run_id": run_id, "tier": run.tier, "year": run.year, "ruleset": run.methodology.ref,
            "near_misses": with_failing(near_misses(rows, max_unmet, limit))}
    emit(data, as_json, lambda d: _print_rows(f"{run.methodology.title} {run.year} 年接近达标企业", d["near_misses"]))


@tiers_app.command("candidates")
def candidates_cmd(ctx: typer.Context, run_id: str,
                   limit: Annotated[int, typer.Option("--limit", help="最多列出几家")] = 50,
                   as_json: JsonOpt = False) -> None:
    """后备梯队：已持有下一层级有效称号、尚未获得本层级的企业，最接近者在前。"""
    from zhizao.cultivation.lists import next_candidates, titles_held, with_failing

    run, rows = _run(ctx, run_id)
    con = _warehouse(ctx)
    try:
        held = titles_held(con, run.methodology.as_of(run.year))
    finally:
        con.close()
    cands = with_failing(next_candidates(rows, held, run.tier, run.methodology.lower_tier, limit))
    emit({"run_id": run_id, "tier": run.tier, "lower_tier": run.methodology.lower_tier, "year": run.year,
          "candidates": cands}, as_json,
         lambda d: _print_rows(f"{run.methodology.title} 后备梯队", d["candidates"]))


@tiers_app.command("expiring")
def expiring_cmd(ctx: typer.Context,
                 as_of: Annotated[str | None, typer.Option("--as-of", help="日期（默认今天）")] = None,
                 region: Annotated[str | None, typer.Option("--region", help="区县代码")] = None,
                 as_json: JsonOpt = False) -> None:
    """进入复核（续期）窗口的称号：到期日前若干个月（各层级规则文件的 renewal_months）。"""
    from zhizao.cultivation.lists import expiring, renewal_months

    day = _date(as_of) if as_of else dt.date.today()
    con = _warehouse(ctx)
    try:
        rows = expiring(con, day, renewal_months(), region=region)
    finally:
        con.close()

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table("统一社会信用代码", "企业名称", "称号", "级别", "有效期至", "剩余天数", title=f"{day} 进入复核窗口的称号")
        for r in d["titles"]:
            t.add_row(r["credit_code"], r["name"] or "", r["title_name"], r["level_name"], str(r["expires_on"]),
                      f"{r['days_left']:,}")
        out_console.print(t)

    emit({"as_of": day, "titles": rows}, as_json, render)


@tiers_app.command("pipeline")
def pipeline_cmd(ctx: typer.Context,
                 y_from: Annotated[int, typer.Option("--from", help="起始年度")],
                 y_to: Annotated[int, typer.Option("--to", help="截止年度")],
                 region: Annotated[str | None, typer.Option("--region", help="区县代码")] = None,
                 as_json: JsonOpt = False) -> None:
    """各年末持有各层级有效称号的企业数，以及上市进程各阶段企业数。"""
    from zhizao.cultivation import listing
    from zhizao.cultivation.lists import pipeline_counts
    from zhizao.store.db import session_scope

    if y_to < y_from:
        fail("--to 不能早于 --from")
    years = list(range(y_from, y_to + 1))
    con = _warehouse(ctx)
    try:
        tiers = pipeline_counts(con, years, region)
        codes = None
        if region:
            codes = [r[0] for r in con.execute("SELECT credit_code FROM enterprises WHERE region_code = ?",
                                               [region]).fetchall()]
    finally:
        con.close()
    settings = settings_from(ctx)
    with session_scope(settings) as s:
        stages = listing.counts(s, years, codes)

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        for key, label in (("tiers", "称号"), ("listing", "上市进程阶段")):
            t = Table(label, *[str(y) for y in years], title=f"{label}企业数（各年末）")
            names: dict[str, dict[int, int]] = {}
            for r in d[key]:
                names.setdefault(r["name"], {})[r["year"]] = r["firms"]
            for n, by in names.items():
                t.add_row(n, *[f"{by.get(y, 0):,}" for y in years])
            out_console.print(t)

    emit({"from": y_from, "to": y_to, "region": region, "tiers": tiers, "listing": stages}, as_json, render)


@tiers_app.command("diff")
def diff_cmd(ctx: typer.Context,
             year: Annotated[int, typer.Option("--year", help="数据年度")],
             before: Annotated[str, typer.Option("--before", help="原规则集（NAME@VERSION 或文件）")],
             after: Annotated[str, typer.Option("--after", help="新规则集（NAME@VERSION 或文件）")],
             as_json: JsonOpt = False) -> None:
    """同一年度数据分别按两套规则筛选（各登记为一次运行），列出因规则变化而新获或失去资格的企业。"""
    from zhizao import runs
    from zhizao.cultivation.lists import eligibility_diff, run_of
    from zhizao.engine import connect
    from zhizao.methodology import MethodologyError, find

    settings = settings_from(ctx).ensure()
    try:
        ma, mb = find(before, "tiers", year), find(after, "tiers", year)
    except MethodologyError as exc:
        fail(str(exc))
    if ma.tier != mb.tier:  # type: ignore[attr-defined]
        fail(f"两套规则认定的层级不同：{ma.title} / {mb.title}")
    eng = connect(settings)
    try:
        ra = runs.execute(settings, eng, "tiers", year, ma, notes=["规则对比（原规则）"])
        rb = runs.execute(settings, eng, "tiers", year, mb, notes=["规则对比（新规则）"])
    finally:
        eng.close()
    _, rows_a = run_of(settings, ra.run_id)
    _, rows_b = run_of(settings, rb.run_id)
    d = eligibility_diff(rows_a, rows_b)
    d.update(year=year, before={"ruleset": ma.ref, "run_id": ra.run_id}, after={"ruleset": mb.ref, "run_id": rb.run_id})

    def render(x: dict[str, Any]) -> None:
        out_console.print(f"{year} 年数据：{ma.title}（运行 {ra.run_id}）→ {mb.title}（运行 {rb.run_id}）")
        out_console.print(f"新获资格 {len(x['gains']):,} 家，失去资格 {len(x['losses']):,} 家，其他变化 {len(x['other_changes']):,} 家")
        for label, key in (("失去资格", "losses"), ("新获资格", "gains")):
            for r in x[key][:30]:
                why = "；".join(r["failing_after"] if key == "losses" else r["failing_before"])
                out_console.print(f"  {label}：{r['name']}（{r['credit_code']}）{r['before_text']} → {r['after_text']}"
                                  + (f"，{'新规则下未达标' if key == 'losses' else '原规则下未达标'}：{why}" if why else ""))

    emit(d, as_json, render)


@tiers_app.command("export")
def export_cmd(ctx: typer.Context, run_id: str,
               out: Annotated[Path, typer.Option("--out", help="输出的 Excel 文件")],
               as_json: JsonOpt = False) -> None:
    """导出一次筛选的名单（符合条件、接近达标、后备梯队、称号到期）为 Excel。"""
    from zhizao.cultivation.export import write_lists
    from zhizao.cultivation.lists import (
        expiring,
        near_misses,
        next_candidates,
        qualifiers,
        renewal_months,
        titles_held,
        with_failing,
    )

    run, rows = _run(ctx, run_id)
    as_of = run.methodology.as_of(run.year)
    con = _warehouse(ctx)
    try:
        held = titles_held(con, as_of)
        exp = [e for e in expiring(con, as_of, renewal_months()) if e["title"] == run.tier]
    finally:
        con.close()
    q, n = qualifiers(rows), with_failing(near_misses(rows))
    c = with_failing(next_candidates(rows, held, run.tier, run.methodology.lower_tier))
    write_lists(out, f"{run.methodology.title} {run.year} 年", q, n, c, exp,
                [f"规则集 {run.methodology.ref}，运行 {run_id}"])
    emit({"run_id": run_id, "out": str(out), "qualifiers": len(q), "near_misses": len(n), "candidates": len(c),
          "expiring": len(exp)}, as_json, lambda d: out_console.print(f"[green]已导出[/] {d['out']}"))


@tiers_app.command("stage")
def stage_cmd(ctx: typer.Context, credit_code: str,
              stage: Annotated[str, typer.Argument(help="阶段：培育、股改、辅导、报审、挂牌、上市")],
              on: Annotated[str, typer.Option("--on", help="进入该阶段的日期")],
              note: Annotated[str | None, typer.Option("--note", help="说明")] = None,
              by: Annotated[str, typer.Option("--by", help="记录人")] = "cli",
              as_json: JsonOpt = False) -> None:
    """记录企业进入上市进程的某一阶段（保留全部历史）。"""
    from zhizao.cultivation import listing
    from zhizao.store.db import session_scope

    settings = settings_from(ctx)
    con = _warehouse(ctx)
    try:
        known = con.execute("SELECT count(*) FROM enterprises WHERE credit_code = ?", [credit_code]).fetchall()[0][0]
    finally:
        con.close()
    if not known:
        fail(f"企业不在名录中: {credit_code}")
    try:
        with session_scope(settings) as s:
            listing.record(s, credit_code, stage, _date(on), by, note)
            hist = listing.history(s, credit_code)
    except listing.ListingError as exc:
        fail(str(exc))
    emit({"credit_code": credit_code, "history": hist}, as_json,
         lambda d: out_console.print(" → ".join(f"{h['stage_name']}（{h['entered_on']}）" for h in d["history"])))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        fail(f"日期无效: {text}（如 2026-04-01）")
