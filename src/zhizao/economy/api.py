"""JSON API of the economy and monitoring rooms.

- ``GET /api/economy/indicators?from=Y1&to=Y2[&region=CODE]``: the same rows as
  ``zhizao indicators --json``;
- ``GET /api/monitoring/warnings?month=YYYY-MM[&region=CODE][&all=true]``: the 电力看经济
  working list of ``zhizao monitor power --json``;
- ``GET /api/monitoring/consistency?year=Y[&region=CODE]``: the 数据打架 list.

Roles: ``city`` and ``auditor`` see every region (auditor reads are audited); ``district`` sees
its own region only (another region answers 404, as for firms); other roles get 403. Figures
are computed from the warehouse on request and cached per warehouse state.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from zhizao.web.deps import ScopeDep, SettingsDep, audit_read, not_found

router = APIRouter(tags=["工业经济"])

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 32


def _cached(settings: Any, key: tuple[Any, ...], compute: Any) -> Any:
    """Memoise on the warehouse file's state: an import changes its mtime and size."""
    try:
        st = settings.warehouse_path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        raise HTTPException(status_code=404, detail="数据仓库不存在（请先导入数据）") from None
    full = (str(settings.home), stamp, *key)
    with _LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]
    value = compute()
    with _LOCK:
        _CACHE[full] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _region_for(scope: Any, region: str | None) -> str | None:
    """The region the caller may ask for: districts are pinned to their own."""
    role = scope.role
    if role in ("city", "auditor"):
        return region
    if role == "district":
        own = scope.user.region_code
        if region is not None and region != own:
            raise not_found()
        return str(own)
    raise HTTPException(status_code=403, detail="当前角色无权查看工业经济指标")


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
    from zhizao.economy import indicators

    if y_to < y_from:
        raise HTTPException(status_code=422, detail=f"起止年度有误：{y_from} 晚于 {y_to}")
    if y_to - y_from > 20:
        raise HTTPException(status_code=422, detail="一次最多查询 20 年")
    region = _region_for(scope, region)
    rows = _cached(settings, ("indicators", y_from, y_to),
                   lambda: indicators.rows(indicators.for_settings(settings, y_from, y_to)))
    if region:
        rows = [r for r in rows if r["region"] == region]
    audit_read(scope, "economy.indicators", region, request, {"from": y_from, "to": y_to})
    return {"indicators": rows}


@router.get("/api/monitoring/warnings", summary="电力看经济：预警企业清单")
def get_warnings(
    request: Request,
    settings: SettingsDep,
    scope: ScopeDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM")],
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="地区（6位行政区划代码）")] = None,
    everyone: Annotated[bool, Query(alias="all", description="列出全部企业")] = False,
) -> dict[str, Any]:
    from zhizao.monitoring.lists import power_list

    m = re.fullmatch(r"(\d{4})-(\d{2})", month)
    assert m is not None  # the pattern above
    year, mon = int(m.group(1)), int(m.group(2))
    if not 1 <= mon <= 12:
        raise HTTPException(status_code=422, detail=f"月份有误：{month}")
    region = _region_for(scope, region)
    data = _cached(settings, ("warnings", year, mon, region, everyone),
                   lambda: power_list(settings, year, mon, region, everyone=everyone))
    audit_read(scope, "monitoring.warnings", region, request, {"month": month})
    return dict(data)


@router.get("/api/monitoring/consistency", summary="数据打架：跨部门数据不一致清单")
def get_consistency(
    request: Request,
    settings: SettingsDep,
    scope: ScopeDep,
    year: Annotated[int, Query(ge=1990, le=2100, description="年度")],
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="地区（6位行政区划代码）")] = None,
) -> dict[str, Any]:
    from zhizao.monitoring.lists import consistency_list

    region = _region_for(scope, region)
    data = _cached(settings, ("consistency", year, region), lambda: consistency_list(settings, year, region=region))
    audit_read(scope, "monitoring.consistency", region, request, {"year": year})
    return dict(data)
