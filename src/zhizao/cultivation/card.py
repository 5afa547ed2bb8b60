"""A firm's tier card: per tier, its latest published screening explained criterion by criterion."""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc

from zhizao.criteria import RESULT_TEXT, children, sentence, walk
from zhizao.cultivation.codes import TITLES
from zhizao.cultivation.lists import LADDER, published_tiers
from zhizao.cultivation.measures import MEASURES
from zhizao.cultivation.method import methodology_of
from zhizao.settings import Settings

TITLE_NAMES = {k: v[0] for k, v in TITLES.items()}


def tier_card(settings: Settings, session: Any, credit_code: str, year: int | None = None) -> list[dict[str, Any]]:
    """``[{tier, tier_name, year, ruleset, outcome, outcome_text, met:[sentence], lacking:[sentence],
    unknown:[sentence], manual:[sentence]}]`` in ladder order, for the latest year published (or ``year``)."""
    from zhizao import runs

    pubs = published_tiers(settings, session)
    if not pubs:
        return []
    years = sorted(pubs)
    y = year if year in pubs else years[-1]
    out = []
    for tier, run_id in sorted(pubs[y].items(), key=lambda kv: LADDER.index(kv[0]) if kv[0] in LADDER else 99):
        try:
            run = runs.get(settings, run_id)
            table = runs.results(settings, run_id)
        except runs.RunError:
            continue
        rows = table.filter(pc.equal(table["credit_code"], credit_code)).to_pylist()
        if not rows:
            continue
        r = rows[0]
        m = methodology_of(run.methodology)
        groups: dict[str, list[str]] = {"met": [], "unmet": [], "unknown": [], "manual": []}
        for n in m.criteria:
            groups[str(r[f"{n.id}__outcome"])].append(sentence(n, r, MEASURES, TITLE_NAMES))
            if children(n) and r[f"{n.id}__outcome"] != "met":
                # an unmet group: say what each of its leaves lacks
                for c in walk(children(n)):
                    if not children(c) and r[f"{c.id}__outcome"] in ("unmet", "unknown"):
                        groups[str(r[f"{n.id}__outcome"])].append("　· " + sentence(c, r, MEASURES, TITLE_NAMES))
        out.append({"tier": tier, "tier_name": TITLE_NAMES.get(tier, tier), "year": y, "ruleset": m.title,
                    "outcome": r["outcome"], "outcome_text": RESULT_TEXT[r["outcome"]],
                    "met": groups["met"], "lacking": groups["unmet"], "unknown": groups["unknown"],
                    "manual": groups["manual"]})
    return out
