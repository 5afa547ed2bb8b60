"""``zhizao greenfactory``: the green ladder (candidates, re-review, removals, the dynamic report)
and a firm's star card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

green_app = typer.Typer(help="星级绿色工厂：梯度培育名单、复评、动态报告、企业星级卡", no_args_is_help=True)

YearOpt = Annotated[int, typer.Option("--year", help="评价年度")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="写出 Excel 文件（.xlsx）")]


def register(app: typer.Typer) -> None:
    app.add_typer(green_app, name="greenfactory")


def _inputs(ctx: typer.Context, year: int) -> Any:
    from zhizao.greenfactory import ladder

    settings = settings_from(ctx)
    if not settings.warehouse_path.exists():
        fail(f"数据仓库不存在: {settings.warehouse_path}（请先导入数据）")
    inp = ladder.load(settings, year)
    if year not in inp.results:
        fail(f"{year} 年没有星级绿色工厂评价结果（请先运行 zhizao evaluate greenfactory --year {year}）")
    return inp


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows]


@green_app.command("candidates")
def candidates_cmd(ctx: typer.Context, year: YearOpt, out: OutOpt = None, as_json: JsonOpt = False) -> None:
    """逐级推荐候选名单（每一级只从下一级产生）。"""
    from zhizao.greenfactory import ladder
    from zhizao.greenfactory.export import write_candidates

    inp = _inputs(ctx, year)
    rows = ladder.candidates(inp)
    if out is not None:
        write_candidates(out, year, rows, inp.notes)
    data = {"year": year, "methodology": inp.methodology.ref, "candidates": _jsonable(rows),
            "out": str(out) if out else None}

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        from zhizao.greenfactory.methodology import LEVEL_TITLES

        t = Table("统一社会信用代码", "企业名称", "得分", "星级", "现有级别", "拟推荐级别", title=f"{year}年 推荐候选")
        for r in d["candidates"]:
            t.add_row(r["credit_code"], r["name"] or "", f"{r['score']:.2f}", f"{r['stars']}星",
                      LEVEL_TITLES.get(r["current_level"] or "", "无"), LEVEL_TITLES[r["candidate_level"]])
        out_console.print(t)
        if d["out"]:
            out_console.print(f"已写出 {d['out']}")

    emit(data, as_json, render)


@green_app.command("rereview")
def rereview_cmd(ctx: typer.Context, year: YearOpt, out: OutOpt = None, as_json: JsonOpt = False) -> None:
    """三年复评到期名单与拟撤销名单（连续三年后 5%、负面清单）。"""
    from zhizao.greenfactory import ladder
    from zhizao.greenfactory.export import write_rereview

    inp = _inputs(ctx, year)
    due = ladder.rereview_due(inp)
    rem = ladder.removals(inp)
    if out is not None:
        write_rereview(out, year, due, rem, inp.notes)
    data = {"year": year, "rereview_due": _jsonable(due), "removals": _jsonable(rem), "out": str(out) if out else None}
    emit(data, as_json, lambda d: out_console.print(
        f"{year} 年复评到期 {len(d['rereview_due'])} 家，拟撤销 {len(d['removals'])} 家"
        + (f"；已写出 {d['out']}" if d["out"] else "")))


@green_app.command("report")
def report_cmd(ctx: typer.Context, year: YearOpt, as_json: JsonOpt = False) -> None:
    """年度动态管理报告：各级绿色工厂数量、新增、撤销、候选、复评、拟撤销与星级分布。"""
    from zhizao.greenfactory import ladder

    inp = _inputs(ctx, year)
    rep = ladder.dynamic_report(inp)

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        out_console.print(f"[bold]{d['year']} 年绿色工厂动态管理报告[/]（报送截止 {d['due_on']}，方法论 {d['methodology']}）")
        out_console.print(f"参评 {d['evaluated']:,} 家；星级分布："
                          + "，".join(f"{k}星 {v:,} 家" for k, v in d["stars"].items()))
        t = Table("级别", "现有", "本年新增", "本年撤销", "推荐候选", "复评到期", "拟撤销")
        for lv in d["levels"]:
            t.add_row(lv["title"], f"{lv['holders']:,}", f"{lv['granted']:,}", f"{lv['revoked']:,}",
                      f"{lv['candidates']:,}", f"{lv['rereview_due']:,}", f"{lv['removals']:,}")
        out_console.print(t)
        for n in d["notes"]:
            out_console.print(f"[dim]说明：{n}[/]")

    emit(rep, as_json, render)


@green_app.command("negative-list")
def negative_cmd(ctx: typer.Context, year: YearOpt, as_json: JsonOpt = False) -> None:
    """负面清单：本年不满足负面清单条件的企业。"""
    from zhizao.greenfactory import ladder

    rows = ladder.negative_list(_inputs(ctx, year))

    def render(d: dict[str, Any]) -> None:
        for r in d["firms"]:
            out_console.print(f"{r['credit_code']} {r['name'] or ''}：{'；'.join(r['items'])}")

    emit({"year": year, "firms": _jsonable(rows)}, as_json, render)


@green_app.command("card")
def card_cmd(ctx: typer.Context, credit_code: Annotated[str, typer.Argument(help="统一社会信用代码")],
             year: YearOpt, as_json: JsonOpt = False) -> None:
    """企业星级卡：得分、各一级指标得分、否决项与升星路径。"""
    import pyarrow.compute as pc

    from zhizao.greenfactory import to_rows

    inp = _inputs(ctx, year)
    t = inp.results[year]
    t = t.filter(pc.equal(t["credit_code"], credit_code.strip().upper()))
    if t.num_rows == 0:
        fail(f"{year} 年评价结果中没有企业 {credit_code}")
    row = to_rows(t, inp.methodology)[0]

    def render(d: dict[str, Any]) -> None:
        head = f"[bold]{d['name']}[/]（{d['credit_code']}）{year} 年："
        if d["status"] == "rated":
            out_console.print(head + f"{d['stars']} 星，综合得分 {d['score']:.2f}")
        else:
            out_console.print(head + (d["reason"] or ""))
        for a in d["areas"]:
            out_console.print(f"  {a['title']}：{a['score']:.2f} / {a['weight']:g}")
        if d["path"]:
            out_console.print(f"升至 {d['gaps'][0]['stars']} 星：{d['path']}")

    emit(row, as_json, render)
