"""Running one method on several engines and requiring the same answer.

Used by the test suite (every method's tests run on DuckDB and on Spark) and by
``zhizao evaluate --engine`` parity checks. Grades and classes must be equal exactly;
figures within ``rel`` relative difference (summation order differs between engines).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import ibis
import numpy as np
import pandas as pd

from zhizao.engine.base import Engine


def run_on(
    engine: Engine,
    method: Callable[..., ibis.Table],
    inputs: Mapping[str, pd.DataFrame],
    *args: Any,
    sort_by: tuple[str, ...] = ("credit_code",),
    **kwargs: Any,
) -> pd.DataFrame:
    """Register ``inputs`` on ``engine``, run ``method(tables, *args)`` and return sorted rows."""
    tables = {name: engine.register(f"t_{name}", df) for name, df in inputs.items()}
    out = engine.to_pandas(method(tables, *args, **kwargs))
    keys = [k for k in sort_by if k in out.columns]
    if keys:
        out = out.sort_values(keys, kind="mergesort").reset_index(drop=True)
    return out


def assert_same(a: pd.DataFrame, b: pd.DataFrame, rel: float = 1e-9) -> None:
    """Equal columns and rows; floats within ``rel``; everything else exactly."""
    assert list(a.columns) == list(b.columns), f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    assert len(a) == len(b), f"row counts differ: {len(a)} vs {len(b)}"
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            xv = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
            yv = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
            both_nan = np.isnan(xv) & np.isnan(yv)
            ok = both_nan | np.isclose(xv, yv, rtol=rel, atol=1e-12)
            assert ok.all(), f"column {col} differs at rows {np.where(~ok)[0][:10].tolist()}: " \
                f"{xv[~ok][:5].tolist()} vs {yv[~ok][:5].tolist()}"
        else:
            xs = [None if _isna(v) else _norm(v) for v in x.tolist()]
            ys = [None if _isna(v) else _norm(v) for v in y.tolist()]
            diff = [i for i, (u, v) in enumerate(zip(xs, ys, strict=True)) if u != v]
            assert not diff, f"column {col} differs at rows {diff[:10]}: {[xs[i] for i in diff[:5]]} vs {[ys[i] for i in diff[:5]]}"


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _norm(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        return v.date() if v == v.normalize() else v.to_pydatetime()
    return v



@functools.cache
def shared_duck() -> Any:
    """One in-memory DuckDB engine per test process, for property tests: hypothesis runs many
    examples, and a connection per example would cost more than the example (each registers
    fresh tables under its own names)."""
    from zhizao.engine.duckdb_engine import DuckDBEngine

    return DuckDBEngine()
