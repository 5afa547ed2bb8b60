"""``/api/imports``: upload a department file (the same ingestion as ``zhizao import``, the
reject report back), list the batches, read a batch's rejects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from zhizao.ingest import IngestError, list_batches, rejects
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import SessionDep, SettingsDep, audit, require_roles
from zhizao.web.uploads import import_upload

router = APIRouter(prefix="/api/imports", tags=["数据导入"])

Importer = Annotated[CurrentUser, Depends(require_roles("city"))]
Reader = Annotated[CurrentUser, Depends(require_roles("city", "auditor"))]
def _busy(exc: IngestError) -> HTTPException:
    if "占用" in str(exc):
        return HTTPException(503, str(exc), headers={"Retry-After": "5"})
    return HTTPException(422, str(exc))


@router.get("")
async def batches(user: Reader, settings: SettingsDep, session: SessionDep, request: Request) -> dict[str, Any]:
    """全部导入批次（最早在前）：表、来源、文件、哈希、时间、行数、状态。"""
    try:
        items = await run_in_threadpool(list_batches, settings)
    except IngestError as exc:
        raise _busy(exc) from exc
    if user.role == "auditor":
        audit(session, user, "read.imports", None, request=request)
    return {"batches": items}


@router.get("/{batch_id}", responses={404: {"description": "批次不存在"}})
async def batch_rejects(batch_id: Annotated[int, Path(ge=0, le=2**62)], user: Reader, settings: SettingsDep,
                        session: SessionDep, request: Request,
                        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> dict[str, Any]:
    """一个批次的拒收行（行号、列、原因代码、中文说明）。"""
    try:
        doc: dict[str, Any] = await run_in_threadpool(rejects, settings, batch_id, limit)
    except IngestError as exc:
        if "不存在" in str(exc):
            raise HTTPException(404, str(exc)) from exc
        raise _busy(exc) from exc
    if user.role == "auditor":
        audit(session, user, "read.import", str(batch_id), request=request)
    return doc


@router.post("/{table}", responses={422: {"description": "文件无法导入（整体拒收，未加载任何行）"}})
async def upload(
    table: Annotated[str, Path(max_length=64, description="数据表（enterprises、statistics_annual …）")],
    user: Importer,
    settings: SettingsDep,
    session: SessionDep,
    request: Request,
    file: Annotated[UploadFile, File(description="CSV（UTF-8、GBK/GB18030）或 XLSX")],
    source: Annotated[str | None, Form(max_length=64, description="来源部门")] = None,
    sheet: Annotated[str | None, Form(max_length=64, description="XLSX 工作表")] = None,
) -> dict[str, Any]:
    """上传并导入一个文件（与命令行 ``zhizao import`` 相同），返回拒收报告。"""
    try:
        result = await run_in_threadpool(import_upload, settings, session, user, table, file, source, sheet, request)
    except IngestError as exc:
        raise _busy(exc) from exc
    doc = result.to_dict() | {"file": result.file, "warnings": result.warnings}
    return doc
