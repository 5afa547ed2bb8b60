"""A run's SQL kept for the next run of the same method, methodology, year and inputs, and run
again without Ibis.

A method's evaluation is an Ibis expression compiled once per methodology version, year and
inputs (:mod:`zhizao.engine.compiled`). Even with that SQL kept in the home, a new process still
imported Ibis and its compilers and compiled every input table to find it: about 1.3 s of a
500,000-firm ``zhizao evaluate carbon`` whose query takes 4–5 s. So a run on the warehouse also
keeps a *plan*: the SQL over the warehouse's own tables and the Arrow schema of its results, under
a key that needs no Ibis to compute:

- the method, the methodology's content, the year and the released firms: the arguments of
  ``Capability.evaluate``, which is pure (its expression depends on nothing else);
- the input tables present in the warehouse, each one's columns and types;
- the source of every zhizao module (a changed method, engine or contract is another key) and
  the versions of Ibis, sqlglot, DuckDB and Arrow.

The next run with the same key reads the plan and runs its SQL on its warehouse connection
(:func:`zhizao.runs.registry.execute_kept`): the same rows, types and result hash as the Ibis
path (a test compares them). Only SQL that stands alone is kept: SQL naming anything but the input
tables (a temporary view or table of the process that compiled it) is not.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

#: plans kept in a home (the least recently written go first)
ENTRIES = 64
_fingerprint: list[str] = []


@dataclass(frozen=True)
class Plan:
    sql: str
    schema: pa.Schema


def folder(settings: Any) -> Path:
    return Path(settings.sql_cache_dir) / "runs"


def _code() -> str:
    """A hash of every zhizao module's source and of the versions of the libraries that compile
    and run the SQL (read once per process, without importing Ibis or sqlglot)."""
    if not _fingerprint:
        root = Path(__file__).resolve().parents[1]
        h = hashlib.sha256()
        for p in sorted(root.rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
        for package, dist in (("ibis", "ibis_framework"), ("sqlglot", "sqlglot")):
            spec = importlib.util.find_spec(package)
            site = Path(spec.origin).parents[1] if spec and spec.origin else None
            found = sorted(p.name for p in site.glob(f"{dist}-*.dist-info")) if site else []
            h.update(repr(found or package).encode())
        h.update(f"duckdb {duckdb.__version__} pyarrow {pa.__version__}".encode())
        _fingerprint.append(h.hexdigest())
    return _fingerprint[0]


def input_columns(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """The columns and types of those of ``tables`` the warehouse has (its own tables and views,
    not a connection's temporary ones)."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = current_schema() "
        "AND list_contains(?, table_name) ORDER BY table_name, column_index", [list(tables)]).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return out


def key(method: str, columns: dict[str, list[tuple[str, str]]], methodology: Any, year: int,
        released: Sequence[str]) -> str:
    """The key of a plan (see the module docstring); ``columns`` from :func:`input_columns`."""
    return hashlib.sha256(json.dumps(
        [method, methodology.model_dump_json(), year, sorted(released), sorted(columns.items()), _code()],
        ensure_ascii=False).encode()).hexdigest()


def load(settings: Any, digest: str) -> Plan | None:
    path = folder(settings) / f"{digest}.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return Plan(saved["sql"], pa.ipc.read_schema(pa.py_buffer(base64.b64decode(saved["schema"]))))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, pa.ArrowInvalid):
        return None  # a damaged plan: the run compiles again and rewrites it


@functools.lru_cache(maxsize=64)
def stands_alone(sql: str, tables: frozenset[str]) -> bool:
    """Whether ``sql`` reads no table but ``tables`` (its own common table expressions aside).
    Parsed once per process and SQL (0.15–0.4 s for a method's): every home of a process that
    evaluates the same methodology and year asks the same."""
    import sqlglot as sg
    import sqlglot.expressions as sge

    tree = sg.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(sge.CTE)}
    named = {t.name for t in tree.find_all(sge.Table) if t.name}
    return named - ctes <= tables


def save(settings: Any, digest: str, sql: str, schema: pa.Schema, tables: Sequence[str],
         reads: frozenset[str] | None = None) -> bool:
    """Keep the plan (written whole or not at all); False when the SQL does not stand alone.
    ``reads``: the tables the SQL reads when the caller knows them (the expression it was compiled
    from tells, :func:`zhizao.engine.compiled.tables_read`); else the SQL is parsed."""
    if not (reads <= frozenset(tables) if reads is not None else stands_alone(sql, frozenset(tables))):
        return False
    path = folder(settings) / f"{digest}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"sql": sql, "schema": base64.b64encode(schema.serialize().to_pybytes()).decode()},
                              ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    files = sorted(path.parent.glob("*.json"), key=lambda f: f.stat().st_mtime)
    for f in files[:max(0, len(files) - ENTRIES)]:
        with contextlib.suppress(OSError):
            f.unlink()
    return True


#: the columns a run's rows are ordered by, in the order the results have them: both ways of running
#: a method read its rows in this order and the hash sorts by it (:func:`zhizao.runs.registry.result_hash`)
ORDER_KEYS = ("credit_code", "track", "month")


def order_keys(columns: Sequence[str]) -> list[str]:
    """The key columns among ``columns``, in their order."""
    return [c for c in columns if c in ORDER_KEYS]


def run(con: duckdb.DuckDBPyConnection, plan: Plan) -> pa.Table:
    """The plan's results, in the types the Ibis path gives (e.g. DuckDB's HUGEINT count as int64),
    ordered by their key columns: DuckDB's parallel sort costs the query nothing measurable, where
    sorting the table in Arrow for the hash cost 0.1–0.4 s at 150,000 firms."""
    keys = order_keys(plan.schema.names)
    order = ", ".join(f'"{k}"' for k in keys)  # names of ORDER_KEYS only
    sql = f"SELECT * FROM ({plan.sql}) ORDER BY {order}" if keys else plan.sql
    table = con.sql(sql).to_arrow_table()
    return table if table.schema == plan.schema else table.cast(plan.schema)
