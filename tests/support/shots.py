"""Pages captured for a person to look through: with ``$ZHIZAO_SCREENSHOTS`` naming a folder
(``ZHIZAO_SCREENSHOTS=test-output/shots make test``), the browser tests save each page they check,
whole, there (never committed). Without it nothing is captured: full-page PNGs of every page at
two widths were a fifth to a half of those tests' time, in a temporary folder nobody opened."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def folder() -> Path | None:
    """Where pages are captured, or None (not captured)."""
    out = os.environ.get("ZHIZAO_SCREENSHOTS")
    if not out:
        return None
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    return path


def capture(page: Any, name: str) -> Path | None:
    """``page`` whole as ``<folder>/<name>.png`` when pages are captured (a page too tall for
    Chromium to capture whole: its first screen)."""
    out = folder()
    if out is None:
        return None
    from playwright.sync_api import Error as PlaywrightError

    path = out / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError:
        page.screenshot(path=str(path))
    return path
