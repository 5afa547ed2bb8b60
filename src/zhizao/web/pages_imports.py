"""数据导入: the batches, a batch's reject report, the upload form and the upload's job page
(the upload is queued for the import worker as the API's is — :func:`zhizao.web.uploads.queue_upload` —
and the job page follows it until its reject report is there)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhizao.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import audit_page_read, forbid, not_found
from zhizao.web.uploads import queue_upload

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
    from zhizao.ingest import jobs

    return render(request, "imports.html", {
        "breadcrumbs": [("数据导入", None)], "batches": _batches(settings), "tables": _contract_tables(),
        "result": None, "can_upload": user_attr(user, "role") == "city", "jobs": jobs.recent(settings, 10),
    }, user=user)


@router.get("/imports/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: int, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    """An upload's job: queued or running (the page reloads itself every 2 s), then its result and
    reject report, or why the file was refused."""
    forbid(user, "city", "auditor")
    from zhizao.ingest import jobs

    job = jobs.get(settings, job_id)
    if job is None:
        raise not_found()
    audit_page_read(session, user, "page.import_job", f"job:{job_id}", request)
    tables = dict(_contract_tables())
    return render(request, "import_job.html", {
        "breadcrumbs": [("数据导入", "/imports"), (f"导入任务 {job_id}", None)], "job": job,
        "result": job["result"], "table_label": tables.get(job["table"], job["table"]), "table_name": job["table"],
        "refresh": job["status"] in ("queued", "running"),
    }, user=user)


@router.get("/imports/templates/{table}.xlsx")
def template_download(request: Request, table: str, user: PageUser, session: SessionDep) -> Response:
    """The fill-in template of a contract table (the same as ``zhizao template TABLE``)."""
    forbid(user, "city", "district", "auditor")
    import shutil
    import tempfile
    from pathlib import Path

    from fastapi.responses import FileResponse
    from starlette.background import BackgroundTask

    from zhizao.contract.templates import file_name, write_template

    if table not in dict(_contract_tables()):
        raise not_found()
    audit_page_read(session, user, "export.template", f"template:{table}", request)
    folder = Path(tempfile.mkdtemp())
    path = write_template(table, folder / "template.xlsx")
    return FileResponse(path, filename=file_name(table),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


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
def upload(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
           csrf_token: str = Form(""), table: str = Form(""), source: str = Form(""),
           file: UploadFile | None = File(None)) -> Response:
    """Store the file and queue it (at once, whatever its size), then follow the job's page."""
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    tables = dict(_contract_tables())
    if table not in tables or file is None or not file.filename:
        return RedirectResponse("/imports?msg=bad_input", status_code=303)
    try:
        job = queue_upload(settings, session, user, table, file, source.strip() or "网页上传", None, request)
    except HTTPException as exc:  # not a data file, or too large
        from zhizao.ingest import jobs

        return render(request, "imports.html", {
            "breadcrumbs": [("数据导入", "/imports"), ("上传失败", None)], "batches": _batches(settings),
            "tables": list(tables.items()), "result": None, "error": str(exc.detail), "can_upload": True,
            "jobs": jobs.recent(settings, 10), "table_name": table,
        }, user=user, status_code=400)
    return RedirectResponse(f"/imports/jobs/{job['job_id']}", status_code=303)
