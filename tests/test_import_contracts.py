"""The import rules of docs/architecture.md, checked over the source (every ``import``, also
inside functions), not hoped for:

1. the core (every module that is not in a room's package) imports no room: it finds rooms
   through :mod:`zhizao.rooms` (``importlib`` by the registry's strings);
2. a room imports another room only through that room's public face, its package
   (``zhizao.mujun``), never a module inside it (``zhizao.mujun.workflow``);
3. nothing under ``src/`` imports pytest (test support lives in ``tests/``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from zhizao import rooms

SRC = Path(__file__).resolve().parents[1] / "src"
TEST_ONLY = ("pytest", "_pytest")


def module_name(src: Path, path: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything a module imports: ``import a.b`` gives ``a.b``;
    ``from a import b`` gives ``a.b`` (b may be a module) and ``a``; relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".") if is_package else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join([*pkg, base] if base else pkg)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def room_of(name: str, room_names: tuple[str, ...]) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "zhizao" and parts[1] in room_names else None


def violations(src: Path, room_names: tuple[str, ...]) -> list[str]:
    """Every import under ``src`` breaking the rules, as ``path:line: message``."""
    modules = {module_name(src, p) for p in src.rglob("*.py")}
    out: list[str] = []
    for path in sorted(src.rglob("*.py")):
        module = module_name(src, path)
        mine = room_of(module, room_names)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, name in imported(tree, module, path.name == "__init__.py"):
            where = f"{path.relative_to(src)}:{line}"
            if name.split(".")[0] in TEST_ONLY:
                out.append(f"{where}: imports {name} (test support belongs in tests/)")
                continue
            target = room_of(name, room_names)
            if target is None or target == mine:
                continue
            if mine is None:
                out.append(f"{where}: the core imports the room zhizao.{target}")
            elif name.count(".") > 1 and name in modules:
                out.append(f"{where}: room {mine} imports {name}, not the public face zhizao.{target}")
    return sorted(set(out))


def test_the_source_keeps_the_import_rules() -> None:
    assert violations(SRC, rooms.REGISTRY) == []


def plant(src: Path, rel: str, text: str) -> None:
    path = src / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.relative_to(src).parents:
        if str(parent) != ".":
            (src / parent / "__init__.py").touch()
    path.write_text(text, encoding="utf-8")


def test_the_checker_finds_each_planted_violation(tmp_path: Path) -> None:
    src = tmp_path / "src"
    plant(src, "zhizao/carbon/explain.py", "X = 1\n")
    plant(src, "zhizao/mujun/workflow.py", "Y = 2\n")
    plant(src, "zhizao/rooms.py", "import importlib\nimportlib.import_module('zhizao.carbon.room')\n")
    plant(src, "zhizao/web/pages_cockpit.py", "def f():\n    from zhizao.carbon.explain import X\n    return X\n")
    plant(src, "zhizao/store/fixtures.py", "import pytest\n")
    plant(src, "zhizao/carbon/profile.py", "from zhizao.mujun import workflow\nfrom zhizao import mujun\n")
    plant(src, "zhizao/mujun/pages.py", "from . import workflow\nfrom ..carbon import explain\n")
    found = violations(src, ("carbon", "mujun"))
    assert found == [
        "zhizao/carbon/profile.py:1: room carbon imports zhizao.mujun.workflow, not the public face zhizao.mujun",
        "zhizao/mujun/pages.py:2: room mujun imports zhizao.carbon.explain, not the public face zhizao.carbon",
        "zhizao/store/fixtures.py:1: imports pytest (test support belongs in tests/)",
        "zhizao/web/pages_cockpit.py:2: the core imports the room zhizao.carbon",
    ]
