"""Every room's models are declared before the first session (a lazily imported model raced
with another thread's query in a served worker: ``MujunStep`` not found, every query of that
process failing afterwards)."""

from __future__ import annotations

import subprocess
import sys

from zhizao import rooms


def test_the_first_engine_declares_every_room_s_models_and_configures_the_mappers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    modules = [r.models for r in rooms.all_rooms() if r.models]
    assert "zhizao.mujun.models" in modules
    code = (
        "import sys\n"
        "from zhizao.store.db import engine_for\n"
        f"assert not any(m in sys.modules for m in {modules!r})\n"
        f"engine_for('sqlite:///{tmp_path / 'store.sqlite'}')\n"
        f"missing = [m for m in {modules!r} if m not in sys.modules]\n"
        "assert not missing, missing\n"
        "from zhizao.store.base import Base\n"
        "assert all(m.configured for m in Base.registry.mappers)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr
