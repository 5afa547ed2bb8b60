"""The economy on the cockpit: firm counts and value added of the latest evaluation year, and
their trend over the five years up to it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import HTTPException

from zhizao.economy import wording
from zhizao.economy.figures import page_rows
from zhizao.store import publish
from zhizao.web import fmt
from zhizao.web.templating import fmt_num
from zhizao.web.ui import CockpitContext, Tile, bar_option, is_city_region, line_option

KPI_DIGITS = {"above_scale_count": 0, "value_added": 1, "value_added_growth": 1}


def evaluation_years(session: Any) -> list[int]:
    """The years with a published carbon or 亩均 evaluation (the span the bureau reports on)."""
    return sorted(set(publish.published_years(session, "carbon")) | set(publish.published_years(session, "mujun")))


def cockpit_tiles(ctx: CockpitContext) -> list[Tile]:
    years = evaluation_years(ctx.session)
    if not years:
        return []
    region = ctx.region
    try:
        # prepared in the background when data changes (economy/prepared.py), read here
        econ = page_rows(ctx.settings, years[-1] - 4, years[-1], None, "own")
    except HTTPException as exc:
        if exc.status_code != 503:
            raise
        # an import is writing the warehouse: the cockpit still shows the published results
        return [Tile("经济运行指标", note="数据仓库正在更新，经济运行指标暂不可见，请稍后刷新。", order=0)]
    except Exception:  # the cockpit still shows the published results when the figures fail
        return [Tile("经济运行指标", note="经济运行指标暂时无法计算，请稍后刷新。", order=0)]
    by_id: dict[str, dict[int, Any]] = defaultdict(dict)
    units: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in econ:
        if (r.get("region") != region) if region else not is_city_region(r.get("region")):
            continue
        by_id[r["id"]][int(r["year"])] = r.get("value")
        units[r["id"]] = r.get("unit", "")
        names[r["id"]] = r.get("name", r["id"])
    last = years[-1]
    def figure(iid: str, digits: int) -> tuple[str, str]:
        v = by_id[iid][last]
        if units[iid] == "万元" and isinstance(v, int | float) and abs(v) >= fmt.YI:
            return fmt.money_parts(v)  # 1 亿元 and more in 亿元
        return fmt_num(v, digits), units[iid]

    tiles = [Tile(f"{last}年 {names[iid]}", *figure(iid, digits), order=1 + i)
             for i, (iid, digits) in enumerate(KPI_DIGITS.items()) if last in by_id.get(iid, {})]
    if econ.note:  # the previous figures while the new ones are prepared, said so
        tiles.append(Tile("经济运行指标", note=econ.note, order=0))
    if by_id.get("value_added"):
        ys = sorted(by_id["value_added"])
        va_unit, va = wording.chart_series(units.get("value_added", ""), [by_id["value_added"][y] for y in ys])
        tiles.append(Tile("规上工业增加值", key="va_trend", order=100, chart=line_option(
            "规上工业增加值（现价）", ys, {"工业增加值": va}, va_unit)))
    if by_id.get("above_scale_count"):
        ys = sorted(by_id["above_scale_count"])
        tiles.append(Tile("规上工业企业数", key="firm_trend", order=101, chart=bar_option(
            "规上工业企业数", ys, [by_id["above_scale_count"][y] for y in ys], "家")))
    return tiles
