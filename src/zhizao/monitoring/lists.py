"""The lists the bureau works from, as plain data for the CLI, the API and the pages:
the monthly power-based warning list and the year's consistency failures."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from zhizao.caching import Memo


class MonitoringError(ValueError):
    """A list that cannot be produced (message in Chinese)."""


def _clean(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def _records(df: Any) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _methodology(name: str | None, year: int) -> Any:
    from zhizao.methodology import MethodologyError, find

    try:
        return find(name, "monitoring", year)
    except MethodologyError as exc:
        raise MonitoringError(str(exc)) from exc


def power_list(settings: Any, year: int, month: int, region: str | None = None,
               methodology: str | None = None, everyone: bool = False, engine: str | None = None) -> dict[str, Any]:
    """The monthly working list: firms with a warning (all firms with ``everyone``), the
    district and industry indices. Used by the CLI and the web pages."""
    from zhizao.engine import connect
    from zhizao.engine.compiled import materialized
    from zhizao.monitoring import power

    m = _methodology(methodology, year)
    start, end = power.month_period(year, month)
    eng = connect(settings, engine, read_only=True)
    try:
        # computed once, read by the four queries below (each computed it again: 0.35 s a month)
        firms = materialized(power.activity(eng.tables(power.INPUTS), m, start, end), "zhizao_power_month")
        regions = eng.to_pandas(power.aggregate_index(firms, "region"))
        industries = eng.to_pandas(power.aggregate_index(firms, "division"))
        if region:
            firms = firms.filter(firms.region_code == region) if not region.endswith("00") else \
                firms.filter(firms.region_code.substr(0, 4) == region[:4])
        listed = firms if everyone else firms.filter(firms.warning.notnull())
        rows = eng.to_pandas(listed.order_by([listed.severity.fill_null(9), listed["index"], listed.credit_code]))
        counts = eng.to_pandas(firms.group_by("warning").aggregate(n=firms.credit_code.count()))
    finally:
        eng.close()
    if region:
        regions = regions[(regions["key"] == region) | (regions["key"].str[:4] == region[:4]) if region.endswith("00")
                          else regions["key"] == region]
    by_warning = {str(r["warning"]) if r["warning"] is not None and r["warning"] == r["warning"] else "none": int(r["n"])
                  for r in counts.to_dict(orient="records")}
    return {
        "month": f"{year:04d}-{month:02d}", "methodology": m.ref, "region": region,
        "counts": {"firms": sum(by_warning.values()), **dict(sorted(by_warning.items()))},
        "firms": _records(rows),
        "regions": _records(regions.rename(columns={"key": "region_code"})),
        "industries": _records(industries.rename(columns={"key": "division"})),
    }


def consistency_list(settings: Any, year: int, methodology: str | None = None,
                     region: str | None = None, engine: str | None = None) -> dict[str, Any]:
    from zhizao.engine import connect
    from zhizao.monitoring import consistency

    m = _methodology(methodology, year)
    eng = connect(settings, engine, read_only=True)
    try:
        df = eng.to_pandas(consistency.failures(eng.tables(consistency.INPUTS), m, year, region))
    finally:
        eng.close()
    out = []
    for r in _records(df):
        out.append({
            "check": r["check"], "check_name": r["check_name"], "credit_code": r["credit_code"],
            "name": r["name"], "region_code": r["region_code"], "period": r["period"],
            "sources": [
                {"table": r["a_table"], "field": r["a_field"], "value": r["a_value"],
                 "batches": [int(b) for b in (r["a_batches"] or "").split(",") if b]},
                {"table": r["b_table"], "field": r["b_field"], "value": r["b_value"],
                 "batches": [int(b) for b in (r["b_batches"] or "").split(",") if b]},
            ],
            "deviation": r["deviation"], "tolerance": r["tolerance"],
        })
    counts: dict[str, int] = {}
    for r in out:
        counts[r["check"]] = counts.get(r["check"], 0) + 1
    return {"year": year, "methodology": m.ref, "counts": counts, "failures": out}




_LISTS = Memo(64)


def cached(settings: Any, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A list for the pages and the API, kept per warehouse and publication state
    (:mod:`zhizao.caching`); a warehouse being written is the web's Chinese 503."""
    from zhizao.web.ui import WAREHOUSE_BUSY, busy

    try:
        return _LISTS.get(settings, key, compute)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
