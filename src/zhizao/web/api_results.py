"""The published-results API shared by the methods (``/api/carbon``, ``/api/mujun``).

``results_router(method, …)`` builds one router per method: the hot single-firm lookup (an
indexed read of the store, the stored JSON served as is, no warehouse access), filtered and
paged lists, distributions and the years on offer. Scopes as CONTRACT.md: out of scope is
the same 404 as a missing firm.
"""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from zhizao.caching import Memo
from zhizao.store.hot import audit_writer, consent_lookup
from zhizao.store.publish import (
    Filters,
    distribution,
    list_published,
    payload_lookup,
    published_run,
    published_years,
)
from zhizao.store.publish import publications as list_publications
from zhizao.web.deps import (
    NOT_FOUND_BODY,
    ApiUser,
    Scope,
    ScopeDep,
    SettingsDep,
    audit_read,
    client_ip,
    not_found,
)

Year = Annotated[int, Path(ge=1990, le=2100, description="评价年度")]
CreditCode = Annotated[str, Path(min_length=1, max_length=32, description="统一社会信用代码")]
Limit = Annotated[int, Query(ge=1, le=500, description="每页条数")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="偏移")]
NOT_FOUND_DOC: dict[int | str, dict[str, Any]] = {404: {
    "description": "不存在或不在权限范围内（二者不可区分）",
    "content": {"application/json": {"example": NOT_FOUND_BODY}}}}


class PublicationOut(BaseModel):
    year: int
    run_id: str
    published_by: str | None
    published_at: dt.datetime
    rows: int


class YearsOut(BaseModel):
    method: str
    years: list[int]
    publications: list[PublicationOut]


class ResultPage(BaseModel):
    method: str
    year: int
    run_id: str | None
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


class DistributionOut(BaseModel):
    method: str
    year: int
    by: str
    counts: list[dict[str, Any]]


#: the lists' answers per scope and query, kept until the next publication
_LISTS = Memo(512, published_only=True)


def results_router(method: str, title: str, outcome_param: str, outcome_title: str, order: str,
                   what: str) -> APIRouter:
    """``what`` is the scope category (a bank may read ``carbon`` only)."""
    router = APIRouter(prefix=f"/api/{method}", tags=[title])

    @router.get("", response_model=YearsOut, summary=f"{title}：已发布的年度")
    def years(scope: ScopeDep, request: Request) -> YearsOut:
        pubs = [PublicationOut(year=p.year, run_id=p.run_id, published_by=p.published_by,
                               published_at=p.published_at, rows=p.rows)
                for p in list_publications(scope.session, method)]
        audit_read(scope, f"read.{method}.years", None, request)
        return YearsOut(method=method, years=published_years(scope.session, method), publications=pubs)

    @router.get("/{year}", response_model=ResultPage, summary=f"{title}：结果列表（筛选、分页）")
    def result_list(
        year: Year,
        scope: ScopeDep,
        settings: SettingsDep,
        request: Request,
        region: Annotated[str | None, Query(max_length=6, description="行政区划代码")] = None,
        industry: Annotated[str | None, Query(max_length=4, description="行业代码（2 位大类或 4 位小类）")] = None,
        outcome: Annotated[str | None, Query(alias=outcome_param, max_length=32, description=outcome_title)] = None,
        status: Annotated[str | None, Query(max_length=32, description="评价状态")] = None,
        q: Annotated[str | None, Query(max_length=64, description="企业名称或信用代码")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Response:
        # the same answer for everyone of this scope until the next publication: its JSON is
        # prepared once and kept (the audited reader's entry is still written per request)
        def prepare() -> bytes:
            f = Filters(region_code=region, industry_code=industry, outcome=outcome, status=status, q=q,
                        extra=scope.firm_filter(what=what))
            total, items = list_published(scope.session, method, year, f, limit, offset, order)
            pub = published_run(scope.session, method, year)
            return ResultPage(method=method, year=year, run_id=pub.run_id if pub else None, total=total,
                              limit=limit, offset=offset, items=items).model_dump_json().encode()

        body = _LISTS.get(settings, ("list", method, year, scope.key(what), region, industry, outcome, status, q,
                                     limit, offset), prepare)
        audit_read(scope, f"read.{method}.list", str(year), request,
                   {"region": region, "industry": industry, outcome_param: outcome, "offset": offset})
        return Response(content=body, media_type="application/json")

    @router.get("/{year}/distribution", response_model=DistributionOut,
                summary=f"{title}：{outcome_title}分布（按区县或行业）")
    def result_distribution(
        year: Year,
        scope: ScopeDep,
        request: Request,
        by: Annotated[str, Query(pattern="^(outcome|region|industry)$", description="outcome、region 或 industry")]
        = "outcome",
        region: Annotated[str | None, Query(max_length=6)] = None,
        industry: Annotated[str | None, Query(max_length=4)] = None,
    ) -> DistributionOut:
        f = Filters(region_code=region, industry_code=industry, extra=scope.firm_filter(what=what))
        counts = [{(outcome_param if k == "outcome" else k): v for k, v in c.items()}
                  for c in distribution(scope.session, method, year, by, f)]
        audit_read(scope, f"read.{method}.distribution", str(year), request, {"by": by})
        return DistributionOut(method=method, year=year, by=by, counts=counts)

    @router.get("/{year}/{credit_code}", responses=NOT_FOUND_DOC,
                summary=f"{title}：单个企业最新发布的结果")
    async def result_one(year: Year, credit_code: CreditCode, user: ApiUser, settings: SettingsDep,
                         request: Request) -> Response:
        # The hot path. One indexed read of the store, served as the stored JSON text. It runs on
        # the event loop rather than in the thread pool: the read takes well under a millisecond,
        # less than the hand-off to a worker thread would. A bank's consent is one more indexed
        # read; a bank's or an auditor's read is answered only once its audit entry is committed
        # (the entries of concurrent reads share one commit: zhizao.store.hot).
        code = credit_code.upper()
        hit = payload_lookup(settings.store_url, method, year, code)
        if hit is None:
            raise not_found()
        if user.role == "bank":
            ok = what == "carbon" and consent_lookup(settings.store_url, user.id, code, "carbon")
        else:
            ok = Scope(user, None).can_see_firm(code, hit[1], what)  # type: ignore[arg-type]
        if not ok:
            raise not_found()
        if user.role in ("bank", "auditor"):
            await audit_writer(settings.store_url).record(f"read.{method}", username=user.username, role=user.role,
                                                          target=code, detail={"year": year}, ip=client_ip(request))
        return Response(content=hit[0], media_type="application/json")

    return router
