"""The warehouse layout: facts by batch, the current view, as-of queries.

For each contract table ``T`` the warehouse holds

- ``fact_T``: every loaded row ever, typed and in canonical units, with ``_batch_id`` (the
  import batch), ``_row`` (row number in its file, header = row 1) and ``_current`` (false once
  a newer batch supplied the same key);
- ``T``: a view of the current rows (``_current``), which methods read;
- ``batches`` and ``rejects``: one row per import and one per rejected row.

``_current`` is maintained by the importer in the same transaction as the insert, so reading
the current state is a filter, not a window over history; the history stays for
:func:`as_of_sql`.
"""

from __future__ import annotations

from zhizao.contract import TABLES, Table

SQL_TYPES = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "month": "DATE",
    "year": "INTEGER",
    "bool": "BOOLEAN",
}

BATCHES_DDL = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id BIGINT PRIMARY KEY,
    table_name VARCHAR NOT NULL,
    source VARCHAR,
    file_name VARCHAR,
    content_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    duplicate_of BIGINT
);
CREATE SEQUENCE IF NOT EXISTS batch_seq START 1;
CREATE TABLE IF NOT EXISTS rejects (
    batch_id BIGINT NOT NULL,
    "row" BIGINT NOT NULL,
    "column" VARCHAR,
    code VARCHAR NOT NULL,
    message VARCHAR NOT NULL
);
"""


def fact_name(table: str) -> str:
    return f"fact_{table}"


def fact_ddl(t: Table) -> str:
    cols = [f'"{c.name}" {SQL_TYPES[c.type]}' for c in t.columns]
    cols += ["_batch_id BIGINT NOT NULL", "_row BIGINT NOT NULL", "_current BOOLEAN NOT NULL DEFAULT TRUE"]
    return f"CREATE TABLE IF NOT EXISTS {fact_name(t.name)} (\n    " + ",\n    ".join(cols) + "\n)"


def current_view_ddl(t: Table) -> str:
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    return f"CREATE OR REPLACE VIEW {t.name} AS SELECT {cols}, _batch_id FROM {fact_name(t.name)} WHERE _current"


def schema_sql() -> list[str]:
    """Every statement that creates the warehouse (idempotent)."""
    stmts = [s.strip() for s in BATCHES_DDL.split(";") if s.strip()]
    for t in TABLES.values():
        stmts.append(fact_ddl(t))
        stmts.append(current_view_ddl(t))
    return stmts


def as_of_sql(table: str, as_of: str) -> str:
    """The rows of ``table`` as known at timestamp ``as_of`` (ISO text), newest batch per key."""
    t = TABLES[table]
    cols = ", ".join(f'f."{c}"' for c in t.column_names)
    key = ", ".join(f'f."{k}"' for k in t.key)
    return (
        f"SELECT {cols}, f._batch_id FROM {fact_name(table)} f JOIN batches b ON b.batch_id = f._batch_id "
        f"WHERE b.created_at <= TIMESTAMP '{as_of}' "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY f._batch_id DESC) = 1"
    )


def ensure_schema(con) -> None:  # type: ignore[no-untyped-def]
    """Create the warehouse tables on a DuckDB connection if missing."""
    for stmt in schema_sql():
        con.execute(stmt)
