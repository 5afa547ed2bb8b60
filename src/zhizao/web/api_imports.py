"""``/api/imports``: upload a department file (queued for the import worker, the same
ingestion as ``zhizao import``; the job's state and reject report at
``/api/imports/jobs/{id}``), list the batches, read a batch's rejects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile

from zhizao.ingest import IngestError, list_batches, rejects
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import SessionDep, SettingsDep, audit, require_roles
from zhizao.web.uploads import queue_upload

router = APIRouter(prefix="/api/imports", tags=["数据导入"])

Importer = Annotated[CurrentUser, Depends(require_roles("city"))]
Reader = Annotated[CurrentUser, Depends(require_roles("city", "auditor"))]
def _busy(exc: IngestError) -> HTTPException:
    if "占用" in str(exc):
        return HTTPException(503, str(exc), headers={"Retry-After": "5"})
    return HTTPException(422, str(exc))


@router.get("/jobs")
def import_jobs(user: Reader, settings: SettingsDep, session: SessionDep, request: Request,
                limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    """最近的上传导入任务（最新在前）：状态、阶段、用时、结果。"""
    from zhizao.ingest import jobs

    if user.role == "auditor":
        audit(session, user, "read.import_jobs", None, request=request)
    return {"jobs": jobs.recent(settings, limit)}


@router.get("/jobs/{job_id}", responses={404: {"description": "任务不存在"}})
def import_job(job_id: Annotated[int, Path(ge=1, le=2**62)], user: Reader, settings: SettingsDep,
               session: SessionDep, request: Request) -> dict[str, Any]:
    """一个上传导入任务：排队中、导入中（阶段、已用时间）、已完成（批次、行数、拒收报告）或失败（原因）。"""
    from zhizao.ingest import jobs

    job = jobs.get(settings, job_id)
    if job is None:
        raise HTTPException(404, "导入任务不存在")
    if user.role == "auditor":
        audit(session, user, "read.import_job", str(job_id), request=request)
    return job


@router.get("")
def batches(user: Reader, settings: SettingsDep, session: SessionDep, request: Request) -> dict[str, Any]:
    """全部导入批次（最早在前）：表、来源、文件、哈希、时间、行数、状态。"""
    try:
        items = list_batches(settings)
    except IngestError as exc:
        raise _busy(exc) from exc
    if user.role == "auditor":
        audit(session, user, "read.imports", None, request=request)
    return {"batches": items}


@router.get("/{batch_id}", responses={404: {"description": "批次不存在"}})
def batch_rejects(batch_id: Annotated[int, Path(ge=0, le=2**62)], user: Reader, settings: SettingsDep,
                  session: SessionDep, request: Request,
                  limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> dict[str, Any]:
    """一个批次的拒收行（行号、列、原因代码、中文说明）。"""
    try:
        doc: dict[str, Any] = rejects(settings, batch_id, limit)
    except IngestError as exc:
        if "不存在" in str(exc):
            raise HTTPException(404, str(exc)) from exc
        raise _busy(exc) from exc
    if user.role == "auditor":
        audit(session, user, "read.import", str(batch_id), request=request)
    return doc


@router.post("/{table}", status_code=202,
             responses={202: {"description": "已接收，排队导入：返回任务（job_id、状态、查询地址）"},
                        413: {"description": "文件过大"}, 422: {"description": "不是 CSV 或 XLSX 文件"}})
def upload(
    table: Annotated[str, Path(max_length=64, description="数据表（enterprises、statistics_annual …）")],
    user: Importer,
    settings: SettingsDep,
    session: SessionDep,
    request: Request,
    file: Annotated[UploadFile, File(description="CSV（UTF-8、GBK/GB18030）或 XLSX")],
    source: Annotated[str | None, Form(max_length=64, description="来源部门")] = None,
    sheet: Annotated[str | None, Form(max_length=64, description="XLSX 工作表")] = None,
) -> dict[str, Any]:
    """上传一个文件：保存后立即返回导入任务（202），由导入任务进程导入（与命令行 ``zhizao import``
    相同，整体原子提交）；进度与拒收报告见 ``GET /api/imports/jobs/{job_id}``。"""
    job = queue_upload(settings, session, user, table, file, source, sheet, request)
    return job | {"url": f"/api/imports/jobs/{job['job_id']}"}
