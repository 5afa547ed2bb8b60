"""``/api/runs``: evaluation runs (list, detail, diff) and publishing (city only)."""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from zhizao import runs
from zhizao.engine.warehouse import WarehouseBusy
from zhizao.runs.diff import diff as diff_runs
from zhizao.runs.registry import _COLS, _row_to_run
from zhizao.settings import Settings
from zhizao.store.publish import HeldFirms, PublishError, publish, published_run
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import SessionDep, SettingsDep, audit, require_roles
from zhizao.web.profile import warehouse

router = APIRouter(prefix="/api/runs", tags=["评价运行"])

RunId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="运行编号")]
Reader = Annotated[CurrentUser, Depends(require_roles("city", "auditor"))]
Publisher = Annotated[CurrentUser, Depends(require_roles("city"))]
RUN_NOT_FOUND = "找不到运行记录"


def _runs(settings: Settings, method: str | None, year: int | None, run_id: str | None = None
          ) -> list[runs.Run]:
    with warehouse(settings) as con:
        if con is None:
            return []
        if not (con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'").fetchone()
                or (0,))[0]:
            return []
        rows = con.execute(
            f"SELECT {_COLS} FROM runs WHERE (? IS NULL OR method = ?) AND (? IS NULL OR year = ?) "
            f"AND (? IS NULL OR run_id = ?) ORDER BY created_at, run_id",
            [method, method, year, year, run_id, run_id]).fetchall()
    return [_row_to_run(r) for r in rows]


def _describe(r: runs.Run, published: bool) -> dict[str, Any]:
    return r.summary() | {"created_at": r.created_at, "result_hash": r.result_hash, "result_rows": r.result_rows,
                          "elapsed_s": r.elapsed_s, "notes": r.notes, "parent_run_id": r.parent_run_id,
                          "published": published}


def _is_published(session: Any, r: runs.Run) -> bool:
    pub = published_run(session, r.method, r.year)
    return pub is not None and pub.run_id == r.run_id


@router.get("")
def run_list(user: Reader, settings: SettingsDep, session: SessionDep, request: Request,
             method: Annotated[str | None, Query(max_length=32)] = None,
             year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> dict[str, Any]:
    """运行记录列表（市级、审计）。"""
    items = [_describe(r, _is_published(session, r)) for r in _runs(settings, method, year)]
    if user.role == "auditor":
        audit(session, user, "read.runs", None, {"method": method, "year": year}, request)
    return {"runs": items}


@router.get("/{run_id}", responses={404: {"description": RUN_NOT_FOUND}})
def run_detail(run_id: RunId, user: Reader, settings: SettingsDep, session: SessionDep, request: Request
               ) -> dict[str, Any]:
    """一次运行：方法论（名称、版本、取值）、输入批次、计数、结果哈希、是否已发布。"""
    found = _runs(settings, None, None, run_id)
    if not found:
        raise HTTPException(404, RUN_NOT_FOUND)
    r = found[0]
    if user.role == "auditor":
        audit(session, user, "read.run", run_id, request=request)
    return _describe(r, _is_published(session, r)) | {"methodology_detail": r.methodology,
                                                       "input_batches": r.input_batches}


def _registry_call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except duckdb.IOException as exc:
        raise WarehouseBusy(str(exc)) from exc
    except runs.RunError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/{run_id}/diff/{other_id}", responses={404: {"description": RUN_NOT_FOUND}})
async def run_diff(run_id: RunId, other_id: RunId, user: Reader, settings: SettingsDep, session: SessionDep,
                   request: Request) -> dict[str, Any]:
    """比较两次运行：等级或类别变动的企业及相关数值。"""
    # everything touching the warehouse or the store runs in the thread pool: the event loop never waits
    for rid in (run_id, other_id):
        if not await run_in_threadpool(_runs, settings, None, None, rid):
            raise HTTPException(404, f"{RUN_NOT_FOUND}: {rid}")
    try:
        d: dict[str, Any] = await run_in_threadpool(_registry_call, diff_runs, settings, run_id, other_id)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    if user.role == "auditor":
        await run_in_threadpool(audit, session, user, "read.run.diff", f"{run_id}..{other_id}", None, request)
    return d


@router.post("/{run_id}/publish", responses={404: {"description": RUN_NOT_FOUND}})
async def run_publish(run_id: RunId, user: Publisher, settings: SettingsDep, request: Request) -> dict[str, Any]:
    """发布一次运行（市级）：其结果成为该方法、年度对外提供的结果。"""
    if not await run_in_threadpool(_runs, settings, None, None, run_id):
        raise HTTPException(404, RUN_NOT_FOUND)
    try:
        result: dict[str, Any] = await run_in_threadpool(_registry_call, publish, settings, run_id, user)
    except HeldFirms as exc:
        raise HTTPException(409, str(exc)) from exc
    except PublishError as exc:
        raise HTTPException(404, str(exc)) from exc
    return result
