"""Objections to published results: the one way they are filed and decided (API and pages).

A room whose published results can be disputed declares ``Room.objections`` =
``"module:PROCEDURE"``, an :class:`ObjectionProcedure`. The default procedure stores the
objection against the firm's published row; a room with its own procedure (亩均's objection
window, a step of the year's round) gives ``file`` and ``decide``. The core never names a room:
the methods that accept objections are the rooms that declare a procedure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao import rooms
from zhizao.store.models import Objection, PublishedResult, utcnow
from zhizao.store.publish import published_payload
from zhizao.web.deps import audit, not_found
from zhizao.web.uploads import MAX_EVIDENCE_BYTES, save_upload

#: ``file(settings, user, year, subject, content, evidence_path) -> objection id``; raises
#: :class:`ProcedureRefused` (a Chinese message) when the procedure does not take it now
Filer = Callable[[Any, Any, int, str, str, Path | None], int]
#: ``decide(settings, user, objection_id, status, reason)``; raises :class:`ProcedureRefused`
Decider = Callable[[Any, Any, int, str, str], None]


class ProcedureRefused(ValueError):
    """The room's procedure refuses the objection or the decision now (message in Chinese)."""


@dataclass(frozen=True)
class ObjectionProcedure:
    #: what an objection is about, as the firm reads it (碳效码, 亩均评价)
    title: str
    file: Filer | None = None
    decide: Decider | None = None
    #: days the bureau has to answer (None: :func:`reply_days`, the platform's setting)
    reply_days: int | None = None


def procedures() -> dict[str, ObjectionProcedure]:
    """Method name → its objection procedure, for every room that declares one."""
    out: dict[str, ObjectionProcedure] = {}
    for room, proc in rooms.contributions("objections"):
        if not isinstance(proc, ObjectionProcedure):
            raise rooms.RoomError(f"{room.objections} 不是 ObjectionProcedure")
        out[rooms.method_name(room)] = proc
    return out


#: the days the bureau has to answer an objection when the room's procedure states none. DEFAULT
#: 15 calendar days (no published rule was found; the results notice itself lasts 3–7 days,
#: METHODS.md §2); a deployment sets ``ZHIZAO_OBJECTION_REPLY_DAYS``.
DEFAULT_REPLY_DAYS = 15


def reply_days(method: str | None = None) -> int:
    proc = procedures().get(method or "")
    if proc is not None and proc.reply_days:
        return proc.reply_days
    try:
        days = int(os.environ.get("ZHIZAO_OBJECTION_REPLY_DAYS") or DEFAULT_REPLY_DAYS)
    except ValueError:
        days = DEFAULT_REPLY_DAYS
    return max(1, days)


def reply_deadline(o: Objection) -> dt.date:
    """The day by which the bureau answers ``o`` (its filing day plus :func:`reply_days`)."""
    return (o.filed_at + dt.timedelta(days=reply_days(o.method))).date()


def title_of(method: str) -> str:
    proc = procedures().get(method)
    return proc.title if proc else method


# ----------------------------------------------------------------------------- the actions

MAX_SUBJECT = 200
MAX_CONTENT = 20_000


def _refused(exc: ProcedureRefused) -> HTTPException:
    return HTTPException(409, str(exc))


def file_objection(session: Session, settings: Any, user: Any, method: str, year: int, subject: str,
                   content: str, evidence: UploadFile | None, request: Request | None) -> Objection:
    """A firm disputes its published result of ``method`` and ``year`` (the API and the page).

    422: an unknown method or a subject/content empty or too long; 404: nothing of the firm
    published that year; 413: evidence over 20 MB; 409: the room's procedure refuses it now."""
    proc = procedures().get(method)
    subject, content = subject.strip(), content.strip()
    if proc is None:
        raise HTTPException(422, f"不能对该事项提出异议：{method}")
    if not subject or not content or len(subject) > MAX_SUBJECT or len(content) > MAX_CONTENT:
        raise HTTPException(422, f"异议需要标题（不超过 {MAX_SUBJECT} 字）和内容（不超过 {MAX_CONTENT} 字）")
    code = getattr(user, "credit_code", None) or ""
    hit = published_payload(session, method, year, code)
    if hit is None:
        raise HTTPException(404, "本企业该年度没有已发布的评价结果，无法提出异议")
    path = None
    if evidence is not None and evidence.filename:
        path = save_upload(settings, evidence, "evidence", limit=MAX_EVIDENCE_BYTES)
    if proc.file is not None:
        try:
            oid = proc.file(settings, user, year, subject, content, path)
        except ProcedureRefused as exc:
            raise _refused(exc) from exc
        session.expire_all()
        o = session.get(Objection, oid)
        if o is None:
            raise not_found()
    else:
        run_id = session.scalar(select(PublishedResult.run_id).where(
            PublishedResult.method == method, PublishedResult.year == year, PublishedResult.credit_code == code
        ).limit(1))
        o = Objection(method=method, year=year, run_id=run_id, credit_code=code, region_code=hit[1],
                      filed_by=user.username, subject=subject, content=content, status="pending")
        if path is not None:
            o.evidence_name = path.name
            o.evidence_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            o.evidence_path = str(path)
        session.add(o)
        session.flush()
    audit(session, user, "objection.file", str(o.id), {"method": method, "year": year, "credit_code": code,
                                                        "evidence_sha256": o.evidence_sha256}, request)
    return o


def decide(session: Session, settings: Any, user: Any, objection_id: int, status: str, reason: str,
           correction_run_id: str | None, request: Request | None) -> Objection:
    """The city accepts or rejects a pending objection (the API and the pages).

    404: no such objection; 422: a status other than accepted/rejected or no reason; 409:
    already decided, or the room's procedure refuses it now."""
    o = session.get(Objection, objection_id)
    if o is None:
        raise not_found()
    reason = reason.strip()
    if status not in ("accepted", "rejected") or not reason or len(reason) > 4000:
        raise HTTPException(422, "处理意见需要结论（采纳或驳回）和理由（不超过 4000 字）")
    if o.status != "pending":
        raise HTTPException(409, "该异议已处理，不能重复处理")
    proc = procedures().get(o.method)
    if proc is not None and proc.decide is not None:
        try:
            proc.decide(settings, user, objection_id, status, reason)
        except ProcedureRefused as exc:
            raise _refused(exc) from exc
        session.expire_all()
        decided = session.get(Objection, objection_id)
        audit(session, user, "objection.decide", str(objection_id), {"status": status}, request)
        return decided or o
    o.status = status
    o.decided_by = user.username
    o.decided_at = utcnow()
    o.decision_reason = reason
    o.correction_run_id = correction_run_id or None
    audit(session, user, "objection.decide", str(o.id), {"status": status,
                                                          "correction_run_id": o.correction_run_id}, request)
    return o
