"""数据导入: the batches, a batch's reject report, and the upload form (the same import as the
API's and ``zhizao import``: :func:`zhizao.web.uploads.import_upload`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import audit_page_read, forbid, not_found
from zhizao.web.uploads import import_upload, safe_name

router = APIRouter(include_in_schema=False)


def _contract_tables() -> list[tuple[str, str]]:
    from zhizao.contract import TABLES

    return [(name, t.title) for name, t in TABLES.items()]


def _batches(settings: Any) -> list[dict[str, Any]]:
    from zhizao.ingest.queries import STATUS_LABELS, list_batches

    out = []
    for b in reversed(list_batches(settings)):  # newest first
        out.append(b | {"status_label": STATUS_LABELS.get(b.get("status") or "", b.get("status") or "")})
    return out


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    forbid(user, "city", "auditor")
    audit_page_read(session, user, "page.imports", "imports", request)
    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", None)], "batches": _batches(settings), "tables": _contract_tables(),
        "result": None, "can_upload": user_attr(user, "role") == "city",
    }, user=user)


@router.get("/imports/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: int, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    forbid(user, "city", "auditor")
    audit_page_read(session, user, "page.batch", f"batch:{batch_id}", request)
    from zhizao.ingest import IngestError, rejects

    try:
        rep = rejects(settings, batch_id)
    except IngestError as exc:
        raise not_found() from exc
    batch = next((b for b in _batches(settings) if b["batch_id"] == batch_id), {})
    result = {**batch, "rejects": rep["rejects"], "rows_rejected": rep["rows_rejected"]}
    tables = dict(_contract_tables())
    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", "/imports"), (f"批次 {batch_id}", None)], "batches": None,
        "tables": list(tables.items()), "result": result, "file_name": rep.get("file") or "",
        "table_label": tables.get(rep["table"], rep["table"]), "can_upload": False, "table_name": rep["table"],
    }, user=user)


@router.post("/imports", response_class=HTMLResponse)
async def upload(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                 csrf_token: str = Form(""), table: str = Form(""), source: str = Form(""),
                 file: UploadFile | None = File(None)) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    from zhizao.ingest import IngestError

    tables = dict(_contract_tables())
    if table not in tables or file is None or not file.filename:
        return RedirectResponse("/imports?msg=bad_input", status_code=303)
    error = None
    result = None
    try:
        result = (await run_in_threadpool(import_upload, settings, session, user, table, file,
                                          source.strip() or "网页上传", None, request)).to_dict()
    except IngestError as exc:  # a file-level error (missing columns, unreadable file) is shown to the user
        error = str(exc)
    except HTTPException as exc:  # not a data file, or too large
        error = str(exc.detail)
    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", "/imports"), ("导入结果", None)], "batches": _batches(settings),
        "tables": list(tables.items()), "result": result, "error": error, "file_name": safe_name(file.filename),
        "table_label": tables.get(table, table), "can_upload": True, "table_name": table,
    }, user=user, status_code=200 if error is None else 400)
