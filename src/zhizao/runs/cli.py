"""``zhizao evaluate``, ``results`` and ``runs list|show|release|diff``: running a method and the
runs it registered."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao import capabilities
from zhizao.cliutil import JsonOpt, emit, fail, out_console, run_and_results, settings_from


def evaluate(
    ctx: typer.Context,
    method: Annotated[str, typer.Argument(help="评价方法：carbon、mujun")],
    year: Annotated[int, typer.Option("--year", help="评价年度")],
    methodology: Annotated[str | None, typer.Option("--methodology", help="方法论名称、NAME@VERSION 或 YAML 文件")] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="计算引擎：duckdb（默认）或 spark")] = None,
    spark_master: Annotated[str | None, typer.Option("--spark-master", help="Spark master（如 local[4]、yarn、spark://host:7077）")] = None,
    spark_connect: Annotated[str | None, typer.Option("--spark-connect", help="Spark Connect 地址（如 sc://host:15002）")] = None,
    driver_memory: Annotated[str | None, typer.Option("--driver-memory", help="Spark driver 内存（如 4g）")] = None,
    shuffle_partitions: Annotated[int | None, typer.Option("--shuffle-partitions", min=1, help="Spark shuffle 分区数")] = None,
    lake: Annotated[str | None, typer.Option("--lake", help="从 Parquet 数据湖读取（目录或 hdfs://、s3a:// 地址）")] = None,
    as_json: JsonOpt = False,
) -> None:
    """运行一个评价方法，登记为不可变的运行结果。"""
    from zhizao import runs
    from zhizao.engine import ENGINES
    from zhizao.methodology import MethodologyError, find
    from zhizao.settings import with_overrides

    settings = with_overrides(settings_from(ctx), engine=engine, spark_master=spark_master,
                              spark_connect=spark_connect, driver_memory=driver_memory,
                              shuffle_partitions=shuffle_partitions, lake=lake).ensure()
    if method not in capabilities.names():
        fail(f"未知评价方法: {method}（可选: {', '.join(capabilities.names())}）")
    if settings.engine not in ENGINES:
        fail(f"未知引擎: {settings.engine}（可选: {', '.join(ENGINES)}）")
    try:
        m = find(methodology, method, year)
    except MethodologyError as exc:
        fail(str(exc))
    # an earlier run of the same methodology, year and inputs kept its SQL: run it without Ibis
    run = runs.execute_kept(settings, method, year, m, checkpoint=False)
    if run is not None:
        _done(run, as_json)
        return
    from zhizao.engine import connect
    from zhizao.engine.lake import LakeError

    try:
        # not read-only: the registry writes the run into the same warehouse file from this
        # process, and DuckDB refuses two connections to one file with different modes
        eng = connect(settings)
    except (LakeError, KeyError, RuntimeError) as exc:  # RuntimeError: SparkUnavailable
        fail(str(exc).strip("'\""))
    # which facts the engine read, beside the engine the registry records
    source = [f"数据来源：Parquet 数据湖 {settings.lake}"] if settings.lake is not None else []
    try:
        run = runs.execute(settings, eng, method, year, m, notes=source)
    except KeyError as exc:  # an input table the engine does not have
        fail(str(exc).strip("'\""))
    finally:
        con = eng.warehouse_con()
        if con is not None:  # the command ends now: the registration may stay in the log
            runs.leave_log(con)
        eng.close()
    _done(run, as_json)


def _done(run: Any, as_json: bool) -> None:
    emit(run.summary(), as_json, lambda d: out_console.print(
        f"[green]完成[/] 运行 {d['run_id']}：{d['method']} {d['year']} 年，方法论 {d['methodology']}，"
        f"引擎 {d['engine']}，{d['counts'].get('firms', 0)} 家企业"))


def results_cmd(
    ctx: typer.Context,
    run_id: str,
    fmt: Annotated[str, typer.Option("--format", help="json、csv 或 xlsx")] = "json",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件（csv、xlsx 必需，json 可选）")] = None,
    as_json: JsonOpt = False,
) -> None:
    """导出一次运行的结果（每家企业一行）。"""
    from zhizao.runs.export import export_results

    run, table = run_and_results(settings_from(ctx), run_id)
    try:
        doc = export_results(run, table, fmt, out)
    except ValueError as exc:
        fail(str(exc))
    if fmt == "json" and out is None:
        emit(doc, True)
    else:
        emit({"run_id": run_id, "format": fmt, "out": str(out), "rows": run.result_rows}, as_json,
             lambda d: out_console.print(f"已写出 {d['rows']} 行到 {d['out']}"))


runs_app = typer.Typer(help="运行记录：列出、查看、比较、放行待核企业", no_args_is_help=True)


@runs_app.command("list")
def runs_list(ctx: typer.Context, method: Annotated[str | None, typer.Option(help="方法")] = None,
              year: Annotated[int | None, typer.Option(help="年度")] = None, as_json: JsonOpt = False) -> None:
    """列出运行记录。"""
    from zhizao import runs

    items = [r.summary() | {"created_at": r.created_at, "result_hash": r.result_hash, "notes": r.notes}
             for r in runs.list_runs(settings_from(ctx), method, year)]

    def render(data: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table("运行", "方法", "年度", "方法论", "引擎", "企业数", "时间")
        for r in data["runs"]:
            t.add_row(r["run_id"], r["method"], str(r["year"]), r["methodology"], r["engine"],
                      str(r["counts"].get("firms", "")), r["created_at"])
        out_console.print(t)

    emit({"runs": items}, as_json, render)


@runs_app.command("show")
def runs_show(ctx: typer.Context, run_id: str, as_json: JsonOpt = False) -> None:
    """查看一次运行：方法论、所用因子与说明、计数，以及未通过发布前核查的待核企业。"""
    from zhizao import runs

    settings = settings_from(ctx)
    try:
        r = runs.get(settings, run_id)
        held = runs.held(settings, run_id)
        released = runs.releases(settings, r.method, r.year)
    except runs.RunError as exc:
        fail(str(exc))
    doc = r.summary() | {
        "created_at": r.created_at, "result_hash": r.result_hash, "input_batches": r.input_batches,
        "parent_run_id": r.parent_run_id, "notes": r.notes, "held": held,
        "releases": [{"credit_code": x.credit_code, "check": x.held_check, "reason": x.reason,
                      "released_by": x.released_by, "released_at": x.released_at, "from_run_id": x.from_run_id}
                     for x in released],
    }

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        cap_title = capabilities.get(d["method"]).title if d["method"] in capabilities.names() else d["method"]
        out_console.print(f"运行 {d['run_id']}：{cap_title} {d['year']} 年，方法论 {d['methodology']}，"
                          f"{d['counts'].get('firms', 0):,} 家企业，{d['created_at']}")
        if d["parent_run_id"]:
            out_console.print(f"更正自 {d['parent_run_id']}")
        for n in d["notes"]:
            out_console.print(f"  · {n}", highlight=False)
        if d["held"]:
            t = Table("统一社会信用代码", "企业名称", "待核原因", title=f"待核企业 {len(d['held'])} 家（不评级、不计入基准，未经核查不得发布）")
            for h in d["held"]:
                t.add_row(h["credit_code"], h["name"] or "", h["reason"] or "")
            out_console.print(t)
        else:
            out_console.print("无待核企业")
        if d["releases"]:
            out_console.print(f"本年度已放行 {len(d['releases'])} 家：" + "；".join(
                f"{x['credit_code']}（{x['reason']}）" for x in d["releases"]), highlight=False)

    emit(doc, as_json, render)


@runs_app.command("release")
def runs_release(
    ctx: typer.Context,
    run_id: str,
    credit_codes: Annotated[list[str], typer.Argument(help="待核企业的统一社会信用代码（可多个）")],
    reason: Annotated[str, typer.Option("--reason", help="放行理由（必填，记入审计日志）")],
    as_json: JsonOpt = False,
) -> None:
    """放行待核企业（说明理由）：记入审计日志，并重新计算为一次新的运行。"""
    from zhizao import runs

    try:
        new = runs.release(settings_from(ctx), run_id, credit_codes, reason, user="cli")
    except (runs.RunError, runs.GateError) as exc:
        fail(str(exc))
    emit(new.summary() | {"parent_run_id": run_id, "released": credit_codes}, as_json,
         lambda d: out_console.print(f"[green]已放行[/] {len(credit_codes)} 家企业，重新计算为运行 {d['run_id']}"
                                     f"（更正自 {run_id}）"))


@runs_app.command("diff")
def runs_diff(ctx: typer.Context, run_a: str, run_b: str, as_json: JsonOpt = False) -> None:
    """比较两次运行：哪些企业的等级或类别变了，以及相关数值。"""
    from zhizao import runs

    try:
        from zhizao.runs.diff import diff

        d = diff(settings_from(ctx), run_a, run_b)
    except (runs.RunError, ValueError) as exc:
        fail(str(exc))

    def render(data: dict[str, Any]) -> None:
        from zhizao import capabilities

        cap = capabilities.find(data["method"])

        by_firm: dict[str, list[dict[str, Any]]] = {}
        for c in data["changed"]:
            by_firm.setdefault(c["credit_code"], []).append(c)
        out_console.print(f"{run_a} → {run_b}：{len(by_firm):,} 家企业结果变动，新增 {len(data['added']):,} 家，"
                          f"减少 {len(data['removed']):,} 家，未变 {data['unchanged']:,} 家", highlight=False)
        if data.get("rules"):
            out_console.print("口径变化：", highlight=False)
            for r in data["rules"]:
                out_console.print(f"  · {r}", highlight=False)
        for code, items in by_firm.items():
            moves = "；".join(f"{capabilities.field_title(cap, c['field'])} "
                             f"{capabilities.value_title(cap, c['field'], c['before'])} → "
                             f"{capabilities.value_title(cap, c['field'], c['after'])}" for c in items)
            out_console.print(f"{items[0]['name'] or ''}（{code}）：{moves}", highlight=False)
            for w in items[0].get("why") or []:
                out_console.print(f"    原因：{w}", highlight=False)
        for label, key in (("新增", "added_why"), ("减少", "removed_why")):
            groups: dict[str, list[str]] = {}
            for code, why in (data.get(key) or {}).items():
                groups.setdefault("；".join(why) or "—", []).append(code)
            for reason, codes in groups.items():
                shown = "、".join(codes[:10]) + ("等" if len(codes) > 10 else "")
                out_console.print(f"{label} {len(codes):,} 家（{reason}）：{shown}", highlight=False)

    emit(d, as_json, render)


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("results")(results_cmd)
    app.add_typer(runs_app, name="runs")
