"""Commands of the economy room: ``zhizao indicators`` and ``zhizao report review``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from


def region_label(code: str) -> str:
    from zhizao.codes import regions

    return f"{regions.name(code) or code} {code}"


def register(app: typer.Typer) -> None:
    @app.command("indicators")
    def indicators_cmd(
        ctx: typer.Context,
        y_from: Annotated[int, typer.Option("--from", help="起始年度")],
        y_to: Annotated[int, typer.Option("--to", help="截止年度")],
        region: Annotated[str | None, typer.Option("--region", help="只看一个地区（6位行政区划代码）")] = None,
        engine: Annotated[str | None, typer.Option("--engine", help="计算引擎：duckdb（默认）或 spark")] = None,
        monthly: Annotated[bool, typer.Option("--monthly", help="同时给出月度指标（行中带 month 字段）")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """工业经济指标（规上增加值、可比价增速、结构比重、亩均、能耗碳排、碳效与亩均分布、区县排名）。"""
        from zhizao.economy import figures, indicators

        settings = settings_from(ctx)
        if not settings.warehouse_path.exists():
            fail(f"数据仓库不存在：{settings.warehouse_path}（请先导入数据）")
        if y_to < y_from:
            fail(f"起止年度有误：--from {y_from} 晚于 --to {y_to}")
        if region is not None and not (len(region) == 6 and region.isdigit()):
            fail(f"地区代码应为6位数字：{region}")
        try:
            values = indicators.for_settings(settings, y_from, y_to, region=region, engine_name=engine)
            if monthly:
                values += indicators.monthly_for_settings(settings, y_from, y_to, region=region, engine_name=engine)
            rows = indicators.rows(values) + figures.room_rows(settings, y_from, y_to, region)
        except (indicators.IndicatorError, ValueError) as exc:
            fail(str(exc))
        if not rows:
            fail(f"{y_from}–{y_to} 年{'在 ' + region + ' ' if region else ''}没有可计算的指标（缺少统计年报数据？）")

        def render(data: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table(title=f"工业经济指标 {y_from}–{y_to}")
            t.add_column("地区", overflow="fold")
            t.add_column("指标", overflow="fold")
            t.add_column("年度", no_wrap=True)
            t.add_column("数值", no_wrap=True, justify="right")
            t.add_column("单位", overflow="fold")
            t.add_column("口径", overflow="fold")
            for r in data["indicators"]:
                period = f"{r['year']}-{r['month']:02d}" if "month" in r else str(r["year"])
                t.add_row(region_label(r["region"]), r["name"], period,
                          figures.formatted(r), r["unit"], r["basis"])
            out_console.print(t)

        emit({"indicators": rows}, as_json, render)

    report_app = typer.Typer(help="报告：五年工作回眸等", no_args_is_help=True)
    app.add_typer(report_app, name="report")

    @report_app.command("review")
    def review_cmd(
        ctx: typer.Context,
        y_from: Annotated[int, typer.Option("--from", help="基年")],
        y_to: Annotated[int, typer.Option("--to", help="末年")],
        fmt: Annotated[str, typer.Option("--format", help="html、pdf 或 xlsx")] = "html",
        out: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
        region: Annotated[str | None, typer.Option("--region", help="市级代码（默认：数据中的市）")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """生成五年工作回眸报告（HTML、PDF 或 Excel），所有数字由数据计算。"""
        from zhizao.economy import review

        if fmt not in ("html", "pdf", "xlsx"):
            fail(f"不支持的格式：{fmt}（可选 html、pdf、xlsx）")
        if y_to <= y_from:
            fail(f"回眸报告需要至少两个年度：--from {y_from} --to {y_to}")
        settings = settings_from(ctx)
        if not settings.warehouse_path.exists():
            fail(f"数据仓库不存在：{settings.warehouse_path}（请先导入数据）")
        path = out or Path(f"review-{y_from}-{y_to}.{fmt}")
        try:
            rep = review.build(settings, y_from, y_to, region=region)
            review.write(rep, fmt, path)
        except review.ReviewError as exc:
            fail(str(exc))
        emit({"format": fmt, "out": str(path), "region": rep.region, "from": y_from, "to": y_to,
              "indicators": len(rep.values)}, as_json,
             lambda d: out_console.print(f"已生成 {d['from']}–{d['to']} 年回眸报告：{d['out']}"))

