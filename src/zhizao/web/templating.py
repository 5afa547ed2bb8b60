"""Jinja2 templates for the web UI and the one place that renders a page.

Templates live in ``web/templates`` (layout, shared pages) and in each room's ``templates/``
folder, namespaced by a sub-folder (``carbon/list.html``), so rooms never collide.
:func:`render` adds what every page needs: the user, the CSRF token, the navigation for the
user's role, flash messages and the app version.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape

from zhizao import __version__, rooms
from zhizao.web import fmt

_PKG = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [_PKG / "web" / "templates", *rooms.template_dirs()]

templates = Jinja2Templates(directory=str(TEMPLATE_DIRS[0]))
templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.exists()])

ROLE_NAMES = {
    "city": "市经信局",
    "district": "区县经信部门",
    "enterprise": "企业",
    "bank": "合作银行",
    "auditor": "审计",
}

#: the core's navigation entries; each room adds its own (``Room.nav``). The enterprise's own
#: profile is added per user.
CORE_NAV: list[rooms.NavEntry] = [
    rooms.NavEntry("驾驶舱", "/", ("city", "district", "auditor"), order=0),
    rooms.NavEntry("数据导入", "/imports", ("city", "auditor"), order=900),
    rooms.NavEntry("评价运行", "/runs", ("city", "auditor"), order=910),
    rooms.NavEntry("授权企业", "/consents", ("bank",), order=15),
    rooms.NavEntry("异议处理", "/objections", ("city", "district", "auditor"), order=940),
    rooms.NavEntry("审计日志", "/audit", ("city", "auditor"), order=950),
    rooms.NavEntry("账户管理", "/accounts", ("city",), order=960),
]
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    (e.label, e.path, e.roles) for e in sorted([*CORE_NAV, *rooms.nav_entries()], key=lambda e: e.order)]

#: Flash messages travel as a code in the query string (``?msg=objection_filed``): only known
#: codes are shown, so nobody can make the site display text of their choosing.
FLASH = {
    "objection_filed": ("success", "异议已提交，我们将在规定时限内答复。"),
    "objection_decided": ("success", "异议已处理。"),
    "consent_granted": ("success", "已授权银行查询本企业碳效码。"),
    "consent_revoked": ("success", "已撤销对该银行的授权。"),
    "published": ("success", "评价结果已发布。"),
    "imported": ("success", "文件已导入。"),
    "logged_out": ("info", "您已退出登录。"),
    "expired": ("info", "登录已过期，请重新登录。登录后将回到原页面，已填写的内容仍保留在本浏览器中。"),
    "page_clamped": ("info", "页码超出范围，已显示最后一页。"),
    "csrf": ("error", "表单已过期，请刷新页面后重试。"),
    "bad_input": ("error", "提交的内容不完整或格式不正确。"),
    "workflow_done": ("success", "亩均评价流程已更新。"),
    "account_added": ("success", "账户已新增。"),
    "account_disabled": ("success", "账户已停用，其登录已失效。"),
    "account_enabled": ("success", "账户已启用。"),
    "password_reset": ("success", "密码已重置，该账户需用新密码重新登录。"),
    "password_changed": ("success", "密码已修改，其他设备上的登录已失效。"),
}

GRADE_CSS = {1: "grade-1", 2: "grade-2", 3: "grade-3", 4: "grade-4", 5: "grade-5"}
GRADE_HEX = {1: "#0f5b2e", 2: "#38a169", 3: "#e3b505", 4: "#ed8936", 5: "#d62828"}
GRADE_COLOUR_NAMES = {1: "深绿", 2: "绿", 3: "黄", 4: "橙", 5: "红"}


def user_attr(user: Any, name: str, default: Any = None) -> Any:
    if user is None:
        return default
    if isinstance(user, Mapping):
        return user.get(name, default)
    return getattr(user, name, default)


def nav_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    role = user_attr(user, "role")
    items: list[dict[str, Any]] = []
    if role == "enterprise" and user_attr(user, "credit_code"):
        items.append({"label": "我的企业档案", "href": f"/enterprises/{user_attr(user, 'credit_code')}"})
    items += [{"label": label, "href": href} for label, href, roles in NAV if role in roles]
    for it in items:
        href = it["href"]
        it["active"] = current_path == href if href == "/" else current_path.startswith(href)
    return items


def _user_label(user: Any) -> str:
    """The name in the header; the role is added unless the name already says it
    (never "市经信局（市经信局）")."""
    name = str(user_attr(user, "display_name") or user_attr(user, "username") or "")
    role = ROLE_NAMES.get(user_attr(user, "role") or "", "")
    if not role or role in name or name in role:
        return name or role
    return f"{name}（{role}）"


def _csrf(request: Request) -> str:
    try:
        from zhizao.web.deps import csrf_token
    except ImportError:  # the store/auth layer is another helper's and may not be there yet
        return ""
    return str(csrf_token(request))


#: stand-ins for the two things of a kept page that belong to one user (see :func:`render`)
_MARK = secrets.token_hex(8)
_CSRF_MARK, _USER_MARK = f"csrf{_MARK}", f"user{_MARK}"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    user: Any = None,
    status_code: int = 200,
    keep_in: dict[Any, Any] | None = None,
) -> HTMLResponse:
    """The page ``template`` for ``user`` with ``context``.

    ``keep_in``: the dict of prepared figures the page shows (a memo's value, the same for
    everyone of the user's scope until the data change). The page's HTML is kept in it per
    template, role, navigation and address, rendered once with stand-ins for the only parts that
    belong to one user — the CSRF token and the user's name — which each request fills in. A
    page read thousands of times between two publications is rendered once (rendering was most
    of the list page's and the cockpit's time), and goes when the figures go."""
    ctx: dict[str, Any] = dict(context or {})
    flashes = list(ctx.pop("flashes", []))
    msg = request.query_params.get("msg")
    if msg in FLASH:
        flashes.append(FLASH[msg])
    role = user_attr(user, "role")
    nav = nav_for(user, request.url.path)
    ctx.update(
        request=request,
        user=user,
        role=role,
        role_name=ROLE_NAMES.get(role or "", ""),
        user_label=_user_label(user),
        csrf_token=_csrf(request),
        nav=nav,
        flashes=flashes,
        app_version=__version__,
        city_name=ctx.get("city_name") or "市经济和信息化局",
    )
    if keep_in is None or status_code != 200:
        return templates.TemplateResponse(request, template, ctx, status_code=status_code)
    key = ("page", template, role, tuple((e["href"], e["label"], e["active"]) for e in nav),
           request.url.path, request.url.query, tuple(map(tuple, flashes)), ctx["city_name"])
    html = keep_in.get(key)
    if html is None:
        html = templates.get_template(template).render({**ctx, "csrf_token": _CSRF_MARK, "user_label": _USER_MARK})
        keep_in[key] = html
    return HTMLResponse(html.replace(_CSRF_MARK, str(escape(ctx["csrf_token"])))
                        .replace(_USER_MARK, str(escape(ctx["user_label"]))))


# ---------------------------------------------------------------------------- filters


#: the one formatting layer (``zhizao.web.fmt``), kept under the old names for callers
fmt_num = fmt.num
fmt_pct = fmt.pct


def tojson_script(value: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def carbon_tile(credit_code: str, grade: Any) -> Markup:
    """A QR-like 7×7 tile painted in the grade colour: three finder corners as in a QR code and
    a pattern derived from the credit code, so each firm's code looks like its own."""
    try:
        g = int(grade)
    except (TypeError, ValueError):
        g = 0
    css = GRADE_CSS.get(g, "grade-none")
    bits = hashlib.sha256(str(credit_code).encode()).digest()
    cells = []
    for r in range(7):
        for c in range(7):
            corner = (r < 3 and c < 3) or (r < 3 and c > 3) or (r > 3 and c < 3)
            if corner:
                rr, cc = (r if r < 3 else r - 4), (c if c < 3 else c - 4)
                on = not (rr == 1 and cc == 1)  # a hollow 3×3 square, like a QR finder
            else:
                on = bool(bits[(r * 7 + c) % 32] & (1 << ((r + c) % 8)))
            cells.append("<i></i>" if on else '<i class="off"></i>')
    label = GRADE_COLOUR_NAMES.get(g, "未评级")
    return Markup(f'<div class="carbon-tile {css}" role="img" aria-label="碳效码 {label}">{"".join(cells)}</div>')


def query_pairs(params: Any) -> list[tuple[str, str]]:
    """The fields of a query string (``a=1&b=2``), without ``page`` (a jump form's hidden inputs)."""
    from urllib.parse import parse_qsl

    return [(k, v) for k, v in parse_qsl(str(params or ""), keep_blank_values=False) if k != "page"]


for _name in ("num", "count", "money", "pct", "ratio_pct", "signed_pct", "change", "date", "datetime", "month",
              "industry", "division", "region", "table_title", "methodology", "method_title", "run_label", "engine", "plain",
              "person"):
    templates.env.filters[_name] = getattr(fmt, _name)
templates.env.globals["field_label"] = fmt.field_label
templates.env.globals["column_header"] = fmt.column_header
templates.env.filters["query_pairs"] = query_pairs
templates.env.filters["tojson_script"] = tojson_script
templates.env.globals["carbon_tile"] = carbon_tile
templates.env.globals["GRADE_CSS"] = GRADE_CSS
templates.env.globals["GRADE_COLOUR_NAMES"] = GRADE_COLOUR_NAMES
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES
