"""The firm profile's carbon explanation is read from what was prepared when the run was
published (every firm's at once), never computed per firm on the request; it is each firm's
own explanation, and an import has it prepared again."""

from __future__ import annotations

from served import login, served_city
from sqlalchemy import select

from zhizao import prepared
from zhizao.carbon.profile import EXPLANATIONS, explanation
from zhizao.settings import load_settings
from zhizao.store.db import session_scope
from zhizao.store.models import PublishedResult


def _files(settings):  # type: ignore[no-untyped-def]
    root = settings.home / "prepared" / prepared.PAGES / EXPLANATIONS
    return {p: p.stat().st_mtime_ns for p in root.glob("*/*.json")}


def test_the_profile_reads_the_explanations_prepared_when_the_run_was_published(tmp_path):
    from zhizao.carbon.explain import explain
    from zhizao.carbon.methodology import CarbonMethodology
    from zhizao.engine import connect
    from zhizao.runs.registry import get
    from zhizao.web.app import create_app

    s = served_city(load_settings(tmp_path / "home").ensure())
    files = _files(s)
    assert len(files) == 1  # the published year's, before any visit
    with session_scope(s) as ses:
        run_id, code = ses.execute(select(PublishedResult.run_id, PublishedResult.credit_code).where(
            PublishedResult.method == "carbon", PublishedResult.outcome.in_(("1", "2", "3", "4", "5")))
            .order_by(PublishedResult.credit_code).limit(1)).one()
    html = login(create_app(s), "city1").get(f"/enterprises/{code}").text
    assert "对标行业" in html and "碳排放构成正在重新计算" not in html
    assert _files(s) == files  # read, not computed again
    expl, found = explanation(s, run_id, 2021, code)
    assert found.current
    eng = connect(s, "duckdb", read_only=True)
    try:
        direct = explain(eng, CarbonMethodology.model_validate(get(s, run_id).methodology), 2021, code)
    finally:
        eng.close()
    assert expl == direct  # exactly: the sums are exact (zhizao.sums)

