"""账户管理 (the city administrator) and 修改密码 (every user): the pages' way to the actions of
:mod:`zhizao.web.accounts` (the API's too)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao.store.accounts import MIN_PASSWORD, ROLE_TITLES, NewUser, list_users
from zhizao.web.accounts import add_account, change_own_password, reset_password, set_account_active
from zhizao.web.deps import PageUser, SessionDep, verify_csrf
from zhizao.web.templating import ROLE_NAMES, render
from zhizao.web.ui import audit_page_read, forbid, region_name

router = APIRouter(include_in_schema=False)

def _districts(session: Any) -> list[tuple[str, str]]:
    """The districts an account can be given: those of the city's published firms and accounts."""
    from sqlalchemy import select

    from zhizao.store.models import PublishedResult, User

    codes = set(session.scalars(select(PublishedResult.region_code).distinct()))
    codes |= set(session.scalars(select(User.region_code).distinct()))
    return [(c, region_name(c)) for c in sorted(c for c in codes if c and not c.endswith("00"))]


def _firm_names(session: Any, codes: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from zhizao.store.models import PublishedResult

    if not codes:
        return {}
    rows = session.execute(select(PublishedResult.credit_code, PublishedResult.name)
                           .where(PublishedResult.credit_code.in_(codes)).distinct())
    return {c: n for c, n in rows if n}


def _accounts_page(request: Request, user: Any, session: Any, error: str = "", form: dict[str, str] | None = None,
                   status: int = 200) -> Response:
    users = list_users(session)
    names = _firm_names(session, [u.credit_code for u in users if u.credit_code])
    rows = [{"username": u.username, "display_name": u.display_name or "", "role": ROLE_NAMES.get(u.role, u.role),
             "scope": region_name(u.region_code) if u.region_code else
             (names.get(u.credit_code, "") + f"（{u.credit_code}）" if u.credit_code else
              "已授权企业的碳效码" if u.role == "bank" else "全市"),
             "active": u.active, "created_at": u.created_at, "self": u.username == user.username} for u in users]
    return render(request, "accounts.html", {
        "breadcrumbs": [("账户管理", None)], "rows": rows, "error": error, "form": form or {},
        "roles": [(k, ROLE_NAMES.get(k, v)) for k, v in ROLE_TITLES.items()], "districts": _districts(session),
        "min_password": MIN_PASSWORD,
    }, user=user, status_code=status)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    forbid(user, "city")
    return _accounts_page(request, user, session)


@router.post("/accounts", response_class=HTMLResponse)
def add_account_form(request: Request, user: PageUser, session: SessionDep, csrf_token: str = Form(""),
                     username: str = Form(""), role: str = Form(""), region_code: str = Form(""),
                     credit_code: str = Form(""), display_name: str = Form(""), password: str = Form("")) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    new = NewUser(username.strip(), role, region_code.strip() or None, credit_code.strip().upper() or None,
                  display_name.strip() or None)
    try:
        add_account(session, user, new, password, request)
    except HTTPException as exc:
        form = {"username": username, "role": role, "region_code": region_code, "credit_code": credit_code,
                "display_name": display_name}
        return _accounts_page(request, user, session, str(exc.detail), form, status=exc.status_code)
    session.commit()
    return RedirectResponse("/accounts?msg=account_added", status_code=303)


def _row_action(request: Request, user: Any, session: Any, csrf_token: str, act: Any, msg: str) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    try:
        act()
    except HTTPException as exc:
        return _accounts_page(request, user, session, str(exc.detail), status=exc.status_code)
    session.commit()
    return RedirectResponse(f"/accounts?msg={msg}", status_code=303)


@router.post("/accounts/{username}/disable")
def disable_form(request: Request, username: str, user: PageUser, session: SessionDep,
                 csrf_token: str = Form("")) -> Response:
    return _row_action(request, user, session, csrf_token,
                       lambda: set_account_active(session, user, username, False, request), "account_disabled")


@router.post("/accounts/{username}/enable")
def enable_form(request: Request, username: str, user: PageUser, session: SessionDep,
                csrf_token: str = Form("")) -> Response:
    return _row_action(request, user, session, csrf_token,
                       lambda: set_account_active(session, user, username, True, request), "account_enabled")


@router.post("/accounts/{username}/password")
def reset_form(request: Request, username: str, user: PageUser, session: SessionDep, csrf_token: str = Form(""),
               password: str = Form("")) -> Response:
    return _row_action(request, user, session, csrf_token,
                       lambda: reset_password(session, user, username, password, request), "password_reset")


# ----------------------------------------------------------------------------- one's own password


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    audit_page_read(session, user, "page.password", user.username, request)
    return render(request, "password.html", {"breadcrumbs": [("修改密码", None)], "error": "",
                                             "min_password": MIN_PASSWORD}, user=user)


@router.post("/account/password", response_class=HTMLResponse)
def password_submit(request: Request, user: PageUser, session: SessionDep, csrf_token: str = Form(""),
                    old_password: str = Form(""), new_password: str = Form(""),
                    confirm_password: str = Form("")) -> Response:
    verify_csrf(request, csrf_token)
    error = ""
    if new_password != confirm_password:
        error = "两次输入的新密码不一致"
    else:
        try:
            change_own_password(session, user, old_password, new_password, request)
        except HTTPException as exc:
            error = str(exc.detail)
    if error:
        return render(request, "password.html", {"breadcrumbs": [("修改密码", None)], "error": error,
                                                 "min_password": MIN_PASSWORD}, user=user, status_code=422)
    session.commit()
    return RedirectResponse("/account/password?msg=password_changed", status_code=303)
