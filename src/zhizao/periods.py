"""Period filters the methods share, written so that every engine can prune by them."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def in_year(day: ir.Value, year: int) -> ir.BooleanValue:
    """``day`` (a date or timestamp column: a month's first day) falls in ``year``.

    A range, not ``day.year() == year``: a range is what DuckDB's zone maps and Spark's Parquet
    statistics skip row groups by (a warehouse holds every year), where the year's extraction
    must be computed on every row; and DuckDB 2.0.1 pruned ``EXTRACT(year)`` over a TIMESTAMP_S
    column to an empty result (a statistics propagation bug)."""
    return (day >= ibis.date(year, 1, 1)) & (day < ibis.date(year + 1, 1, 1))
