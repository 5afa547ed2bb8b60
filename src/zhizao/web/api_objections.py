"""``/api/objections``: a firm disputes its published result (with evidence); the city decides."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from zhizao.store.db import page
from zhizao.store.models import Objection
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import (
    Scope,
    ScopeDep,
    SessionDep,
    SettingsDep,
    audit_read,
    not_found,
    require_roles,
)
from zhizao.web.objections import MAX_CONTENT, MAX_SUBJECT, decide, file_objection

router = APIRouter(prefix="/api/objections", tags=["异议"])

Filer = Annotated[CurrentUser, Depends(require_roles("enterprise"))]
Decider = Annotated[CurrentUser, Depends(require_roles("city"))]
ObjectionId = Annotated[int, Path(ge=1, le=2**62)]


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


@router.post("", response_model=ObjectionOut, status_code=201,
             responses={404: {"description": "本企业该年度没有已发布的结果"}})
async def create(
    user: Filer,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    method: Annotated[str, Form(max_length=64, description="评价方法（carbon、mujun 等受理异议的方法）")],
    year: Annotated[int, Form(ge=1990, le=2100)],
    subject: Annotated[str, Form(min_length=1, max_length=MAX_SUBJECT)],
    content: Annotated[str, Form(min_length=1, max_length=MAX_CONTENT)],
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
    method: Annotated[str | None, Query(max_length=64)] = None,
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


@router.post("/{objection_id}/decision", response_model=ObjectionOut,
             responses={404: {"description": "不存在"}, 409: {"description": "已处理"}})
def decision(objection_id: ObjectionId, body: DecisionIn, user: Decider, session: SessionDep, settings: SettingsDep,
             request: Request) -> ObjectionOut:
    """市级处理异议：采纳（可注明更正运行）或驳回，并说明理由。"""
    return out(decide(session, settings, user, objection_id, body.status, body.reason, body.correction_run_id,
                      request))
