"""Commands of the projects room: ``zhizao projects status | stalls | agenda``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

MethOpt = Annotated[str | None, typer.Option("--methodology", help="方法论文件（YAML；默认随平台发布的版本）")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="只看一个地区（6位行政区划代码）")]


def parse_day(text: str, what: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    fail(f"{what}不是有效日期：{text}（如 2024-06-30）")


def _region(region: str | None) -> str | None:
    if region is not None and not (len(region) == 6 and region.isdigit()):
        fail(f"地区代码应为6位数字：{region}")
    return region


def _meth(path: str | None) -> Any:
    from zhizao.projects.methodology import load

    try:
        return load(path)
    except ValueError as exc:
        fail(f"方法论文件无效：{exc}")


def register(app: typer.Typer) -> None:
    projects = typer.Typer(help="投资项目全生命周期（三端六环）与“破五未”", no_args_is_help=True)
    app.add_typer(projects, name="projects")

    @projects.command("status")
    def status_cmd(
        ctx: typer.Context,
        as_of: Annotated[str, typer.Option("--as-of", help="截至日期（如 2024-06-30）")],
        region: RegionOpt = None,
        methodology: MethOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """每个项目截至某日的状态：已完成的最后节点、正常推进 / 未按期 / 已处置 / 已达产、逾期天数。"""
        from zhizao.projects import labels, query

        day = parse_day(as_of, "--as-of ")
        settings = settings_from(ctx)
        try:
            data = query.status(settings, day, _region(region), _meth(methodology))
        except query.ProjectsError as exc:
            fail(str(exc))
        data["projects"] = [{k: r[k] for k in labels.STATUS_FIELDS} | {"colour": r["colour"],
                                                                       "land_warning": r["land_warning"]}
                            for r in data["projects"]]

        def render(d: dict[str, Any]) -> None:
            from collections import Counter

            from rich.table import Table

            t = Table(title=f"项目状态（截至 {d['as_of']}）")
            for h in ("状态", "项目数"):
                t.add_column(h)
            for state, n in sorted(Counter(r["state"] for r in d["projects"]).items()):
                t.add_row(labels.STATE_NAMES[state], f"{n:,}")
            out_console.print(t)
            st = Counter(r["stall"] for r in d["projects"] if r["stall"])
            if st:
                t2 = Table(title="未按期项目（破五未）")
                t2.add_column("类型")
                t2.add_column("项目数", justify="right")
                for s, n in st.items():
                    t2.add_row(labels.stall_name(s), f"{n:,}")
                out_console.print(t2)

        emit(data, as_json, render)

    @projects.command("stalls")
    def stalls_cmd(
        ctx: typer.Context,
        d_from: Annotated[str, typer.Option("--from", help="起始日期（含）")],
        d_to: Annotated[str, typer.Option("--to", help="截止日期（含）")],
        region: RegionOpt = None,
        methodology: MethOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """“破五未”台账：期初存量、新增、化解（按节点 / 按处置）、期末未化解、化解率，分区县、分类型。"""
        from zhizao.projects import labels, query

        d1, d2 = parse_day(d_from, "--from "), parse_day(d_to, "--to ")
        settings = settings_from(ctx)
        try:
            data = query.stalls(settings, d1, d2, _region(region), _meth(methodology))
        except query.ProjectsError as exc:
            fail(str(exc))

        def render(d: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table(title=f"“破五未”台账 {d['from']} 至 {d['to']}")
            for h in ("范围", "期初存量", "新增", "化解", "其中节点完成", "其中处置", "期末未化解", "化解率"):
                t.add_column(h, justify="right")
            rows = [("合计", d)] + [(labels.region_label(r["region_code"]), r) for r in d["by_region"]] \
                + [(r["label"], r) for r in d["by_stall"]]
            for name, r in rows:
                t.add_row(name, *(f"{r[k]:,}" for k in ("stock_at_start", "new", "resolved", "resolved_by_milestone",
                                                        "resolved_by_disposal", "open_at_end")),
                          labels.percent(r["resolution_rate"]))
            out_console.print(t)

        emit(data, as_json, render)

    @projects.command("agenda")
    def agenda_cmd(
        ctx: typer.Context,
        as_of: Annotated[str, typer.Option("--as-of", help="会议日期（截至该日的红色未按期项目与逾期事项）")],
        out: Annotated[Path, typer.Option("--out", help="输出文件（.xlsx 或 .pdf）")],
        region: RegionOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """月度例会议程：全部红色未按期项目与逾期协调事项，按区县（Excel 或 PDF）。"""
        from zhizao.projects import query
        from zhizao.projects.agenda import build, write

        day = parse_day(as_of, "--as-of ")
        settings = settings_from(ctx)
        if out.suffix.lower() not in (".xlsx", ".pdf"):
            fail(f"输出文件应为 .xlsx 或 .pdf：{out}")
        try:
            data = build(settings, day, _region(region))
            write(data, out)
        except query.ProjectsError as exc:
            fail(str(exc))
        emit({"as_of": day, "file": out, "stalls": len(data["stalls"]), "issues": len(data["issues"])}, as_json,
             lambda d: out_console.print(f"已生成月度例会议程：{d['file']}（红色未按期项目 {d['stalls']} 个，"
                                         f"逾期协调事项 {d['issues']} 项）"))
