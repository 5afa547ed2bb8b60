"""DuckDB, embedded: the default engine, reading the warehouse file or a Parquet lake."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import pyarrow as pa
from ibis.common.exceptions import TableNotFound
from ibis.formats.pyarrow import PyArrowData

from zhizao.engine.base import Engine
from zhizao.engine.compiled import VIEW_PREFIX
from zhizao.engine.warehouse import connect as warehouse_connect

if TYPE_CHECKING:  # pandas only where a caller registers a DataFrame (see Engine)
    import duckdb
    import pandas as pd


class _ArrowData(PyArrowData):
    """``ibis.backends.duckdb.converter.DuckDBPyArrowData`` (Ibis 12), whose module imports pandas:
    a column of DuckDB's NULL type comes back as nulls."""

    @classmethod
    def convert_scalar(cls, scalar: pa.Scalar, dtype: dt.DataType) -> pa.Scalar:
        if dtype.is_null():
            return pa.scalar(None)
        return super().convert_scalar(scalar, dtype)

    @classmethod
    def convert_column(cls, column: pa.Array, dtype: dt.DataType) -> pa.Array:
        if dtype.is_null():
            return pa.nulls(len(column))
        return super().convert_column(column, dtype)


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, path: Path | str | None = None, read_only: bool = False, threads: int | None = None,
                 wait_s: float = 30.0):
        self.path = None if path is None else Path(path)
        if path is None:
            self.con = ibis.duckdb.connect()
        else:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            # through the one opener: waits on other processes' locks, lets a waiting writer go first
            # (up to ``wait_s``: a web page waits seconds, a command as long as an import may take);
            # a writable open creates the schema if it is missing, and only then: re-creating the
            # views on every open was a catalog write, and a checkpoint when the engine closed
            raw = warehouse_connect(path, read_only=read_only, wait_s=wait_s)
            self.con = ibis.duckdb.from_connection(raw)
        if threads:
            self.con.raw_sql(f"SET threads = {int(threads)}")
        self._registered: dict[str, ibis.Table] = {}
        self.lake: Path | None = None

    @classmethod
    def from_lake(cls, lake: Path | str, threads: int | None = None) -> DuckDBEngine:
        """An in-memory DuckDB whose tables are views over the lake's current snapshots.

        The manifest is resolved once, here: every table this engine reads belongs to the same
        lake state, even if a writer publishes new snapshots meanwhile.
        """
        from zhizao.engine import lake as lk

        manifest = lk.read_manifest(lake)
        if not manifest["tables"]:
            raise lk.LakeError(f"数据湖 {lake} 中没有数据，请先运行 zhizao lake export")
        eng = cls(None, threads=threads)
        eng.lake = Path(lake)
        for table, uri in lk.resolve(manifest, lake).items():
            eng.con.raw_sql(lk.duckdb_view_sql(table, uri))
        return eng

    @property
    def raw(self):  # type: ignore[no-untyped-def]
        """The underlying ``duckdb.DuckDBPyConnection``."""
        return self.con.con

    def warehouse_con(self) -> duckdb.DuckDBPyConnection | None:
        """The connection to the warehouse file when this engine reads that file and nothing else
        (no lake, no table registered over it), else None: what a run's kept SQL runs on again
        (:mod:`zhizao.runs.kept`)."""
        return self.raw if self.path is not None and self.lake is None and not self._registered else None

    def table(self, name: str) -> ibis.Table:
        if name in self._registered:
            return self._registered[name]
        try:
            return self.con.table(name)
        except TableNotFound as exc:
            where = f"数据湖 {self.lake}" if self.lake else "仓库"
            raise KeyError(f"DuckDB 引擎中没有数据表 {name}（{where}）") from exc

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> ibis.Table:
        if not isinstance(data, pa.Table):  # a pandas DataFrame
            data = pa.Table.from_pandas(data, preserve_index=False)
        t = self.con.create_table(name, data, temp=True, overwrite=True)
        self._registered[name] = t
        return t

    def to_pyarrow(self, expr: ibis.Table) -> pa.Table:
        """What Ibis's own ``to_pyarrow`` does, without importing pandas: Ibis's DuckDB backend
        imports it (0.45 s of every evaluation's start-up) only for the Arrow type mapping below,
        which lives in a module beside its pandas one."""
        table = self.con._to_duckdb_relation(expr).to_arrow_table()
        return expr.__pyarrow_result__(table, data_mapper=_ArrowData)

    def submit(self, expr: ibis.Table) -> Future[pa.Table]:
        """``expr`` on a cursor of its own (a second connection to the same database) and a
        thread of its own, while this connection compiles and runs the next query: DuckDB holds
        no interpreter lock while it scans. An expression over a table registered here runs now,
        as the base engine does (a registered table is a temporary one, seen by this connection
        only), and so does one reading compiled SQL (a temporary view of this connection,
        :func:`zhizao.engine.compiled._as_table`)."""
        names = {t.name for t in expr.op().find(ops.DatabaseTable)}
        if names & {t.op().name for t in self._registered.values()} or any(n.startswith(VIEW_PREFIX) for n in names):
            return super().submit(expr)
        sql = self.con.compile(expr)
        cursor = self.raw.cursor()
        fut: Future[pa.Table] = Future()

        def work() -> None:
            try:
                fut.set_result(cursor.sql(sql).to_arrow_table())
            except BaseException as exc:  # handed to whoever waits on the result
                fut.set_exception(exc)
            finally:
                cursor.close()

        threading.Thread(target=work, name="zhizao-submit", daemon=True).start()
        return fut

    def close(self) -> None:
        self.con.disconnect()
