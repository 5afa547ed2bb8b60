"""Diffing two runs: who moved grade or class, and the figures beside the move."""

from __future__ import annotations

from typing import Any

from zhizao import capabilities
from zhizao.runs.registry import get, results
from zhizao.settings import Settings


def diff(settings: Settings, run_a: str, run_b: str) -> dict[str, Any]:
    """Firms whose outcome differs between two runs of the same method.

    Returns ``{run_a, run_b, method, changed:[{credit_code, field, before, after, figures, why}],
    added:[…], removed:[…], unchanged: n, rules:[…], added_why:{code: […]}, removed_why:{code: […]}}``;
    ``figures`` holds each figure field before and after; ``why`` (Chinese sentences) says what
    caused the change when the method explains its changes (``Capability.extra["explain_changes"]``),
    ``rules`` the changes of rules between the two runs.
    """
    a, b = get(settings, run_a), get(settings, run_b)
    if a.method != b.method:
        raise ValueError(f"两次运行的方法不同: {a.method} / {b.method}")
    cap = capabilities.get(a.method)
    ta = {r["credit_code"]: r for r in results(settings, run_a).to_pylist()}
    tb = {r["credit_code"]: r for r in results(settings, run_b).to_pylist()}
    explainer = cap.extra.get("explain_changes")
    why: dict[str, Any] = explainer(a.methodology, b.methodology, ta, tb) if callable(explainer) else {}
    reasons: dict[str, list[str]] = why.get("firms", {})
    changed: list[dict[str, Any]] = []
    unchanged = 0
    for code in sorted(ta.keys() & tb.keys()):
        ra, rb = ta[code], tb[code]
        moves = [f for f in (*cap.outcome_fields, "status") if f in ra and ra.get(f) != rb.get(f)]
        if not moves:
            unchanged += 1
            continue
        for f in moves:
            changed.append({
                "credit_code": code,
                "name": rb.get("name") or ra.get("name"),
                "field": f,
                "before": ra.get(f),
                "after": rb.get(f),
                "figures": {k: {"before": ra.get(k), "after": rb.get(k)} for k in cap.figure_fields if k in ra},
                "why": reasons.get(code, []),
            })
    return {
        "run_a": run_a,
        "run_b": run_b,
        "method": a.method,
        "changed": changed,
        "added": sorted(tb.keys() - ta.keys()),
        "removed": sorted(ta.keys() - tb.keys()),
        "unchanged": unchanged,
        "rules": why.get("rules", []),
        "added_why": {c: reasons.get(c, []) for c in sorted(tb.keys() - ta.keys())},
        "removed_why": {c: reasons.get(c, []) for c in sorted(ta.keys() - tb.keys())},
    }
