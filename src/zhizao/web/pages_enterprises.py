"""一企一档: the firm profile page, built from the sections every room contributes
(``Room.profile_section``), and the firm's own forms (objections, bank consents).

The scope answer is :func:`zhizao.web.profile.firm_view`'s, the same as the API's: a firm
outside the user's scope answers the same 404 as a firm that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from zhizao import rooms
from zhizao.store import publish
from zhizao.store.models import Consent, Objection, User
from zhizao.web import fmt
from zhizao.web.consents import ConsentIn, grant, revoke
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from zhizao.web.objections import file_objection, procedures
from zhizao.web.profile import firm_view
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import (
    WAREHOUSE_BUSY,
    PageError,
    ProfileContext,
    Section,
    audit_page_read,
    division_name,
    not_found,
    region_name,
    scope_of,
)

router = APIRouter(include_in_schema=False)

ENERGY_NAMES = {
    "electricity": "电力", "raw_coal": "原煤", "coke": "焦炭", "crude_oil": "原油", "fuel_oil": "燃料油",
    "gasoline": "汽油", "diesel": "柴油", "lpg": "液化石油气", "natural_gas": "天然气", "heat": "热力",
    "biomass": "生物质", "exported_electricity": "外送电力", "exported_heat": "外供热力",
    "pv_self_use": "光伏自发自用", "green_power": "绿电交易", "green_certificate": "绿证", "sink": "碳汇",
}
UNIT_NAMES = {"kWh": "千瓦时", "t": "吨", "m3": "立方米", "m³": "立方米", "GJ": "吉焦"}
BUSY_NOTE = "数据仓库正在更新，各部门数据暂不可见，请稍后刷新。"

#: (profile key, title with the source department, [(column, Chinese header)])
DEPARTMENTS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("statistics", "统计（统计局）", [("year", "年度"), ("above_scale", "是否规上"), ("gross_output", "工业总产值(万元)"),
                                  ("value_added", "工业增加值(万元)"), ("revenue", "营业收入(万元)"),
                                  ("employees", "从业人员(人)"), ("rd_expense", "研发费用(万元)")]),
    ("tax", "税收（税务局）", [("year", "年度"), ("tax_paid", "实缴税金(万元)")]),
    ("land", "用地（自然资源局）", [("year", "年度"), ("area_mu", "用地面积(亩)"), ("parcels", "宗地数"),
                                 ("leased_mu", "其中租赁(亩)")]),
    ("energy", "能源（电力公司、能源统计）", [("year", "年度"), ("energy_type", "能源品种"), ("quantity", "消费量"),
                                        ("unit", "计量单位"), ("months", "月数")]),
    ("zero_carbon", "零碳电力与碳汇", [("year", "年度"), ("kind", "类别"), ("quantity", "数量"), ("unit", "计量单位")]),
    ("emissions", "主要污染物排放（生态环境局）", [("year", "年度"), ("pollutant", "污染物"), ("quantity_t", "排放量(吨)")]),
]


def department_tables(profile: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The firm's data by department and year, as tables with Chinese headers."""
    if not profile:
        return []
    out = []
    for key, title, cols in DEPARTMENTS:
        rows = profile.get(key) or []
        if not rows:
            continue
        body = []
        for r in rows:
            line = []
            for c, _ in cols:
                v = r.get(c)
                if c in ("energy_type", "kind"):
                    v = ENERGY_NAMES.get(str(v), v)
                elif c == "unit":
                    v = UNIT_NAMES.get(str(v), v)
                elif c == "pollutant":
                    v = fmt.enum_name("emissions", "pollutant", v)
                elif c == "above_scale" and v is not None:
                    v = "是" if v else "否"
                line.append(v)
            body.append(line)
        out.append({"title": title, "columns": [h for _, h in cols], "rows": body})
    return out


def room_sections(ctx: ProfileContext) -> list[Section]:
    """Every room's section for this user (called after the scope check), in order. A room
    whose data waits for the warehouse (another process writes it) is left out with a note."""
    out = []
    for room, hook in rooms.contributions("profile_section"):
        try:
            s = hook(ctx)
        except WAREHOUSE_BUSY:
            s = Section(title=room.title, template="", notes=(f"数据仓库正在更新，{room.title}暂不可见，请稍后刷新。",))
        except HTTPException as exc:
            if exc.status_code != 503:
                raise
            s = Section(title=room.title, template="", notes=(f"数据仓库正在更新，{room.title}暂不可见，请稍后刷新。",))
        if s is not None:
            out.append(s)
    return sorted(out, key=lambda s: s.order)


def objectable(session: Any, credit_code: str) -> list[dict[str, Any]]:
    """The firm's latest published result of every method that takes objections."""
    out = []
    for method, proc in procedures().items():
        years = [r["year"] for r in publish.firm_history(session, method, credit_code)]
        if years:
            out.append({"method": method, "year": years[-1], "label": f"{years[-1]}年 {proc.title}"})
    return out


