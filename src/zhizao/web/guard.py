"""The outermost layer of the web app (pure ASGI): limits before anything is read, and headers.

- **Body limits before authentication and before spooling.** A request body is capped by its
  kind (:class:`zhizao.settings.Limits`): a multipart upload to the import routes at the upload
  cap, any other multipart (objection evidence) at the evidence cap, everything else (JSON,
  forms, the login) at ``body_bytes``. A declared ``Content-Length`` above the cap is answered
  413 without reading a byte; a chunked body is counted as it arrives and cut off at the cap.
- **Anonymous multipart refused early.** A multipart request without a valid session or bearer
  token is answered 401 before its body is read (nothing is spooled to disk).
- **Numeric query parameters** (``page``, ``offset``, ``year``…) outside ±10⁹ are a 400 rather
  than an integer overflow deep in a query.
- **Server-Timing** on every response the app answers: ``app;dur=<ms>``, the time from the
  request's arrival to its response headers (what ``bench/page_visits.py`` records per page).
- **Security headers** on every response: CSP, ``X-Frame-Options: DENY``, ``nosniff``,
  ``Referrer-Policy``; and ``Cache-Control: no-store`` on everything but the static files, so no
  page or API answer (all of them carry someone's data) is kept by a browser or proxy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException

from zhizao.settings import Limits, Settings
from zhizao.web.auth import SESSION_COOKIE, AuthConfig, cached_user, resolve_token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
#: routes whose multipart body is a department file (the upload cap); other multipart: evidence
UPLOAD_PREFIXES = ("/api/imports", "/imports")
#: query parameters that are integers everywhere they occur
NUMERIC_PARAMS = frozenset({"page", "offset", "limit", "year", "y_from", "y_to", "days", "batch_id"})
MAX_NUMBER = 10**9
#: form fields around a file (CSRF token, table, source…)
FORM_OVERHEAD = 1024 * 1024
#: the interactive API documentation loads its own scripts; it gets no CSP
NO_CSP = ("/api/docs",)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` while the app reads the body: the app's own handler answers 413."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"请求过大（上限 {cap // (1024 * 1024):,} MB）")


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or ():
        if k == name:
            return bytes(v).decode("latin-1")
    return None


def _token(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    cookie = _header(scope, b"cookie") or ""
    for part in cookie.split(";"):
        k, _, v = part.strip().partition("=")
        if k == SESSION_COOKIE:
            return v
    return None


def body_cap(limits: Limits, path: str, content_type: str) -> int:
    if content_type.startswith("multipart/"):
        if path.startswith(UPLOAD_PREFIXES):
            return limits.upload_bytes + FORM_OVERHEAD
        return limits.evidence_bytes + FORM_OVERHEAD
    return limits.body_bytes


def _bad_numbers(query: bytes) -> bool:
    for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=False):
        if k in NUMERIC_PARAMS:
            text = v.strip().lstrip("+-")
            if text.isdigit() and (len(text) > 10 or int(text) > MAX_NUMBER):
                return True
    return False


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, auth_config: Callable[[], AuthConfig]) -> None:
        self.app = app
        self.settings = settings
        self.auth_config = auth_config

    async def _answer(self, scope: Scope, send: Send, status: int, detail: str,
                      extra: list[tuple[bytes, bytes]] | None = None) -> None:
        is_api = scope["path"].startswith("/api")
        if is_api:
            body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
            ctype = b"application/json"
        else:
            body = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{status}</title>"
                    f"<p>{detail}</p></html>").encode()
            ctype = b"text/html; charset=utf-8"
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close"), *(extra or [])]
        await send({"type": "http.response.start", "status": status, "headers": self._headers(scope, headers)})
        await send({"type": "http.response.body", "body": body})

    async def _to_login(self, scope: Scope, send: Send) -> None:
        from zhizao.web.deps import login_redirect_url, referer_path

        back = referer_path(_header(scope, b"referer"), _header(scope, b"host")) or "/"
        headers = [(b"location", login_redirect_url(back, expired=True).encode()), (b"content-length", b"0"),
                   (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 303, "headers": self._headers(scope, headers)})
        await send({"type": "http.response.body", "body": b""})

    def _headers(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        path: str = scope["path"]
        have = {k.lower() for k, _ in headers}
        out = list(headers)
        out += [h for h in SECURITY_HEADERS if h[0] not in have]
        if b"content-security-policy" not in have and not path.startswith(NO_CSP):
            out.append((b"content-security-policy", CSP.encode()))
        if not path.startswith("/static/"):
            out = [h for h in out if h[0].lower() != b"cache-control"]
            out.append((b"cache-control", b"no-store"))
        return out

    async def _signed_in(self, scope: Scope) -> bool:
        token = _token(scope)
        if not token:
            return False
        if cached_user(token) is not None:
            return True
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(resolve_token, self.settings, token, self.auth_config()) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _bad_numbers(scope.get("query_string") or b""):
            await self._answer(scope, send, 400, "请求参数不正确（数值超出范围）")
            return
        limits = self.settings.limits
        path: str = scope["path"]
        ctype = (_header(scope, b"content-type") or "").lower()
        cap = body_cap(limits, path, ctype)
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > cap
            except ValueError:
                await self._answer(scope, send, 400, "请求格式不正确")
                return
            if too_big:
                await self._answer(scope, send, 413, f"请求过大（上限 {cap // (1024 * 1024):,} MB）")
                return
        if ctype.startswith("multipart/") and scope.get("method") == "POST" and not await self._signed_in(scope):
            if path.startswith("/api"):
                await self._answer(scope, send, 401, "请先登录")
            else:  # a page's form posted after the session ended: log in, then back to the form
                await self._to_login(scope, send)
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(cap)
            return message

        started = False
        arrived = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                took = f"app;dur={(time.perf_counter() - arrived) * 1000:.1f}".encode()
                message["headers"] = [*self._headers(scope, list(message.get("headers") or [])),
                                      (b"server-timing", took)]
            await send(message)

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await self._answer(scope, send, 413, str(exc.detail))
