"""What a bureau asks of the tier screening, from registered runs and the warehouse.

- :func:`published_tiers`: per tier, the run published last for a year (publications history);
- :func:`qualifiers`, :func:`near_misses` (ranked by criteria failed, then by how much),
  :func:`next_candidates` (holding the tier below, closest to this one);
- :func:`titles_held`, :func:`expiring` (renewal windows), :func:`pipeline_counts` (valid titles
  per year and tier);
- :func:`eligibility_diff`: who gains or loses eligibility between two rule sets.

Inputs are small (one row per firm of a run, the titles register): plain Python over Arrow rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from zhizao.criteria import LEVEL_TEXT, RESULT_TEXT
from zhizao.cultivation.codes import TITLES
from zhizao.cultivation.method import brief_rows, criteria_of, methodology_of, to_rows
from zhizao.cultivation.methodology import TierMethodology
from zhizao.settings import Settings

#: the tiers in ladder order (lowest first) and their Chinese names
LADDER: tuple[str, ...] = ("tech_sme", "specialised_sme", "little_giant", "hidden_champion", "single_champion",
                           "golden_bull", "golden_elephant", "eagle")
TIER_NAMES: dict[str, str] = {t: TITLES[t][0] for t in TITLES}
LEVEL_RANK = {"county": 0, "city": 1, "provincial": 2, "national": 3}


@dataclass(frozen=True)
class TierRun:
    run_id: str
    year: int
    methodology: TierMethodology

    @property
    def tier(self) -> str:
        return self.methodology.tier


def run_of(settings: Settings, run_id: str) -> tuple[TierRun, list[dict[str, Any]]]:
    """A registered tiers run and its CONTRACT.md rows."""
    run, table = _run_table(settings, run_id)
    return run, to_rows(table, run.methodology)


def run_brief(settings: Settings, run_id: str) -> tuple[TierRun, pa.Table, list[dict[str, Any]]]:
    """A registered tiers run, its results and each firm's outcome without the criteria detail
    (:func:`zhizao.cultivation.method.brief_rows`): a page picks the firms it shows from these and
    explains only those (:func:`explain`)."""
    run, table = _run_table(settings, run_id)
    return run, table, brief_rows(table)


def _run_table(settings: Settings, run_id: str) -> tuple[TierRun, pa.Table]:
    from zhizao import runs

    run = runs.get(settings, run_id)
    if run.method != "tiers":
        raise ValueError(f"运行 {run_id} 不是五企培育梯度筛选（方法 {run.method}）")
    return TierRun(run_id, run.year, methodology_of(run.methodology)), runs.results(settings, run_id)


def explain(rows: list[dict[str, Any]], table: pa.Table, m: TierMethodology) -> list[dict[str, Any]]:
    """``rows`` (brief rows of ``table``'s run) with each firm's criteria and the top-level ones it
    fails or lacks data for (``failing``), as :func:`with_failing` gives them of :func:`run_of`'s rows."""
    import pyarrow.compute as pc

    codes = [r["credit_code"] for r in rows]
    found = {r["credit_code"]: r for r in table.filter(pc.is_in(table["credit_code"], pa.array(codes, pa.string())))
             .to_pylist()}
    out = []
    for r in rows:
        full = dict(r, criteria=criteria_of(found[r["credit_code"]], m))
        out.append(dict(full, failing=failing(full)))
    return out


def published_tiers(settings: Settings, session: Any, year: int | None = None) -> dict[int, dict[str, str]]:
    """year → tier → run id of the publication in force (the latest published per tier and year)."""
    from sqlalchemy import select

    from zhizao import runs
    from zhizao.store.models import Publication

    q = select(Publication).where(Publication.method == "tiers")
    if year is not None:
        q = q.where(Publication.year == year)
    out: dict[int, dict[str, str]] = {}
    for p in session.scalars(q.order_by(Publication.id)):
        try:
            tier = runs.get(settings, p.run_id).methodology.get("tier")
        except runs.RunError:
            continue
        if tier:
            out.setdefault(p.year, {})[str(tier)] = p.run_id
    return out


def failing(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The top-level criteria a firm fails or lacks data for."""
    return [c for c in row["criteria"] if c["depth"] == 0 and c["outcome"] in ("unmet", "unknown")]


def qualifiers(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return sorted((dict(r) for r in rows if r["outcome"] in ("qualified", "manual_review")),
                  key=lambda r: (r["outcome"] != "qualified", r["credit_code"]))


def near_misses(rows: Iterable[Mapping[str, Any]], max_unmet: int = 2, limit: int | None = None) -> list[dict[str, Any]]:
    """Firms failing at most ``max_unmet`` top-level criteria, fewest failures first, then the
    smallest total relative gap (how far, summed over the failed criteria)."""
    out = [r for r in rows if r["outcome"] == "not_qualified" and r["unmet_count"] <= max_unmet]
    out.sort(key=lambda r: (r["unmet_count"], r["gap_score"], r["credit_code"]))
    return [dict(r) for r in (out[:limit] if limit else out)]


def with_failing(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``rows`` (with their criteria: :func:`run_of`'s) with the top-level criteria each
    fails or lacks data for (``failing``): what the command line and the Excel lists show beside
    :func:`near_misses` and :func:`next_candidates`. A page explains only the rows it lists
    (:func:`explain`)."""
    return [dict(r, failing=failing(r)) for r in rows]


def titles_held(con: Any, as_of: dt.date) -> dict[str, dict[str, str]]:
    """credit_code → title → highest level valid on ``as_of`` (from the warehouse's titles view)."""
    rows = con.execute(
        "SELECT credit_code, title, level FROM titles WHERE granted_on <= ? AND (expires_on IS NULL OR expires_on >= ?) "
        "AND (revoked_on IS NULL OR revoked_on > ?)", [as_of, as_of, as_of]).fetchall()
    out: dict[str, dict[str, str]] = {}
    for cc, t, lv in rows:
        cur = out.setdefault(cc, {}).get(t)
        if cur is None or LEVEL_RANK[lv] > LEVEL_RANK[cur]:
            out[cc][t] = lv
    return out


def next_candidates(rows: Iterable[Mapping[str, Any]], held: Mapping[str, Mapping[str, str]], tier: str,
                    lower_tier: str | None, limit: int | None = None) -> list[dict[str, Any]]:
    """Holders of the tier below who do not hold this tier yet, closest to it first."""
    if lower_tier is None:
        return []
    out = [r for r in rows
           if lower_tier in held.get(r["credit_code"], {}) and tier not in held.get(r["credit_code"], {})]
    out.sort(key=lambda r: (r["outcome"] not in ("qualified", "manual_review"), r["unmet_count"], r["gap_score"],
                            r["credit_code"]))
    return [dict(r) for r in (out[:limit] if limit else out)]


def expiring(con: Any, as_of: dt.date, renewal_months: Mapping[str, float], default_months: float = 6,
             region: str | None = None) -> list[dict[str, Any]]:
    """Titles valid on ``as_of`` whose renewal window is open (expiry within the tier's renewal
    months), soonest first: ``{credit_code, name, region_code, title, level, granted_on, expires_on,
    days_left, window_opens}``."""
    sql = ("SELECT t.credit_code, e.name, e.region_code, t.title, t.level, t.granted_on, t.expires_on "
           "FROM titles t LEFT JOIN enterprises e USING (credit_code) WHERE t.expires_on IS NOT NULL "
           "AND t.expires_on >= ? AND t.granted_on <= ? AND (t.revoked_on IS NULL OR t.revoked_on > ?)")
    params: list[Any] = [as_of, as_of, as_of]
    if region:
        sql += " AND e.region_code = ?"
        params.append(region)
    out = []
    for cc, name, reg, title, level, granted, expires in con.execute(sql, params).fetchall():
        months = float(renewal_months.get(title, default_months))
        opens = _add_months(expires, -round(months))
        if opens <= as_of:
            out.append({"credit_code": cc, "name": name, "region_code": reg, "title": title,
                        "title_name": TIER_NAMES.get(title, title), "level": level,
                        "level_name": LEVEL_TEXT.get(level, level), "granted_on": granted, "expires_on": expires,
                        "days_left": (expires - as_of).days, "window_opens": opens})
    out.sort(key=lambda r: (r["expires_on"], r["credit_code"], r["title"]))
    return out


def pipeline_counts(con: Any, years: Iterable[int], region: str | None = None) -> list[dict[str, Any]]:
    """Firms holding each tier (valid at the end of each year): ``[{year, tier, name, firms}]``."""
    out = []
    for y in years:
        end = dt.date(y, 12, 31)
        sql = ("SELECT t.title, count(DISTINCT t.credit_code) FROM titles t LEFT JOIN enterprises e USING (credit_code) "
               "WHERE t.granted_on <= ? AND (t.expires_on IS NULL OR t.expires_on >= ?) "
               "AND (t.revoked_on IS NULL OR t.revoked_on > ?)")
        params: list[Any] = [end, end, end]
        if region:
            sql += " AND e.region_code = ?"
            params.append(region)
        counts = dict(con.execute(sql + " GROUP BY t.title", params).fetchall())
        for tier in TITLES:
            out.append({"year": y, "tier": tier, "name": TIER_NAMES[tier], "firms": int(counts.get(tier, 0))})
    return out


def eligibility_diff(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Who gains and who loses eligibility between two screenings of the same firms (e.g. the 2022
    and the 2026-04-01 rules on the same year's data). Eligible = qualified or manual_review."""
    ok = ("qualified", "manual_review")
    a = {r["credit_code"]: r for r in before}
    b = {r["credit_code"]: r for r in after}
    gains, losses, moved = [], [], []
    for cc in sorted(a.keys() & b.keys()):
        ra, rb = a[cc], b[cc]
        if ra["outcome"] == rb["outcome"]:
            continue
        item = {"credit_code": cc, "name": rb.get("name"), "region_code": rb.get("region_code"),
                "before": ra["outcome"], "after": rb["outcome"],
                "before_text": RESULT_TEXT.get(ra["outcome"], ra["outcome"]),
                "after_text": RESULT_TEXT.get(rb["outcome"], rb["outcome"]),
                "failing_after": [c["label"] for c in failing(rb)],
                "failing_before": [c["label"] for c in failing(ra)]}
        if ra["outcome"] not in ok and rb["outcome"] in ok:
            gains.append(item)
        elif ra["outcome"] in ok and rb["outcome"] not in ok:
            losses.append(item)
        else:
            moved.append(item)

    def count(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
        c: dict[str, int] = {}
        for r in rows.values():
            c[r["outcome"]] = c.get(r["outcome"], 0) + 1
        return dict(sorted(c.items()))

    return {"gains": gains, "losses": losses, "other_changes": moved, "before_counts": count(a),
            "after_counts": count(b), "firms": len(a.keys() & b.keys())}


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    last = [31, 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return dt.date(y, m, min(d.day, last[m - 1]))


def renewal_months() -> dict[str, float]:
    """Each tier's renewal window (months before expiry) from the shipped rule sets (newest wins)."""
    from zhizao.methodology.loader import shipped

    out: dict[str, float] = {}
    for e in sorted(shipped(), key=lambda e: e.methodology.valid_from):
        m = e.methodology
        if isinstance(m, TierMethodology):
            out[m.tier] = m.renewal_months.value
    return out
