"""Delivery: notice → objections → payout, applications on the 60-working-day clock, consent per
purpose, questions and complaints with their limits, escalation, 12345 and satisfaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from zhizao.policies import workflow as wf
from zhizao.store.db import init_store, session_scope
from zhizao.store.models import AuditEntry

D = dt.date
A, B, C = "91330502MA00000011", "91330502MA00000022", "91330502MA00000033"


@pytest.fixture
def store(settings):
    init_store(settings)
    return settings


def _rows(item="hz23-revenue-milestone"):
    return [
        {"credit_code": A, "name": "甲", "region_code": "330502", "item_id": item, "subject": None, "eligible": True,
         "expected_benefit": 20.0},
        {"credit_code": B, "name": "乙", "region_code": "330503", "item_id": item, "subject": None, "eligible": True,
         "expected_benefit": 50.0},
        {"credit_code": C, "name": "丙", "region_code": "330502", "item_id": item, "subject": None,
         "eligible": "unknown", "expected_benefit": None},
    ]


def test_notice_objection_close_and_payout_with_payout_consent(store):
    n = wf.open_notice(store, 2024, "hz23-revenue-milestone", _rows(), "city", today=D(2026, 9, 28))
    assert n["firms"] == 2 and n["total"] == 70.0
    # 5 working days from Mon 28 Sep 2026 cross 国庆: 29, 30 Sep, 8, 9, 10 Oct (a make-up Saturday)
    assert n["closes_on"] == D(2026, 10, 10)
    o = wf.object_to(store, n["id"], B, "someone", "金额有误", "营业收入口径不同", today=D(2026, 9, 30))
    with pytest.raises(wf.WorkflowError, match="异议未处理"):
        wf.close_notice(store, n["id"], "city", today=D(2026, 10, 12))
    wf.decide(store, o["id"], "accepted", "核实后按30万元兑现", "city", corrected=30.0)
    with pytest.raises(wf.WorkflowError, match="期满后"):
        wf.close_notice(store, n["id"], "city", today=D(2026, 10, 9))
    closed = wf.close_notice(store, n["id"], "city", today=D(2026, 10, 12))
    assert closed["total"] == 50.0
    wf.grant_consent(store, A, "payout", "市财政局", D(2026, 1, 1), D(2027, 12, 31), "firm-a")
    paid = wf.pay_notice(store, n["id"], "city", paid_on=D(2026, 10, 20))
    assert paid["paid"] == 1 and paid["amount"] == 20.0 and paid["awaiting_consent"] == [B] and paid["on_time"]
    wf.grant_consent(store, B, "payout", "市财政局", D(2026, 1, 1), D(2027, 12, 31), "firm-b")
    again = wf.pay_notice(store, n["id"], "city", paid_on=D(2026, 10, 21))
    assert again["paid"] == 1 and again["amount"] == 30.0
    assert sum(p["amount"] for p in wf.payouts(store, 2024)) == 50.0
    with session_scope(store) as s:
        actions = {a.action for a in s.scalars(select(AuditEntry))}
    assert {"policies.notice.open", "policies.objection", "policies.decision", "policies.payout"} <= actions


def test_objection_outside_the_window_or_for_an_unlisted_firm_is_refused(store):
    n = wf.open_notice(store, 2024, "hz23-revenue-milestone", _rows(), "city", today=D(2026, 3, 2))
    with pytest.raises(wf.WorkflowError, match="公示名单中没有"):
        wf.object_to(store, n["id"], C, "x", "事由", "内容", today=D(2026, 3, 3))
    with pytest.raises(wf.WorkflowError, match="公示期已于"):
        wf.object_to(store, n["id"], A, "x", "事由", "内容", today=D(2026, 3, 20))


def test_a_fast_application_item_is_never_noticed_and_a_noticed_one_never_applied_for(store):
    with pytest.raises(wf.WorkflowError, match="快申快享"):
        wf.open_notice(store, 2024, "hz23-tech-upgrade-benchmark", _rows("hz23-tech-upgrade-benchmark"), "city")
    with pytest.raises(wf.WorkflowError, match="免申即享"):
        wf.apply(store, 2024, "hz23-revenue-milestone", A, "firm")


def test_application_clock_is_sixty_working_days_across_a_public_holiday(store):
    a = wf.apply(store, 2025, "hz23-tech-upgrade-benchmark", A, "firm-a", subject="P1", claimed=300.0,
                 today=D(2026, 9, 1))
    assert a["due_on"] == D(2026, 11, 30)
    assert wf.applications(store, today=D(2026, 11, 27))[0]["working_days_left"] == 1
    late = wf.applications(store, today=D(2026, 12, 1))[0]
    assert late["overdue"] is True
    with pytest.raises(wf.WorkflowError, match="已于"):
        wf.apply(store, 2025, "hz23-tech-upgrade-benchmark", A, "firm-a", subject="P1", today=D(2026, 9, 2))
    wf.decide_application(store, a["id"], "accepted", "材料齐全", "city", approved=280.0, today=D(2026, 9, 10))
    with pytest.raises(wf.WorkflowError, match="收款授权"):
        wf.pay_application(store, a["id"], "city", paid_on=D(2026, 9, 20))
    wf.grant_consent(store, A, "payout", "市财政局", D(2026, 1, 1), D(2026, 12, 31), "firm-a")
    paid = wf.pay_application(store, a["id"], "city", paid_on=D(2026, 9, 21))
    assert paid["status"] == "paid" and paid["on_time"] and paid["approved"] == 280.0


def test_negative_amounts_are_refused(store):
    with pytest.raises(wf.WorkflowError, match="负数"):
        wf.apply(store, 2025, "hz23-tech-upgrade-benchmark", A, "firm", claimed=-1.0, today=D(2026, 9, 1))


def test_consent_per_purpose_is_granted_revoked_and_bounded(store):
    c = wf.grant_consent(store, A, "bank_credit", "湖州银行", D(2026, 1, 1), D(2026, 12, 31), "firm-a")
    with session_scope(store) as s:
        assert wf.has_consent(s, A, "bank_credit", D(2026, 6, 1))
        assert not wf.has_consent(s, A, "payout", D(2026, 6, 1))
        assert not wf.has_consent(s, A, "bank_credit", D(2027, 1, 1))
    wf.revoke_consent(store, c["id"], A, "firm-a")
    with session_scope(store) as s:
        assert not wf.has_consent(s, A, "bank_credit", D(2026, 6, 1))
    with pytest.raises(wf.WorkflowError, match="未知的授权用途"):
        wf.grant_consent(store, A, "marketing", "x", D(2026, 1, 1), D(2026, 2, 1), "firm-a")
    with pytest.raises(wf.WorkflowError, match="找不到授权"):
        wf.revoke_consent(store, c["id"], B, "firm-b")


def test_questions_reply_in_one_and_complaints_in_three_working_days_routed_to_the_owning_office(store):
    q = wf.file_ticket(store, "question", A, "技改奖励怎么算", "设备投资含税吗", "firm-a",
                       item_id="zj-diff-land-tax", today=D(2026, 9, 30))
    assert q["office"].startswith("市税务局") and q["due_on"] == D(2026, 10, 8)
    c = wf.file_ticket(store, "complaint", A, "奖励未到账", "公示结束已两月", "firm-a", item_id="hz23-tech-upgrade",
                       channel="12345", ref_12345="12345-2026-0917", today=D(2026, 3, 13))
    assert c["due_on"] == D(2026, 3, 18) and c["ref_12345"] == "12345-2026-0917"
    with pytest.raises(wf.WorkflowError, match="工单编号"):
        wf.file_ticket(store, "complaint", A, "x", "y", "firm-a", channel="12345")
    esc = wf.escalate_overdue(store, "system", today=D(2026, 3, 19))
    assert [t["id"] for t in esc] == [c["id"]] and esc[0]["escalated_to"].startswith("市政务服务热线")
    ans = wf.answer_ticket(store, c["id"], "已拨付", "office", today=D(2026, 3, 20))
    assert ans["answered_in_time"] is False
    with pytest.raises(wf.WorkflowError, match="1–5"):
        wf.rate_ticket(store, c["id"], A, 6, "firm-a")
    rated = wf.rate_ticket(store, c["id"], A, 4, "firm-a")
    assert rated["status"] == "closed" and rated["satisfaction"] == 4
