"""The command line starts fast: no heavy library is imported until a command needs it."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("ibis", "pandas", "pyarrow", "duckdb", "pyspark", "weasyprint", "numpy", "sqlalchemy", "fastapi",
         "polars", "matplotlib", "xlsxwriter", "python_calamine", "hypothesis")


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return sorted({m.split(".")[0] for m in json.loads(out.strip().splitlines()[-1])})


def test_building_the_command_line_imports_no_heavy_library():
    assert _imported_after("import zhizao.cli") == []


def test_help_imports_no_heavy_library():
    code = ("import sys\nfrom zhizao.cli import app\nsys.argv = ['zhizao', '--help']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass")
    assert _imported_after(code) == []


def test_every_room_declaration_is_light():
    code = "from zhizao import rooms\nrooms.all_rooms()\nimport zhizao.contract"
    assert _imported_after(code) == []
