"""The publication workflow of a 亩均 evaluation year (METHODS.md section 2, "Workflow").

    freeze → land notice (用地面积公示) → score → results notice (公示, objection window)
           → objections (filed, decided) → corrected run(s) → final publication

One :class:`~zhizao.mujun.models.MujunRound` per year holds the state; every step is a
:class:`~zhizao.mujun.models.MujunStep` (who, when, what) and an ``audit_log`` entry. Scores are
runs of the registry (:mod:`zhizao.runs`): the freeze records the input batches and scoring
refuses to run on anything else; a correction is a new run whose parent is the previous one,
and the step records :func:`zhizao.runs.diff` between them. Publication goes through
:func:`zhizao.store.publish.publish`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhizao import clock, runs
from zhizao.cliutil import dumps
from zhizao.methodology import MethodologyError, find
from zhizao.mujun.models import STAGES, MujunRound, MujunStep
from zhizao.settings import Settings
from zhizao.store import audit
from zhizao.store.db import session_scope
from zhizao.store.models import Objection, utcnow

METHOD = "mujun"
#: the objection window of the results notice, in days (METHODS.md: 3–7)
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 3, 7, 5

STEP_LABELS = {
    "freeze": "数据冻结",
    "land_notice": "用地面积公示",
    "score": "评价计算",
    "results_notice": "结果公示",
    "objection": "异议提交",
    "decision": "异议处理",
    "correct": "更正重算",
    "publish": "正式发布",
}
STAGE_LABELS = {
    "frozen": "数据已冻结",
    "land_notice": "用地面积公示中",
    "scored": "已计算",
    "results_notice": "结果公示中",
    "corrected": "已更正",
    "published": "已正式发布",
}


class WorkflowError(ValueError):
    """A step that cannot be taken now (message in Chinese)."""


def _round(session: Session, year: int) -> MujunRound:
    r = session.scalar(select(MujunRound).where(MujunRound.year == year))
    if r is None:
        raise WorkflowError(f"{year} 年度尚未冻结数据（先运行 zhizao mujun freeze --year {year}）")
    return r


def _require(r: MujunRound, *stages: str, action: str) -> None:
    if r.stage not in stages:
        need = "、".join(STAGE_LABELS[s] for s in stages)
        raise WorkflowError(f"{r.year} 年度当前状态为「{STAGE_LABELS.get(r.stage, r.stage)}」，"
                            f"{action}需要状态为：{need}")


def _step(session: Session, r: MujunRound, step: str, user: str, *, now: dt.datetime,
          run_id: str | None = None, objection_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    session.add(MujunStep(round_id=r.id, step=step, at=now, by=user, run_id=run_id, objection_id=objection_id,
                          detail=dumps(detail) if detail is not None else None))
    r.updated_at = now
    audit.record(session, f"mujun.{step}", username=user, target=f"mujun:{r.year}",
                 detail={"run_id": run_id, "objection_id": objection_id, **(detail or {})})


def _engine(settings: Settings, engine: str | None):  # type: ignore[no-untyped-def]
    from zhizao.engine import connect

    # read-write: the registry then writes the run through the same DuckDB database instance
    # (DuckDB refuses a second connection to one file in another mode from the same process)
    return connect(settings, engine)


def _snapshot(settings: Settings, engine: str | None) -> list[int]:
    from zhizao import capabilities
    from zhizao.runs.registry import input_batches

    eng = _engine(settings, engine)
    try:
        return input_batches(eng, capabilities.get(METHOD).inputs)
    finally:
        eng.close()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or utcnow()


# ---------------------------------------------------------------- steps


def freeze(settings: Settings, year: int, user: str, methodology: str | None = None, *,
           engine: str | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """数据冻结: record the input batches the year will be evaluated on, and its methodology."""
    now = _now(now)
    try:
        m = find(methodology, METHOD, year)
    except MethodologyError as exc:
        raise WorkflowError(str(exc)) from exc
    ref = methodology if methodology and (methodology.endswith((".yaml", ".yml")) or Path(methodology).exists()) \
        else m.ref
    batches = _snapshot(settings, engine)
    if not batches:
        raise WorkflowError("数据仓库中没有亩均评价所需的数据（企业、统计、税收、能源、用地、排放），无法冻结")
    with session_scope(settings) as s:
        r = s.scalar(select(MujunRound).where(MujunRound.year == year))
        if r is not None and r.stage not in ("frozen", "land_notice"):
            raise WorkflowError(f"{year} 年度已进入「{STAGE_LABELS[r.stage]}」，不能重新冻结（更正请用 correct）")
        if r is None:
            r = MujunRound(year=year, stage="frozen", methodology=ref, frozen_batches=json.dumps(batches),
                           created_by=user, created_at=now, updated_at=now)
            s.add(r)
            s.flush()
        else:
            r.stage, r.methodology, r.frozen_batches, r.land_notice_until = "frozen", ref, json.dumps(batches), None
        _step(s, r, "freeze", user, now=now, detail={"methodology": ref, "batches": batches})
        return {"year": year, "stage": r.stage, "methodology": ref, "batches": batches}


def land_notice(settings: Settings, year: int, user: str, days: int = DEFAULT_DAYS, *,
                now: dt.datetime | None = None) -> dict[str, Any]:
    """用地面积公示: the land each firm is evaluated on is shown for ``days`` days before scoring."""
    now = _now(now)
    if not 1 <= days <= 30:
        raise WorkflowError("用地面积公示期应为 1–30 天")
    with session_scope(settings) as s:
        r = _round(s, year)
        _require(r, "frozen", "land_notice", action="用地面积公示")
        r.stage = "land_notice"
        r.land_notice_until = now + dt.timedelta(days=days)
        _step(s, r, "land_notice", user, now=now, detail={"days": days, "until": r.land_notice_until})
        return {"year": year, "stage": r.stage, "until": r.land_notice_until}


def _methodology(r: MujunRound, year: int):  # type: ignore[no-untyped-def]
    try:
        return find(r.methodology, METHOD, year)
    except MethodologyError as exc:
        raise WorkflowError(str(exc)) from exc


def score(settings: Settings, year: int, user: str, *, engine: str | None = None, force: bool = False,
          now: dt.datetime | None = None) -> dict[str, Any]:
    """评价计算 on exactly the frozen inputs (refused when the warehouse changed since the freeze),
    after the land notice has run its course (``force`` to score earlier; recorded)."""
    now = _now(now)
    with session_scope(settings) as s:
        r = _round(s, year)
        _require(r, "land_notice", "scored", action="评价计算")
        until = r.land_notice_until
        if not force and r.stage == "land_notice" and until is not None and now < until:
            raise WorkflowError(f"用地面积公示至 {clock.minutes(until)} 结束，期满后才能评价计算"
                                "（确需提前请加 --force）")
        frozen = json.loads(r.frozen_batches)
        m = _methodology(r, year)
    current = _snapshot(settings, engine)
    if current != frozen:
        raise WorkflowError(f"数据冻结后仓库中的数据有变动（冻结批次 {frozen}，当前批次 {current}）；"
                            "请重新冻结，或在结果公示后通过更正重算纳入更正数据")
    eng = _engine(settings, engine)
    try:
        run = runs.execute(settings, eng, METHOD, year, m, notes=[f"亩均评价流程：{year} 年度评价计算"])
    finally:
        eng.close()
    with session_scope(settings) as s:
        r = _round(s, year)
        r.stage, r.scoring_run_id, r.current_run_id = "scored", run.run_id, run.run_id
        _step(s, r, "score", user, now=now, run_id=run.run_id, detail={"counts": run.counts, "forced": force})
    return {"year": year, "stage": "scored", "run_id": run.run_id, "counts": run.counts}


def results_notice(settings: Settings, year: int, user: str, days: int = DEFAULT_DAYS, *,
                   now: dt.datetime | None = None) -> dict[str, Any]:
    """结果公示: publish the scored run for viewing and open the objection window (3–7 days)."""
    from zhizao.store.publish import publish

    now = _now(now)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise WorkflowError(f"结果公示（异议期）应为 {MIN_DAYS}–{MAX_DAYS} 天")
    with session_scope(settings) as s:
        r = _round(s, year)
        _require(r, "scored", action="结果公示")
        run_id = r.current_run_id
    assert run_id is not None
    pub = publish(settings, run_id, user)
    with session_scope(settings) as s:
        r = _round(s, year)
        r.stage, r.objection_days = "results_notice", days
        r.objections_open_at, r.objections_close_at = now, now + dt.timedelta(days=days)
        _step(s, r, "results_notice", user, now=now, run_id=run_id,
              detail={"days": days, "open": now, "close": r.objections_close_at, "rows": pub["rows"]})
        return {"year": year, "stage": r.stage, "run_id": run_id, "objections_open_at": now,
                "objections_close_at": r.objections_close_at, "rows": pub["rows"]}


def add_objection(settings: Settings, year: int, credit_code: str, filed_by: str, subject: str, content: str,
                  evidence: Path | None = None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """异议: a firm (or the bureau on its behalf) disputes its result during the window."""
    now = _now(now)
    if not subject.strip() or not content.strip():
        raise WorkflowError("异议需要事由和具体内容")
    ev_name = ev_sha = ev_path = None
    if evidence is not None:
        evidence = Path(evidence)
        if not evidence.is_file():
            raise WorkflowError(f"找不到证明材料文件: {evidence}")
        data = evidence.read_bytes()
        ev_sha = hashlib.sha256(data).hexdigest()
        dest = settings.uploads_dir / METHOD / str(year) / f"{ev_sha[:16]}-{evidence.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(evidence, dest)
        ev_name, ev_path = evidence.name, str(dest)
    with session_scope(settings) as s:
        r = _round(s, year)
        _require(r, "results_notice", "corrected", action="提交异议")
        if r.objections_close_at is not None and now > r.objections_close_at:
            raise WorkflowError(f"异议期已于 {clock.minutes(r.objections_close_at)} 结束")
        from zhizao.store.publish import published

        row = published(s, METHOD, year, credit_code)
        if row is None:
            raise WorkflowError(f"{year} 年度公示结果中没有企业 {credit_code}")
        o = Objection(method=METHOD, year=year, run_id=r.current_run_id, credit_code=credit_code,
                      region_code=row.get("region_code"), filed_by=filed_by, filed_at=now, subject=subject.strip(),
                      content=content.strip(), evidence_name=ev_name, evidence_sha256=ev_sha, evidence_path=ev_path,
                      status="pending")
        s.add(o)
        s.flush()
        _step(s, r, "objection", filed_by, now=now, objection_id=o.id,
              detail={"credit_code": credit_code, "subject": o.subject, "evidence": ev_name})
        return _objection_dict(o)


def decide_objection(settings: Settings, objection_id: int, decision: str, reason: str, *, user: str,
                     now: dt.datetime | None = None) -> dict[str, Any]:
    """异议处理: accept (a correction run will follow) or reject, always with a reason."""
    now = _now(now)
    if decision not in ("accepted", "rejected"):
        raise WorkflowError("处理结果应为 accepted（采纳）或 rejected（不采纳）")
    if not reason.strip():
        raise WorkflowError("处理异议必须说明理由")
    with session_scope(settings) as s:
        o = s.get(Objection, objection_id)
        if o is None or o.method != METHOD:
            raise WorkflowError(f"找不到亩均评价异议 {objection_id}")
        if o.status != "pending":
            raise WorkflowError(f"异议 {objection_id} 已处理（{o.status}）")
        r = _round(s, o.year)
        o.status, o.decided_by, o.decided_at, o.decision_reason = decision, user, now, reason.strip()
        _step(s, r, "decision", user, now=now, objection_id=o.id,
              detail={"credit_code": o.credit_code, "decision": decision, "reason": reason.strip()})
        return _objection_dict(o)


def list_objections(settings: Settings, year: int, status: str | None = None) -> list[dict[str, Any]]:
    with session_scope(settings) as s:
        q = select(Objection).where(Objection.method == METHOD, Objection.year == year)
        if status:
            q = q.where(Objection.status == status)
        return [_objection_dict(o) for o in s.scalars(q.order_by(Objection.id))]


def _objection_dict(o: Objection) -> dict[str, Any]:
    return {"id": o.id, "year": o.year, "credit_code": o.credit_code, "region_code": o.region_code,
            "run_id": o.run_id, "filed_by": o.filed_by, "filed_at": o.filed_at, "subject": o.subject,
            "content": o.content, "evidence_name": o.evidence_name, "evidence_sha256": o.evidence_sha256,
            "status": o.status, "decided_by": o.decided_by, "decided_at": o.decided_at,
            "decision_reason": o.decision_reason, "correction_run_id": o.correction_run_id}


def correct(settings: Settings, year: int, user: str, *, engine: str | None = None,
            now: dt.datetime | None = None) -> dict[str, Any]:
    """更正重算: a new run on the current data (corrected batches included), diffed with the last."""
    now = _now(now)
    with session_scope(settings) as s:
        r = _round(s, year)
        _require(r, "results_notice", "corrected", action="更正重算")
        old = r.current_run_id
        m = _methodology(r, year)
        accepted = [o.id for o in s.scalars(select(Objection).where(
            Objection.method == METHOD, Objection.year == year, Objection.status == "accepted",
            Objection.correction_run_id.is_(None)))]
        frozen = json.loads(r.frozen_batches)
    eng = _engine(settings, engine)
    try:
        run = runs.execute(settings, eng, METHOD, year, m, parent_run_id=old,
                           notes=[f"亩均评价流程：{year} 年度更正重算（前一运行 {old}；采纳异议 {accepted}）"])
    finally:
        eng.close()
    assert old is not None
    from zhizao.runs.diff import diff  # the function: once imported, `runs.diff` names the module

    d = diff(settings, old, run.run_id)
    new_batches = sorted(set(run.input_batches) - set(frozen))
    summary = {"previous_run_id": old, "changed": len(d["changed"]), "added": len(d["added"]),
               "removed": len(d["removed"]), "objections": accepted, "new_batches": new_batches}
    with session_scope(settings) as s:
        r = _round(s, year)
        r.stage, r.current_run_id = "corrected", run.run_id
        for o in s.scalars(select(Objection).where(Objection.id.in_(accepted))):
            o.correction_run_id = run.run_id
        _step(s, r, "correct", user, now=now, run_id=run.run_id, detail=summary)
    return {"year": year, "stage": "corrected", "run_id": run.run_id, **summary, "diff": d}


def publish_final(settings: Settings, year: int, user: str, *, force: bool = False,
                  now: dt.datetime | None = None) -> dict[str, Any]:
    """正式发布: after the window closed and every objection is decided, publish the current run."""
    from zhizao.store.publish import publish

    now = _now(now)
    with session_scope(settings) as s:
        r = _round(s, year)
        _require(r, "results_notice", "corrected", action="正式发布")
        pending = s.scalar(select(func.count()).select_from(Objection).where(
            Objection.method == METHOD, Objection.year == year, Objection.status == "pending")) or 0
        if pending:
            raise WorkflowError(f"还有 {pending} 件异议未处理，不能正式发布")
        accepted_open = s.scalar(select(func.count()).select_from(Objection).where(
            Objection.method == METHOD, Objection.year == year, Objection.status == "accepted",
            Objection.correction_run_id.is_(None))) or 0
        if accepted_open:
            raise WorkflowError(f"有 {accepted_open} 件已采纳的异议尚未更正重算（先运行 correct）")
        if not force and r.objections_close_at is not None and now < r.objections_close_at:
            raise WorkflowError(f"异议期至 {clock.minutes(r.objections_close_at)} 结束，期满后才能正式发布"
                                "（确需提前请加 --force）")
        run_id = r.current_run_id
    assert run_id is not None
    pub = publish(settings, run_id, user)
    with session_scope(settings) as s:
        r = _round(s, year)
        r.stage, r.final_run_id = "published", run_id
        _step(s, r, "publish", user, now=now, run_id=run_id, detail={"rows": pub["rows"], "forced": force})
    return {"year": year, "stage": "published", "run_id": run_id, "rows": pub["rows"]}


def status(settings: Settings, year: int) -> dict[str, Any]:
    """The round of ``year``: stage, runs, window, objection counts and every step."""
    with session_scope(settings) as s:
        r = _round(s, year)
        counts = dict(s.execute(select(Objection.status, func.count()).where(
            Objection.method == METHOD, Objection.year == year).group_by(Objection.status)).all())
        steps = [{"step": st.step, "label": STEP_LABELS.get(st.step, st.step), "at": st.at, "by": st.by,
                  "run_id": st.run_id, "objection_id": st.objection_id,
                  "detail": json.loads(st.detail) if st.detail else None}
                 for st in s.scalars(select(MujunStep).where(MujunStep.round_id == r.id).order_by(MujunStep.id))]
        return {
            "year": year, "stage": r.stage, "stage_label": STAGE_LABELS.get(r.stage, r.stage),
            "stages": list(STAGES), "methodology": r.methodology, "frozen_batches": json.loads(r.frozen_batches),
            "land_notice_until": r.land_notice_until, "objection_days": r.objection_days,
            "objections_open_at": r.objections_open_at, "objections_close_at": r.objections_close_at,
            "scoring_run_id": r.scoring_run_id, "current_run_id": r.current_run_id, "final_run_id": r.final_run_id,
            "objections": {k: int(v) for k, v in counts.items()}, "steps": steps,
        }


def year_run(settings: Settings, year: int) -> str:
    """The run that stands for ``year``: the round's final or current run, else the published
    run, else the newest registered run of the year."""
    from zhizao.store.publish import published_run

    with session_scope(settings) as s:
        r = s.scalar(select(MujunRound).where(MujunRound.year == year))
        if r is not None and (r.final_run_id or r.current_run_id):
            return str(r.final_run_id or r.current_run_id)
        pub = published_run(s, METHOD, year)
        if pub is not None:
            return pub.run_id
    found = runs.list_runs(settings, METHOD, year)
    if not found:
        raise WorkflowError(f"{year} 年度没有亩均评价运行记录")
    return found[-1].run_id


def run_round(settings: Settings, year: int, user: str, *, start: dt.datetime, methodology: str | None = None,
              land_days: int = DEFAULT_DAYS, notice_days: int = DEFAULT_DAYS,
              engine: str | None = None) -> dict[str, Any]:
    """A whole round the way a bureau runs it, each step dated from ``start``: freeze and land
    notice on ``start``; scoring the day after the land notice ends; the results notice the next
    day; final publication the day after the objection window closes. No step is skipped and no
    period shortened: the dates are recorded as they would have been (used by ``zhizao demo``,
    whose years lie in the past).

    Idempotent: a year already published on the same input batches is left as it is
    (``reused``); a published year whose inputs changed since is reported (``stale``), never
    silently re-published (a correction goes through ``correct``)."""
    with session_scope(settings) as s:
        r = s.scalar(select(MujunRound).where(MujunRound.year == year))
        existing = (r.stage, r.final_run_id, json.loads(r.frozen_batches)) if r is not None else None
    if existing is not None and existing[0] == "published":
        final = existing[1]
        assert final is not None
        run = runs.get(settings, final)
        same = run.input_batches == _snapshot(settings, engine)
        return {"year": year, "stage": "published", "run_id": final, "reused": True, "stale": not same,
                "counts": run.counts}
    day = dt.timedelta(days=1)
    freeze(settings, year, user, methodology, engine=engine, now=start)
    ln = land_notice(settings, year, user, land_days, now=start)
    scored_at = ln["until"] + day
    sc = score(settings, year, user, engine=engine, now=scored_at)
    rn = results_notice(settings, year, user, notice_days, now=scored_at + day)
    pub = publish_final(settings, year, user, now=rn["objections_close_at"] + day)
    return {"year": year, "stage": pub["stage"], "run_id": pub["run_id"], "reused": False, "stale": False,
            "counts": sc["counts"], "rows": pub["rows"], "steps": [st["step"] for st in status(settings, year)["steps"]],
            "published_on": (rn["objections_close_at"] + day).date().isoformat()}
