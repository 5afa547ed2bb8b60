"""``zhizao backup FILE`` and ``zhizao restore FILE`` (CONTRACT.md "Wave 2 additions")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from zhizao.cliutil import JsonOpt, emit, fail, out_console, settings_from


def backup(ctx: typer.Context, file: Path, as_json: JsonOpt = False) -> None:
    """备份：数据仓库、运行结果与业务库的一致快照（服务运行时亦可）。"""
    from zhizao.backup.snapshot import BackupError
    from zhizao.backup.snapshot import backup as do_backup

    try:
        doc = do_backup(settings_from(ctx), file)
    except BackupError as exc:
        fail(str(exc))

    def render(d: dict[str, Any]) -> None:
        out_console.print(f"已备份到 {d['file']}（{d['size']}）：{len(d['runs'])} 个运行、"
                          f"业务库 {sum(d['store_rows'].values()):,} 行；数据仓库锁定 {d['warehouse_locked_s']} 秒")

    emit(doc, as_json, render)


def restore(ctx: typer.Context, file: Path, as_json: JsonOpt = False) -> None:
    """从备份恢复：先校验每个运行的结果哈希，原有数据移至 before-restore-<时间> 目录。"""
    from zhizao.backup.snapshot import BackupError
    from zhizao.backup.snapshot import restore as do_restore

    try:
        doc = do_restore(settings_from(ctx), file)
    except BackupError as exc:
        fail(str(exc))

    def render(d: dict[str, Any]) -> None:
        out_console.print(f"已从 {d['file']}（{d['created_at']} 备份）恢复：{d['verified_runs']} 个运行的结果哈希"
                          f"校验一致；原有数据已移至 {d['set_aside']}")

    emit(doc, as_json, render)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
