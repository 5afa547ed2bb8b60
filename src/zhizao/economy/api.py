"""JSON API of the economy room.

- ``GET /api/economy/indicators?from=Y1&to=Y2[&region=CODE]``: the same rows as
  ``zhizao indicators --json`` (the economy's and the other rooms' rows).

Roles: ``city`` and ``auditor`` see every region (auditor reads are audited); ``district`` sees
its own region only (another region answers 404, as for firms); other roles get 403. Figures
are computed from the warehouse on request and kept per warehouse and publication state.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from zhizao.web.deps import ScopeDep, SettingsDep, audit_read

router = APIRouter(tags=["工业经济"])


class IndicatorOut(BaseModel):
    id: str
    name: str
    region: str
    year: int
    value: float | int
    unit: str
    basis: str


class IndicatorsOut(BaseModel):
    indicators: list[IndicatorOut]


@router.get("/api/economy/indicators", response_model=IndicatorsOut, summary="工业经济指标")
def get_indicators(
    request: Request,
    settings: SettingsDep,
    scope: ScopeDep,
    y_from: Annotated[int, Query(alias="from", ge=1990, le=2100, description="起始年度")],
    y_to: Annotated[int, Query(alias="to", ge=1990, le=2100, description="截止年度")],
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="地区（6位行政区划代码）")] = None,
) -> dict[str, Any]:
    from zhizao.economy import figures

    if y_to < y_from:
        raise HTTPException(status_code=422, detail=f"起止年度有误：{y_from} 晚于 {y_to}")
    if y_to - y_from > 20:
        raise HTTPException(status_code=422, detail="一次最多查询 20 年")
    region = scope.region_for(region, "当前角色无权查看工业经济指标")
    if not settings.warehouse_path.exists():
        raise HTTPException(status_code=404, detail="数据仓库不存在（请先导入数据）")
    rows = figures.cached_rows(settings, y_from, y_to, region or None)
    audit_read(scope, "economy.indicators", region, request, {"from": y_from, "to": y_to})
    return {"indicators": rows}
