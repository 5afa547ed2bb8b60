"""``zhizao tiers list``: each tier's list drafted, noticed (公示), objected to, decided and
announced (通知) — :mod:`zhizao.cultivation.publishing`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

lists_app = typer.Typer(help="名单公示与公布：每个层级单独拟定、公示、受理异议、发文公布", no_args_is_help=True)

ByOpt = Annotated[str, typer.Option("--by", help="经办人")]


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD: {text}")


def _show(d: dict[str, Any]) -> None:
    from rich.table import Table

    out_console.print(f"[bold]{d['notice'] if d['stage'] != 'announced' else d['list_title']}[/]（第 {d['id']} 号，{d['stage_name']}）")
    if d["notice_from"]:
        out_console.print(f"公示期：{d['notice_from']} 至 {d['notice_until']}；异议受理：{d['contact']}")
    if d["doc_number"]:
        out_console.print(f"{d['announcement']}（{d['doc_number']}，{d['announced_on']}）")
    t = Table("统一社会信用代码", "企业名称", "层级", "状态")
    for e in d["entries"]:
        t.add_row(e["credit_code"], e["name"] or "", e["tier_name"], "列入" if e["status"] == "listed" else f"移出：{e['reason']}")
    out_console.print(t)
    for o in d["objections"]:
        out_console.print(f"异议 {o['id']}：{o['name'] or o['credit_code']}，{o['content']}（{o['decision_name']}）")


def _step(ctx: typer.Context, as_json: bool, fn: Any) -> None:
    from zhizao.cultivation import publishing as pb
    from zhizao.store.db import session_scope

    try:
        with session_scope(settings_from(ctx)) as s:
            rec = fn(s)
            d = pb.summary(s, pb.get(s, rec.list_id if isinstance(rec, pb.TierListObjection) else rec.id))
    except pb.ListError as exc:
        fail(str(exc))
    emit(d, as_json, _show)


@lists_app.command("draft")
def draft_cmd(ctx: typer.Context, key: Annotated[str, typer.Argument(help="名单：golden（金象金牛）、specialised_sme、little_giant、single_champion、hidden_champion")],
              year: Annotated[int, typer.Option("--year", help="年度")],
              confirm: Annotated[list[str] | None, typer.Option("--confirm", help="经人工核定列入的企业（统一社会信用代码，可多次）")] = None,
              by: ByOpt = "cli", as_json: JsonOpt = False) -> None:
    """从已发布的梯度筛选结果拟定名单（符合条件的企业，及经人工核定的企业）。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.draft(settings_from(ctx), s, key, year, by, confirmed=tuple(confirm or ())))


@lists_app.command("notice")
def notice_cmd(ctx: typer.Context, list_id: int,
               contact: Annotated[str, typer.Option("--contact", help="受理异议的联系人和电话")],
               start: Annotated[str | None, typer.Option("--from", help="公示开始日期（默认今天）")] = None,
               days: Annotated[int, typer.Option("--days", help="公示天数")] = 7,
               by: ByOpt = "cli", as_json: JsonOpt = False) -> None:
    """开始公示。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.open_notice(s, list_id, _date(start), by, days=days, contact=contact))


@lists_app.command("object")
def object_cmd(ctx: typer.Context, list_id: int, credit_code: str,
               content: Annotated[str, typer.Option("--content", help="异议内容")],
               on: Annotated[str | None, typer.Option("--on", help="收到日期（默认今天）")] = None,
               by: ByOpt = "cli", as_json: JsonOpt = False) -> None:
    """登记公示期内收到的异议。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.receive_objection(s, list_id, credit_code, content, _date(on), by))


@lists_app.command("decide")
def decide_cmd(ctx: typer.Context, objection_id: int,
               upheld: Annotated[bool, typer.Option("--upheld/--rejected", help="异议成立（移出名单）或不成立")],
               reason: Annotated[str, typer.Option("--reason", help="处理意见")],
               by: ByOpt = "cli", as_json: JsonOpt = False) -> None:
    """处理异议。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.decide(s, objection_id, upheld, reason, by))


@lists_app.command("announce")
def announce_cmd(ctx: typer.Context, list_id: int,
                 doc_number: Annotated[str, typer.Option("--doc-number", help="通知文号")],
                 on: Annotated[str | None, typer.Option("--on", help="发文日期（默认今天）")] = None,
                 by: ByOpt = "cli", as_json: JsonOpt = False) -> None:
    """公示期满、异议处理完毕后发文公布名单。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.announce(s, list_id, doc_number, _date(on), by))


@lists_app.command("withdraw")
def withdraw_cmd(ctx: typer.Context, list_id: int, reason: Annotated[str, typer.Option("--reason", help="撤回原因")],
                 by: ByOpt = "cli", as_json: JsonOpt = False) -> None:
    """撤回未公布的名单（之后可重新拟定）。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.withdraw(s, list_id, reason, by))


@lists_app.command("show")
def show_cmd(ctx: typer.Context, list_id: int, as_json: JsonOpt = False) -> None:
    """查看名单、公示和异议。"""
    from zhizao.cultivation import publishing as pb

    _step(ctx, as_json, lambda s: pb.get(s, list_id))


@lists_app.command("all")
def all_cmd(ctx: typer.Context, year: Annotated[int | None, typer.Option("--year", help="年度")] = None,
            as_json: JsonOpt = False) -> None:
    """各层级名单及其所处环节。"""
    from rich.table import Table

    from zhizao.cultivation import publishing as pb
    from zhizao.store.db import session_scope

    with session_scope(settings_from(ctx)) as s:
        rows = [{k: v for k, v in pb.summary(s, r).items() if k not in ("entries", "objections")}
                for r in pb.all_lists(s, year)]

    def render(d: dict[str, Any]) -> None:
        t = Table("编号", "名单", "环节", "列入企业", "待处理异议")
        for r in d["lists"]:
            t.add_row(str(r["id"]), r["notice"], r["stage_name"], f"{r['listed']:,}", str(r["pending"]))
        out_console.print(t)

    emit({"lists": rows}, as_json, render)
