"""The engine seam: one interface over DuckDB and Spark, both through Ibis.

Methods are pure functions from Ibis tables to an Ibis table; an :class:`Engine` supplies the
input tables (the warehouse's current facts, or data registered by a test or a what-if) and
executes the result. Nothing else in zhizao talks to a backend directly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

if TYPE_CHECKING:  # pandas only where a caller asks for it (0.3–0.5 s of every command's start-up)
    import pandas as pd


class Engine(ABC):
    """A place where Ibis expressions run."""

    name: str
    con: Any

    @abstractmethod
    def table(self, name: str) -> ibis.Table:
        """The current rows of a warehouse table (contract name) or a registered table."""

    @abstractmethod
    def register(self, name: str, data: pa.Table | pd.DataFrame) -> ibis.Table:
        """Make in-memory data available as a table (tests, what-if, reference codes)."""

    def tables(self, names: Iterable[str]) -> dict[str, ibis.Table]:
        return {n: self.table(n) for n in names}

    def to_pyarrow(self, expr: ibis.Table) -> pa.Table:
        return expr.to_pyarrow()

    def submit(self, expr: ibis.Table) -> Future[pa.Table]:
        """``expr`` executed beside what the caller does next, where the engine can (its result
        from ``.result()``); here, executed now."""
        done: Future[pa.Table] = Future()
        done.set_result(self.to_pyarrow(expr))
        return done

    def to_pandas(self, expr: ibis.Table) -> pd.DataFrame:
        return expr.to_pandas()

    def warehouse_con(self) -> Any:
        """The DuckDB connection to the warehouse file when this engine reads that file and
        nothing else, else None (here: none): where a run's kept SQL runs again
        (:mod:`zhizao.runs.kept`)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
