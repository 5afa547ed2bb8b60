"""The ``zhizao`` command's composition root: every command is declared (``CORE_CLIS``,
``Room.commands``) exactly as its module's ``register(app)`` adds it, so that ``zhizao --help``
lists every command from the declarations and a command builds only its own module."""

from __future__ import annotations

import inspect

import pytest
from typer.core import TyperGroup
from typer.testing import CliRunner

from zhizao import cli, rooms


def _first_paragraph(text: str) -> str:
    return inspect.cleandoc(text).split("\n\n")[0].strip()


@pytest.mark.parametrize("module", cli.command_modules())
def test_every_command_module_adds_exactly_the_commands_it_declares(module: str) -> None:
    want = [(d.command.name, d.command.help, d.command.group) for d in cli.declared() if d.module == module]
    got = [(name, _first_paragraph(c.short_help or c.help or ""), isinstance(c, TyperGroup))
           for name, c in cli.built(module).items() if not c.hidden]
    # Typer lists a group's plain commands first, then its sub-groups, each in registration order
    got = [g for g in got if not g[2]] + [g for g in got if g[2]]
    assert got == want


def test_no_two_modules_declare_the_same_command() -> None:
    names = [d.command.name for d in cli.declared()]
    assert len(names) == len(set(names))


WIDE = {"COLUMNS": "300"}


def test_help_lists_every_command_with_its_chinese_help_in_typers_order() -> None:
    res = CliRunner().invoke(cli.app, ["--help"], env=WIDE)
    assert res.exit_code == 0, res.output
    at = [res.output.index(f"│ {d.command.name} ") for d in cli.declared()]
    assert at == sorted(at)
    for d in cli.declared():
        assert d.command.help in res.output


def test_help_from_the_declarations_reads_as_help_from_the_built_commands(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    declared = CliRunner().invoke(cli.app, ["--help"], env=WIDE).output
    # the listing from the commands themselves: every command module imported and built
    monkeypatch.setattr(cli.LazyGroup, "format_help", TyperGroup.format_help)
    built = CliRunner().invoke(cli.app, ["--help"], env=WIDE).output
    assert declared == built
    assert "methodology" in built and "tiers" in built


def test_a_command_runs_from_its_declaration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(cli.app, ["--home", str(tmp_path / "home"), "batches", "--json"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == '{"batches": []}'


def test_a_mistyped_command_is_refused_with_the_nearest_names() -> None:
    res = CliRunner().invoke(cli.app, ["batchs"])
    assert res.exit_code == 2
    assert "batchs" in res.output and "'batches'" in res.output


def test_every_room_command_module_is_declared_by_its_room() -> None:
    for room in rooms.all_rooms():
        assert bool(room.cli) == bool(room.commands), room.name
