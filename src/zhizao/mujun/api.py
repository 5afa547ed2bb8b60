"""``/api/mujun``: published 亩均论英雄 results (CONTRACT.md row fields), ranked lists by class.

Objections to 亩均 results follow the round's procedure (filed only while its results notice
is open): this module registers the workflow as the filer behind ``POST /api/objections``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException

from zhizao.web.api_objections import DECIDERS, FILERS
from zhizao.web.api_results import results_router
from zhizao.web.auth import CurrentUser

router = results_router("mujun", "亩均论英雄", outcome_param="class", outcome_title="亩均分类", order="rank",
                        what="mujun")


def _file_by_workflow(settings: Any, user: CurrentUser, year: int, subject: str, content: str,
                      evidence: Path | None) -> int:
    from zhizao.mujun.workflow import WorkflowError, add_objection

    try:
        o = add_objection(settings, year, user.credit_code or "", user.username, subject, content, evidence)
    except WorkflowError as exc:
        raise HTTPException(409, str(exc)) from exc
    return int(o["id"])


FILERS["mujun"] = _file_by_workflow


def _decide_by_workflow(settings: Any, user: CurrentUser, objection_id: int, status: str, reason: str) -> None:
    from zhizao.mujun.workflow import WorkflowError, decide_objection

    try:
        decide_objection(settings, objection_id, status, reason, user=user.username)
    except WorkflowError as exc:
        raise HTTPException(409, str(exc)) from exc


DECIDERS["mujun"] = _decide_by_workflow
