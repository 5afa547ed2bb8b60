"""Delivery: the 免申即享 list → public notice (公示, objections) → payout record; 快申快享
applications on a 60-working-day clock; consent per purpose; questions and complaints.

Every step is written to the append-only ``audit_log``. Dates are working-day arithmetic on the
calendar file (:mod:`zhizao.policies.workdays`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhizao.cliutil import dumps
from zhizao.policies import workdays
from zhizao.policies.catalogue import FAST_PAYOUT_WORKING_DAYS, Catalogue, CatalogueError, mode
from zhizao.policies.models import (
    PolicyApplication,
    PolicyConsent,
    PolicyNotice,
    PolicyNoticeEntry,
    PolicyPayout,
    PolicyTicket,
)
from zhizao.settings import Settings
from zhizao.store import audit
from zhizao.store.db import session_scope
from zhizao.store.models import Objection, utcnow

METHOD = "policies"
#: 公示期 in working days (DEFAULT: the 亩均 results notice runs 3–7 days; 5 working days chosen)
NOTICE_WORKING_DAYS = 5
#: reply limits in working days (METHODS.md section 6): questions 1, complaints 3
REPLY_LIMITS = {"question": 1, "complaint": 3}
TICKET_LABELS = {"question": "咨询", "complaint": "投诉"}
TICKET_STATUS_LABELS = {"open": "待答复", "answered": "已答复", "escalated": "已升级督办", "closed": "已办结"}
#: where a late ticket goes (DEFAULT: the city's 12345 hotline office supervises the owning office)
ESCALATE_TO = "市政务服务热线（12345）督办"
PURPOSES: dict[str, str] = {
    "policy_matching": "政策匹配与免申即享（使用政府部门已掌握的数据）",
    "payout": "资金兑付（使用登记的银行账户）",
    "bank_credit": "融资授信（向银行提供碳效码和政策兑现情况）",
    "data_sharing": "跨部门数据共享（申报材料不再重复提交）",
}
APPLICATION_LABELS = {"filed": "已受理", "accepted": "审核通过", "rejected": "不予支持", "paid": "已兑现"}
ENTRY_LABELS = {"listed": "公示中", "withdrawn": "已撤回", "paid": "已兑现"}


class WorkflowError(ValueError):
    """A step that cannot be taken (message in Chinese)."""


def _today(today: dt.date | None) -> dt.date:
    return today or utcnow().date()


def _cal() -> workdays.WorkingCalendar:
    return workdays.default()


def _add_wd(d: dt.date, n: int) -> dt.date:
    try:
        return _cal().add(d, n)
    except workdays.CalendarError as exc:
        raise WorkflowError(str(exc)) from None


def _item(item_id: str, cat: Catalogue | None = None):  # type: ignore[no-untyped-def]
    try:
        return (cat or Catalogue()).item(item_id)
    except CatalogueError as exc:
        raise WorkflowError(str(exc)) from None


def _audit(s: Session, action: str, user: str, target: str, detail: dict[str, Any]) -> None:
    audit.record(s, f"policies.{action}", username=user, target=target, detail=detail)


# ---------------------------------------------------------------- consent per purpose


def has_consent(s: Session, credit_code: str, purpose: str, on: dt.date | None = None) -> bool:
    on = _today(on)
    return (s.scalar(select(func.count()).select_from(PolicyConsent).where(
        PolicyConsent.credit_code == credit_code, PolicyConsent.purpose == purpose,
        PolicyConsent.revoked_at.is_(None), PolicyConsent.valid_from <= on, PolicyConsent.valid_to >= on)) or 0) > 0


def consented(s: Session, purpose: str, on: dt.date | None = None) -> set[str]:
    on = _today(on)
    return set(s.scalars(select(PolicyConsent.credit_code).where(
        PolicyConsent.purpose == purpose, PolicyConsent.revoked_at.is_(None),
        PolicyConsent.valid_from <= on, PolicyConsent.valid_to >= on)))


def grant_consent(settings: Settings, credit_code: str, purpose: str, recipient: str, valid_from: dt.date,
                  valid_to: dt.date, user: str) -> dict[str, Any]:
    if purpose not in PURPOSES:
        raise WorkflowError(f"未知的授权用途: {purpose}（可选: {', '.join(PURPOSES)}）")
    if valid_to < valid_from:
        raise WorkflowError("授权截止日期不能早于起始日期")
    if (valid_to - valid_from).days > 366 * 5:
        raise WorkflowError("授权期限最长 5 年")
    if not recipient.strip():
        raise WorkflowError("请填写数据使用方")
    with session_scope(settings) as s:
        c = PolicyConsent(credit_code=credit_code, purpose=purpose, recipient=recipient.strip(),
                          valid_from=valid_from, valid_to=valid_to, granted_by=user)
        s.add(c)
        s.flush()
        _audit(s, "consent.grant", user, credit_code, {"consent_id": c.id, "purpose": purpose, "recipient": recipient})
        return consent_dict(c)


def revoke_consent(settings: Settings, consent_id: int, credit_code: str, user: str) -> dict[str, Any]:
    with session_scope(settings) as s:
        c = s.get(PolicyConsent, consent_id)
        if c is None or c.credit_code != credit_code:
            raise WorkflowError(f"找不到授权 {consent_id}")
        if c.revoked_at is None:
            c.revoked_at = utcnow()
            _audit(s, "consent.revoke", user, credit_code, {"consent_id": c.id, "purpose": c.purpose})
        return consent_dict(c)


def consent_dict(c: PolicyConsent) -> dict[str, Any]:
    today = utcnow().date()
    return {"id": c.id, "credit_code": c.credit_code, "purpose": c.purpose, "purpose_label": PURPOSES.get(c.purpose),
            "recipient": c.recipient, "valid_from": c.valid_from, "valid_to": c.valid_to, "granted_by": c.granted_by,
            "granted_at": c.granted_at, "revoked_at": c.revoked_at,
            "active": c.revoked_at is None and c.valid_from <= today <= c.valid_to}


def list_consents(settings: Settings, credit_code: str | None = None) -> list[dict[str, Any]]:
    with session_scope(settings) as s:
        q = select(PolicyConsent)
        if credit_code:
            q = q.where(PolicyConsent.credit_code == credit_code)
        return [consent_dict(c) for c in s.scalars(q.order_by(PolicyConsent.id.desc()))]


# ---------------------------------------------------------------- public notice → payout


def open_notice(settings: Settings, year: int, item_id: str, rows: list[dict[str, Any]], user: str, *,
                days: int = NOTICE_WORKING_DAYS, today: dt.date | None = None) -> dict[str, Any]:
    """公示 the 免申即享 list of ``item_id``: ``rows`` are the item's match rows (eligible ones are
    listed with their expected amount). The objection window is ``days`` working days."""
    today = _today(today)
    it = _item(item_id)
    if mode(it)[0] != "no_application":
        raise WorkflowError(f"「{it.title}」为快申快享条目，不公示免申名单（企业申报后审核兑现）")
    if it.benefit.formula == "none":
        raise WorkflowError(f"「{it.title}」不涉及资金兑现，无需公示名单")
    if not 3 <= days <= 10:
        raise WorkflowError("公示期应为 3–10 个工作日")
    listed = [r for r in rows if r["item_id"] == item_id and r["eligible"] is True
              and (r.get("expected_benefit") or 0) > 0]
    if not listed:
        raise WorkflowError(f"{year} 年度「{it.title}」没有符合条件、应享金额大于零的企业")
    closes = _add_wd(today, days)
    due = _add_wd(closes, int(it.payout_working_days.value))
    with session_scope(settings) as s:
        prior = s.scalar(select(PolicyNotice).where(PolicyNotice.year == year, PolicyNotice.item_id == item_id))
        if prior is not None:
            raise WorkflowError(f"{year} 年度「{it.title}」已于 {prior.opened_on} 公示（公示编号 {prior.id}）")
        n = PolicyNotice(year=year, item_id=item_id, status="open", opened_on=today, closes_on=closes,
                         payout_due_on=due, opened_by=user, firms=len(listed),
                         total=round(sum(float(r["expected_benefit"]) for r in listed), 4))
        s.add(n)
        s.flush()
        s.add_all([PolicyNoticeEntry(notice_id=n.id, credit_code=r["credit_code"], name=r.get("name"),
                                     region_code=r.get("region_code"), subject=r.get("subject") or "",
                                     expected=float(r["expected_benefit"]), status="listed") for r in listed])
        _audit(s, "notice.open", user, f"policies:{year}:{item_id}",
               {"notice_id": n.id, "firms": n.firms, "total": n.total, "closes_on": closes, "payout_due_on": due})
        return notice_dict(n)


def notice_dict(n: PolicyNotice, entries: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {"id": n.id, "year": n.year, "item_id": n.item_id, "status": n.status,
                         "opened_on": n.opened_on, "closes_on": n.closes_on, "payout_due_on": n.payout_due_on,
                         "due_provisional": _cal().is_provisional(n.opened_on, n.payout_due_on),
                         "opened_by": n.opened_by, "firms": n.firms, "total": n.total}
    if entries:
        d["entries"] = [entry_dict(e) for e in n.entries]
    return d


def entry_dict(e: PolicyNoticeEntry) -> dict[str, Any]:
    return {"id": e.id, "notice_id": e.notice_id, "credit_code": e.credit_code, "name": e.name,
            "region_code": e.region_code, "subject": e.subject or None, "expected": e.expected, "status": e.status,
            "note": e.note}


def notices(settings: Settings, year: int | None = None) -> list[dict[str, Any]]:
    """Every notice (of ``year``), with how many of its firms are still to be paid (``unpaid``)."""
    with session_scope(settings) as s:
        q = select(PolicyNotice)
        if year is not None:
            q = q.where(PolicyNotice.year == year)
        unpaid = dict(s.execute(select(PolicyNoticeEntry.notice_id, func.count()).where(
            PolicyNoticeEntry.status == "listed").group_by(PolicyNoticeEntry.notice_id)).all())
        return [notice_dict(n) | {"unpaid": int(unpaid.get(n.id, 0))} for n in s.scalars(q.order_by(PolicyNotice.id))]


def notice(settings: Settings, notice_id: int) -> dict[str, Any]:
    with session_scope(settings) as s:
        n = s.get(PolicyNotice, notice_id)
        if n is None:
            raise WorkflowError(f"找不到公示 {notice_id}")
        return notice_dict(n, entries=True)


def object_to(settings: Settings, notice_id: int, credit_code: str, filed_by: str, subject: str, content: str, *,
              today: dt.date | None = None) -> dict[str, Any]:
    """异议 during the notice: by the listed firm (wrong amount) or anyone naming a listed firm."""
    today = _today(today)
    if not subject.strip() or not content.strip():
        raise WorkflowError("异议需要事由和具体内容")
    with session_scope(settings) as s:
        n = s.get(PolicyNotice, notice_id)
        if n is None:
            raise WorkflowError(f"找不到公示 {notice_id}")
        if n.status != "open" or today > n.closes_on:
            raise WorkflowError(f"公示期已于 {n.closes_on} 结束")
        e = s.scalar(select(PolicyNoticeEntry).where(PolicyNoticeEntry.notice_id == n.id,
                                                     PolicyNoticeEntry.credit_code == credit_code))
        if e is None:
            raise WorkflowError(f"公示名单中没有企业 {credit_code}")
        o = Objection(method=METHOD, year=n.year, run_id=f"notice-{n.id}", credit_code=credit_code,
                      region_code=e.region_code, filed_by=filed_by, filed_at=utcnow(), subject=subject.strip()[:200],
                      content=content.strip(), status="pending")
        s.add(o)
        s.flush()
        _audit(s, "objection", filed_by, f"policies:{n.year}:{n.item_id}",
               {"notice_id": n.id, "objection_id": o.id, "credit_code": credit_code})
        return objection_dict(o)


def decide(settings: Settings, objection_id: int, decision: str, reason: str, user: str, *,
           corrected: float | None = None) -> dict[str, Any]:
    """异议处理: accepted (the entry is withdrawn, or its amount corrected) or rejected, with a reason."""
    if decision not in ("accepted", "rejected"):
        raise WorkflowError("处理结果应为 accepted（采纳）或 rejected（不采纳）")
    if not reason.strip():
        raise WorkflowError("处理异议必须说明理由")
    if corrected is not None and corrected < 0:
        raise WorkflowError("更正后的金额不能为负数")
    with session_scope(settings) as s:
        o = s.get(Objection, objection_id)
        if o is None or o.method != METHOD:
            raise WorkflowError(f"找不到政策公示异议 {objection_id}")
        if o.status != "pending":
            raise WorkflowError(f"异议 {objection_id} 已处理")
        notice_id = int(str(o.run_id).removeprefix("notice-"))
        e = s.scalar(select(PolicyNoticeEntry).where(PolicyNoticeEntry.notice_id == notice_id,
                                                     PolicyNoticeEntry.credit_code == o.credit_code))
        o.status, o.decided_by, o.decided_at, o.decision_reason = decision, user, utcnow(), reason.strip()
        if decision == "accepted" and e is not None:
            if corrected is None or corrected == 0:
                e.status, e.note = "withdrawn", f"异议采纳：{reason.strip()}"
            else:
                e.note = f"异议采纳，金额由 {e.expected:,.2f} 万元更正为 {corrected:,.2f} 万元：{reason.strip()}"
                e.expected = corrected
            n = s.get(PolicyNotice, notice_id)
            assert n is not None
            live = [x for x in n.entries if x.status != "withdrawn"]
            n.firms, n.total = len(live), round(sum(x.expected for x in live), 4)
        _audit(s, "decision", user, f"policies:{o.year}", {"objection_id": o.id, "decision": decision,
                                                          "corrected": corrected})
        return objection_dict(o)


def objection_dict(o: Objection) -> dict[str, Any]:
    return {"id": o.id, "year": o.year, "notice_id": int(str(o.run_id).removeprefix("notice-")),
            "credit_code": o.credit_code, "filed_by": o.filed_by, "filed_at": o.filed_at, "subject": o.subject,
            "content": o.content, "status": o.status, "decided_by": o.decided_by, "decided_at": o.decided_at,
            "decision_reason": o.decision_reason}


def objections(settings: Settings, notice_id: int | None = None) -> list[dict[str, Any]]:
    with session_scope(settings) as s:
        q = select(Objection).where(Objection.method == METHOD)
        if notice_id is not None:
            q = q.where(Objection.run_id == f"notice-{notice_id}")
        return [objection_dict(o) for o in s.scalars(q.order_by(Objection.id))]


def close_notice(settings: Settings, notice_id: int, user: str, *, today: dt.date | None = None,
                 force: bool = False) -> dict[str, Any]:
    today = _today(today)
    with session_scope(settings) as s:
        n = s.get(PolicyNotice, notice_id)
        if n is None:
            raise WorkflowError(f"找不到公示 {notice_id}")
        if n.status != "open":
            raise WorkflowError(f"公示 {notice_id} 已结束")
        if today <= n.closes_on and not force:
            raise WorkflowError(f"公示期至 {n.closes_on} 结束，期满后才能结束公示")
        pending = s.scalar(select(func.count()).select_from(Objection).where(
            Objection.method == METHOD, Objection.run_id == f"notice-{n.id}", Objection.status == "pending")) or 0
        if pending:
            raise WorkflowError(f"还有 {pending} 件异议未处理，不能结束公示")
        n.status, n.closed_at = "closed", utcnow()
        _audit(s, "notice.close", user, f"policies:{n.year}:{n.item_id}", {"notice_id": n.id, "firms": n.firms})
        return notice_dict(n)


def pay_notice(settings: Settings, notice_id: int, user: str, *, paid_on: dt.date | None = None,
               reference: str | None = None) -> dict[str, Any]:
    """兑现: a payout record for every listed firm of a closed notice that authorised payout
    (``payout`` consent); the others wait for it and are reported."""
    paid_on = _today(paid_on)
    with session_scope(settings) as s:
        n = s.get(PolicyNotice, notice_id)
        if n is None:
            raise WorkflowError(f"找不到公示 {notice_id}")
        if n.status != "closed":
            raise WorkflowError("公示结束后才能兑现")
        ok = consented(s, "payout", paid_on)
        paid, waiting, total = 0, [], 0.0
        for e in n.entries:
            if e.status != "listed":
                continue
            if e.credit_code not in ok:
                waiting.append(e.credit_code)
                continue
            s.add(PolicyPayout(year=n.year, item_id=n.item_id, credit_code=e.credit_code, region_code=e.region_code,
                               entry_id=e.id, amount=e.expected, paid_on=paid_on, due_on=n.payout_due_on,
                               paid_by=user, reference=reference))
            e.status = "paid"
            paid += 1
            total += e.expected
        _audit(s, "payout", user, f"policies:{n.year}:{n.item_id}",
               {"notice_id": n.id, "paid": paid, "amount": round(total, 4), "awaiting_consent": len(waiting)})
        return {"notice_id": n.id, "item_id": n.item_id, "year": n.year, "paid": paid, "amount": round(total, 4),
                "paid_on": paid_on, "on_time": paid_on <= n.payout_due_on, "awaiting_consent": waiting}


def payouts(settings: Settings, year: int | None = None, credit_code: str | None = None) -> list[dict[str, Any]]:
    with session_scope(settings) as s:
        q = select(PolicyPayout)
        if year is not None:
            q = q.where(PolicyPayout.year == year)
        if credit_code:
            q = q.where(PolicyPayout.credit_code == credit_code)
        return [{"id": p.id, "year": p.year, "item_id": p.item_id, "credit_code": p.credit_code,
                 "region_code": p.region_code, "amount": p.amount, "paid_on": p.paid_on, "due_on": p.due_on,
                 "on_time": p.due_on is None or p.paid_on <= p.due_on, "paid_by": p.paid_by,
                 "reference": p.reference, "entry_id": p.entry_id, "application_id": p.application_id}
                for p in s.scalars(q.order_by(PolicyPayout.id))]


# ---------------------------------------------------------------- 快申快享 applications


def apply(settings: Settings, year: int, item_id: str, credit_code: str, user: str, *,
          region_code: str | None = None, subject: str = "", claimed: float | None = None,
          declared: dict[str, Any] | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """One-tap claim of a 快申快享 item: the clock runs 60 working days from filing."""
    today = _today(today)
    it = _item(item_id)
    if mode(it)[0] != "fast_application":
        raise WorkflowError(f"「{it.title}」为免申即享条目，无需申请（公示后直接兑现）")
    if claimed is not None and claimed < 0:
        raise WorkflowError("申请金额不能为负数")
    with session_scope(settings) as s:
        dup = s.scalar(select(PolicyApplication).where(
            PolicyApplication.year == year, PolicyApplication.item_id == item_id,
            PolicyApplication.credit_code == credit_code, PolicyApplication.subject == subject,
            PolicyApplication.status.in_(("filed", "accepted", "paid"))))
        if dup is not None:
            raise WorkflowError(f"已于 {dup.filed_on} 提交过该条目的申请（编号 {dup.id}）")
        a = PolicyApplication(year=year, item_id=item_id, credit_code=credit_code, region_code=region_code,
                              subject=subject, claimed=claimed, declared=dumps(declared or {}), filed_on=today,
                              due_on=_add_wd(today, FAST_PAYOUT_WORKING_DAYS), filed_by=user, status="filed")
        s.add(a)
        s.flush()
        _audit(s, "apply", user, credit_code, {"application_id": a.id, "item_id": item_id, "due_on": a.due_on})
        return application_dict(a)


def decide_application(settings: Settings, application_id: int, decision: str, reason: str, user: str, *,
                       approved: float | None = None, today: dt.date | None = None) -> dict[str, Any]:
    today = _today(today)
    if decision not in ("accepted", "rejected"):
        raise WorkflowError("审核结果应为 accepted（通过）或 rejected（不予支持）")
    if not reason.strip():
        raise WorkflowError("审核必须说明理由")
    if approved is not None and approved < 0:
        raise WorkflowError("核定金额不能为负数")
    with session_scope(settings) as s:
        a = s.get(PolicyApplication, application_id)
        if a is None:
            raise WorkflowError(f"找不到申请 {application_id}")
        if a.status != "filed":
            raise WorkflowError(f"申请 {application_id} 已审核（{APPLICATION_LABELS[a.status]}）")
        a.status, a.decided_by, a.decided_on, a.decision_reason = decision, user, today, reason.strip()
        a.approved = (approved if approved is not None else a.claimed) if decision == "accepted" else None
        _audit(s, "application.decide", user, a.credit_code, {"application_id": a.id, "decision": decision})
        return application_dict(a)


def pay_application(settings: Settings, application_id: int, user: str, *, paid_on: dt.date | None = None,
                    reference: str | None = None) -> dict[str, Any]:
    paid_on = _today(paid_on)
    with session_scope(settings) as s:
        a = s.get(PolicyApplication, application_id)
        if a is None:
            raise WorkflowError(f"找不到申请 {application_id}")
        if a.status != "accepted" or not a.approved:
            raise WorkflowError("只有审核通过并核定金额的申请才能兑现")
        if not has_consent(s, a.credit_code, "payout", paid_on):
            raise WorkflowError("企业尚未授权资金兑付（payout），请先由企业确认收款授权")
        s.add(PolicyPayout(year=a.year, item_id=a.item_id, credit_code=a.credit_code, region_code=a.region_code,
                           application_id=a.id, amount=a.approved, paid_on=paid_on, due_on=a.due_on, paid_by=user,
                           reference=reference))
        a.status = "paid"
        _audit(s, "application.pay", user, a.credit_code, {"application_id": a.id, "amount": a.approved})
        return application_dict(a) | {"paid_on": paid_on, "on_time": paid_on <= a.due_on}


def application_dict(a: PolicyApplication, today: dt.date | None = None) -> dict[str, Any]:
    today = _today(today)
    left = None
    if a.status in ("filed", "accepted"):
        try:
            left = _cal().between(today, a.due_on)
        except workdays.CalendarError:
            left = None
    return {"id": a.id, "year": a.year, "item_id": a.item_id, "credit_code": a.credit_code,
            "region_code": a.region_code, "subject": a.subject or None, "claimed": a.claimed,
            "declared": json.loads(a.declared) if a.declared else {}, "filed_on": a.filed_on, "due_on": a.due_on,
            "due_provisional": _cal().is_provisional(a.filed_on, a.due_on),
            "working_days_left": left, "overdue": a.status in ("filed", "accepted") and today > a.due_on,
            "status": a.status, "status_label": APPLICATION_LABELS[a.status], "approved": a.approved,
            "decided_by": a.decided_by, "decided_on": a.decided_on, "decision_reason": a.decision_reason}


def applications(settings: Settings, year: int | None = None, credit_code: str | None = None,
                 region: str | None = None, today: dt.date | None = None) -> list[dict[str, Any]]:
    with session_scope(settings) as s:
        q = select(PolicyApplication)
        if year is not None:
            q = q.where(PolicyApplication.year == year)
        if credit_code:
            q = q.where(PolicyApplication.credit_code == credit_code)
        if region:
            q = q.where(PolicyApplication.region_code == region)
        return [application_dict(a, today) for a in s.scalars(q.order_by(PolicyApplication.id))]


# ---------------------------------------------------------------- questions and complaints


def file_ticket(settings: Settings, kind: str, credit_code: str, subject: str, content: str, user: str, *,
                item_id: str | None = None, region_code: str | None = None, channel: str = "web",
                ref_12345: str | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """A question (reply within 1 working day) or complaint (3), routed to the item's office."""
    today = _today(today)
    if kind not in REPLY_LIMITS:
        raise WorkflowError("类型应为 question（咨询）或 complaint（投诉）")
    if not subject.strip() or not content.strip():
        raise WorkflowError("请填写标题和内容")
    if channel not in ("web", "12345"):
        raise WorkflowError("渠道应为 web（平台）或 12345（政务服务热线）")
    if channel == "12345" and not (ref_12345 or "").strip():
        raise WorkflowError("经 12345 热线转来的事项须填写 12345 工单编号")
    office = _item(item_id).office if item_id else "湖州市经济和信息化局"
    with session_scope(settings) as s:
        t = PolicyTicket(kind=kind, credit_code=credit_code, region_code=region_code, item_id=item_id, office=office,
                         channel=channel, ref_12345=(ref_12345 or "").strip() or None, subject=subject.strip()[:200],
                         content=content.strip(), filed_by=user, filed_on=today,
                         due_on=_add_wd(today, REPLY_LIMITS[kind]), status="open")
        s.add(t)
        s.flush()
        _audit(s, f"{kind}.file", user, credit_code, {"ticket_id": t.id, "office": office, "due_on": t.due_on})
        return ticket_dict(t, today)


