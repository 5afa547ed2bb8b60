"""``zhizao methodology list|show|validate``: the shipped methodologies and methodology files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console

methodology_app = typer.Typer(help="方法论：列出、查看、校验", no_args_is_help=True)


@methodology_app.command("list")
def methodology_list(as_json: JsonOpt = False) -> None:
    """列出内置方法论。"""
    from zhizao.methodology import describe, shipped

    rows = [describe(e.methodology) | {"path": e.path} for e in shipped()]

    def render(data: list[dict[str, Any]]) -> None:
        from rich.table import Table

        t = Table("名称", "版本", "方法", "标题", "地区", "适用年度")
        for r in data:
            t.add_row(r["name"], r["version"], r["method"], r["title"], r["region"] or "",
                      f"{r['valid_from']}–{r['valid_to'] or ''}")
        out_console.print(t)

    emit({"methodologies": rows}, as_json, lambda d: render(d["methodologies"]))


@methodology_app.command("show")
def methodology_show(name: str, year: Annotated[int | None, typer.Option(help="年度")] = None,
                     method: Annotated[str | None, typer.Option(help="方法（carbon、mujun）")] = None,
                     as_json: JsonOpt = False) -> None:
    """显示一个方法论的全部取值及来源（NAME、NAME@VERSION 或文件路径）。"""
    from zhizao.methodology import MethodologyError, find, load_file, shipped

    try:
        if Path(name).exists():
            m = load_file(name)
        else:
            methods = [method] if method else sorted({e.methodology.method for e in shipped()
                                                      if e.methodology.name == name.partition("@")[0]})
            if not methods:
                fail(f"找不到方法论: {name}")
            m = find(name, methods[0], year)
    except MethodologyError as exc:
        fail(str(exc))
    data = m.model_dump(mode="json") | {"hash": m.content_hash()}
    emit(data, as_json)


@methodology_app.command("validate")
def methodology_validate(file: Path, as_json: JsonOpt = False) -> None:
    """校验一个方法论文件。"""
    from zhizao.methodology import MethodologyError, describe, load_file

    try:
        m = load_file(file)
    except MethodologyError as exc:
        if as_json:
            emit({"valid": False, "errors": str(exc).splitlines()}, True)
            raise typer.Exit(1) from None
        fail(str(exc))
    emit({"valid": True} | describe(m), as_json,
         lambda d: out_console.print(f"[green]有效[/]：{d['name']}@{d['version']}（{d['title']}）"))


def register(app: typer.Typer) -> None:
    app.add_typer(methodology_app, name="methodology")
