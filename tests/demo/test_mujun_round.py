"""``zhizao demo`` publishes 亩均 the way a bureau does: freeze → land notice → score → results
notice → publication, each step dated, none skipped, the notice periods run in full."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from store_fixtures import pg_db_url, store_settings

from zhizao.demo.generator import generate
from zhizao.ingest import import_file

__all__ = ["pg_db_url", "store_settings"]


def test_demo_publishes_mujun_through_the_bureau_round(tmp_path: Path, store_settings) -> None:
    from zhizao.demo.run import evaluate_city
    from zhizao.mujun import workflow
    from zhizao.store.db import session_scope
    from zhizao.store.publish import published_run

    s = store_settings
    m = generate(tmp_path / "city", firms=150, seed=21, years=range(2023, 2025))
    for e in m["files"]:
        import_file(s, e["table"], tmp_path / "city" / e["file"], source=e["source"])
    done = evaluate_city(s, [2024])
    mj = next(d for d in done if d["method"] == "mujun")
    assert mj["workflow"] == ["freeze", "land_notice", "score", "results_notice", "publish"]
    st = workflow.status(s, 2024)
    assert st["stage"] == "published" and st["final_run_id"] == mj["run_id"]
    at = {x["step"]: x["at"] for x in st["steps"]}
    # the notice periods ran in full: scoring after the land notice, publication after the window
    assert at["freeze"] == at["land_notice"] == dt.datetime(2025, 5, 6, 9)
    assert at["score"] > st["land_notice_until"] >= at["land_notice"] + dt.timedelta(days=5)
    assert at["results_notice"] > at["score"]
    assert at["publish"] > st["objections_close_at"] >= at["results_notice"] + dt.timedelta(days=3)
    with session_scope(s) as ses:
        assert published_run(ses, "mujun", 2024).run_id == mj["run_id"]
    # a second demo finds the year published on the same inputs and leaves it
    again = next(d for d in evaluate_city(s, [2024]) if d["method"] == "mujun")
    assert again["run_id"] == mj["run_id"]
    assert [x["step"] for x in workflow.status(s, 2024)["steps"]] == mj["workflow"]