def answer_ticket(settings: Settings, ticket_id: int, answer: str, user: str, *,
                  today: dt.date | None = None) -> dict[str, Any]:
    today = _today(today)
    if not answer.strip():
        raise WorkflowError("答复内容不能为空")
    with session_scope(settings) as s:
        t = s.get(PolicyTicket, ticket_id)
        if t is None:
            raise WorkflowError(f"找不到事项 {ticket_id}")
        if t.status in ("answered", "closed"):
            raise WorkflowError(f"事项 {ticket_id} 已答复")
        t.status, t.answer, t.answered_by, t.answered_on = "answered", answer.strip(), user, today
        _audit(s, "ticket.answer", user, t.credit_code, {"ticket_id": t.id, "late": today > t.due_on})
        return ticket_dict(t, today)


def escalate_overdue(settings: Settings, user: str, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every open ticket past its reply limit goes to the supervisor (升级督办)."""
    today = _today(today)
    with session_scope(settings) as s:
        late = list(s.scalars(select(PolicyTicket).where(PolicyTicket.status == "open", PolicyTicket.due_on < today)))
        for t in late:
            t.status, t.escalated_on, t.escalated_to = "escalated", today, ESCALATE_TO
            _audit(s, "ticket.escalate", user, t.credit_code, {"ticket_id": t.id, "due_on": t.due_on})
        return [ticket_dict(t, today) for t in late]


def rate_ticket(settings: Settings, ticket_id: int, credit_code: str, satisfaction: int, user: str) -> dict[str, Any]:
    if not 1 <= satisfaction <= 5:
        raise WorkflowError("满意度应为 1–5 分")
    with session_scope(settings) as s:
        t = s.get(PolicyTicket, ticket_id)
        if t is None or t.credit_code != credit_code:
            raise WorkflowError(f"找不到事项 {ticket_id}")
        if t.status != "answered":
            raise WorkflowError("答复后才能评价")
        t.satisfaction, t.status = satisfaction, "closed"
        _audit(s, "ticket.rate", user, t.credit_code, {"ticket_id": t.id, "satisfaction": satisfaction})
        return ticket_dict(t)


def ticket_dict(t: PolicyTicket, today: dt.date | None = None) -> dict[str, Any]:
    today = _today(today)
    return {"id": t.id, "kind": t.kind, "kind_label": TICKET_LABELS[t.kind], "credit_code": t.credit_code,
            "region_code": t.region_code, "item_id": t.item_id, "office": t.office, "channel": t.channel,
            "ref_12345": t.ref_12345, "subject": t.subject, "content": t.content, "filed_by": t.filed_by,
            "filed_on": t.filed_on, "due_on": t.due_on, "status": t.status,
            "status_label": TICKET_STATUS_LABELS[t.status],
            "overdue": t.status in ("open", "escalated") and today > t.due_on,
            "escalated_on": t.escalated_on, "escalated_to": t.escalated_to, "answer": t.answer,
            "answered_by": t.answered_by, "answered_on": t.answered_on,
            "answered_in_time": None if t.answered_on is None else t.answered_on <= t.due_on,
            "satisfaction": t.satisfaction}


def tickets(settings: Settings, credit_code: str | None = None, region: str | None = None,
            status: str | None = None, today: dt.date | None = None) -> list[dict[str, Any]]:
    with session_scope(settings) as s:
        q = select(PolicyTicket)
        if credit_code:
            q = q.where(PolicyTicket.credit_code == credit_code)
        if region:
            q = q.where(PolicyTicket.region_code == region)
        if status:
            q = q.where(PolicyTicket.status == status)
        return [ticket_dict(t, today) for t in s.scalars(q.order_by(PolicyTicket.id.desc()))]
