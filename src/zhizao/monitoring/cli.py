"""``zhizao monitor power`` (电力看经济 working list) and ``zhizao monitor consistency`` (数据打架)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from
from zhizao.monitoring.lists import MonitoringError, consistency_list, power_list


def register(app: typer.Typer) -> None:
    monitor_app = typer.Typer(help="运行监测：电力看经济、数据一致性（数据打架）", no_args_is_help=True)
    app.add_typer(monitor_app, name="monitor")

    @monitor_app.command("power")
    def power_cmd(
        ctx: typer.Context,
        month: Annotated[str, typer.Option("--month", help="月份 YYYY-MM")],
        region: Annotated[str | None, typer.Option("--region", help="地区（6位行政区划代码）")] = None,
        methodology: Annotated[str | None, typer.Option("--methodology", help="方法论名称或 YAML 文件")] = None,
        everyone: Annotated[bool, typer.Option("--all", help="列出全部企业（默认只列预警企业）")] = False,
        engine: Annotated[str | None, typer.Option("--engine", help="计算引擎：duckdb（默认）或 spark")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """电力看经济：本月用电与上年同月对比（上年同月 = 100），列出预警企业。"""
        mt = re.fullmatch(r"(\d{4})-(\d{1,2})", month.strip())
        if not mt or not 1 <= int(mt.group(2)) <= 12:
            fail(f"月份格式应为 YYYY-MM：{month}")
        settings = settings_from(ctx)
        if not settings.warehouse_path.exists():
            fail(f"数据仓库不存在：{settings.warehouse_path}（请先导入数据）")
        try:
            data = power_list(settings, int(mt.group(1)), int(mt.group(2)), region, methodology, everyone, engine)
        except MonitoringError as exc:
            fail(str(exc))

        def render(d: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table("区域", "用电量(千瓦时)", "上年同月", "用电指数", "企业数", "预警数",
                      title=f"{d['month']} 用电指数（上年同月 = 100，方法论 {d['methodology']}）")
            for r in d["regions"]:
                t.add_row(r["region_code"], f"{r['kwh']:.0f}", f"{r['kwh_last_year']:.0f}", f"{r['index']:.1f}",
                          str(r["firms"]), str(r["warnings"]))
            out_console.print(t)
            f = Table("预警", "企业", "信用代码", "区划", "行业", "本月", "上年同月", "指数", "连续低用电天数",
                      title=f"预警企业 {len(d['firms'])} 家")
            for r in d["firms"]:
                f.add_row(r["warning_text"] or "", r["name"] or "", r["credit_code"], r["region_code"] or "",
                          r["industry_code"] or "", "" if r["kwh"] is None else f"{r['kwh']:.0f}",
                          "" if r["kwh_last_year"] is None else f"{r['kwh_last_year']:.0f}",
                          "" if r["index"] is None else f"{r['index']:.1f}", str(r["longest_low_run"]))
            out_console.print(f)

        emit(data, as_json, render)

    @monitor_app.command("consistency")
    def consistency_cmd(
        ctx: typer.Context,
        year: Annotated[int, typer.Option("--year", help="年度")],
        region: Annotated[str | None, typer.Option("--region", help="地区（6位行政区划代码）")] = None,
        methodology: Annotated[str | None, typer.Option("--methodology", help="方法论名称或 YAML 文件")] = None,
        engine: Annotated[str | None, typer.Option("--engine", help="计算引擎：duckdb（默认）或 spark")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """数据打架：跨部门数据一致性校验，列出每处不一致及两方来源与批次。"""
        settings = settings_from(ctx)
        if not settings.warehouse_path.exists():
            fail(f"数据仓库不存在：{settings.warehouse_path}（请先导入数据）")
        try:
            data = consistency_list(settings, year, methodology, region, engine)
        except MonitoringError as exc:
            fail(str(exc))

        def render(d: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table("校验", "企业", "期间", "来源一", "来源二", "偏差", "容差",
                      title=f"{d['year']} 年数据一致性：{len(d['failures'])} 处不一致（方法论 {d['methodology']}）")
            for r in d["failures"]:
                a, b = r["sources"]
                t.add_row(r["check_name"], f"{r['name'] or ''} {r['credit_code']}", r["period"],
                          f"{a['table']}.{a['field']} = {a['value']:.2f}（批次 {','.join(map(str, a['batches']))}）",
                          f"{b['table']}.{b['field']} = {b['value']:.2f}（批次 {','.join(map(str, b['batches']))}）",
                          f"{r['deviation']:.3f}", r["tolerance"])
            out_console.print(t)

        emit(data, as_json, render)
