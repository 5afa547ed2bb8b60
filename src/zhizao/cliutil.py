"""Shared conventions of the command line (CONTRACT.md): ``--json`` prints one JSON document
on standard output and nothing else there; errors go to standard error in Chinese with a
non-zero exit; progress bars go to standard error."""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer

from zhizao.settings import Settings, load_settings

if TYPE_CHECKING:
    import pyarrow as pa
    from rich.console import Console

    from zhizao.runs.registry import Run

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（标准输出只有一个 JSON 文档）")]


class _LazyConsole:
    """A ``rich`` console made on first use: every command module imports the two consoles, and
    a command that prints JSON (``--json``) or nothing needs no rich at all."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def real_console(console: Console) -> Console:
    """The ``rich.console.Console`` behind ``err_console`` / ``out_console`` (for rich APIs that
    take a console, such as a progress bar)."""
    return console.real() if isinstance(console, _LazyConsole) else console


err_console = cast("Console", _LazyConsole(stderr=True))
out_console = cast("Console", _LazyConsole())


def settings_from(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    return load_settings()


def _default(o: Any) -> Any:
    if isinstance(o, _dt.datetime | _dt.date):
        return o.isoformat()
    if isinstance(o, decimal.Decimal):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=_default, allow_nan=False)


def emit(data: Any, as_json: bool, render: Callable[[Any], None] | None = None) -> None:
    if as_json:
        sys.stdout.write(dumps(data) + "\n")
        sys.stdout.flush()
    elif render is not None:
        render(data)
    else:
        out_console.print_json(dumps(data))


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]错误：[/]{message}", highlight=False)
    raise typer.Exit(code)


def run_and_results(settings: Settings, run_id: str) -> tuple[Run, pa.Table]:
    """A registered run and its results table, or the command fails with the registry's message
    (an unknown run, a missing results file)."""
    from zhizao import runs

    try:
        return runs.get(settings, run_id), runs.results(settings, run_id)
    except runs.RunError as exc:
        fail(str(exc))


@contextmanager
def progress(description: str, total: int | None = None, enabled: bool = True) -> Iterator[Callable[..., None]]:
    """A progress bar on standard error; yields ``advance(n=1, description=None)``."""
    if not enabled or not sys.stderr.isatty():
        yield lambda *a, **k: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=real_console(err_console), transient=True,
    ) as p:
        task = p.add_task(description, total=total)

        def advance(n: int = 1, description: str | None = None) -> None:
            if description:
                p.update(task, advance=n, description=description)
            else:
                p.update(task, advance=n)

        yield advance
