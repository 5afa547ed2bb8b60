"""``zhizao lake``: the Parquet lake (export from the warehouse, status)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from

lake_app = typer.Typer(help="Parquet 数据湖：从仓库导出、查看状态", no_args_is_help=True)

LakeOpt = Annotated[str | None, typer.Option("--lake", help="数据湖目录（默认 ZHIZAO_LAKE，否则 <数据目录>/lake）")]


def _lake_dir(ctx: typer.Context, lake: str | None) -> Any:
    from zhizao.settings import with_overrides

    return with_overrides(settings_from(ctx), lake=lake).lake_dir


@lake_app.command("export")
def lake_export(
    ctx: typer.Context,
    lake: LakeOpt = None,
    table: Annotated[list[str] | None, typer.Option("--table", help="只导出这些表（可重复）")] = None,
    changed: Annotated[bool, typer.Option("--changed", help="只导出与数据湖不一致的表")] = False,
    as_json: JsonOpt = False,
) -> None:
    """把仓库中的当前数据写成 Parquet 数据湖（按表、按年度分区；整表原子替换）。"""
    import time

    import duckdb

    from zhizao.engine.lake import LakeError, export_warehouse, is_uri, lake_tables
    from zhizao.engine.warehouse import current_reader

    settings = settings_from(ctx)
    dest = _lake_dir(ctx, lake)
    if is_uri(dest):
        fail(f"只能导出到本地目录（{dest}）；请导出到本地后同步到 HDFS/S3")
    known = lake_tables()
    unknown = [t for t in table or [] if t not in known]
    if unknown:
        fail(f"未知数据表: {', '.join(unknown)}（可选: {', '.join(known)}）")
    if not settings.warehouse_path.exists():
        fail(f"仓库不存在: {settings.warehouse_path}（请先导入数据）")
    t0 = time.perf_counter()
    con = current_reader(settings.warehouse_path)  # (an earlier version's: the views the lake keeps)
    try:
        counts = export_warehouse(con, dest, list(table) if table else None, only_stale=changed)
    except (LakeError, duckdb.Error) as exc:
        fail(f"导出数据湖失败: {exc}")
    finally:
        con.close()
    data = {"lake": str(dest), "tables": counts, "rows": sum(counts.values()),
            "elapsed_s": round(time.perf_counter() - t0, 3)}
    emit(data, as_json, lambda d: out_console.print(
        f"[green]已导出[/] {len(d['tables'])} 张表、{d['rows']} 行到 {d['lake']}（{d['elapsed_s']} 秒）"))


@lake_app.command("status")
def lake_status(ctx: typer.Context, lake: LakeOpt = None, as_json: JsonOpt = False) -> None:
    """数据湖中每张表的快照、行数、年度分区，以及是否与仓库一致。"""
    from zhizao.engine.lake import LakeError, is_uri, status
    from zhizao.engine.warehouse import current_reader

    settings = settings_from(ctx)
    dest = _lake_dir(ctx, lake)
    if is_uri(dest):
        fail(f"只能查看本地数据湖（{dest}）")
    con = current_reader(settings.warehouse_path) if settings.warehouse_path.exists() else None
    try:
        data = status(dest, con)
    except LakeError as exc:
        fail(str(exc))
    finally:
        if con is not None:
            con.close()

    def render(d: dict[str, Any]) -> None:
        from rich.table import Table

        if not d["exists"]:
            out_console.print(f"数据湖 {d['lake']} 尚无数据（zhizao lake export 导出）")
            return
        t = Table("数据表", "快照", "行数", "年度", "文件", "大小", "写入时间", "与仓库一致")
        for r in d["tables"]:
            fresh = r.get("fresh")
            t.add_row(r["table"], r["snapshot"] or "", "" if r["rows"] is None else str(r["rows"]),
                      ",".join(map(str, r["years"])), str(r["files"]), _size(r["bytes"]), r["written_at"] or "",
                      "" if fresh is None else ("是" if fresh else "[red]否[/]"))
        out_console.print(f"数据湖 {d['lake']}")
        out_console.print(t)

    emit(data, as_json, render)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def register(app: typer.Typer) -> None:
    app.add_typer(lake_app, name="lake")
