"""碳效码 on the core's pages: the firm profile's section (code tile, history, explanation and
advice), the cockpit's tiles, and the objection procedure (the default one).

The explanation re-reads the warehouse under the published run's methodology: every firm's of a
published run's year at once, prepared when the run is published and after each import
(:func:`prepare_explanations`, kept by :func:`zhizao.prepared.page_value`); a profile reads its
firm's.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from sqlalchemy import select

from zhizao.caching import Memo
from zhizao.store import publish
from zhizao.store.models import PublishedResult
from zhizao.web.objections import ObjectionProcedure
from zhizao.web.templating import GRADE_HEX, fmt_num
from zhizao.web.ui import (
    WAREHOUSE_BUSY,
    CockpitContext,
    ProfileContext,
    Section,
    Tile,
    busy,
    distribution,
    division_name,
    filters,
    line_option,
    outcome_series,
    pick_year,
    pie_option,
    region_name,
    scope_of,
    stacked_bar_option,
    top_keys,
)

log = logging.getLogger("zhizao.carbon.profile")

PROCEDURE = ObjectionProcedure(title="碳效码")

GRADES = tuple(str(g) for g in range(1, 6))
GRADE_LABELS = {g: f"{g}级" for g in GRADES}
GRADE_COLOURS = {f"{g}级": GRADE_HEX[int(g)] for g in GRADES}
UNIT_NAMES = {"kWh": "千瓦时", "t": "吨", "m3": "立方米", "m³": "立方米", "GJ": "吉焦"}


def grade_series(dist: Mapping[Any, Counter[str | None]], keys: list[Any]) -> dict[str, list[int]]:
    return outcome_series(dist, keys, GRADE_LABELS)


# ----------------------------------------------------------------------------- the firm profile

#: the explanations of a published run's year, every firm's at once (:func:`prepare_explanations`),
#: kept by :func:`zhizao.prepared.page_value` per warehouse and publication state
EXPLANATIONS = "carbon-explain"
_PREPARE = "zhizao.carbon.profile:prepare_explanations"


def prepare_explanations(settings: Any, run_id: str, year: int) -> dict[str, Any]:
    """What every firm's explanation reads, under the run's methodology, from the warehouse as
    it is (one evaluation of the year: :func:`zhizao.carbon.explain.explain_all`)."""
    from zhizao.carbon.explain import explain_all
    from zhizao.carbon.methodology import CarbonMethodology
    from zhizao.engine import connect
    from zhizao.runs.registry import get
    from zhizao.web.profile import WEB_WAIT_S

    methodology = CarbonMethodology.model_validate(get(settings, run_id).methodology)
    # a page waits seconds for a writer, then shows the rest of the profile with a busy note
    engine = connect(settings, "duckdb", read_only=True, wait_s=WEB_WAIT_S)
    try:
        return explain_all(engine, methodology, year)
    finally:
        engine.close()


def explanation(settings: Any, run_id: str | None, year: int, credit_code: str) -> tuple[dict[str, Any] | None, Any]:
    """Behind the firm's grade and what would lift it, from the carbon explanation under the
    published run's methodology, read from what was prepared for the run's year (every firm's,
    when the run was published and after each import: :func:`prepare_explanations`), and what
    was read (its ``current`` and ``built_label``; None without a run)."""
    from zhizao import prepared
    from zhizao.carbon.explain import FirmNotFound, explain_prepared
    from zhizao.carbon.methodology import CarbonMethodology
    from zhizao.runs.registry import get

    if not run_id:
        return None, None
    try:
        found = prepared.page_value(settings, EXPLANATIONS, _PREPARE, [run_id, year])
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    key = (str(settings.warehouse_path), run_id)
    methodology = _METHODOLOGIES.get(key)
    if methodology is None:  # a run's methodology never changes
        methodology = _METHODOLOGIES[key] = CarbonMethodology.model_validate(get(settings, run_id).methodology)
    try:
        return explain_prepared(methodology, year, credit_code, found.value), found
    except FirmNotFound:  # the firm is no longer in the warehouse's current rows
        return None, found


_METHODOLOGIES: LRUCache[tuple[str, str], Any] = LRUCache(maxsize=64)


def publish_hook(settings: Any, run: Any) -> None:
    """A carbon run published: every firm's explanation of its year prepared now, so no firm
    profile computes it (the page reads it; imports refresh it in the background)."""
    from zhizao import prepared

    try:
        prepared.page_value(settings, EXPLANATIONS, _PREPARE, [run.run_id, int(run.year)])
    except Exception:  # the warehouse being written: the first profile computes it
        log.info("carbon explanations of %s not prepared", run.run_id, exc_info=True)


def advice(expl: Mapping[str, Any] | None, carbon: Mapping[str, Any] | None) -> list[str]:
    """What the firm could do, from its explanation (distance to the next grade, its largest
    emission source) and the uses of the grade (diagnosis for grades 4–5, offsets)."""
    tips: list[str] = []
    if expl:
        nxt = expl.get("next_grade") or {}
        if nxt.get("message"):
            tips.append(str(nxt["message"]))
        sources = [e for e in expl.get("by_energy") or [] if e.get("counted") and (e.get("emissions_t") or 0) > 0]
        total = sum(e["emissions_t"] for e in sources)
        if sources and total > 0:
            top = max(sources, key=lambda e: e["emissions_t"])
            share = top["emissions_t"] / total * 100
            if top.get("energy_type") == "electricity":
                tips.append(f"外购电力排放占 {share:.0f}%：电机、空压机等节电改造，或增加光伏自发自用、绿电交易，可直接降低碳排放强度。")
            elif top.get("energy_type") == "heat":  # bought heat is not burnt here
                tips.append(f"外购热力排放占 {share:.0f}%：余热回收、蒸汽管网保温和疏水阀改造可减少用热，直接降低碳排放强度。")
            else:
                tips.append(f"{top.get('name') or top.get('energy_type')}燃烧排放占 {share:.0f}%：优先推进燃料替代（电能、天然气）和锅炉窑炉节能改造。")
    if carbon and carbon.get("grade") is not None:
        if int(carbon["grade"]) >= 4:
            tips.append("碳效等级为4–5级的企业可申请免费节能诊断服务。")
        if not carbon.get("neutrality_rate"):
            tips.append("尚无碳中和抵消：屋顶光伏自发自用、绿电交易和绿证可提高碳中和率。")
    return tips


def profile_section(ctx: ProfileContext) -> Section | None:
    """The carbon code card (always, so a firm sees it is not yet graded), its history and advice."""
    from fastapi import HTTPException

    hist = publish.firm_history(ctx.session, "carbon", ctx.credit_code)
    carbon = hist[-1] if hist else None
    notes: list[str] = []
    expl = None
    if carbon:
        run_id = ctx.session.execute(select(PublishedResult.run_id).where(
            PublishedResult.method == "carbon", PublishedResult.year == carbon["year"],
            PublishedResult.credit_code == ctx.credit_code)).scalar()
        try:
            expl, found = explanation(ctx.settings, run_id, carbon["year"], ctx.credit_code)
        except HTTPException as exc:
            if exc.status_code != 503:
                raise
            notes.append("数据仓库正在更新，碳排放构成暂不可见。")
        else:
            if found is not None and not found.current:
                notes.append(f"数据已更新，碳排放构成正在重新计算；以下为 {found.built_label()} 的数据。")
    chart = None
    if hist:
        ys = [r["year"] for r in hist]
        chart = line_option("碳排放强度与行业基准（tCO₂/万元）", ys, {
            "企业碳排放强度": [r.get("intensity") for r in hist],
            "行业基准": [r.get("benchmark_intensity") for r in hist]})
    return Section(title=f"工业碳效码（{carbon['year']}年）" if carbon else "工业碳效码", template="carbon/profile.html", order=10, anchor="carbon-code",
                   notes=tuple(notes), context={
                       "carbon": carbon, "hist": hist, "chart": chart, "explanation": expl,
                       "advice": advice(expl, carbon), "unit_names": UNIT_NAMES})


# ----------------------------------------------------------------------------- the cockpit


_TILES = Memo(64, published_only=True)


def cockpit_tiles(ctx: CockpitContext) -> list[Tile]:
    """The year's grade mix: figures, by district, by industry and over the years (prepared once
    per scope until the next import or publication)."""
    scope = scope_of(ctx.user, ctx.session)
    return _TILES.get(ctx.settings, ("tiles", scope.key("carbon"), ctx.year), lambda: _tiles(ctx, scope))


def _tiles(ctx: CockpitContext, scope: Any) -> list[Tile]:
    fc = filters(scope, "carbon")
    year, years = pick_year(ctx.session, "carbon", ctx.year)
    if year is None:
        return []
    total = distribution(ctx.session, "carbon", year, fc).get(None, Counter())
    by_r = distribution(ctx.session, "carbon", year, fc, by="region")
    rkeys = sorted(k for k in by_r if k)
    by_d = distribution(ctx.session, "carbon", year, fc, by="industry")
    dkeys = top_keys(by_d)
    trend = {y: distribution(ctx.session, "carbon", y, fc).get(None, Counter()) for y in years}
    graded = sum(total.get(g, 0) for g in GRADES)
    return [
        Tile(f"{year}年 碳效评价企业", fmt_num(graded), "家", order=20),
        Tile("碳效4–5级企业", fmt_num(total.get("4", 0) + total.get("5", 0)), "家", order=21),
        Tile("碳效等级分布", key="grade_pie", order=120, chart=pie_option(
            f"{year}年 碳效等级分布", {f"{g}级": total.get(g, 0) for g in GRADES}, GRADE_COLOURS)),
        Tile("各区县碳效等级", key="grade_region", order=130, chart=stacked_bar_option(
            "各区县碳效等级", [region_name(k) for k in rkeys], grade_series(by_r, rkeys), GRADE_COLOURS),
            by_region={f"碳效{g}级": {k: by_r[k].get(g, 0) for k in rkeys} for g in GRADES}),
        Tile("碳效等级逐年变化", key="grade_trend", order=140, chart=stacked_bar_option(
            "碳效等级逐年变化", [f"{y}" for y in years],
            {f"{g}级": [trend[y].get(g, 0) for y in years] for g in GRADES}, GRADE_COLOURS)),
        Tile("主要行业碳效等级", key="grade_division", order=150, chart=stacked_bar_option(
            "主要行业碳效等级（前12个行业大类）", [division_name(k) for k in dkeys], grade_series(by_d, dkeys),
            GRADE_COLOURS, horizontal=True)),
    ]
