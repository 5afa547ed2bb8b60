"""The web application: JSON API under ``/api`` and the server-rendered pages.

``create_app(settings)`` is the composition root of the web layer: it includes every router
module listed below (each exposes ``router``) and mounts the static files (ECharts is served
from here: intranets have no internet).
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhizao import __version__
from zhizao.settings import Settings, load_settings
from zhizao.store.db import checkpoint_in_background
from zhizao.web.auth import AuthConfig
from zhizao.web.deps import LoginRequired, login_redirect_url
from zhizao.web.middleware import KeptSQL, StaticGZip

#: the core's routers; each room adds its own (``Room.api``, ``Room.pages``)
API_ROUTERS = (
    "zhizao.web.api_auth",
    "zhizao.web.api_enterprises",
    "zhizao.web.api_runs",
    "zhizao.web.api_imports",
    "zhizao.web.api_objections",
    "zhizao.web.api_consents",
    "zhizao.web.api_audit",
    "zhizao.web.api_accounts",
)
PAGE_ROUTERS = (
    "zhizao.web.pages_auth",
    "zhizao.web.pages_cockpit",
    "zhizao.web.pages_enterprises",
    "zhizao.web.pages_imports",
    "zhizao.web.pages_runs",
    "zhizao.web.pages_audit",
    "zhizao.web.pages_accounts",
    "zhizao.web.pages_objections",
    "zhizao.web.pages_consents",
    "zhizao.web.pages_search",
)


#: what the framework says in English, said in Chinese (its own 404/405 and the like)
CHINESE_DETAIL = {
    400: "请求有误", 401: "未登录或登录已过期", 403: "无权访问", 404: "页面或数据不存在",
    405: "不支持该操作（请从页面上的按钮提交）", 406: "不支持的格式", 409: "当前状态下不能进行该操作",
    413: "请求过大", 415: "不支持的文件类型", 422: "请求参数不正确", 429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误", 502: "服务暂不可用", 503: "服务暂不可用，请稍后再试",
}


def chinese_detail(status: int, detail: Any) -> Any:
    """``detail`` unless it is the framework's English phrase for ``status`` (or empty)."""
    if not detail or (isinstance(detail, str) and detail.isascii()):
        return CHINESE_DETAIL.get(status, "请求未能完成")
    return detail


