"""驾驶舱: the cockpit, built from the tiles every room contributes (``Room.cockpit_tiles``).

A firm lands on its own profile; a role without a cockpit lands on the first page its
navigation offers (a bank: the carbon codes it may read).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao import rooms
from zhizao.web.deps import PageUser, SessionDep, SettingsDep
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    READ_ROLES,
    WAREHOUSE_BUSY,
    CockpitContext,
    Tile,
    audit_page_read,
    forbid,
    region_name,
    region_scope,
)

router = APIRouter(include_in_schema=False)


def tiles(ctx: CockpitContext) -> list[Tile]:
    """Every room's tiles, in order."""
    out: list[Tile] = []
    for room, hook in rooms.contributions("cockpit_tiles"):
        try:
            out.extend(hook(ctx))
        except WAREHOUSE_BUSY:  # another process writes the warehouse: the other rooms still show
            out.append(Tile(room.title, note=f"数据仓库正在更新，{room.title}暂不可见，请稍后刷新。", order=0))
    return sorted(out, key=lambda t: t.order)


def region_table(tiles: list[Tile]) -> tuple[list[str], list[dict[str, Any]]]:
    """The per-district table: the columns the tiles give, one row per district."""
    columns: list[str] = []
    values: dict[str, dict[str, Any]] = {}
    for t in tiles:
        for col, by_region in (t.by_region or {}).items():
            columns.append(col)
            for region, v in by_region.items():
                values.setdefault(region, {})[col] = v
    rows = [{"region": k, "name": region_name(k), "values": [v.get(c, 0) for c in columns]}
            for k, v in sorted(values.items())]
    return columns, rows


@router.get("/", response_class=HTMLResponse)
def cockpit(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
            year: int | None = None) -> Response:
    role = user_attr(user, "role")
    if role == "enterprise":
        return RedirectResponse(f"/enterprises/{user_attr(user, 'credit_code')}", status_code=303)
    if role not in READ_ROLES:
        first = next((e.path for e in sorted(rooms.nav_entries(), key=lambda e: e.order) if role in e.roles), None)
        if first is not None:
            return RedirectResponse(first, status_code=303)
    forbid(user, *READ_ROLES)
    region = region_scope(user)
    shown = tiles(CockpitContext(settings=settings, session=session, user=user, region=region, year=year))
    columns, by_region = region_table(shown)
    audit_page_read(session, user, "page.cockpit", f"cockpit:{region or 'city'}", request)
    return render(request, "cockpit.html", {
        "breadcrumbs": [("驾驶舱", None)],
        "kpis": [t for t in shown if t.value], "charts": [t for t in shown if t.chart],
        "region_columns": columns, "by_region": by_region,
        "region": region, "region_label": region_name(region) if region else "全市",
        "flashes": [("warning", t.note) for t in shown if t.note and not t.value and not t.chart],
    }, user=user)
