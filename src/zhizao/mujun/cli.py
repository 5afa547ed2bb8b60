"""``zhizao mujun …``: the publication workflow of a 亩均 evaluation year and its exports."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao import clock
from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

YearOpt = Annotated[int, typer.Option("--year", help="评价年度")]
ByOpt = Annotated[str | None, typer.Option("--by", help="操作人（默认当前系统用户）")]
EngineOpt = Annotated[str | None, typer.Option("--engine", help="计算引擎：duckdb（默认）或 spark")]


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def _store(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from zhizao.store.db import init_store

    settings = settings_from(ctx).ensure()
    init_store(settings)
    return settings


def _do(fn, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
    from zhizao.mujun.workflow import WorkflowError
    from zhizao.runs import RunError
    from zhizao.store.publish import PublishError

    try:
        return fn(*args, **kwargs)
    except (WorkflowError, RunError, PublishError) as exc:
        fail(str(exc))


def _say(text: str):  # type: ignore[no-untyped-def]
    return lambda _d: out_console.print(text)


mujun_app = typer.Typer(help="亩均效益综合评价：数据冻结、公示、评价、异议、更正、发布与导出", no_args_is_help=True)
objection_app = typer.Typer(help="异议：提交、处理、列出", no_args_is_help=True)
mujun_app.add_typer(objection_app, name="objection")


@mujun_app.command("freeze")
def freeze_cmd(ctx: typer.Context, year: YearOpt,
               methodology: Annotated[str | None, typer.Option("--methodology", help="方法论名称、NAME@VERSION 或 YAML 文件")] = None,
               engine: EngineOpt = None, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """数据冻结：记录本年度评价所用的数据批次和方法论。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.freeze, settings, year, _who(by), methodology, engine=engine)
    emit(d, as_json, _say(f"[green]已冻结[/] {year} 年度数据：{len(d['batches'])} 个批次，方法论 {d['methodology']}"))


@mujun_app.command("land-notice")
def land_notice_cmd(ctx: typer.Context, year: YearOpt,
                    days: Annotated[int, typer.Option("--days", help="公示天数")] = 5,
                    by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """用地面积公示：开始公示各企业的评价用地面积。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.land_notice, settings, year, _who(by), days)
    emit(d, as_json, _say(f"[green]用地面积公示[/] {year} 年度，至 {clock.minutes(d['until'])}"))


@mujun_app.command("land-notice-export")
def land_notice_export_cmd(ctx: typer.Context, year: YearOpt,
                           out: Annotated[Path, typer.Option("--out", help="输出的 Excel 文件")],
                           engine: EngineOpt = None, as_json: JsonOpt = False) -> None:
    """导出用地面积公示表（Excel）。"""
    from zhizao.engine import connect
    from zhizao.mujun.export import land_notice, write_land_notice

    settings = settings_from(ctx).ensure()
    eng = connect(settings, engine, read_only=True)
    try:
        table = eng.to_pyarrow(land_notice(eng.tables(("land", "enterprises")), year))
    finally:
        eng.close()
    if table.num_rows == 0:
        fail(f"{year} 年度没有用地数据")
    write_land_notice(out, table, year)
    emit({"year": year, "out": str(out), "firms": table.num_rows}, as_json,
         _say(f"[green]已导出[/] 用地面积公示 {table.num_rows} 家企业 → {out}"))


@mujun_app.command("score")
def score_cmd(ctx: typer.Context, year: YearOpt, engine: EngineOpt = None, by: ByOpt = None,
              force: Annotated[bool, typer.Option("--force", help="用地面积公示期满前评价（记录在案）")] = False,
              as_json: JsonOpt = False) -> None:
    """评价计算：用地面积公示期满后，在冻结的数据上运行亩均评价，登记为运行结果。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.score, settings, year, _who(by), engine=engine, force=force)
    emit(d, as_json, _say(f"[green]评价完成[/] 运行 {d['run_id']}：{d['counts'].get('firms', 0)} 家企业，"
                          f"分类 {d['counts'].get('class', {})}"))


@mujun_app.command("results-notice")
def results_notice_cmd(ctx: typer.Context, year: YearOpt,
                       days: Annotated[int, typer.Option("--days", help="公示及异议期天数（3–7）")] = 5,
                       by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """结果公示：公开评价结果并开放异议期。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.results_notice, settings, year, _who(by), days)
    emit(d, as_json, _say(f"[green]结果公示[/] {year} 年度（运行 {d['run_id']}），异议期至 "
                          f"{clock.minutes(d['objections_close_at'])}"))


@objection_app.command("add")
def objection_add_cmd(
    ctx: typer.Context, year: YearOpt,
    credit_code: Annotated[str, typer.Option("--credit-code", help="提出异议的企业统一社会信用代码")],
    subject: Annotated[str, typer.Option("--subject", help="异议事由")],
    content: Annotated[str, typer.Option("--content", help="异议内容")],
    evidence: Annotated[Path | None, typer.Option("--evidence", help="证明材料文件")] = None,
    by: ByOpt = None, as_json: JsonOpt = False,
) -> None:
    """提交异议（公示期内）。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.add_objection, settings, year, credit_code, _who(by), subject, content, evidence)
    emit(d, as_json, _say(f"[green]已登记[/] 异议 {d['id']}：{credit_code} {subject}"))


