"""DuckDB, embedded: the default engine, reading the warehouse file."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from zhizao.engine.base import Engine
from zhizao.engine.warehouse import ensure_schema


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, path: Path | str | None = None, read_only: bool = False, threads: int | None = None):
        if path is None:
            self.con = ibis.duckdb.connect()
        else:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not read_only:
                self.con = ibis.duckdb.connect(str(path))
                ensure_schema(self.con.con)
            else:
                self.con = ibis.duckdb.connect(str(path), read_only=True)
        if threads:
            self.con.raw_sql(f"SET threads = {int(threads)}")
        self._registered: dict[str, ibis.Table] = {}

    @property
    def raw(self):  # type: ignore[no-untyped-def]
        """The underlying ``duckdb.DuckDBPyConnection``."""
        return self.con.con

    def table(self, name: str) -> ibis.Table:
        if name in self._registered:
            return self._registered[name]
        return self.con.table(name)

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> ibis.Table:
        if isinstance(data, pd.DataFrame):
            data = pa.Table.from_pandas(data, preserve_index=False)
        t = self.con.create_table(name, data, temp=True, overwrite=True)
        self._registered[name] = t
        return t

    def close(self) -> None:
        self.con.disconnect()
