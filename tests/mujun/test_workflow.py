"""The 亩均 publication workflow on a real warehouse and store (SQLite, and PostgreSQL when
``ZHIZAO_TEST_PG_URL`` is set): freeze → land notice → score → results notice → objections →
correction → final publication, each step recorded with who and when."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from tests.mujun.citydata import Firm, code, load

from zhizao import runs
from zhizao.mujun import workflow
from zhizao.mujun.workflow import WorkflowError
from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry, Objection
from zhizao.store.publish import published

T0 = dt.datetime(2023, 4, 1, 9, 0)


def _city() -> list[Firm]:
    firms = [Firm(code(i), above=True, tax=100.0 + 40 * i, value_added=800.0 + 50 * i,
                  parcels=[(f"P{i}", 10.0, "owned")], energy={"electricity": 1e6, "raw_coal": 50.0},
                  emissions={"cod": 0.5}) for i in range(1, 9)]
    firms += [Firm(code(20 + i), above=False, tax=10.0 + 5 * i, value_added=100.0, revenue=800.0,
                   employees=10, rd=1.0, parcels=[(f"Q{i}", 4.0, "owned")], energy={"electricity": 2e5})
              for i in range(1, 5)]
    return firms


def test_the_whole_round_is_recorded_and_a_correction_is_a_diffable_new_run(store_settings, tmp_path):
    s = store_settings
    load(s, _city(), 2022, tmp_path)
    low = code(1)  # the lowest tax: class D or C before the correction

    f = workflow.freeze(s, 2022, "analyst", "huangyan-2022", now=T0)
    assert f["methodology"] == "huangyan-2022@2022" and f["batches"]
    with pytest.raises(WorkflowError, match="用地面积公示"):
        workflow.score(s, 2022, "analyst", now=T0)
    workflow.land_notice(s, 2022, "analyst", days=5, now=T0)
    sc = workflow.score(s, 2022, "analyst", now=T0 + dt.timedelta(days=6))
    first = sc["run_id"]
    assert sc["counts"]["firms"] == 12
    with pytest.raises(WorkflowError, match="3–7"):
        workflow.results_notice(s, 2022, "analyst", days=10)
    rn = workflow.results_notice(s, 2022, "analyst", days=3, now=T0 + dt.timedelta(days=7))
    assert rn["objections_close_at"] == T0 + dt.timedelta(days=10)
    with session_scope(s) as ses:
        before = published(ses, "mujun", 2022, low)
    assert before is not None and before["class"] in ("C", "D")

    evidence = tmp_path / "完税证明.pdf"
    evidence.write_bytes(b"%PDF-1.4 tax certificate")
    o = workflow.add_objection(s, 2022, low, "firm-user", "税收数据遗漏", "第四季度入库税款 300 万元未计入",
                               evidence, now=T0 + dt.timedelta(days=8))
    assert o["status"] == "pending" and o["evidence_sha256"] and o["run_id"] == first
    rejected = workflow.add_objection(s, 2022, code(2), "firm-2", "用地面积", "面积有误",
                                      now=T0 + dt.timedelta(days=8))
    with pytest.raises(WorkflowError, match="未处理"):
        workflow.publish_final(s, 2022, "director", now=T0 + dt.timedelta(days=11))
    workflow.decide_objection(s, rejected["id"], "rejected", "面积与不动产登记一致", user="director",
                              now=T0 + dt.timedelta(days=9))
    workflow.decide_objection(s, o["id"], "accepted", "税务局复核确认", user="director",
                              now=T0 + dt.timedelta(days=9))
    with pytest.raises(WorkflowError, match="更正重算"):
        workflow.publish_final(s, 2022, "director", now=T0 + dt.timedelta(days=11))

    # the tax office re-delivers the firm's tax: a new batch, then the correction run
    fixed = next(f for f in _city() if f.code == low)
    fixed.tax = 2000.0
    load(s, [fixed], 2022, tmp_path, only=("tax",))
    c = workflow.correct(s, 2022, "analyst", now=T0 + dt.timedelta(days=9, hours=2))
    assert c["previous_run_id"] == first and c["run_id"] != first
    assert runs.get(s, c["run_id"]).parent_run_id == first
    moved = {m["credit_code"]: m for m in c["diff"]["changed"]}
    assert moved[low]["after"] < moved[low]["before"] and c["new_batches"]  # a better class
    after_class = moved[low]["after"]

    with pytest.raises(WorkflowError, match="异议期"):
        workflow.publish_final(s, 2022, "director", now=T0 + dt.timedelta(days=9, hours=3))
    p = workflow.publish_final(s, 2022, "director", now=T0 + dt.timedelta(days=11))
    assert p["run_id"] == c["run_id"]
    with session_scope(s) as ses:
        assert published(ses, "mujun", 2022, low)["class"] == after_class
        obj = ses.get(Objection, o["id"])
        assert obj.correction_run_id == c["run_id"] and obj.decided_by == "director"
        actions = [a.action for a in ses.scalars(select(AuditEntry).where(AuditEntry.target == "mujun:2022")
                                                  .order_by(AuditEntry.id))]
    assert actions == ["mujun.freeze", "mujun.land_notice", "mujun.score", "mujun.results_notice",
                       "mujun.objection", "mujun.objection", "mujun.decision", "mujun.decision",
                       "mujun.correct", "mujun.publish"]

    st = workflow.status(s, 2022)
    assert st["stage"] == "published" and st["final_run_id"] == c["run_id"]
    assert [x["step"] for x in st["steps"]] == ["freeze", "land_notice", "score", "results_notice", "objection",
                                                "objection", "decision", "decision", "correct", "publish"]
    assert all(x["by"] and x["at"] for x in st["steps"])
    assert st["objections"] == {"accepted": 1, "rejected": 1}
    json.dumps(st, default=str)


def test_scoring_refuses_data_changed_after_the_freeze(store_settings, tmp_path):
    s = store_settings
    city = _city()[:4]
    load(s, city, 2022, tmp_path)
    workflow.freeze(s, 2022, "analyst", now=T0)
    workflow.land_notice(s, 2022, "analyst", now=T0)
    city[0].tax = 999.0
    load(s, [city[0]], 2022, tmp_path, only=("tax",))
    with pytest.raises(WorkflowError, match="冻结后"):
        workflow.score(s, 2022, "analyst", now=T0 + dt.timedelta(days=6))
    # freezing again takes the new data in
    workflow.freeze(s, 2022, "analyst", now=T0)
    workflow.land_notice(s, 2022, "analyst", now=T0)
    assert workflow.score(s, 2022, "analyst", now=T0 + dt.timedelta(days=6))["counts"]["firms"] == 4


def test_scoring_waits_for_the_land_notice_to_end(store_settings, tmp_path):
    s = store_settings
    load(s, _city()[:3], 2022, tmp_path)
    workflow.freeze(s, 2022, "analyst", now=T0)
    workflow.land_notice(s, 2022, "analyst", days=5, now=T0)
    with pytest.raises(WorkflowError, match="用地面积公示至"):
        workflow.score(s, 2022, "analyst", now=T0 + dt.timedelta(days=4))
    early = workflow.score(s, 2022, "analyst", force=True, now=T0 + dt.timedelta(days=4))
    steps = workflow.status(s, 2022)["steps"]
    assert steps[-1]["step"] == "score" and steps[-1]["detail"]["forced"] is True
    assert early["run_id"]


def test_objections_after_the_window_are_refused(store_settings, tmp_path):
    s = store_settings
    load(s, _city()[:3], 2022, tmp_path)
    workflow.freeze(s, 2022, "a", now=T0)
    workflow.land_notice(s, 2022, "a", now=T0)
    workflow.score(s, 2022, "a", force=True, now=T0)
    workflow.results_notice(s, 2022, "a", days=3, now=T0)
    with pytest.raises(WorkflowError, match="异议期已于"):
        workflow.add_objection(s, 2022, code(1), "f", "事由", "内容", now=T0 + dt.timedelta(days=4))
    with pytest.raises(WorkflowError, match="没有企业"):
        workflow.add_objection(s, 2022, code(99), "f", "事由", "内容", now=T0 + dt.timedelta(days=1))
