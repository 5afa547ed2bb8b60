"""JSON API of the monitoring room.

- ``GET /api/monitoring/warnings?month=YYYY-MM[&region=CODE][&all=true]``: the 电力看经济
  working list of ``zhizao monitor power --json``;
- ``GET /api/monitoring/consistency?year=Y[&region=CODE]``: the 数据打架 list.

Roles: ``city`` and ``auditor`` see every region (auditor reads are audited); ``district`` sees
its own region only (another region answers 404, as for firms); other roles get 403. The lists
are computed from the warehouse on request and kept per warehouse state
(:func:`zhizao.monitoring.lists.cached`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from zhizao.monitoring.lists import MonitoringError, cached, consistency_list, power_list
from zhizao.web.deps import ScopeDep, SettingsDep, audit_read

router = APIRouter(tags=["电力看经济"])

DENIED = "当前角色无权查看工业经济指标"
NO_DATA = "尚未导入任何数据（数据仓库为空），请先导入各部门数据"


def _has_data(settings: Any) -> None:
    """A city that never imported anything has no warehouse: a Chinese 404, not a 503 "busy"."""
    if not settings.warehouse_path.exists():
        raise HTTPException(status_code=404, detail=NO_DATA)


@router.get("/api/monitoring/warnings", summary="电力看经济：预警企业清单")
def get_warnings(
    request: Request,
    settings: SettingsDep,
    scope: ScopeDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM")],
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="地区（6位行政区划代码）")] = None,
    everyone: Annotated[bool, Query(alias="all", description="列出全部企业")] = False,
) -> dict[str, Any]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", month)
    assert m is not None  # the pattern above
    year, mon = int(m.group(1)), int(m.group(2))
    if not 1 <= mon <= 12:
        raise HTTPException(status_code=422, detail=f"月份有误：{month}")
    region = scope.region_for(region, DENIED)
    _has_data(settings)
    try:
        data = cached(settings, ("warnings", year, mon, region, everyone),
                      lambda: power_list(settings, year, mon, region, everyone=everyone))
    except MonitoringError as exc:  # no methodology for that year: nothing to list
        raise HTTPException(status_code=404, detail=str(exc)) from exc
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
    region = scope.region_for(region, DENIED)
    _has_data(settings)
    try:
        data = cached(settings, ("consistency", year, region), lambda: consistency_list(settings, year, region=region))
    except MonitoringError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    audit_read(scope, "monitoring.consistency", region, request, {"year": year})
    return dict(data)
