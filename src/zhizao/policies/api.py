"""``/api/policies``: items, a year's prepared matches and the ledger, scoped by role.

``city`` and ``auditor`` see every firm (auditor reads audited), ``district`` its own firms,
``enterprise`` its own, ``bank`` the matches and ledger of firms that authorised it for the
``bank_credit`` purpose (each read audited); anything else answers 404, as for a firm that does not
exist. Firms file a 快申快享 application with one call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from zhizao.policies import prepared
from zhizao.policies import workflow as wf
from zhizao.policies.catalogue import Catalogue, CatalogueError, describe
from zhizao.policies.models import PolicyMatch
from zhizao.web.auth import CurrentUser
from zhizao.web.deps import ApiUser, ScopeDep, SessionDep, SettingsDep, audit_read, not_found, require_roles

router = APIRouter(prefix="/api/policies", tags=["一指减负"])

Year = Annotated[int, Path(ge=1990, le=2100)]
Code = Annotated[str, Path(min_length=18, max_length=18)]
Firm = Annotated[CurrentUser, Depends(require_roles("enterprise"))]


class GapOut(BaseModel):
    criterion: str
    value: float | None
    threshold: float | None
    gap: float | None
    unit: str


class MatchOut(BaseModel):
    credit_code: str
    item_id: str
    subject: str | None
    eligible: bool | str = Field(description="true / false / \"unknown\"")
    mode: str
    expected_benefit: float | None
    reason: str
    gaps: list[GapOut]


class ApplicationIn(BaseModel):
    item_id: str = Field(min_length=1, max_length=64)
    year: int = Field(ge=1990, le=2100)
    subject: str = Field(default="", max_length=64)


@router.get("/items", summary="政策条目")
def items(user: ApiUser, year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> dict[str, Any]:
    cat = Catalogue()
    chosen = cat.for_year(year) if year is not None else cat.items
    return {"items": [describe(it, cat.document_of(it.id)) for it in chosen]}


@router.get("/items/{item_id}", summary="一个政策条目")
def item(item_id: str, user: ApiUser) -> dict[str, Any]:
    cat = Catalogue()
    try:
        it = cat.item(item_id)
    except CatalogueError as exc:
        raise not_found() from exc
    return describe(it, cat.document_of(item_id))


def _visible(scope: Any, session: Any, code: str) -> bool:
    region = session.scalar(select(PolicyMatch.region_code).where(PolicyMatch.credit_code == code).limit(1))
    if scope.role == "bank":
        return wf.has_consent(session, code, "bank_credit")
    return bool(scope.can_see_firm(code, region))


@router.get("/{year}/matches/{credit_code}", response_model=list[MatchOut], summary="一家企业的政策匹配")
def firm_matches(year: Year, credit_code: Code, scope: ScopeDep, session: SessionDep,
                 request: Request) -> list[dict[str, Any]]:
    if not _visible(scope, session, credit_code):
        raise not_found()
    rows = prepared.for_firm(session, year, credit_code)
    if not rows:
        raise not_found()
    audit_read(scope, "read.policies.matches", credit_code, request, {"year": year})
    return rows


@router.get("/{year}/ledger", summary="兑现台账（按范围）")
def ledger(year: Year, scope: ScopeDep, session: SessionDep, settings: SettingsDep, request: Request,
           credit_code: Annotated[str | None, Query(min_length=18, max_length=18)] = None) -> dict[str, Any]:
    role = scope.role
    region = None
    if credit_code is not None:
        if not _visible(scope, session, credit_code):
            raise not_found()
    elif role == "enterprise":
        credit_code = scope.user.credit_code
    elif role == "district":
        region = scope.user.region_code
    elif role not in ("city", "auditor"):
        raise not_found()
    if year in prepared.years(session):  # read from the year's prepared figures
        d, _found = prepared.ledger_view(settings, year, region=region, credit_code=credit_code)
    else:  # no matches saved for the year: what benefits and payouts say
        from zhizao.policies.ledger import ledger as compute

        d = compute(settings, year, credit_code=credit_code, region=region, prepared=True)
    audit_read(scope, "read.policies.ledger", credit_code or region, request, {"year": year})
    return d


@router.post("/applications", status_code=201, summary="快申快享：一键申请",
             responses={404: {"description": "没有可申请的匹配"}, 422: {"description": "不能申请"}})
def apply(body: ApplicationIn, user: Firm, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    code = user.credit_code or ""
    row = next((r for r in prepared.for_firm(session, body.year, code)
                if r["item_id"] == body.item_id and (r["subject"] or "") == body.subject), None)
    if row is None:
        raise not_found()
    try:
        filed = wf.apply(settings, body.year, body.item_id, code, user.username, region_code=row["region_code"],
                         subject=body.subject, claimed=row["expected_benefit"], declared={"reason": row["reason"]})
    except wf.WorkflowError as exc:
        raise HTTPException(422, str(exc)) from exc
    prepared.refresh(settings, body.year)
    return filed
