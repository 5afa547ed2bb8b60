"""Static SVG charts for the review report, built by hand: no plotting library, no JavaScript,
the same markup in the HTML page and in the PDF (WeasyPrint draws SVG). Text is set in the
report's CJK font (Noto Sans CJK SC, named on the ``<svg>`` itself so a renderer never falls back
to another CJK face); axis ticks never use scientific notation (:func:`zhizao.economy.wording.tick`),
and the value axis is labelled with its unit ("单位：亿元")."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from zhizao.economy.wording import tick

FONT = "Noto Sans CJK SC, Noto Sans SC, WenQuanYi Micro Hei, sans-serif"

PALETTE = ("#2f6db5", "#e08a2c", "#3a9a5b", "#b5443a", "#7a5ab5", "#6b7a8f")
W, H = 640, 280
PAD_L, PAD_R, PAD_T, PAD_B = 60, 16, 42, 44


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    import math

    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v:
            return m * exp
    return 10 * exp


def _frame(title: str, lo: float, hi: float, unit: str) -> list[str]:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" '
             f'role="img" aria-label="{escape(title)}" font-size="11" font-family="{FONT}">',
             f'<text x="{PAD_L}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        y = _y(v, lo, hi)
        parts.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{escape(tick(v))}</text>')
    if unit:
        parts.append(f'<text x="6" y="{PAD_T - 8}" fill="#555">{escape("单位：" + unit)}</text>')
    return parts


def _y(v: float, lo: float, hi: float) -> float:
    return PAD_T + (H - PAD_T - PAD_B) * (1 - (v - lo) / ((hi - lo) or 1))


def bars(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], unit: str = "") -> str:
    """Grouped vertical bars: one group per label, one bar per series."""
    vals = [v for s in series.values() for v in s if v is not None]
    lo = min(0.0, min(vals, default=0.0))
    hi = _nice_max(max(vals, default=1.0))
    lo = -_nice_max(-lo) if lo < 0 else 0.0
    parts = _frame(title, lo, hi, unit)
    n, k = max(len(labels), 1), max(len(series), 1)
    gw = (W - PAD_L - PAD_R) / n
    bw = gw * 0.7 / k
    zero = _y(0.0, lo, hi)
    for i, label in enumerate(labels):
        x0 = PAD_L + gw * i + gw * 0.15
        for j, (_name, s) in enumerate(series.items()):
            v = s[i]
            if v is None:
                continue
            y = _y(v, lo, hi)
            top, h = min(y, zero), abs(zero - y)
            parts.append(f'<rect x="{x0 + bw * j:.1f}" y="{top:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(f'<text x="{PAD_L + gw * (i + 0.5):.1f}" y="{H - PAD_B + 16}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)


def lines(title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], unit: str = "") -> str:
    """Lines with dots over ordered labels (years)."""
    vals = [v for s in series.values() for v in s if v is not None]
    lo = min(0.0, min(vals, default=0.0))
    lo = -_nice_max(-lo) if lo < 0 else 0.0
    hi = _nice_max(max(vals, default=1.0))
    parts = _frame(title, lo, hi, unit)
    n = max(len(labels), 1)
    step = (W - PAD_L - PAD_R) / n
    for j, (_name, s) in enumerate(series.items()):
        colour = PALETTE[j % len(PALETTE)]
        pts = [(PAD_L + step * (i + 0.5), _y(v, lo, hi)) for i, v in enumerate(s) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in pts]
    for i, label in enumerate(labels):
        parts.append(f'<text x="{PAD_L + step * (i + 0.5):.1f}" y="{H - PAD_B + 16}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)


def _legend(names: list[str]) -> list[str]:
    out, x = [], PAD_L
    for j, name in enumerate(names):
        out.append(f'<rect x="{x}" y="{H - 16}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{H - 7}">{escape(name)}</text>')
        x += 24 + 13 * len(name)
    return out
