"""The 亩均 result of one firm explained as the method computed it: its class and rank out of the
ranked firms of its track and district, each indicator's value beside the group's average (the
benchmark) with its weight and points, and what it would take to reach the next class — all
derived from the run's methodology (weights, benchmarks, caps, class rules) and the published
rows, never from fixed text.

Scoring (:mod:`zhizao.mujun.method`): an indicator earns ``min(x / B, cap) × w`` points (``B / x``
for an inverse one), so ``Δ`` more points from indicator ``i`` alone need ``x' = x + Δ·B/w``
(inverse: ``x' = B·w / (p + Δ)``). The next class needs the score of its last firm today (a rank
cut-off ``ceil(n·p/100)``) and/or its minimum score (a threshold), whichever is higher. The
benchmark moves a little when the firm improves (it is the group's own aggregate); the advice
says so.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

from cachetools import LRUCache
from sqlalchemy import func, select

from zhizao.store import publish
from zhizao.store.models import PublishedResult

_METHODOLOGIES: LRUCache[str, Any] = LRUCache(maxsize=16)
_LOCK = threading.Lock()


def methodology_of(settings: Any, run_id: str, year: int) -> Any:
    """The run's own methodology (kept per run: runs are immutable); the shipped one for the year
    when the run registry cannot be read now."""
    from zhizao.mujun.methodology import MujunMethodology

    m = _METHODOLOGIES.get(run_id)
    if m is not None:
        return m
    try:
        from zhizao.runs import registry

        m = MujunMethodology.model_validate(registry.get(settings, run_id).methodology)
        with _LOCK:
            _METHODOLOGIES[run_id] = m
    except Exception:  # the warehouse is being written, or an old run: the year's shipped methodology
        from zhizao.methodology.loader import find

        m = find(None, "mujun", year)
    return m


def _peer_payloads(session: Any, year: int, region: str | None, rank: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(PublishedResult.payload).where(
        PublishedResult.method == "mujun", PublishedResult.year == year, PublishedResult.region_code == region,
        PublishedResult.rank == rank))
    return [json.loads(p) for p in rows]


def ranked_units(session: Any, row: dict[str, Any]) -> int | None:
    """How many firms are ranked in the firm's track and district (the payload's, else counted)."""
    if row.get("ranked_units"):
        return int(row["ranked_units"])
    if row.get("rank") is None:
        return None
    top = session.scalar(select(func.max(PublishedResult.rank)).where(
        PublishedResult.method == "mujun", PublishedResult.year == row["year"],
        PublishedResult.region_code == row.get("region_code")))
    for r in range(int(top or 0), int(row["rank"]) - 1, -1):  # the largest rank of the firm's track
        if any(p.get("track") == row.get("track") for p in _peer_payloads(session, row["year"],
                                                                           row.get("region_code"), r)):
            return r
    return int(row["rank"])


def _score_at_rank(session: Any, row: dict[str, Any], rank: int) -> float | None:
    for p in _peer_payloads(session, row["year"], row.get("region_code"), rank):
        if p.get("track") == row.get("track") and p.get("score") is not None:
            return float(p["score"])
    return None


def indicator_lines(m: Any, row: dict[str, Any]) -> list[dict[str, Any]]:
    """Per indicator of the firm's track: title, unit, value, average (benchmark), weight, points."""
    track = next((t for t in m.tracks if t.id == row.get("track")), None)
    if track is None:
        return []
    values, benches, points = (row.get("indicators") or {}), (row.get("benchmarks") or {}), \
        (row.get("indicator_scores") or {})
    cap = m.cap()
    out = []
    for ti in track.indicators:
        spec = m.indicators[ti.id]
        out.append({
            "id": ti.id, "title": spec.title, "unit": spec.unit, "ratio": spec.unit == "",
            "value": values.get(ti.id), "average": benches.get(ti.id), "published_benchmark": ti.benchmark is not None,
            "weight": ti.weight.value, "points": points.get(ti.id), "direction": spec.direction,
            "max_points": ti.weight.value * cap if cap is not None else None,
            "filled": values.get(ti.id) is None and points.get(ti.id) is not None,
        })
    return out


def target_score(session: Any, m: Any, row: dict[str, Any], n: int | None) -> tuple[str, float] | None:
    """The next class up and the score it needs now (None: already the best class, or not graded)."""
    labels = m.classes.labels
    cls = row.get("class")
    if cls not in labels or labels.index(cls) == 0 or row.get("score") is None:
        return None
    k = labels.index(cls) - 1
    needed = -math.inf
    if m.classes.by in ("rank", "both") and m.classes.cutoffs and n:
        last_rank = math.ceil(n * m.classes.cutoffs[k].value / 100)
        s = _score_at_rank(session, row, last_rank)
        if s is not None:
            needed = max(needed, s + 0.01)  # just above the last firm of the class today
    if m.classes.by in ("score", "both") and m.classes.thresholds:
        needed = max(needed, m.classes.thresholds[k].value)
    if needed == -math.inf:
        return None
    return labels[k], needed


def advice(lines: list[dict[str, Any]], gap: float, cap: float | None) -> list[dict[str, Any]]:
    """Per indicator, the value that alone brings ``gap`` more points, easiest (smallest relative
    change) first; indicators that cannot bring it alone (cap, no value) are left out."""
    out = []
    for ln in lines:
        x, b, w, p = ln["value"], ln["average"], ln["weight"], ln["points"]
        if x is None or b in (None, 0) or not w or p is None:
            continue
        if ln["max_points"] is not None and p + gap > ln["max_points"]:
            continue
        if ln["direction"] == "lower":
            if x <= 0:
                continue
            target = b * w / (p + gap)
            change = (x - target) / x
        else:
            target = x + gap * b / w
            change = (target - x) / x if x > 0 else math.inf
        out.append({"id": ln.get("id"), "title": ln["title"], "unit": ln["unit"], "ratio": ln["ratio"], "value": x, "target": target,
                    "change": change, "direction": ln["direction"]})
    return sorted(out, key=lambda a: a["change"])[:3]


def explain(session: Any, settings: Any, row: dict[str, Any]) -> dict[str, Any]:
    """Everything the profile's 亩均 section shows beyond the row itself."""
    pub = publish.published_run(session, "mujun", int(row["year"]))
    m = methodology_of(settings, pub.run_id if pub else "", int(row["year"]))
    lines = indicator_lines(m, row)
    n = ranked_units(session, row)
    out: dict[str, Any] = {"lines": lines, "ranked_units": n, "next_class": None, "needed": None, "gap": None,
                           "advice": [], "best": False, "by": m.classes.by}
    labels = m.classes.labels
    if row.get("class") == labels[0]:
        out["best"] = True
        return out
    t = target_score(session, m, row, n)
    if t is None:
        return out
    cls, needed = t
    gap = max(0.0, needed - float(row["score"]))
    out.update(next_class=cls, needed=needed, gap=gap, advice=advice(lines, gap, m.cap()))
    return out
