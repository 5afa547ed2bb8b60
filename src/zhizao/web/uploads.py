"""Files sent by users (department data files, objection evidence): the one way they are
received, for the API and the pages alike: the same size bound and the same file-type check."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, UploadFile

from zhizao.settings import Settings

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
#: what a department data file may be (``zhizao import`` reads these)
DATA_SUFFIXES = (".csv", ".xlsx", ".txt")


def safe_name(name: str | None) -> str:
    """The client's file name without any path, reduced to safe characters (Chinese kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\-（）()\u4e00-\u9fff]", "_", base).lstrip(".")
    return base[:120] or "upload.csv"


def check_data_file(upload: UploadFile) -> None:
    """A 422 unless the upload is named as a CSV or XLSX file."""
    if not safe_name(upload.filename).lower().endswith(DATA_SUFFIXES):
        raise HTTPException(422, "只接受 CSV 或 XLSX 文件")


def save_upload(settings: Settings, upload: UploadFile, kind: str, limit: int = MAX_UPLOAD_BYTES) -> Path:
    """Stream an upload to ``<home>/uploads/<kind>/<uuid>/<name>``; a 413 (nothing kept) past
    ``limit`` bytes."""
    name = safe_name(upload.filename)
    folder = settings.uploads_dir / kind / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / name
    written = 0
    with dest.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise HTTPException(413, f"文件过大（上限 {limit // (1024 * 1024)} MB）")
            out.write(chunk)
    return dest


def queue_upload(settings: Settings, session: Any, user: Any, table: str, upload: UploadFile,
                 source: str | None, sheet: str | None, request: Request | None) -> dict[str, Any]:
    """Receive a department data file and queue it for the import worker
    (:mod:`zhizao.ingest.jobs`): the API's and the page's way, with the same checks and audit
    entries. Returns the job at once (the import runs off the request path). 404: an unknown
    table; 422: not a CSV/XLSX file; 413: too large."""
    from zhizao.contract import TABLES
    from zhizao.ingest import jobs
    from zhizao.web.deps import audit

    if table not in TABLES:
        raise HTTPException(404, f"未知数据表：{table}（可用：{'、'.join(TABLES)}）")
    check_data_file(upload)
    path = save_upload(settings, upload, "imports", settings.limits.upload_bytes)
    job = jobs.submit(settings, table, path, path.name, source or None, sheet or None, getattr(user, "username", None))
    audit(session, user, "import.queued", table, {"file": path.name, "job_id": job["job_id"]}, request)
    return job
