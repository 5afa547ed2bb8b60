"""The web core stays small enough to read: no module under ``src/zhizao/web`` over 400 lines
(a page grows by a room's hook or a kit helper, not by another 400 lines in the core)."""

from __future__ import annotations

from pathlib import Path

import zhizao.web

LIMIT = 400


def test_no_web_module_is_over_400_lines() -> None:
    folder = Path(zhizao.web.__file__).parent
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in folder.rglob("*.py")}
    assert sizes, folder
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
