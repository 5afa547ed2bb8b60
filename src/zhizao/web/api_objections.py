"""``/api/objections``: a firm disputes its published result (with evidence); the city decides."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.store.db import page
from zhizao.store.models import Objection, PublishedResult, utcnow
from zhizao.store.publish import published_payload
from zhizao.web.api_imports import save_upload
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import (
    Scope,
    ScopeDep,
    SessionDep,
    SettingsDep,
    audit,
    audit_read,
    not_found,
    require_roles,
)

router = APIRouter(prefix="/api/objections", tags=["异议"])

Filer = Annotated[CurrentUser, Depends(require_roles("enterprise"))]
Decider = Annotated[CurrentUser, Depends(require_roles("city"))]
ObjectionId = Annotated[int, Path(ge=1, le=2**62)]
METHODS = ("carbon", "mujun")
MAX_EVIDENCE = 20 * 1024 * 1024


class ObjectionOut(BaseModel):
    id: int
    method: str
    year: int
    run_id: str | None
    credit_code: str
    filed_by: str
    filed_at: dt.datetime
    subject: str
    content: str
    evidence_name: str | None
    evidence_sha256: str | None
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    correction_run_id: str | None


class ObjectionPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ObjectionOut]


class DecisionIn(BaseModel):
    status: Literal["accepted", "rejected"]
    reason: str = Field(min_length=1, max_length=4000)
    correction_run_id: str | None = Field(default=None, max_length=64)


def out(o: Objection) -> ObjectionOut:
    return ObjectionOut.model_validate(o, from_attributes=True)


def _visible(scope: Scope, o: Objection | None) -> Objection:
    # objections are about a firm's results: the firm, its district, the city and auditors see them
    if o is None or not scope.can_see_firm(o.credit_code, o.region_code, "objection"):
        raise not_found()
    return o


#: A method whose objections follow its own procedure (e.g. 亩均's objection window) registers a
#: filer here: ``filer(settings, user, year, subject, content, evidence_path) -> objection id``,
#: raising ``HTTPException`` when the procedure refuses. The core never imports the rooms.
FILERS: dict[str, Callable[[Any, CurrentUser, int, str, str, FsPath | None], int]] = {}


def file_objection(session: Session, settings: Any, user: CurrentUser, method: str, year: int, subject: str,
                   content: str, evidence: UploadFile | None, ip_request: Request | None) -> Objection:
    """File an objection against the firm's published result (used by the API and the pages)."""
    code = user.credit_code or ""
    if method in FILERS:
        path = save_upload(settings, evidence, "evidence") if evidence is not None and evidence.filename else None
        oid = FILERS[method](settings, user, year, subject, content, path)
        session.expire_all()
        filed = session.get(Objection, oid)
        if filed is None:
            raise not_found()
        audit(session, user, "objection.file", str(oid), {"method": method, "year": year, "credit_code": code,
                                                          "evidence_sha256": filed.evidence_sha256}, ip_request)
        return filed
    hit = published_payload(session, method, year, code)
    if hit is None:
        raise HTTPException(404, "本企业该年度没有已发布的评价结果，无法提出异议")
    run_id = session.scalar(select(PublishedResult.run_id).where(
        PublishedResult.method == method, PublishedResult.year == year, PublishedResult.credit_code == code).limit(1))
    o = Objection(method=method, year=year, run_id=run_id, credit_code=code, region_code=hit[1],
                  filed_by=user.username, subject=subject.strip(), content=content.strip(), status="pending")
    if evidence is not None and evidence.filename:
        path = save_upload(settings, evidence, "evidence")
        size = path.stat().st_size
        if size > MAX_EVIDENCE:
            path.unlink()
            raise HTTPException(413, "证明材料过大（上限 20 MB）")
        o.evidence_name = path.name
        o.evidence_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        o.evidence_path = str(path)
    session.add(o)
    session.flush()
    audit(session, user, "objection.file", str(o.id), {"method": method, "year": year, "credit_code": code,
                                                        "evidence_sha256": o.evidence_sha256}, ip_request)
    return o


@router.post("", response_model=ObjectionOut, status_code=201,
             responses={404: {"description": "本企业该年度没有已发布的结果"}})
