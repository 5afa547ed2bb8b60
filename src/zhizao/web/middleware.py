"""Middleware of the web app that is not about who may see what (that is :mod:`zhizao.web.guard`):
compressed static files, and the compiled SQL each request keeps in the home."""

from __future__ import annotations

from typing import Any

from zhizao.settings import Settings


class KeptSQL:
    """Every request keeps the SQL it compiles in the home (``<home>/cache/sql``,
    :func:`zhizao.engine.compiled.kept_in`), as the worker's jobs do: a page for a day or a month
    not seen before reads the template the worker compiled for the default one, in any web
    process, instead of compiling it again (1.2 s for the projects' states)."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.directory = settings.sql_cache_dir

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        from zhizao.engine.compiled import kept_in

        with kept_in(self.directory):
            await self.app(scope, receive, send)


class StaticGZip:
    """The static files (the chart library, the stylesheet, the script) gzip-compressed for a
    browser that asks: a county office's or a phone's line carries the chart library in 189 KB
    instead of 564 KB. Only those: a page or an API answer carries the session's CSRF token beside
    what the user typed, and compressing the two together lets an observer of the sizes guess the
    token (BREACH)."""

    def __init__(self, app: Any) -> None:
        from starlette.middleware.gzip import GZipMiddleware

        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024, compresslevel=6)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/static/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
