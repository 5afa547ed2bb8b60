"""JSON API of the economy room.

- ``GET /api/economy/indicators?from=Y1&to=Y2[&region=CODE]``: the same rows as
  ``zhizao indicators --json`` (the economy's and the other rooms' rows).

Roles: ``city`` and ``auditor`` see every region (auditor reads are audited); ``district`` sees
its own region only (another region answers 404, as for firms); other roles get 403. Figures
are computed from the warehouse on request and cached per warehouse state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from zhizao.web.deps import ScopeDep, SettingsDep, audit_read

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
    rows = _cached(settings, ("indicators", y_from, y_to),
                   lambda: figures.rows(settings, y_from, y_to))
    if region:
        rows = [r for r in rows if r["region"] == region]
    audit_read(scope, "economy.indicators", region, request, {"from": y_from, "to": y_to})
    return {"indicators": rows}
