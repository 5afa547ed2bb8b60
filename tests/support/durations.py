"""The order in which pytest-xdist hands the groups of tests to its workers: longest first.

Under ``--dist loadgroup`` each worker takes the next group when it is nearly done with its own.
pytest-xdist orders the groups by their number of tests (most first), which put the Spark cluster's
three tests, about three minutes of work, near the end of the queue: one worker ran them while the
other stood idle. Handing out the longest groups first (the "longest processing time" rule) ends
the workers close together. Each group's seconds come from the last recorded run
(``tests/durations.json``, written by ``python bench/test_run.py --record``); a group not in it
counts :data:`UNKNOWN_S` a test. A stale file costs only a less even finish, never a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

FILE = Path(__file__).resolve().parents[1] / "durations.json"
#: seconds assumed for each test of a group the file does not know
UNKNOWN_S = 0.7


def recorded(path: Path = FILE) -> dict[str, float]:
    """{group: seconds} of the last recorded run ({} without the file)."""
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def weights(groups: Sequence[str], seconds: Mapping[str, float]) -> dict[str, float]:
    """{group: its expected seconds} for ``groups`` (each test's group): recorded, else
    :data:`UNKNOWN_S` for each of its tests."""
    counts: dict[str, int] = {}
    for g in groups:
        counts[g] = counts.get(g, 0) + 1
    return {g: seconds.get(g, UNKNOWN_S * n) for g, n in counts.items()}


def longest_first(groups: Sequence[str], seconds: Mapping[str, float]) -> list[int]:
    """The positions of ``groups`` (each test's group, in collection order) reordered so the
    groups come longest first, each group's tests in their own order (a stable sort)."""
    weight = weights(groups, seconds)
    return sorted(range(len(groups)), key=lambda i: -weight[groups[i]])
