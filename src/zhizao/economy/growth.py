"""The seed's arithmetic: rates, shares, percentage-point changes and average annual growth.

Pure functions on numbers (no tables): the indicator queries aggregate in SQL and hand their
totals here, so the review report, the CLI and the API all share one rounding-free formula.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def rate(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` in per cent (比重、化解率): ``rate(709, 720)`` = 98.47… %.

    None when ``whole`` is missing or zero: a share of nothing is not 0 %."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole * 100.0


def change_pp(a: float | None, b: float | None) -> float | None:
    """Change from ``a`` % to ``b`` % in percentage points (提升 … 个百分点): 29.9 → 37.2 is +7.3."""
    if a is None or b is None:
        return None
    return b - a


def growth(base: float | None, end: float | None) -> float | None:
    """Growth from ``base`` to ``end`` in per cent (增长): (end / base − 1) × 100."""
    if base is None or end is None or base == 0:
        return None
    return (end / base - 1.0) * 100.0


def cagr(base: float | None, end: float | None, n: int) -> float | None:
    """Average annual growth (年均增长) in per cent: ((end / base)^(1/n) − 1) × 100.

    ``n`` is the number of yearly intervals: 2016 → 2020 is n = 4, so 11.3 → 26.9 万元/亩
    gives 24.2 %. (The seed's "年均增长19%" for that pair matches n = 5, i.e. counting the
    years 2016–2020 inclusive; we state n with every figure instead.)"""
    if base is None or end is None or n <= 0 or base <= 0 or end < 0:
        return None
    return ((end / base) ** (1.0 / n) - 1.0) * 100.0


def chained_cagr(yearly_rates: Iterable[float | None]) -> float | None:
    """Average annual growth from chained yearly rates (in per cent), n = number of rates.

    Real (comparable-price) growth over a span is never derived from two current-price
    levels: each year's comparable rate is chained, ∏(1 + gₜ)^(1/n) − 1."""
    rates = list(yearly_rates)
    if not rates or any(r is None for r in rates):
        return None
    product = math.prod(1.0 + r / 100.0 for r in rates if r is not None)
    if product <= 0:
        return None
    return (product ** (1.0 / len(rates)) - 1.0) * 100.0


def relative_change(a: float | None, b: float | None) -> float | None:
    """Change of an intensity (e.g. tce per 万元) from ``a`` to ``b`` in per cent; negative = fell."""
    return growth(a, b)
