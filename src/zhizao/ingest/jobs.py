"""The import job queue: web uploads are imported off the request path.

A web upload stores the file (size-bounded, type-checked: :mod:`zhizao.web.uploads`) and one
``import_jobs`` row (:func:`submit`), and answers at once with the job's id. The import
worker — ``zhizao worker``, a process of its own that ``zhizao serve`` starts beside the web
workers and restarts if it dies — takes the oldest queued job (:func:`claim`, one atomic
UPDATE: several workers never take the same job), imports it exactly as ``zhizao import`` does
(:func:`zhizao.ingest.import_file`), saying which stage it is in and that it is alive every
few seconds, and records the outcome (batch, counts, the first rejects, warnings, or the
Chinese error of a file refused whole).

**A killed worker or server** loses nothing and imports nothing twice: jobs live in the store;
an import is one warehouse transaction, so a killed import left no rows; a job whose worker
stopped saying it is alive (or whose process is gone) is queued again (:func:`recover`, at
every worker start and between jobs) and imported again — a file whose import had committed
just before the kill is then recognised by its content hash as the batch it already is.
After :data:`MAX_ATTEMPTS` starts the job is failed with a Chinese message.

The worker runs in its own process so that the warehouse's writers-first protocol
(:func:`zhizao.engine.warehouse.connect`) works between it and the web workers' readers, and
so that an import never holds the web server's threads or memory.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from zhizao.settings import Settings
from zhizao.store.db import session_scope
from zhizao.store.models import ImportJob, utcnow

log = logging.getLogger("zhizao.jobs")

#: a running job's worker refreshes its heartbeat this often (seconds)
HEARTBEAT_S = 2.0
#: a running job whose heartbeat is older than this is taken to be orphaned (seconds)
STALE_S = 30.0
#: starts of one job before it is failed (a file that kills its worker every time)
MAX_ATTEMPTS = 3
#: rejects kept in the job's result (all of them stay in the warehouse: ``GET /api/imports/{batch}``)
RESULT_REJECTS = 1000

STATUS_LABELS = {"queued": "排队中", "running": "导入中", "done": "已完成", "failed": "失败"}
STAGE_LABELS = {"read": "读取文件", "validate": "校验数据", "commit": "写入数据仓库"}


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(worker: str | None) -> bool:
    """Whether the worker named ``host:pid`` still runs (only known for this host)."""
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname():
        return True  # another host: only its heartbeat tells
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def as_dict(job: ImportJob) -> dict[str, Any]:
    """A job as the API shows it."""
    result = json.loads(job.result) if job.result else None
    now = utcnow()
    elapsed = None
    if job.started_at is not None:
        elapsed = round(((job.finished_at or now) - job.started_at).total_seconds(), 1)
    return {
        "job_id": job.id, "table": job.table_name, "file": job.file_name, "source": job.source,
        "status": job.status, "status_label": STATUS_LABELS.get(job.status, job.status),
        "stage": job.stage, "stage_label": STAGE_LABELS.get(job.stage or "", ""),
        "attempts": job.attempts, "submitted_by": job.submitted_by,
        "submitted_at": job.submitted_at.isoformat(timespec="seconds"),
        "started_at": job.started_at.isoformat(timespec="seconds") if job.started_at else None,
        "finished_at": job.finished_at.isoformat(timespec="seconds") if job.finished_at else None,
        "elapsed_s": elapsed, "batch_id": job.batch_id, "result": result, "error": job.error,
    }


def submit(settings: Settings, table: str, path: Path, file_name: str, source: str | None, sheet: str | None,
           submitted_by: str | None) -> dict[str, Any]:
    """Queue the stored file ``path`` for import into ``table``; the job as :func:`as_dict`."""
    with session_scope(settings) as s:
        job = ImportJob(table_name=table, file_path=str(path), file_name=file_name, source=source, sheet=sheet,
                        status="queued", attempts=0, submitted_by=submitted_by, submitted_at=utcnow())
        s.add(job)
        s.flush()
        return as_dict(job)


def get(settings: Settings, job_id: int) -> dict[str, Any] | None:
    with session_scope(settings) as s:
        job = s.get(ImportJob, job_id)
        return None if job is None else as_dict(job)


def recent(settings: Settings, limit: int = 20) -> list[dict[str, Any]]:
    """The newest jobs first."""
    with session_scope(settings) as s:
        return [as_dict(j) for j in s.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit))]


def recover(settings: Settings) -> list[int]:
    """Queue again (or fail, after :data:`MAX_ATTEMPTS`) every running job whose worker is gone:
    its process ended on this host, or its heartbeat is older than :data:`STALE_S`. Returns
    the ids of the jobs it touched."""
    now = utcnow()
    touched: list[int] = []
    with session_scope(settings) as s:
        for job in s.scalars(select(ImportJob).where(ImportJob.status == "running")):
            stale = job.heartbeat_at is None or (now - job.heartbeat_at).total_seconds() > STALE_S
            if not stale and _alive(job.worker):
                continue
            if job.attempts >= MAX_ATTEMPTS:
                values: dict[str, Any] = {
                    "status": "failed", "finished_at": now, "worker": None,
                    "error": f"导入进程已中断 {job.attempts} 次，已停止重试；未导入任何数据，请检查文件后重新上传"}
            else:
                values = {"status": "queued", "worker": None, "stage": None}
            # only if still held by the same (gone) worker: a live worker may have finished it meanwhile
            done = s.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "running",
                                                     ImportJob.worker == job.worker).values(**values))
            if done.rowcount:  # type: ignore[attr-defined]
                touched.append(job.id)
                log.warning("import job %s: worker %s gone, %s", job.id, job.worker, values["status"])
    return touched


def claim(settings: Settings, worker: str | None = None) -> ImportJob | None:
    """Take the oldest queued job for ``worker`` (one conditional UPDATE per candidate: two
    workers never both take a job), or None when none waits."""
    worker = worker or worker_id()
    with session_scope(settings) as s:
        for job_id in s.scalars(select(ImportJob.id).where(ImportJob.status == "queued")
                                .order_by(ImportJob.id).limit(10)).all():
            now = utcnow()
            taken = s.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "queued")
                              .values(status="running", worker=worker, started_at=now, heartbeat_at=now,
                                      stage=None, attempts=ImportJob.attempts + 1))
            s.commit()
            if taken.rowcount:  # type: ignore[attr-defined]
                return s.get(ImportJob, job_id)
    return None


def _set(settings: Settings, job_id: int, worker: str, **values: Any) -> None:
    with session_scope(settings) as s:
        s.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.worker == worker).values(**values))


def run(settings: Settings, job: ImportJob, worker: str | None = None,
        before_commit: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Import the claimed ``job`` and record its outcome; the job as :func:`as_dict` afterwards.
    ``before_commit`` is called with each stage name (tests stop a worker at a chosen stage)."""
    from zhizao.ingest import IngestError, import_file
    from zhizao.store.audit import record

    worker = worker or worker_id()
    stop = threading.Event()

    def beat() -> None:  # alive, also while one stage takes long
        while not stop.wait(HEARTBEAT_S):
            try:
                _set(settings, job.id, worker, heartbeat_at=utcnow())
            except Exception:  # the store briefly unreachable: the next beat tries again
                log.exception("import job %s: heartbeat", job.id)

    def stage(name: str) -> None:
        _set(settings, job.id, worker, stage=name, heartbeat_at=utcnow())
        if before_commit is not None:
            before_commit(name)

    beater = threading.Thread(target=beat, name=f"job-{job.id}-heartbeat", daemon=True)
    beater.start()
    detail: dict[str, Any] = {"job_id": job.id, "file": job.file_name}
    try:
        result = import_file(settings, job.table_name, job.file_path, job.source, job.sheet, progress=stage,
                             reject_limit=RESULT_REJECTS)
    except IngestError as exc:
        values: dict[str, Any] = {"status": "failed", "error": str(exc)}
        action = "import.failed"
        detail["error"] = str(exc)
    except Exception as exc:  # a bug or a broken store: the job fails visibly, the worker goes on
        log.exception("import job %s", job.id)
        values = {"status": "failed", "error": f"导入时发生内部错误（{type(exc).__name__}），未导入任何数据，请联系管理员"}
        action = "import.failed"
        detail["error"] = repr(exc)
    else:
        warnings = list(result.warnings)
        if result.duplicate_of is not None and job.attempts > 1:
            warnings.append(f"上次导入在记录结果前中断；该文件已于批次 {result.duplicate_of} 导入，未重复导入")
        doc = result.to_dict() | {"file": job.file_name, "warnings": warnings}
        values = {"status": "done", "batch_id": result.batch_id,
                  "result": json.dumps(doc, ensure_ascii=False, default=str)}
        action = "import"
        detail |= {"batch_id": result.batch_id, "rows_loaded": result.rows_loaded,
                   "rows_rejected": result.rows_rejected, "duplicate_of": result.duplicate_of}
    finally:
        stop.set()
        beater.join()
    with session_scope(settings) as s:
        s.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.worker == worker)
                  .values(finished_at=utcnow(), stage=None, heartbeat_at=utcnow(), **values))
        record(s, action, username=job.submitted_by, role="city", target=job.table_name, detail=detail)
    found = get(settings, job.id)
    assert found is not None
    return found


def work(settings: Settings, *, once: bool = False, poll_s: float = 1.0, stop: threading.Event | None = None,
         parent_pid: int | None = None) -> int:
    """The worker loop: recover orphaned jobs, then import queued jobs one at a time. ``once``:
    return when no job waits (tests, cron). ``parent_pid``: return when that process is gone
    (the worker ``zhizao serve`` started ends with it). Returns the number of jobs run."""
    from zhizao.store.db import init_store

    init_store(settings)
    worker = worker_id()
    stop = stop or threading.Event()
    ran = 0
    last_recover = 0.0
    while not stop.is_set():
        if time.monotonic() - last_recover > HEARTBEAT_S:
            recover(settings)
            last_recover = time.monotonic()
        job = claim(settings, worker)
        if job is not None:
            run(settings, job, worker)
            ran += 1
            continue
        if once:
            break
        if parent_pid is not None and os.getppid() != parent_pid:
            break
        stop.wait(poll_s)
    return ran
