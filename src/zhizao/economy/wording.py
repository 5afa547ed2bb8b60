"""How the review writes a figure as an official text would: large amounts in 亿元 / 万吨 with
one decimal (万元 / 吨 only for small ones), changes as 增长 / 下降 / 提高 … 个百分点 (never a
signed "变动-22.9%"), axis ticks without scientific notation.

Every function starts from the published (rounded) figure of ``zhizao indicators``, so the
text and the tables say the same as the indicator rows: ``9684610`` 万元 is "968.5亿元".
"""

from __future__ import annotations

from collections.abc import Iterable

#: unit of an indicator → (larger unit, factor, threshold in the indicator's unit)
SCALES: dict[str, tuple[str, float]] = {
    "万元": ("亿元", 1e4),
    "吨": ("万吨", 1e4),
    "吨标准煤": ("万吨标准煤", 1e4),
    "千瓦时": ("亿千瓦时", 1e8),
}


def scale_for(unit: str, values: Iterable[float | None]) -> tuple[str, float]:
    """(unit to print, divisor) for a row or a sentence: the larger unit when the largest value
    reaches one of it (≥ 1 亿元, ≥ 1 万吨), else the indicator's own unit."""
    if unit not in SCALES:
        return unit, 1.0
    big, f = SCALES[unit]
    top = max((abs(v) for v in values if v is not None), default=0.0)
    return (big, f) if top >= f else (unit, 1.0)


def chart_series(unit: str, values: list[float | None]) -> tuple[str, list[float | None]]:
    """A series for a chart axis: in the larger unit with one decimal once the figures reach it
    (亿元, never an axis of 万 万元), else as given."""
    big, f = scale_for(unit, values)
    if f == 1.0:
        return unit, values
    return big, [None if v is None else round(v / f, 1) for v in values]


def number(value: float | None, divisor: float, decimals: int) -> str:
    """A figure in a table or sentence: one decimal in a larger unit; no exponent ever."""
    if value is None:
        return "—"
    if divisor != 1.0:
        return f"{value / divisor:.1f}"
    return f"{value:.{decimals}f}" if decimals else f"{round(value):d}"


def amount(value: float | None, unit: str, decimals: int = 0) -> str:
    """``9684610`` 万元 → "968.5亿元"; ``3520`` 万元 → "3520万元"."""
    if value is None:
        return "—"
    u, f = scale_for(unit, [value])
    return f"{number(value, f, decimals)}{u}"


def change(value: float | None, decimals: int = 1, unit: str = "%") -> str:
    """A relative change or growth rate: "增长3.2%", "下降22.9%", "持平"."""
    if value is None:
        return "—"
    r = round(value, decimals)
    if r == 0:
        return "持平"
    return f"{'增长' if r > 0 else '下降'}{abs(r):.{decimals}f}{unit}"


def points(value: float | None, decimals: int = 1) -> str:
    """A change of a share: "提高1.2个百分点", "下降0.3个百分点", "持平"."""
    if value is None:
        return "—"
    r = round(value, decimals)
    if r == 0:
        return "持平"
    return f"{'提高' if r > 0 else '下降'}{abs(r):.{decimals}f}个百分点"


def compared(diff: float, unit: str, decimals: int = 1) -> str:
    """The city against the province: "高于全省平均0.8个百分点" (rates) or "低于全省平均1.2万元/亩"."""
    r = round(diff, decimals)
    if r == 0:
        return "与全省平均持平"
    u = "个百分点" if unit == "%" else unit
    return f"{'高于' if r > 0 else '低于'}全省平均{abs(r):.{decimals}f}{u}"


def tick(value: float) -> str:
    """An axis tick: thousands separators, at most two decimals, never scientific notation."""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,d}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text
