"""The industrial economy (METHODS.md section 7): the indicator catalogue and its computation
by city and district (``indicators``), the seed's growth arithmetic (``growth``) and the
five-year review report (``review``). The power-based monitoring and the consistency checks
are the ``monitoring`` room."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_review(settings: Any, y_from: int, y_to: int, folder: Path,
                 formats: tuple[str, ...] = ("html", "pdf", "xlsx")) -> list[Path]:
    """The five-year review of the city as ``review-Y1-Y2.<fmt>`` files in ``folder`` (the public
    face other rooms use, e.g. the demo)."""
    from zhizao.economy import review

    rep = review.build(settings, y_from, y_to)
    folder.mkdir(parents=True, exist_ok=True)
    return [review.write(rep, fmt, folder / f"review-{y_from}-{y_to}.{fmt}") for fmt in formats]