@router.get("/enterprises/{credit_code}", response_class=HTMLResponse)
def firm_page(request: Request, credit_code: str, user: PageUser, session: SessionDep,
              settings: SettingsDep) -> Response:
    view = firm_view(settings, scope_of(user, session), credit_code)
    code = view.credit_code
    flashes = [("warning", BUSY_NOTE)] if view.busy else []
    audit_page_read(session, user, "page.enterprise", f"enterprise:{code}", request)
    sections = room_sections(ProfileContext(settings=settings, session=session, user=user, credit_code=code,
                                            firm=view.firm, region=view.region, data=view.data))
    flashes += [("warning", n) for s in sections for n in s.notes]
    own = user_attr(user, "role") == "enterprise"
    objections: list[Objection] = []
    consents: list[Consent] = []
    banks: list[User] = []
    if user_attr(user, "role") in ("enterprise", "city", "district", "auditor"):
        objections = list(session.execute(select(Objection).where(Objection.credit_code == code)
                                          .order_by(Objection.filed_at.desc())).scalars())
    if own:
        consents = list(session.execute(select(Consent).where(Consent.credit_code == code)
                                        .order_by(Consent.granted_at.desc())).scalars())
        banks = list(session.execute(select(User).where(User.role == "bank", User.active.is_(True))
                                     .order_by(User.username)).scalars())
    # what an objection was about: the method's objection procedure, else the room it was filed in
    titles = {r.name: r.title for r in rooms.all_rooms()} | {m: p.title for m, p in procedures().items()}
    return render(request, "enterprise.html", {
        "breadcrumbs": [("一企一档", None), (view.firm.get("name") or code, None)],
        "code": code, "ent": view.firm, "sections": room_sections_ctx(sections),
        # a section's chart is its context's ``chart``: the page then loads the chart library
        "charts": any(s.context.get("chart") for s in sections),
        "departments": department_tables(view.data), "objections": objections, "objection_titles": titles,
        "consents": consents, "banks": banks, "own": own, "objectable": objectable(session, code),
        "region_label": region_name(view.region), "industry_label": division_name(view.firm.get("industry_code")),
        "flashes": flashes, "today": dt.date.today().isoformat(),
        "next_year": (dt.date.today() + dt.timedelta(days=365)).isoformat(),
    }, user=user)


def room_sections_ctx(sections: list[Section]) -> list[dict[str, Any]]:
    return [{"title": s.title, "template": s.template, "anchor": s.anchor, "context": s.context}
            for s in sections if s.template]


# ----------------------------------------------------------------------------- the firm's forms


def _own_firm(user: Any, credit_code: str) -> None:
    if user_attr(user, "role") != "enterprise" or user_attr(user, "credit_code") != credit_code:
        raise not_found()


def _back(credit_code: str, msg: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/enterprises/{credit_code}?msg={msg}{anchor}", status_code=303)


def _file_and_commit(session: Any, *args: Any) -> None:
    """File and commit in one thread hop: the event loop never waits on the store."""
    file_objection(session, *args)
    session.commit()


@router.post("/enterprises/{credit_code}/objections")
async def file_objection_form(request: Request, credit_code: str, user: PageUser, session: SessionDep,
                              settings: SettingsDep, csrf_token: str = Form(""), target: str = Form(""),
                              subject: str = Form(""), content: str = Form(""),
                              evidence: UploadFile | None = File(None)) -> Response:
    """The page's way to :func:`zhizao.web.objections.file_objection` (the API's too)."""
    _own_firm(user, credit_code)
    verify_csrf(request, csrf_token)
    method, _, year_s = target.partition(":")
    if not year_s.isdigit():
        return _back(credit_code, "bad_input")
    try:
        await run_in_threadpool(_file_and_commit, session, settings, user, method, int(year_s), subject, content,
                                evidence, request)
    except HTTPException as exc:
        if exc.status_code in (404, 422):  # nothing published to dispute, or the form incomplete
            return _back(credit_code, "bad_input")
        raise PageError(status_code=exc.status_code, detail=exc.detail) from exc
    return _back(credit_code, "objection_filed", "#objections")


@router.post("/enterprises/{credit_code}/consents")
def grant_consent(request: Request, credit_code: str, user: PageUser, session: SessionDep,
                  csrf_token: str = Form(""), bank: str = Form(""), valid_to: str = Form("")) -> Response:
    """The page's way to :func:`zhizao.web.consents.grant` (the API's too)."""
    _own_firm(user, credit_code)
    verify_csrf(request, csrf_token)
    try:
        body = ConsentIn(bank_username=bank, valid_from=dt.date.today(), valid_to=valid_to)  # type: ignore[arg-type]
        grant(session, user, body, request)
    except (ValidationError, HTTPException):
        return _back(credit_code, "bad_input", "#consents")
    session.commit()
    return _back(credit_code, "consent_granted", "#consents")


@router.post("/enterprises/{credit_code}/consents/{consent_id}/revoke")
def revoke_consent(request: Request, credit_code: str, consent_id: int, user: PageUser, session: SessionDep,
                   csrf_token: str = Form("")) -> Response:
    """The page's way to :func:`zhizao.web.consents.revoke` (the API's too)."""
    _own_firm(user, credit_code)
    verify_csrf(request, csrf_token)
    revoke(session, user, consent_id, request)
    session.commit()
    return _back(credit_code, "consent_revoked", "#consents")
