"""Commands of the ingest room: ``zhizao import``, ``batches``, ``tables``, ``rejects``.

``zhizao import TABLE FILE…`` with one file prints CONTRACT.md's import object; with several
files, each is its own batch and ``--json`` prints ``{"imports": [object, …]}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zhizao.cliutil import JsonOpt, emit, err_console, fail, out_console, progress, settings_from

#: files above this size get a progress bar (stages: read, validate, commit)
PROGRESS_BYTES = 5 << 20
STAGE_LABELS = {"read": "读取文件", "validate": "校验", "commit": "提交批次"}
HUMAN_REJECTS = 20


def _render_import(r: dict[str, Any], file: str) -> None:
    if r["duplicate_of"] is not None:
        out_console.print(f"[yellow]未加载[/] {file}：内容与批次 {r['duplicate_of']} 完全相同（记为批次 {r['batch_id']}）")
        return
    out_console.print(
        f"[green]已导入[/] {file} → {r['table']}，批次 {r['batch_id']}：读取 {r['rows_read']} 行，"
        f"加载 {r['rows_loaded']} 行，拒绝 {r['rows_rejected']} 行")
    if r["rejects"]:
        from rich.table import Table

        t = Table("行", "列", "代码", "原因", title="被拒绝的行")
        for x in r["rejects"][:HUMAN_REJECTS]:
            t.add_row(str(x["row"]), x["column"] or "", x["code"], x["message"])
        out_console.print(t)
        if r["rows_rejected"] > HUMAN_REJECTS:
            out_console.print(f"……共 {r['rows_rejected']} 行被拒绝，完整清单：zhizao rejects {r['batch_id']}")


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="处理完排队任务后退出")] = False,
    poll: Annotated[float, typer.Option("--poll", help="无任务时的轮询间隔（秒）")] = 1.0,
    parent: Annotated[int | None, typer.Option("--parent", hidden=True)] = None,
) -> None:
    """后台任务进程：逐个导入网页上传排队的文件，并在后台生成报告（zhizao serve 会自动启动一个）。"""
    import logging

    from zhizao.ingest.jobs import work

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = settings_from(ctx).ensure()
    try:
        ran = work(settings, once=once, poll_s=poll, parent_pid=parent)
    except KeyboardInterrupt:
        return
    if once:
        err_console.print(f"已处理 {ran} 个导入任务")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)

    @app.command("import")
    def import_cmd(
        ctx: typer.Context,
        table: Annotated[str, typer.Argument(help="数据表（如 enterprises、energy）")],
        files: Annotated[list[Path], typer.Argument(help="CSV（UTF-8、GBK/GB18030）或 XLSX 文件，可多个")],
        source: Annotated[str | None, typer.Option("--source", help="数据来源（如 统计局）")] = None,
        sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX 工作表名称或序号（默认第一个）")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """导入数据文件：每个文件一个批次，每行或加载或拒绝（附原因）。"""
        from zhizao.ingest import IngestError, import_file
        from zhizao.ingest.importer import get_table

        settings = settings_from(ctx).ensure()
        try:
            get_table(table)
        except IngestError as exc:
            fail(str(exc))
        for f in files:
            if not f.is_file():
                fail(f"文件不存在：{f}")
        results: list[dict[str, Any]] = []
        for f in files:
            big = f.stat().st_size >= PROGRESS_BYTES
            with progress(f"导入 {f.name}", total=3, enabled=big) as advance:
                seen: list[str] = []

                def stage(name: str, advance=advance, seen=seen, label=f.name) -> None:
                    if seen:
                        advance(1)
                    seen.append(name)
                    advance(0, description=f"{label}：{STAGE_LABELS.get(name, name)}")

                try:
                    r = import_file(settings, table, f, source=source, sheet=sheet, progress=stage)
                except IngestError as exc:
                    done = "；".join(f"{x['file']} 已导入为批次 {x['batch_id']}" for x in results)
                    fail(f"{f.name}：{exc}" + (f"（此前 {done}）" if done else ""))
            for w in r.warnings:
                err_console.print(f"[yellow]提示[/]：{f.name}：{w}", highlight=False)
            d = r.to_dict()
            if not as_json:
                _render_import(d, f.name)
            results.append(d | {"file": f.name})
        if as_json:
            if len(files) == 1:
                emit({k: v for k, v in results[0].items() if k != "file"}, True)
            else:
                emit({"imports": [{k: v for k, v in x.items() if k != "file"} for x in results]}, True)

    @app.command("batches")
    def batches_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """列出全部导入批次：来源、文件、哈希、时间、行数与状态。"""
        from zhizao.ingest import list_batches
        from zhizao.ingest.queries import STATUS_LABELS

        items = list_batches(settings_from(ctx))

        def render(data: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table("批次", "数据表", "来源", "文件", "哈希", "时间（UTC）", "读取", "加载", "拒绝", "现行", "状态")
            for b in data["batches"]:
                status = STATUS_LABELS.get(b["status"], b["status"])
                if b["duplicate_of"] is not None:
                    status += f"（同批次 {b['duplicate_of']}）"
                t.add_row(str(b["batch_id"]), b["table"], b["source"] or "", b["file"] or "", b["hash"][:12],
                          b["created_at"] or "", str(b["rows_read"]), str(b["rows_loaded"]),
                          str(b["rows_rejected"]), str(b["rows_current"]), status)
            out_console.print(t if data["batches"] else "尚无导入批次")

        emit({"batches": items}, as_json, render)

    @app.command("tables")
    def tables_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
        """各数据表的现行行数（不含已被替代的行）。"""
        from zhizao.contract import TABLES
        from zhizao.ingest import table_counts

        counts = table_counts(settings_from(ctx))

        def render(data: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table("数据表", "名称", "现行行数")
            for name, n in data["tables"].items():
                t.add_row(name, TABLES[name].title, f"{n:,}")
            out_console.print(t)

        emit({"tables": counts}, as_json, render)

    @app.command("template")
    def template_cmd(
        table: Annotated[str | None, typer.Argument(help="数据表（如 tax、energy；--all 时省略）")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="输出文件；--all 时为输出目录")] = None,
        all_tables: Annotated[bool, typer.Option("--all", help="为每张数据表各生成一个模板")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """生成可供部门填写的导入模板（XLSX：中文表头与单位、下拉选项、填写示例、说明）。"""
        from zhizao.contract import TABLES
        from zhizao.contract.templates import file_name, write_all, write_template

        if all_tables:
            if table:
                fail("--all 与数据表名不能同时使用")
            paths = write_all(out or Path("templates"))
            emit({"templates": [str(p) for p in paths]}, as_json,
                 lambda d: out_console.print(f"[green]已生成[/] {len(d['templates'])} 个导入模板 → {out or 'templates'}"))
            return
        if not table:
            fail("请指定数据表，或使用 --all")
        if table not in TABLES:
            fail(f"未知的数据表：{table}（可用：{'、'.join(TABLES)}）")
        path = write_template(table, out or Path(file_name(table)))
        emit({"table": table, "template": str(path)}, as_json,
             lambda d: out_console.print(f"[green]已生成[/] {TABLES[table].title}导入模板 → {d['template']}"))

    @app.command("rejects")
    def rejects_cmd(
        ctx: typer.Context,
        batch_id: Annotated[int, typer.Argument(help="批次编号")],
        as_json: JsonOpt = False,
    ) -> None:
        """列出一个批次被拒绝的行：行号、列、代码、原因。"""
        from zhizao.ingest import IngestError, rejects

        try:
            data = rejects(settings_from(ctx), batch_id)
        except IngestError as exc:
            fail(str(exc))

        def render(d: dict[str, Any]) -> None:
            from rich.table import Table

            t = Table("行", "列", "代码", "原因", title=f"批次 {d['batch_id']}（{d['table']}，{d['file']}）被拒绝 "
                                                         f"{d['rows_rejected']} 行")
            for x in d["rejects"]:
                t.add_row(str(x["row"]), x["column"] or "", x["code"], x["message"])
            out_console.print(t)

        emit(data, as_json, render)