@objection_app.command("decide")
def objection_decide_cmd(
    ctx: typer.Context, objection_id: Annotated[int, typer.Argument(help="异议编号")],
    decision: Annotated[str, typer.Option("--decision", help="accepted（采纳）或 rejected（不采纳）")],
    reason: Annotated[str, typer.Option("--reason", help="处理理由")],
    by: ByOpt = None, as_json: JsonOpt = False,
) -> None:
    """处理异议：采纳或不采纳，并说明理由。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.decide_objection, settings, objection_id, decision, reason, user=_who(by))
    emit(d, as_json, _say(f"[green]已处理[/] 异议 {objection_id}：{'采纳' if decision == 'accepted' else '不采纳'}"))


@objection_app.command("list")
def objection_list_cmd(ctx: typer.Context, year: YearOpt,
                       status: Annotated[str | None, typer.Option("--status", help="pending、accepted 或 rejected")] = None,
                       as_json: JsonOpt = False) -> None:
    """列出本年度的异议。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    rows = _do(workflow.list_objections, settings, year, status)

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table("编号", "企业", "事由", "提交人", "提交时间", "状态", "处理理由")
        for o in d["objections"]:
            t.add_row(str(o["id"]), o["credit_code"], o["subject"], o["filed_by"], clock.minutes(o['filed_at']),
                      o["status"], o["decision_reason"] or "")
        out_console.print(t)

    emit({"year": year, "objections": rows}, as_json, render)


@mujun_app.command("correct")
def correct_cmd(ctx: typer.Context, year: YearOpt, engine: EngineOpt = None, by: ByOpt = None,
                as_json: JsonOpt = False) -> None:
    """更正重算：生成新的运行结果（与上一次可比对），关联已采纳的异议。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.correct, settings, year, _who(by), engine=engine)
    emit(d, as_json, _say(f"[green]更正完成[/] 运行 {d['run_id']}（上一运行 {d['previous_run_id']}）："
                          f"{d['changed']} 家企业分类变化"))


@mujun_app.command("publish")
def publish_cmd(ctx: typer.Context, year: YearOpt,
                force: Annotated[bool, typer.Option("--force", help="异议期未满也发布")] = False,
                by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """正式发布：异议期满、异议处理完毕后发布最终结果。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.publish_final, settings, year, _who(by), force=force)
    emit(d, as_json, _say(f"[green]已正式发布[/] {year} 年度亩均评价结果（运行 {d['run_id']}，{d['rows']} 家企业）"))


@mujun_app.command("status")
def status_cmd(ctx: typer.Context, year: YearOpt, as_json: JsonOpt = False) -> None:
    """本年度评价流程的状态与每一步的记录。"""
    from zhizao.mujun import workflow

    settings = _store(ctx)
    d = _do(workflow.status, settings, year)

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        out_console.print(f"{year} 年度：[bold]{d['stage_label']}[/]，方法论 {d['methodology']}，"
                          f"当前运行 {d['current_run_id'] or '—'}，异议 {d['objections']}")
        t = Table("步骤", "时间", "操作人", "运行", "异议")
        for s in d["steps"]:
            t.add_row(s["label"], clock.minutes(s['at']), s["by"], s["run_id"] or "",
                      str(s["objection_id"] or ""))
        out_console.print(t)

    emit(d, as_json, render)


@mujun_app.command("export")
def export_cmd(ctx: typer.Context, year: YearOpt,
               out: Annotated[Path, typer.Option("--out", help="输出的 Excel 文件")],
               run_id: Annotated[str | None, typer.Option("--run", help="运行编号（默认本年度的最终或当前运行）")] = None,
               as_json: JsonOpt = False) -> None:
    """导出各赛道的评价名单（Excel，每个赛道一个工作表）。"""
    from zhizao import capabilities, runs
    from zhizao.mujun import workflow
    from zhizao.mujun.export import rank_order, write_county_lists

    settings = _store(ctx)
    rid = run_id or _do(workflow.year_run, settings, year)
    run = _do(runs.get, settings, rid)
    if run.method != "mujun":
        fail(f"运行 {rid} 不是亩均评价")
    rows = sorted(capabilities.get("mujun").to_rows(_do(runs.results, settings, rid)), key=rank_order)
    write_county_lists(out, rows, run.methodology, run.year,
                       title=f"运行 {rid}，方法论 {run.methodology_name}@{run.methodology_version}")
    emit({"year": run.year, "run_id": rid, "out": str(out), "firms": len(rows)}, as_json,
         _say(f"[green]已导出[/] {len(rows)} 家企业 → {out}"))


@mujun_app.command("changes")
def changes_cmd(ctx: typer.Context,
                year_from: Annotated[int, typer.Option("--from", help="起始年度")],
                year_to: Annotated[int, typer.Option("--to", help="对比年度")],
                out: Annotated[Path | None, typer.Option("--out", help="同时导出 Excel 文件")] = None,
                as_json: JsonOpt = False) -> None:
    """两个年度之间的分类变化报告。"""
    from zhizao import capabilities, runs
    from zhizao.mujun import workflow
    from zhizao.mujun.export import class_changes, write_class_changes

    settings = _store(ctx)
    to_rows = capabilities.get("mujun").to_rows
    ra, rb = _do(workflow.year_run, settings, year_from), _do(workflow.year_run, settings, year_to)
    report = class_changes(to_rows(_do(runs.results, settings, ra)), to_rows(_do(runs.results, settings, rb)))
    doc = {"from": year_from, "to": year_to, "run_from": ra, "run_to": rb, **report}
    if out is not None:
        write_class_changes(out, report, year_from, year_to)
        doc["out"] = str(out)
    emit(doc, as_json, _say(f"{year_from} → {year_to}：" + "，".join(f"{k} {v}" for k, v in report["counts"].items())))


def register(app: typer.Typer) -> None:
    app.add_typer(mujun_app, name="mujun")