async def create(
    user: Filer,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    method: Annotated[Literal["carbon", "mujun"], Form(description="carbon 或 mujun")],
    year: Annotated[int, Form(ge=1990, le=2100)],
    subject: Annotated[str, Form(min_length=1, max_length=200)],
    content: Annotated[str, Form(min_length=1, max_length=20000)],
    evidence: Annotated[UploadFile | None, File(description="证明材料（可选）")] = None,
) -> ObjectionOut:
    """企业对本企业已发布的评价结果提出异议（可附证明材料）。"""
    o = await run_in_threadpool(file_objection, session, settings, user, method, year, subject, content, evidence,
                                request)
    return out(o)


@router.get("", response_model=ObjectionPage)
def objections(
    scope: ScopeDep,
    request: Request,
    status: Annotated[Literal["pending", "accepted", "rejected"] | None, Query()] = None,
    method: Annotated[Literal["carbon", "mujun"] | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ObjectionPage:
    """异议列表（企业只见本企业的，区县只见本辖区的）。"""
    q = select(Objection).where(*scope.firm_filter(Objection.credit_code, Objection.region_code, "objection"))
    if status:
        q = q.where(Objection.status == status)
    if method:
        q = q.where(Objection.method == method)
    if year:
        q = q.where(Objection.year == year)
    total, rows = page(scope.session, q, (Objection.id.desc(),), limit, offset)
    items = [out(o) for o in rows]
    audit_read(scope, "read.objections", None, request, {"status": status, "method": method, "year": year})
    return ObjectionPage(total=int(total), limit=limit, offset=offset, items=items)


@router.get("/{objection_id}", response_model=ObjectionOut, responses={404: {"description": "不存在或无权查看"}})
def objection(objection_id: ObjectionId, scope: ScopeDep, request: Request) -> ObjectionOut:
    """一条异议。"""
    o = _visible(scope, scope.session.get(Objection, objection_id))
    audit_read(scope, "read.objection", str(objection_id), request)
    return out(o)


@router.get("/{objection_id}/evidence", response_class=FileResponse,
            responses={404: {"description": "不存在、无材料或无权查看"}})
def evidence(objection_id: ObjectionId, scope: ScopeDep, request: Request) -> FileResponse:
    """下载异议的证明材料。"""
    o = _visible(scope, scope.session.get(Objection, objection_id))
    if not o.evidence_path:
        raise not_found()
    audit_read(scope, "read.objection.evidence", str(objection_id), request)
    return FileResponse(o.evidence_path, filename=o.evidence_name or "evidence")


#: Like :data:`FILERS`, for deciding: ``decider(settings, user, objection_id, status, reason)``.
DECIDERS: dict[str, Callable[[Any, CurrentUser, int, str, str], None]] = {}


def decide(session: Session, user: CurrentUser, objection_id: int, body: DecisionIn, request: Request | None,
           settings: Any = None) -> Objection:
    """Accept or reject a pending objection (used by the API and the pages)."""
    o = session.get(Objection, objection_id)
    if o is None:
        raise not_found()
    if o.status != "pending":
        raise HTTPException(409, "该异议已处理，不能重复处理")
    if o.method in DECIDERS and settings is not None:
        DECIDERS[o.method](settings, user, objection_id, body.status, body.reason)
        session.expire_all()
        decided = session.get(Objection, objection_id)
        audit(session, user, "objection.decide", str(objection_id), {"status": body.status}, request)
        return decided or o
    o.status = body.status
    o.decided_by = user.username
    o.decided_at = utcnow()
    o.decision_reason = body.reason.strip()
    o.correction_run_id = body.correction_run_id or None
    audit(session, user, "objection.decide", str(o.id), {"status": body.status,
                                                          "correction_run_id": o.correction_run_id}, request)
    return o


@router.post("/{objection_id}/decision", response_model=ObjectionOut,
             responses={404: {"description": "不存在"}, 409: {"description": "已处理"}})
def decision(objection_id: ObjectionId, body: DecisionIn, user: Decider, session: SessionDep, settings: SettingsDep,
             request: Request) -> ObjectionOut:
    """市级处理异议：采纳（可注明更正运行）或驳回，并说明理由。"""
    return out(decide(session, user, objection_id, body, request, settings))
