"""``zhizao demo``: build the demo city (``generate``), benchmark data (``scale``), or, with no
subcommand, the whole demo (generate, import, evaluate, serve: ``demo/run.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, err_console, fail, out_console

demo_app = typer.Typer(
    help="演示城市：生成数据、导入、评价并启动网页（不带子命令时完整运行）",
    invoke_without_command=True,
    no_args_is_help=False,
)


def parse_years(text: str) -> list[int]:
    """``2020-2024`` or ``2021,2023`` or ``2024`` → the list of years."""
    years: set[int] = set()
    try:
        for part in text.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if b < a:
                    raise ValueError
                years.update(range(a, b + 1))
            else:
                years.add(int(part))
    except ValueError:
        raise typer.BadParameter(f"年度格式无效: {text}（例如 2020-2024 或 2022,2024）") from None
    if not years or min(years) < 1990 or max(years) > 2100:
        raise typer.BadParameter(f"年度超出范围: {text}")
    return sorted(years)


@demo_app.callback()
def _demo(ctx: typer.Context) -> None:
    """不带子命令时：生成演示城市、导入、评价，并启动网页。"""
    if ctx.invoked_subcommand is None:
        from zhizao.demo.run import run_demo

        run_demo(ctx)


@demo_app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    firms: Annotated[int, typer.Option("--firms", help="企业数")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（同一种子生成逐字节相同的文件）")] = 20211,
    years: Annotated[str, typer.Option("--years", help="年度，例如 2020-2024")] = "2020-2024",
    clean: Annotated[bool, typer.Option("--clean", help="不注入脏数据")] = False,
    as_json: JsonOpt = False,
) -> None:
    """生成演示城市的各部门数据文件（CSV、XLSX）及 manifest.json。"""
    from zhizao.demo.generator import generate

    if firms < 50:
        fail("企业数至少为 50")
    ys = parse_years(years)
    if not as_json:
        err_console.print(f"正在生成 {firms} 家企业、{ys[0]}–{ys[-1]} 年的演示数据……")
    try:
        manifest = generate(out, firms=firms, seed=seed, years=ys, dirt=not clean)
    except (OSError, ValueError) as exc:
        fail(f"生成失败: {exc}")
    doc = {"out": str(out), "firms": firms, "seed": seed, "years": ys,
           "files": [{k: e[k] for k in ("file", "table", "source", "rows", "expected_rejects")}
                     for e in manifest["files"]],
           "summary": manifest["summary"]}

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        t = Table("文件", "数据表", "来源", "行数", "预期拒收")
        for f in d["files"]:
            t.add_row(f["file"], f["table"], f["source"], str(f["rows"]), str(sum(f["expected_rejects"].values())))
        out_console.print(t)
        out_console.print(f"[green]完成[/]：已写入 {d['out']}（清单见 manifest.json）")

    emit(doc, as_json, render)


@demo_app.command("scale")
def scale_cmd(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    firms: Annotated[int, typer.Option("--firms", help="企业数，例如 500000")] = 500_000,
    fmt: Annotated[str, typer.Option("--format", help="parquet 或 csv")] = "parquet",
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 1,
    years: Annotated[str, typer.Option("--years", help="年度，例如 2023")] = "2023",
    energy_csv_rows: Annotated[int | None, typer.Option("--energy-csv-rows",
                                                         help="另写一个合同格式的能源 CSV（指定行数）")] = None,
    as_json: JsonOpt = False,
) -> None:
    """生成基准测试规模的干净数据（规范列、规范单位），可直接载入数据仓库。"""
    from zhizao.demo.scale import write_scale_city

    if fmt not in ("parquet", "csv"):
        fail(f"未知格式: {fmt}（可选 parquet、csv）")
    if firms < 1:
        fail("企业数必须为正")
    try:
        manifest = write_scale_city(out, firms, seed=seed, years=parse_years(years), fmt=fmt,
                                    energy_csv_rows=energy_csv_rows)
    except (OSError, ValueError) as exc:
        fail(f"生成失败: {exc}")

    def render(d: dict[str, Any]) -> None:
        for name, t in d["tables"].items():
            out_console.print(f"{name}: {t['rows']:,} 行（{t['seconds']} 秒）")
        out_console.print(f"[green]完成[/]：共 {d['seconds']} 秒，写入 {out}")

    emit(manifest, as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
