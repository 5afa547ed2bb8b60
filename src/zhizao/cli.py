"""The ``zhizao`` command (CONTRACT.md "Command line").

This module is the composition root of the command line, and only that: the commands live in
the modules that own them (``zhizao.runs.cli``, ``zhizao.ingest.cli``, each room's ``Room.cli``),
each with a ``register(app)`` function, and are **declared** here (the core's, :data:`CORE_CLIS`)
or in the room's ``room.py`` (``Room.commands``): name and the first paragraph of the help.

Start-up is therefore cheap (docs/architecture.md "Start-up"): ``zhizao --help`` lists every
command from the declarations without importing one command module, and ``zhizao batches``
imports and builds only ``zhizao.ingest.cli``'s commands (:class:`LazyGroup`, click's lazy group
pattern). ``tests/test_cli.py`` checks the declarations against what ``register`` adds.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer._coercion import PassThroughRuntimeParam, RuntimeParam
from typer._param_types import coerce_cli_path
from typer.core import TyperCommand, TyperGroup, TyperOption

from zhizao.rooms import Command
from zhizao.settings import load_settings

if TYPE_CHECKING:
    from typer import _click

#: the core's command modules and the top-level commands each adds, in registration order
CORE_CLIS: tuple[tuple[str, tuple[Command, ...]], ...] = (
    ("zhizao.methodology.cli", (Command("methodology", "方法论：列出、查看、校验", group=True),)),
    ("zhizao.runs.cli", (
        Command("evaluate", "运行一个评价方法，登记为不可变的运行结果。"),
        Command("results", "导出一次运行的结果（每家企业一行）。"),
        Command("runs", "运行记录：列出、查看、比较、放行待核企业", group=True),
    )),
    ("zhizao.ingest.cli", (
        Command("worker", "后台任务进程：逐个导入网页上传排队的文件，并在后台生成报告（zhizao serve 会自动启动一个）。"),
        Command("import", "导入数据文件：每个文件一个批次，每行或加载或拒绝（附原因）。"),
        Command("batches", "列出全部导入批次：来源、文件、哈希、时间、行数与状态。"),
        Command("tables", "各数据表的现行行数（不含已被替代的行）。"),
        Command("template", "生成可供部门填写的导入模板（XLSX：中文表头与单位、下拉选项、填写示例、说明）。"),
        Command("rejects", "列出一个批次被拒绝的行：行号、列、代码、原因。"),
    )),
    ("zhizao.engine.cli", (Command("lake", "Parquet 数据湖：从仓库导出、查看状态", group=True),)),
    ("zhizao.store.cli", (
        Command("users", "账户：添加、列出、停用、启用、重置密码", group=True),
        Command("publish", "发布一次运行：其结果成为 API 与网页对该方法、年度提供的结果。"),
    )),
    ("zhizao.web.cli", (Command("serve", "启动 API 与网页服务。"),)),
    ("zhizao.backup.cli", (
        Command("backup", "备份：数据仓库、运行结果与业务库的一致快照（服务运行时亦可）。"),
        Command("restore", "从备份恢复：先校验每个运行的结果哈希，原有数据移至 before-restore-<时间> 目录。"),
    )),
)


@dataclass(frozen=True)
class Declared:
    """One declared top-level command and the module whose ``register(app)`` adds it."""

    module: str
    command: Command


def declared() -> list[Declared]:
    """Every declared top-level command: the core's, then each room's (registry order), in the
    order ``zhizao --help`` lists them (plain commands first, then groups, as Typer lists a
    group's commands)."""
    from zhizao import rooms

    out = [Declared(module, c) for module, commands in CORE_CLIS for c in commands]
    out += [Declared(room.cli, c) for room in rooms.all_rooms() if room.cli for c in room.commands]
    return [d for d in out if not d.command.group] + [d for d in out if d.command.group]


def command_modules() -> list[str]:
    """Every module that adds commands: the core's, then each room's ``Room.cli``."""
    from zhizao import rooms

    return [m for m, _ in CORE_CLIS] + [r.cli for r in rooms.all_rooms() if r.cli]


#: the click commands each command module adds, built once per process (as Typer built every
#: command once per ``app()`` when all were registered at import)
_BUILT: dict[str, dict[str, _click.Command]] = {}


def built(module: str) -> dict[str, _click.Command]:
    """Import ``module``, let it ``register`` on a scratch Typer app and build that app's commands
    (what ``zhizao`` runs); once per process."""
    if module not in _BUILT:
        scratch = typer.Typer(add_completion=False)  # the root's settings: Typer's defaults
        importlib.import_module(module).register(scratch)
        _BUILT[module] = dict(typer.main.get_group(scratch).commands)
    return _BUILT[module]


class _Commands(MutableMapping[str, "_click.Command"]):
    """A group's commands by name: the declared names from the start, each command built (its
    module imported and ``register``-ed) on first access. A core command is found without reading
    the rooms' declarations (``zhizao batches`` imports no ``room.py``); a name nobody declared
    loads every command module once before the answer is no."""

    def __init__(self, group: LazyGroup, built: MutableMapping[str, _click.Command]) -> None:
        self._group = group
        self._built = dict(built)
        self._core = {c.name: Declared(module, c) for module, commands in CORE_CLIS for c in commands}
        self._everything: dict[str, Declared] | None = None

    @property
    def _declared(self) -> dict[str, Declared]:
        """Every declaration, the rooms' included, in listing order."""
        if self._everything is None:
            self._everything = {d.command.name: d for d in declared()}
        return self._everything

    def _entry(self, name: str) -> Declared | None:
        return self._core.get(name) or self._declared.get(name)

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._built:
            entry = self._entry(name)
            if entry is not None:
                self._group.load(entry.module)
            else:
                self._group.load_all()
        return self._built[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        found = self._built.pop(name, None) is not None
        found |= self._core.pop(name, None) is not None
        found |= self._declared.pop(name, None) is not None
        if not found:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._declared
        yield from (n for n in self._built if n not in self._declared)

    def __len__(self) -> int:
        return len(set(self._built) | set(self._declared))

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._core or name in self._declared

    def declared_help(self, name: str) -> Command | None:
        """The declaration of ``name`` while its module is not loaded (None once it is)."""
        if name in self._built:
            return None
        entry = self._entry(name)
        return entry.command if entry else None


class LazyGroup(TyperGroup):
    """The root ``zhizao`` group: builds a command module's commands only when one of them is
    asked for; ``--help`` lists the declarations (:data:`CORE_CLIS`, ``Room.commands``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()
        self._listing = False
        self.commands = _Commands(self, self.commands)
        for p in self.params:
            if isinstance(p, TyperOption) and p.name == "home":
                _light_path(p)

    def load(self, module: str) -> None:
        """Take the commands ``module`` adds (:func:`built`)."""
        if module in self._loaded:
            return
        self._loaded.add(module)
        for name, command in built(module).items():
            self.commands[name] = command

    def load_all(self) -> None:
        for module in command_modules():
            self.load(module)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if self._listing and isinstance(self.commands, _Commands):
            decl = self.commands.declared_help(cmd_name)
            if decl is not None:  # listed from its declaration: its module stays unimported
                return TyperCommand(name=decl.name, help=decl.help, rich_markup_mode=self.rich_markup_mode)
        return self.commands.get(cmd_name)

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        return _light_flag(super().get_help_option(ctx))

    def resolve_command(self, ctx: _click.Context, args: list[str]) -> tuple[str | None, _click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:  # the command about to run: its --help, unless given, needs no pydantic either
            _light_flag(command.get_help_option(ctx))
        return name, command, rest

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


@dataclass(frozen=True)
class _PathParam(RuntimeParam):
    """Typer's path coercion given a ``Path``, so that it builds no pydantic ``TypeAdapter``."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        return coerce_cli_path(Path(value) if isinstance(value, str) else value, self.parameter_info,
                               path_type=Path, param=param, ctx=ctx)


def _light_flag(option: Any) -> Any:
    """A command's ``--help`` flag, whose value is None unless given: Typer 0.29 would build a
    pydantic ``TypeAdapter`` for it (only to return None) before every command runs; Typer's own
    pass-through coercion does the same without."""
    if isinstance(option, TyperOption) and option._runtime_param is None and option.type_descriptor.annotation is bool:
        d = option.type_descriptor
        option._runtime_param = PassThroughRuntimeParam(parameter_info=d.parameter_info, annotation=d.annotation)
    return option


def _light_path(option: TyperOption) -> None:
    """Convert ``--home`` / ``ZHIZAO_HOME`` to a ``Path`` with Typer's own checks but without
    pydantic: Typer 0.29 validates every non-flag parameter through a pydantic ``TypeAdapter``,
    and importing pydantic and building the adapter cost more than the rest of ``zhizao
    batches``. (A command's own options still go through pydantic: they run with their command.)"""
    d = option.type_descriptor
    option._runtime_param = _PathParam(parameter_info=d.parameter_info, annotation=d.annotation)


app = typer.Typer(
    name="zhizao",
    help="智造：市经信局开放平台（工业碳效码、亩均论英雄、工业经济指标）",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=LazyGroup,
)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[Path | None, typer.Option("--home", envvar="ZHIZAO_HOME", help="数据目录（默认 ./zhizao-data）")] = None,
) -> None:
    ctx.obj = load_settings(home)


def main() -> None:
    """The ``zhizao`` command. When it has finished, the process ends without the interpreter's
    teardown of every imported module and object (Ibis, sqlglot, pydantic, Arrow's buffers:
    0.4–0.7 s after a 500,000-firm evaluation), which the operating system reclaims anyway. The
    exit handlers still run first (logs flushed, a Spark session stopped) and the output is
    flushed; every file and database a command writes is closed by the command itself, and
    DuckDB's log keeps whatever a connection committed. While another thread of the command still
    runs (a server's worker), the process leaves the usual way, which waits for it."""
    import threading

    try:
        app()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        raise SystemExit(code)
    _leave(code)


def _leave(code: int | str | None) -> None:
    import atexit
    import os
    import sys

    if isinstance(code, str):  # SystemExit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
