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


def test_listing_batches_loads_only_the_warehouse_driver(tmp_path):
    """``zhizao batches`` reads the warehouse (DuckDB) and nothing heavier: not the file readers'
    pyarrow, not pandas, Ibis or the store's SQLAlchemy."""
    from zhizao.ingest import import_file
    from zhizao.settings import load_settings

    settings = load_settings(tmp_path / "home").ensure()
    f = tmp_path / "tax.csv"
    f.write_text("统一社会信用代码,年度,实缴税金（万元）\n91330502MA2B3C4D5E,2024,12.5\n", encoding="utf-8")
    import_file(settings, "tax", f)
    code = ("import sys\nfrom zhizao.cli import app\n"
            f"sys.argv = ['zhizao', '--home', {str(settings.home)!r}, 'batches']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass")
    assert _imported_after(code) == ["duckdb"]
