"""评价运行: the registered runs, one run, the difference of two, and publishing a run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from zhizao import capabilities
from zhizao.store import accounts, publish
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, verify_csrf
from zhizao.web.fmt import run_label
from zhizao.web.templating import render, user_attr
from zhizao.web.ui import WAREHOUSE_BUSY, PageError, audit_page_read, busy, forbid, not_found

router = APIRouter(include_in_schema=False)


def _publications(session: Session) -> dict[tuple[str, int], str]:
    """The run currently published for each (method, year): the newest publication wins."""
    current: dict[tuple[str, int], str] = {}
    for p in publish.publications(session):  # newest first
        current.setdefault((p.method, p.year), p.run_id)
    return current


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
              method: str | None = None, year: int | None = None) -> Response:
    forbid(user, "city", "auditor")
    from zhizao.runs.registry import list_runs

    try:
        runs = list(reversed(list_runs(settings, method or None, year)))
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    audit_page_read(session, user, "page.runs", "runs", request)
    current = _publications(session)
    return render(request, "runs.html", {
        "breadcrumbs": [("评价运行", None)], "runs": runs, "published": set(current.values()),
        "method": method or "", "year": year or "",
    }, user=user)


@router.get("/runs/diff", response_class=HTMLResponse)
def runs_diff(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
              a: str = "", b: str = "") -> Response:
    forbid(user, "city", "auditor")
    audit_page_read(session, user, "page.run_diff", f"{a}..{b}", request)
    from zhizao.runs.diff import diff
    from zhizao.runs.registry import RunError

    try:
        d = diff(settings, a, b)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    except (RunError, ValueError) as exc:
        raise PageError(status_code=404 if isinstance(exc, RunError) else 400, detail=str(exc)) from exc
    cap = capabilities.find(d.get("method"))
    changed = [{**c, "field_title": capabilities.field_title(cap, c["field"]),
                "before_title": capabilities.value_title(cap, c["field"], c["before"]),
                "after_title": capabilities.value_title(cap, c["field"], c["after"])} for c in d["changed"]]
    return render(request, "run_diff.html", {
        "breadcrumbs": [("评价运行", "/runs"), (f"{run_label(a)} 与 {run_label(b)} 对比", None)],
        "d": {**d, "changed": changed},
    }, user=user)


def counts_view(cap: capabilities.Capability | None, counts: dict[str, Any]) -> list[tuple[str, Any]]:
    """A run's counts in words: (field title, a number or [(value title, number)])."""
    out: list[tuple[str, Any]] = []
    for k, v in counts.items():
        if isinstance(v, dict):
            out.append((capabilities.field_title(cap, k), [(capabilities.value_title(cap, k, kk), n) for kk, n in v.items()]))
        else:
            out.append((capabilities.field_title(cap, k), v))
    return out


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, user: PageUser, session: SessionDep, settings: SettingsDep) -> Response:
    forbid(user, "city", "auditor")
    from zhizao.runs.gate import held as held_firms
    from zhizao.runs.gate import releases as gate_releases
    from zhizao.runs.registry import RunError, get, list_runs

    try:
        run = get(settings, run_id)
        siblings = [r for r in list_runs(settings, run.method, run.year) if r.run_id != run.run_id]
        held = held_firms(settings, run_id)
        released = gate_releases(settings, run.method, run.year)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    except RunError as exc:
        raise not_found() from exc
    audit_page_read(session, user, "page.run", f"run:{run_id}", request)
    current = _publications(session)
    history = [p for p in reversed(publish.publications(session, run.method)) if p.run_id == run_id]
    return render(request, "run.html", {
        "breadcrumbs": [("评价运行", "/runs"), (run_label(run.run_id), None)], "run": run, "siblings": siblings,
        "counts": counts_view(capabilities.find(run.method), run.counts),
        "is_published": current.get((run.method, run.year)) == run.run_id, "history": history,
        "people": accounts.labels(session, [p.published_by for p in history] + [x.released_by for x in released]),
        "can_publish": user_attr(user, "role") == "city", "held": held, "released": released,
    }, user=user)


@router.post("/runs/{run_id}/publish")
def publish_run(request: Request, run_id: str, user: PageUser, session: SessionDep, settings: SettingsDep,
                csrf_token: str = Form("")) -> Response:
    forbid(user, "city")
    verify_csrf(request, csrf_token)
    from zhizao.runs.registry import RunError, get
    from zhizao.store.publish import HeldFirms
    from zhizao.store.publish import publish as publish_results

    try:
        get(settings, run_id)
        session.close()  # publishing writes through its own session; do not hold a read transaction open
        publish_results(settings, run_id, user=user)
    except WAREHOUSE_BUSY as exc:
        raise busy(exc) from exc
    except RunError as exc:
        raise not_found() from exc
    except HeldFirms as exc:
        raise PageError(status_code=409, detail=str(exc)) from exc
    return RedirectResponse(f"/runs/{run_id}?msg=published", status_code=303)
