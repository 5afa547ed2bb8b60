"""The backup drill builds a small carbon city with the carbon tests' helper (tests/carbon)."""

from __future__ import annotations

import sys
from pathlib import Path

from store_fixtures import pg_db_url, store_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "carbon"))

__all__ = ["pg_db_url", "store_settings"]
