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

**Other background jobs** (a report prepared off the request path) go through the same queue
and worker: a room declares its kinds (``Room.jobs``: a tuple of :class:`JobKind`), queues a
job with :func:`submit_keyed` (one job per key: a second request, also a parallel one, gets
the job already queued; a person waiting raises a background job's priority) and the worker
runs the kind's function with the job's parameters. Such a job never writes the warehouse.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

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
#: a person is waiting for the job / prepared in the background (lower runs first)
PRIORITY_WAITING = 0
PRIORITY_BACKGROUND = 10


class JobRefused(ValueError):
    """A room's job that cannot produce its result from the data (message in Chinese, shown
    to the user as it is; the same data would be refused again)."""


@dataclass(frozen=True)
class JobKind:
    """A room's kind of background job, run by the import worker (``Room.jobs``).

    ``run(settings, params, stage) -> result``: ``params`` the job's JSON parameters,
    ``stage(name)`` says which stage it is in (``stages`` gives each a Chinese label), the
    result (JSON) is kept with the job; :class:`JobRefused` fails the job with its message."""

    kind: str
    run: Callable[[Settings, dict[str, Any], Callable[[str], None]], dict[str, Any]]
    stages: dict[str, str] = field(default_factory=dict)
    #: the status label while running (生成中 for a report)
    running_label: str = "处理中"


def job_kinds() -> dict[str, JobKind]:
    """Every room's job kinds by name, and the core's (:data:`zhizao.prepared.REFRESH`)."""
    from zhizao import prepared, rooms

    out: dict[str, JobKind] = {prepared.REFRESH: JobKind(prepared.REFRESH, prepared.refresh, {"compute": "计算页面数据"},
                                                         running_label="准备中")}
    for _room, kinds in rooms.contributions("jobs"):
        for k in kinds:
            out[k.kind] = k
    return out


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
    status_label, stages = STATUS_LABELS.get(job.status, job.status), STAGE_LABELS
    kind = job.kind or "import"
    if kind != "import":
        known = job_kinds().get(kind)
        stages = known.stages if known else {}
        if job.status == "running" and known:
            status_label = known.running_label
    extra: dict[str, Any] = {} if kind == "import" else {
        "kind": kind, "key": job.job_key, "params": json.loads(job.params) if job.params else {},
        "priority": job.priority}
    return extra | {
        "job_id": job.id, "table": job.table_name, "file": job.file_name, "source": job.source,
        "status": job.status, "status_label": status_label,
        "stage": job.stage, "stage_label": stages.get(job.stage or "", ""),
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


def submit_keyed(settings: Settings, kind: str, key: str, subject: str, params: dict[str, Any], file_name: str,
                 submitted_by: str | None, priority: int = PRIORITY_WAITING) -> dict[str, Any]:
    """Queue a room's job of ``kind`` unless a job of ``key`` exists (whatever its status: a
    finished one is the answer for that key until :func:`release`); the job as :func:`as_dict`.
    One job per key also under parallel requests (the store's unique key decides); a person
    waiting (a lower ``priority``) moves a queued background job forward."""
    for _ in range(3):
        with session_scope(settings) as s:
            job = s.scalar(select(ImportJob).where(ImportJob.job_key == key))
            if job is not None:
                if job.status == "queued" and priority < job.priority:
                    job.priority = priority
                return as_dict(job)
        try:
            with session_scope(settings) as s:
                job = ImportJob(kind=kind, job_key=key, params=json.dumps(params, ensure_ascii=False),
                                priority=priority, table_name=subject, file_path="", file_name=file_name,
                                status="queued", attempts=0, submitted_by=submitted_by, submitted_at=utcnow())
                s.add(job)
                s.flush()
                return as_dict(job)
        except IntegrityError:  # a parallel request queued the same key first: take its job
            continue
    raise RuntimeError(f"job {key} could not be queued")


def queued(settings: Settings, kind: str) -> bool:
    """Whether a job of ``kind`` waits (not yet taken by a worker)."""
    with session_scope(settings) as s:
        return s.scalar(select(ImportJob.id).where(ImportJob.kind == kind, ImportJob.status == "queued")
                        .limit(1)) is not None


def by_key(settings: Settings, key: str) -> dict[str, Any] | None:
    with session_scope(settings) as s:
        job = s.scalar(select(ImportJob).where(ImportJob.job_key == key))
        return None if job is None else as_dict(job)


def release(settings: Settings, job_id: int) -> None:
    """Free a finished job's key (its result lost, or a failure to try again): the next
    :func:`submit_keyed` of that key queues a new job."""
    with session_scope(settings) as s:
        job = s.get(ImportJob, job_id)
        if job is not None and job.job_key and job.status in ("done", "failed"):
            job.job_key = f"{job.job_key}#{job.id}"[:255]


def get(settings: Settings, job_id: int, kind: str | None = "import") -> dict[str, Any] | None:
    """The job ``job_id`` (of ``kind``; None: any kind)."""
    with session_scope(settings) as s:
        job = s.get(ImportJob, job_id)
        if job is None or (kind is not None and (job.kind or "import") != kind):
            return None
        return as_dict(job)


def recent(settings: Settings, limit: int = 20, kind: str = "import") -> list[dict[str, Any]]:
    """The newest jobs of ``kind`` first."""
    with session_scope(settings) as s:
        return [as_dict(j) for j in s.scalars(select(ImportJob).where(ImportJob.kind == kind)
                                              .order_by(ImportJob.id.desc()).limit(limit))]


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
                error = (f"导入进程已中断 {job.attempts} 次，已停止重试；未导入任何数据，请检查文件后重新上传"
                         if (job.kind or "import") == "import" else
                         f"任务进程已中断 {job.attempts} 次，已停止重试，请稍后重新生成或联系管理员")
                values: dict[str, Any] = {"status": "failed", "finished_at": now, "worker": None, "error": error}
            else:
                values = {"status": "queued", "worker": None, "stage": None}
            # only if still held by the same (gone) worker: a live worker may have finished it meanwhile
            done = s.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "running",
                                                     ImportJob.worker == job.worker).values(**values))
            if done.rowcount:  # type: ignore[attr-defined]
                touched.append(job.id)
                log.warning("import job %s: worker %s gone, %s", job.id, job.worker, values["status"])
    return touched


