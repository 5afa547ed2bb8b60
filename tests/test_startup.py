"""The command line starts fast: no heavy library is imported until a command needs it, and
``zhizao --help`` and ``zhizao batches`` load only what they need (docs/architecture.md
"Start-up"). Structural checks, never a wall-clock bound: which modules a start-up imports,
and how many beyond the libraries it cannot do without (``bench/cli_startup.py`` times it)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("ibis", "pandas", "pyarrow", "duckdb", "pyspark", "weasyprint", "numpy", "sqlalchemy", "fastapi",
         "polars", "matplotlib", "xlsxwriter", "python_calamine", "hypothesis", "pydantic", "yaml", "jinja2")


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


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _run(*argv: str) -> str:
    return (f"import sys\nfrom zhizao.cli import app\nsys.argv = ['zhizao', *{list(argv)!r}]\n"
            "try:\n    app()\nexcept SystemExit:\n    pass")


#: what any start-up imports of zhizao: the composition root, the settings, and each room's
#: declaration (its package and ``room.py``), nothing else
def _start_up_modules() -> set[str]:
    from zhizao.rooms import REGISTRY

    return ({"zhizao", "zhizao._lazy", "zhizao.cli", "zhizao.rooms", "zhizao.settings"}
            | {f"zhizao.{r}" for r in REGISTRY} | {f"zhizao.{r}.room" for r in REGISTRY})


#: what ``zhizao batches`` adds: its command module and the warehouse's reader
BATCHES = {"zhizao._lazy", "zhizao.cliutil", "zhizao.ingest", "zhizao.ingest.cli", "zhizao.ingest.queries",
           "zhizao.ingest.access", "zhizao.ingest.errors", "zhizao.engine", "zhizao.engine.warehouse",
           "zhizao.contract", "zhizao.contract.tables"}


def test_help_imports_no_command_module_of_zhizao():
    """``zhizao --help`` lists every command from its declaration (``CORE_CLIS``, ``Room.commands``)."""
    loaded = {m for m in _modules_after(_run("--help")) if m.split(".")[0] == "zhizao"}
    assert loaded <= _start_up_modules(), sorted(loaded - _start_up_modules())


def test_batches_imports_its_own_commands_and_the_warehouse_reader_only(tmp_path):
    """Not another command module, not a room (a core command is found without reading the rooms'
    declarations), not the contract's room tables, not the methodologies."""
    home = tmp_path / "home"
    loaded = {m for m in _modules_after(_run("--home", str(home), "batches")) if m.split(".")[0] == "zhizao"}
    allowed = {"zhizao", "zhizao.cli", "zhizao.rooms", "zhizao.settings"} | BATCHES
    assert loaded <= allowed, sorted(loaded - allowed)


def test_json_output_needs_no_rich(tmp_path):
    loaded = _modules_after(_run("--home", str(tmp_path / "home"), "batches", "--json"))
    assert not {m for m in loaded if m.split(".")[0] == "rich"}


#: modules ``zhizao batches --json`` may import beyond Typer and DuckDB themselves (measured at
#: 16 when the budget was set; a command module or a library more at start-up fails here)
BUDGET = 20


def test_start_up_imports_few_modules_beyond_typer_and_duckdb(tmp_path):
    baseline = _modules_after("import typer, typer.main, duckdb")
    loaded = _modules_after(_run("--home", str(tmp_path / "home"), "batches", "--json"))
    extra = sorted(loaded - baseline)
    assert len(extra) <= BUDGET, extra


def test_the_command_ends_with_its_output_whole_its_status_and_its_exit_handlers_run(tmp_path):
    """``zhizao`` leaves without the interpreter's teardown of its modules (``cli.main``): what it
    printed arrives whole, its exit status is the command's, and exit handlers still run."""
    from zhizao.ingest import import_file
    from zhizao.settings import load_settings

    settings = load_settings(tmp_path / "home").ensure()
    f = tmp_path / "tax.csv"
    f.write_text("统一社会信用代码,年度,实缴税金（万元）\n" + "".join(
        f"91330502MA2B3C{i:03d}X,2024,{i}.5\n" for i in range(300)), encoding="utf-8")
    import_file(settings, "tax", f)
    mark = tmp_path / "atexit.txt"
    probe = ("import atexit, pathlib, sys\n"
             f"atexit.register(lambda: pathlib.Path({str(mark)!r}).write_text('ran'))\n"
             "from zhizao.cli import main\nsys.argv = ['zhizao', *sys.argv[1:]]\nmain()\n"
             "print('not reached')\n")
    ok = subprocess.run([sys.executable, "-c", probe, "--home", str(settings.home), "batches", "--json"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "not reached" not in ok.stdout
    assert [b["rows_read"] for b in json.loads(ok.stdout)["batches"]] == [300]
    assert mark.read_text() == "ran"
    bad = subprocess.run([sys.executable, "-c", probe, "--home", str(settings.home), "evaluate", "nope",
                          "--year", "2024"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "未知评价方法" in bad.stdout + bad.stderr
    usage = subprocess.run([sys.executable, "-c", probe, "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2