def router_modules() -> list[str]:
    """The core's router modules, then every room's API and page routers (registry order)."""
    from zhizao import rooms

    room_api = [r.api for r in rooms.all_rooms() if r.api]
    room_pages = [r.pages for r in rooms.all_rooms() if r.pages]
    return [*API_ROUTERS, *room_api, *PAGE_ROUTERS, *room_pages]

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Every router module listed above must exist: a missing one is an error (a deployment must
#: never silently serve without part of the API). Tests of a partial app may pass strict=False.
STRICT_DEFAULT = True


class RouterMissing(ImportError):
    pass


def _import_router(name: str, strict: bool) -> Any:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only the module itself being absent may be skipped (and only when not strict); a module
        # that exists but fails to import is always an error.
        if exc.name != name or strict:
            raise
        return None
    router = getattr(module, "router", None)
    if router is None:
        raise RouterMissing(f"{name} has no `router`")
    return router


def create_app(settings: Settings | None = None, *, strict: bool | None = None,
               auth_config: AuthConfig | None = None) -> FastAPI:
    """The FastAPI application over the store and warehouse of ``settings``.

    ``strict`` (default :data:`STRICT_DEFAULT`) makes a missing router
    module an error, so a deployment never silently serves without part of the API.
    """
    settings = settings or load_settings()
    if strict is None:
        strict = STRICT_DEFAULT
    app = FastAPI(
        title="智造 API",
        version=__version__,
        description="市经信局开放平台：工业碳效码、亩均论英雄、工业经济指标（JSON 接口，见 docs/api.md）",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    from zhizao.engine.warehouse import WarehouseBusy as WarehouseLocked
    from zhizao.engine.warehouse import WarehouseMissing

    app.state.settings = settings
    app.state.auth_config = auth_config or AuthConfig.from_env()

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_redirect_url(exc.next_url, exc.expired), status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Any:
        if not request.url.path.startswith("/api"):  # a page with a malformed query: a Chinese error page
            from zhizao.web.templating import render

            return render(request, "error.html", {"status": 400, "message": "请求参数不正确，请检查后重试。"},
                          user=getattr(request.state, "user", None), status_code=400)
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
                  for e in exc.errors()]
        return JSONResponse({"detail": "请求参数不正确", "errors": errors}, status_code=422)

    @app.exception_handler(WarehouseMissing)
    async def _missing(request: Request, exc: WarehouseMissing) -> Any:
        # nothing imported yet: nothing to show (a 404 in Chinese), not a server error
        from zhizao.web.ui import MISSING_TEXT

        return await _http(request, HTTPException(404, MISSING_TEXT))

    @app.exception_handler(WarehouseLocked)
    async def _locked(request: Request, exc: WarehouseLocked) -> Any:
        # the command line holds the warehouse (an import or evaluation): a Chinese 503, retry soon
        return await _http(request, HTTPException(503, "数据仓库正在更新（导入或计算中），请稍后再试",
                                                  headers={"Retry-After": "5"}))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Any:
        # An unexpected error: a Chinese 500 page (or JSON under /api), never a stack trace.
        if not request.url.path.startswith("/api"):
            from zhizao.web.templating import render

            return render(request, "error.html", {"status": 500, "message": "服务器处理请求时出错，请稍后再试或联系管理员。"},
                          user=getattr(request.state, "user", None), status_code=500)
        return JSONResponse({"detail": "服务器内部错误"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        # Pages get a Chinese error page (unknown paths too); the API gets JSON, in Chinese.
        detail = chinese_detail(exc.status_code, exc.detail)
        if not request.url.path.startswith(("/api", "/static/")):
            from jinja2 import TemplateNotFound

            from zhizao.web.templating import render

            try:
                resp = render(request, "error.html", {"status": exc.status_code, "message": detail},
                              user=getattr(request.state, "user", None), status_code=exc.status_code)
            except TemplateNotFound:
                pass
            else:
                for k, v in (exc.headers or {}).items():
                    resp.headers[k] = v
                return resp
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    for name in router_modules():
        router = _import_router(name, strict)
        if router is not None:
            app.include_router(router)

    if STATIC_DIR.exists():
        app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from zhizao.web.guard import GuardMiddleware

    app.add_middleware(GuardMiddleware, settings=settings, auth_config=lambda: app.state.auth_config)
    app.add_middleware(StaticGZip)
    app.add_middleware(KeptSQL, settings=settings)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


class FreezeWhenWarm:
    """Freeze the collector's view again whenever serving has imported more modules.

    :func:`app_from_env` freezes what start-up made, but the pages import much of what they
    need on first use (the rooms' hooks, Ibis for a profile, the charts): after the first visits
    of the cockpit and a profile some 50,000 more long-lived objects were in the collector's
    reach, and a full collection walking them took ~50 ms, paid by whichever request it fell on
    (the p99 of the grade lookup on PostgreSQL, bench/serve_load.py). After a request that
    imported a module, the process collects once and freezes what survives. Modules are
    imported once each, so this happens a bounded number of times; garbage made while serving
    is collected as usual."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.modules = len(sys.modules)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if len(sys.modules) != self.modules:
            self.modules = len(sys.modules)
            gc.collect()
            gc.freeze()


#: what the pages import on first use, at the latest: a profile's published results (Arrow,
#: Parquet), a list page's or an explanation's engine (Ibis), an export (pandas)
WARM_MODULES = ("pyarrow.parquet", "pyarrow.dataset", "pandas", "ibis")


def warm_up(settings: Settings) -> dict[str, int]:
    """Make a web process ready for its first visits, off the request: import what the pages
    import on first use (:data:`WARM_MODULES`), compile the page templates, load the names pages
    show, run the rooms' own warm-ups (``Room.warm_up``), and read and verify the results of the runs
    published (newest first: what the profiles and list pages read, ``runs.results``; a run never
    changes, and its file is verified once per process). The first visit of a page then costs
    what the second does. Anything that fails here is left to the page that needs it."""
    from zhizao import prepared
    from zhizao.rooms import contributions

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    compiled = _compile_templates()
    _load_names()
    read = _attempt("published runs not read", _read_published_runs, settings) or 0
    # no warehouse yet, or another process writes it: the first profile reads it
    _attempt("no profile read", _read_a_profile, settings)
    _attempt("prepared values not read", prepared.warm, settings)  # no home yet
    for room, warm in contributions("warm_up"):  # a room that fails: its first visit does the work
        _attempt(f"the warm-up of {room.name} failed", warm, settings)
    gc.collect()
    gc.freeze()
    return {"modules": len(WARM_MODULES), "templates": compiled, "runs": read}


def _attempt(failure: str, step: Callable[[Settings], Any], settings: Settings) -> Any:
    """One warm-up step; one that fails is logged (``failure``) and left to the page that needs it."""
    try:
        return step(settings)
    except Exception:
        logging.getLogger("zhizao.web").info("warm-up: %s", failure, exc_info=True)
        return None


def _read_published_runs(settings: Settings) -> int:
    """The results of the runs published, newest first, read and verified (``runs.results``):
    how many were read. A run whose file is missing or changed is left to its page."""
    from sqlalchemy import select

    from zhizao import runs
    from zhizao.store.db import session_scope
    from zhizao.store.models import Publication

    with session_scope(settings) as s:
        ids = list(dict.fromkeys(s.scalars(select(Publication.run_id).order_by(Publication.id.desc()))))
    read = 0
    for run_id in ids:
        try:
            runs.results(settings, run_id)
            read += 1
        except Exception:
            continue
    return read


def _read_a_profile(settings: Settings) -> None:
    """One published firm's department summaries read, as a profile reads them: the process's
    shared warehouse reader opened and the facts' columns the profile scans in DuckDB's buffers
    (the first profile of a process took 0.11 s for this, the next 0.045 s)."""
    from sqlalchemy import select

    from zhizao.store.db import session_scope
    from zhizao.store.models import PublishedResult
    from zhizao.web.profile import firm_profile

    with session_scope(settings) as s:
        code = s.scalar(select(PublishedResult.credit_code).order_by(PublishedResult.id.desc()).limit(1))
    if code is not None:
        firm_profile(settings, code)


def _load_names() -> None:
    """What pages name things by, loaded once per process: every method's capability (its
    headers and titles: the 亩均 list's first visit loaded its own, 80 ms), the shipped
    methodologies' titles (every file parsed, 155 ms) and the code tables of regions and
    industries (the first region name read them, 110 ms)."""
    from zhizao import capabilities
    from zhizao.rooms import contributions
    from zhizao.web import fmt

    for method in capabilities.names():
        try:
            capabilities.get(method)
        except Exception:  # a room that cannot load here: its pages say why
            continue
    for kind in ("profile_section", "cockpit_tiles"):  # the rooms' parts of the profile and cockpit
        try:
            list(contributions(kind))
        except Exception:  # likewise
            continue
    fmt.load()


def _compile_templates() -> int:
    """Every page template compiled into the environment's cache (44 templates, ~1 s: the first
    visit of the 亩均 list spent 0.3 s compiling its own). A template made for another
    environment (the review's report, with its own filters) is left to it."""
    from zhizao.web.templating import templates

    env = templates.env
    done = 0
    for name in env.list_templates():
        try:
            env.get_template(name)
        except Exception:  # not a page of this environment
            continue
        done += 1
    return done


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory`` (settings from ``ZHIZAO_HOME`` / ``ZHIZAO_STORE_URL``)."""
    import threading

    settings = load_settings()
    app = create_app(settings)
    app.add_middleware(FreezeWhenWarm)
    checkpoint_in_background(settings.store_url)
    threading.Thread(target=warm_up, args=(settings,), name="zhizao-warm-up", daemon=True).start()
    # The imported libraries (Ibis, pandas, DuckDB, the rooms) leave ~200,000 objects that live as
    # long as the process; a full collection walking them takes hundreds of milliseconds and
    # showed up as the p99 of every request (bench/api_load.py). Freezing them moves them out of
    # the collector's reach; objects made while serving are collected as usual.
    gc.collect()
    gc.freeze()
    return app