def claim(settings: Settings, worker: str | None = None, kinds: tuple[str, ...] | None = None) -> ImportJob | None:
    """Take the oldest queued job of the highest priority for ``worker`` (one conditional
    UPDATE per candidate: two workers never both take a job), or None when none waits.
    ``kinds``: only jobs of these kinds."""
    worker = worker or worker_id()
    with session_scope(settings) as s:
        q = select(ImportJob.id).where(ImportJob.status == "queued")
        if kinds is not None:
            q = q.where(ImportJob.kind.in_(kinds))
        for job_id in s.scalars(q.order_by(ImportJob.priority, ImportJob.id).limit(10)).all():
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
    if (job.kind or "import") != "import":
        try:
            outcome = _run_room_job(settings, job, stage)
        finally:
            stop.set()
            beater.join()
        _set(settings, job.id, worker, finished_at=utcnow(), stage=None, heartbeat_at=utcnow(), **outcome)
        found = get(settings, job.id, kind=None)
        assert found is not None
        return found
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


def _run_room_job(settings: Settings, job: ImportJob, stage: Callable[[str], None]) -> dict[str, Any]:
    """Run a room's job; the columns of its outcome."""
    from zhizao.engine.compiled import kept_in

    known = job_kinds().get(job.kind)
    if known is None:
        return {"status": "failed", "error": "未知的任务类型，请联系管理员"}
    try:
        with kept_in(settings.sql_cache_dir):  # what it compiles, every later process reads (pages too)
            result = known.run(settings, json.loads(job.params or "{}"), stage)
    except JobRefused as exc:
        return {"status": "failed", "error": str(exc), "result": json.dumps({"refused": True})}
    except Exception as exc:  # a bug or a busy warehouse: the job fails visibly, the worker goes on
        log.exception("job %s (%s)", job.id, job.kind)
        return {"status": "failed", "error": f"处理时发生内部错误（{type(exc).__name__}），请稍后重试或联系管理员"}
    return {"status": "done", "result": json.dumps(result, ensure_ascii=False, default=str),
            "file_path": str(result.get("path", ""))[:1024]}


def work(settings: Settings, *, once: bool = False, poll_s: float = 1.0, stop: threading.Event | None = None,
         parent_pid: int | None = None, kinds: tuple[str, ...] | None = None) -> int:
    """The worker loop: recover orphaned jobs, then run queued jobs one at a time (imports and
    the rooms' jobs, by priority). ``once``: return when no job waits (tests, cron).
    ``parent_pid``: return when that process is gone (the worker ``zhizao serve`` started ends
    with it). ``kinds``: only jobs of these kinds. Returns the number of jobs run."""
    from zhizao.store.db import init_store

    init_store(settings)
    worker = worker_id()
    stop = stop or threading.Event()
    ran = 0
    if not once:
        # what the pages read may be of another state (a home restored or copied, a worker
        # stopped before it prepared): each room queues its preparation unless it is current
        from zhizao import rooms

        rooms.data_changed(settings, {"kind": "start"})
    last_recover = 0.0
    while not stop.is_set():
        if time.monotonic() - last_recover > HEARTBEAT_S:
            recover(settings)
            last_recover = time.monotonic()
        job = claim(settings, worker, kinds)
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
