"""``/api/enterprises``: the firm list and the firm profile (一企一档)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from zhizao.store.publish import firm_history, published_methods
from zhizao.web.deps import NOT_FOUND_BODY, SettingsDep, audit_read
from zhizao.web.deps import ScopeDep as Scope
from zhizao.web.profile import SUMMARIES, firm_view, list_enterprises

router = APIRouter(prefix="/api/enterprises", tags=["企业"])

CreditCode = Annotated[str, Path(min_length=1, max_length=32, description="统一社会信用代码")]
NOT_FOUND_DOC: dict[int | str, dict[str, Any]] = {404: {"description": "不存在或不在权限范围内（二者不可区分）", "content": {
    "application/json": {"example": NOT_FOUND_BODY}}}}


class EnterprisePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


@router.get("", response_model=EnterprisePage)
def enterprises(
    scope: Scope,
    settings: SettingsDep,
    request: Request,
    region: Annotated[str | None, Query(max_length=6, description="行政区划代码")] = None,
    industry: Annotated[str | None, Query(max_length=4, description="行业代码（门类后的 2–4 位）")] = None,
    q: Annotated[str | None, Query(max_length=64, description="名称或信用代码")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> EnterprisePage:
    """企业名录（按角色范围过滤，分页）。"""
    role = scope.role
    codes: list[str] | None = None
    if role == "district":
        region = scope.user.region_code if region in (None, scope.user.region_code) else "\x00"
    elif role == "enterprise":
        codes = [scope.user.credit_code or ""]
    elif role == "bank":
        codes = []  # a bank reads carbon results of consenting firms only, not the register
    total, rows = list_enterprises(settings, region_code=region, industry_code=industry, q=q, codes=codes,
                                   limit=limit, offset=offset)
    audit_read(scope, "read.enterprises", None, request, {"region": region, "industry": industry, "q": q})
    return EnterprisePage(total=total, limit=limit, offset=offset, items=rows)


@router.get("/{credit_code}", responses=NOT_FOUND_DOC)
def enterprise_profile(credit_code: CreditCode, scope: Scope, settings: SettingsDep, request: Request
                       ) -> dict[str, Any]:
    """一企一档：企业基本信息、各部门分年度数据摘要、已发布的各项评价结果。"""
    view = firm_view(settings, scope, credit_code, wait=True)
    profile = view.data or {"enterprise": view.firm, **{k: [] for k in SUMMARIES}}
    for method in profile_methods(scope.session):
        profile[method] = firm_history(scope.session, method, view.credit_code)
    audit_read(scope, "read.enterprise", view.credit_code, request)
    return profile


def profile_methods(session: Any) -> list[str]:
    """The published results a profile lists: every method a room takes objections to (always,
    even before its first publication), then any other method with a publication."""
    from zhizao.web.objections import procedures

    own = list(procedures())
    return own + [m for m in published_methods(session) if m not in own]
