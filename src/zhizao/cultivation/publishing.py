"""Publishing the tier lists the way bureaus publish them: each tier its own list, notice and
announcement.

Practice (METHODS.md section 5; the published notices of the city and province): every tier is
published on its own — the city's “金象”“金牛” firms (the city grants them: 拟认定名单公示, then
认定名单 by a notice), and the firms the city recommends upward for 专精特新中小企业 (the province
grants), 专精特新“小巨人” and 制造业单项冠军 (the ministry grants) and 隐形冠军 (the province
grants): 拟推荐名单公示, then the 推荐名单. Each list has its own notice window, its own
objections and its own notice document; one tier's delay never holds another.

    draft (from the published screening runs of the list's tiers: firms qualified, plus
           manual-review firms a person confirmed)
      → notice (公示: from a day, for a number of days, with a contact for objections)
      → objections received during the window (each decided: upheld withdraws the firm)
      → announced (通知, with its document number; only after the window closed and every
                   objection was decided)

A list can be withdrawn before it is announced (then drafted again). Every step is in the audit
log. Entries are a snapshot of the screening row at drafting: a later run changes nothing on a
noticed list.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhizao.cultivation.models import LIST_STAGES, TierListEntry, TierListObjection, TierListRecord
from zhizao.settings import Settings
from zhizao.store import audit
from zhizao.store.models import utcnow

#: the notice window in calendar days when none is given (DEFAULT: the city's notices for these
#: lists run 5–7 days; set it per notice)
DEFAULT_NOTICE_DAYS = 7
MIN_NOTICE_DAYS, MAX_NOTICE_DAYS = 5, 30


@dataclass(frozen=True)
class TierList:
    key: str
    #: the list's name as the notices print it
    name: str
    #: the tiers (screening rule sets' ``tier``) whose firms it lists, in the order printed
    tiers: tuple[str, ...]
    #: 认定 (the city grants the title) or 推荐 (the city recommends; a higher level grants)
    act: str
    #: who grants the title
    granted_by: str


LISTS: dict[str, TierList] = {t.key: t for t in (
    TierList("golden", "“金象”“金牛”企业", ("golden_elephant", "golden_bull"), "认定", "市人民政府"),
    TierList("specialised_sme", "专精特新中小企业", ("specialised_sme",), "推荐", "浙江省经济和信息化厅"),
    TierList("little_giant", "专精特新“小巨人”企业", ("little_giant",), "推荐", "工业和信息化部"),
    TierList("single_champion", "制造业单项冠军企业", ("single_champion",), "推荐", "工业和信息化部"),
    TierList("hidden_champion", "隐形冠军企业", ("hidden_champion",), "推荐", "浙江省经济和信息化厅"),
)}
TIER_SHORT = {"golden_elephant": "金象", "golden_bull": "金牛", "specialised_sme": "专精特新中小企业",
              "little_giant": "专精特新“小巨人”", "single_champion": "制造业单项冠军", "hidden_champion": "隐形冠军"}
DECISIONS = {"pending": "待处理", "upheld": "异议成立（移出名单）", "rejected": "异议不成立"}


class ListError(ValueError):
    """A step that cannot be taken now (message in Chinese)."""


def list_of(key: str) -> TierList:
    if key not in LISTS:
        raise ListError(f"未知名单: {key}（可选: {'、'.join(f'{k}（{v.name}）' for k, v in LISTS.items())}）")
    return LISTS[key]


def titles(lst: TierList, year: int) -> dict[str, str]:
    """The headings of the list's notice and announcement."""
    return {"notice": f"{year}年度{lst.name}拟{lst.act}名单公示",
            "announcement": f"关于公布{year}年度{lst.name}{lst.act}名单的通知",
            "list_title": f"{year}年度{lst.name}{lst.act}名单"}


def _get(session: Session, list_id: int) -> TierListRecord:
    rec = session.get(TierListRecord, list_id)
    if rec is None:
        raise ListError(f"名单 {list_id} 不存在")
    return rec


def _by(user: Any) -> tuple[str, str | None]:
    return str(getattr(user, "username", user)), getattr(user, "role", None)


def draft(settings: Settings, session: Session, key: str, year: int, user: Any,
          confirmed: list[str] | tuple[str, ...] = ()) -> TierListRecord:
    """Draft the year's list ``key`` from the screening runs published for its tiers: the firms
    qualified, plus those waiting for manual review whose credit codes are in ``confirmed``."""
    from zhizao.cultivation.lists import published_tiers, run_of

    lst = list_of(key)
    active = session.scalars(select(TierListRecord).where(
        TierListRecord.list_key == key, TierListRecord.year == year, TierListRecord.stage != "withdrawn")).first()
    if active is not None:
        raise ListError(f"{titles(lst, year)['list_title']}已有（第 {active.id} 号，{LIST_STAGES[active.stage]}），"
                        "如需重拟请先撤回")
    pubs = published_tiers(settings, session, year).get(year, {})
    missing = [TIER_SHORT.get(t, t) for t in lst.tiers if t not in pubs]
    if missing:
        raise ListError(f"{year} 年度尚未发布{'、'.join(missing)}的梯度筛选结果，无法拟定名单（请先计算并发布）")
    wanted = set(confirmed)
    picked: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for tier in lst.tiers:
        _, rows = run_of(settings, pubs[tier])
        for r in sorted(rows, key=lambda r: (r.get("region_code") or "", r["credit_code"])):
            ok = r["outcome"] == "qualified" or (r["outcome"] == "manual_review" and r["credit_code"] in wanted)
            # a firm on a higher tier of the same list (金象 before 金牛) is listed once, on the higher
            if ok and r["credit_code"] not in seen:
                seen.add(r["credit_code"])
                picked.append((tier, r))
    unknown = wanted - seen
    if unknown:
        raise ListError(f"以下企业不在待人工核定之列，不能列入: {'、'.join(sorted(unknown))}")
    who, role = _by(user)
    rec = TierListRecord(list_key=key, year=year, stage="draft", runs=json.dumps({t: pubs[t] for t in lst.tiers}),
                         created_by=who)
    session.add(rec)
    session.flush()
    for tier, r in picked:
        session.add(TierListEntry(list_id=rec.id, tier=tier, credit_code=r["credit_code"], name=r.get("name"),
                                  region_code=r.get("region_code"), status="listed",
                                  reason="人工核定后列入" if r["outcome"] == "manual_review" else None))
    session.flush()
    audit.record(session, "cultivation.list_draft", username=who, role=role, target=f"{key}:{year}",
                 detail={"list_id": rec.id, "runs": json.loads(rec.runs), "entries": len(seen)})
    return rec


def open_notice(session: Session, list_id: int, start: dt.date, user: Any, days: int = DEFAULT_NOTICE_DAYS,
                contact: str = "") -> TierListRecord:
    """Start the list's notice (公示) on ``start`` for ``days`` calendar days (the last day
    included), with the contact that receives objections."""
    rec = _get(session, list_id)
    if rec.stage != "draft":
        raise ListError(f"名单 {list_id} {LIST_STAGES[rec.stage]}，只有拟定中的名单可以公示")
    if not MIN_NOTICE_DAYS <= days <= MAX_NOTICE_DAYS:
        raise ListError(f"公示期应为 {MIN_NOTICE_DAYS}–{MAX_NOTICE_DAYS} 天，收到 {days} 天")
    if not contact.strip():
        raise ListError("请填写受理异议的联系人和电话")
    if not _entries(session, rec.id):
        raise ListError("名单中没有企业，无需公示")
    rec.stage, rec.notice_from, rec.notice_until = "notice", start, start + dt.timedelta(days=days - 1)
    rec.contact = contact.strip()
    who, role = _by(user)
    audit.record(session, "cultivation.list_notice", username=who, role=role, target=str(rec.id),
                 detail={"from": start.isoformat(), "until": rec.notice_until.isoformat(), "days": days})
    return rec


def receive_objection(session: Session, list_id: int, credit_code: str, content: str, received_on: dt.date,
                      user: Any) -> TierListObjection:
    """Record an objection to a firm on the list, received during the notice window."""
    rec = _get(session, list_id)
    if rec.stage != "notice" or rec.notice_from is None or rec.notice_until is None:
        raise ListError(f"名单 {list_id} {LIST_STAGES[rec.stage]}，只在公示期内受理异议")
    if not rec.notice_from <= received_on <= rec.notice_until:
        raise ListError(f"异议收到日期 {received_on} 不在公示期（{rec.notice_from} 至 {rec.notice_until}）内")
    if not content.strip():
        raise ListError("请填写异议内容")
    if not any(e.credit_code == credit_code and e.status == "listed" for e in _entries(session, rec.id)):
        raise ListError(f"企业 {credit_code} 不在该名单中")
    who, role = _by(user)
    obj = TierListObjection(list_id=rec.id, credit_code=credit_code, content=content.strip(), received_on=received_on,
                            recorded_by=who, decision="pending")
    session.add(obj)
    session.flush()
    audit.record(session, "cultivation.list_objection", username=who, role=role, target=str(rec.id),
                 detail={"objection": obj.id, "credit_code": credit_code})
    return obj


def decide(session: Session, objection_id: int, upheld: bool, reason: str, user: Any) -> TierListObjection:
    """Decide an objection: upheld withdraws the firm from the list (with the reason)."""
    obj = session.get(TierListObjection, objection_id)
    if obj is None:
        raise ListError(f"异议 {objection_id} 不存在")
    if obj.decision != "pending":
        raise ListError(f"异议 {objection_id} 已处理（{DECISIONS[obj.decision]}）")
    rec = _get(session, obj.list_id)
    if rec.stage != "notice":
        raise ListError(f"名单 {rec.id} {LIST_STAGES[rec.stage]}，不能再处理异议")
    if not reason.strip():
        raise ListError("请填写处理意见")
    who, role = _by(user)
    obj.decision, obj.decision_reason, obj.decided_by, obj.decided_at = (
        "upheld" if upheld else "rejected", reason.strip(), who, utcnow())
    if upheld:
        for e in _entries(session, rec.id):
            if e.credit_code == obj.credit_code:
                e.status, e.reason = "withdrawn", f"公示期异议成立：{reason.strip()}"
    audit.record(session, "cultivation.list_decision", username=who, role=role, target=str(rec.id),
                 detail={"objection": obj.id, "decision": obj.decision})
    return obj


def announce(session: Session, list_id: int, doc_number: str, on: dt.date, user: Any) -> TierListRecord:
    """Announce the list (通知, with its document number) after its notice window closed and every
    objection was decided."""
    rec = _get(session, list_id)
    if rec.stage != "notice" or rec.notice_until is None:
        raise ListError(f"名单 {list_id} {LIST_STAGES[rec.stage]}，须先公示后才能公布")
    if on <= rec.notice_until:
        raise ListError(f"公示期至 {rec.notice_until} 结束，{on} 还不能公布")
    pending = [o for o in _objections(session, rec.id) if o.decision == "pending"]
    if pending:
        raise ListError(f"还有 {len(pending)} 项异议未处理，处理完毕后才能公布")
    if not doc_number.strip():
        raise ListError("请填写通知文号")
    rec.stage, rec.doc_number, rec.announced_on = "announced", doc_number.strip(), on
    who, role = _by(user)
    audit.record(session, "cultivation.list_announce", username=who, role=role, target=str(rec.id),
                 detail={"doc_number": rec.doc_number, "on": on.isoformat(),
                         "firms": sum(1 for e in _entries(session, rec.id) if e.status == "listed")})
    return rec


def withdraw(session: Session, list_id: int, reason: str, user: Any) -> TierListRecord:
    rec = _get(session, list_id)
    if rec.stage in ("announced", "withdrawn"):
        raise ListError(f"名单 {list_id} {LIST_STAGES[rec.stage]}，不能撤回")
    if not reason.strip():
        raise ListError("请填写撤回原因")
    rec.stage = "withdrawn"
    who, role = _by(user)
    audit.record(session, "cultivation.list_withdraw", username=who, role=role, target=str(rec.id),
                 detail={"reason": reason.strip()})
    return rec


def _entries(session: Session, list_id: int) -> list[TierListEntry]:
    return list(session.scalars(select(TierListEntry).where(TierListEntry.list_id == list_id)
                                .order_by(TierListEntry.id)))


def _objections(session: Session, list_id: int) -> list[TierListObjection]:
    return list(session.scalars(select(TierListObjection).where(TierListObjection.list_id == list_id)
                                .order_by(TierListObjection.id)))


def summary(session: Session, rec: TierListRecord, region: str | None = None,
            today: dt.date | None = None) -> dict[str, Any]:
    """A list as pages and the CLI show it (entries and objections of ``region`` only, if given)."""
    lst = LISTS[rec.list_key]
    today = today or dt.date.today()
    entries = [e for e in _entries(session, rec.id) if not region or e.region_code == region]
    codes = {e.credit_code for e in entries}
    objections = [o for o in _objections(session, rec.id) if not region or o.credit_code in codes]
    names = {e.credit_code: e.name for e in entries}
    window_open = rec.stage == "notice" and rec.notice_from is not None and rec.notice_until is not None \
        and rec.notice_from <= today <= rec.notice_until
    return {
        "id": rec.id, "list": rec.list_key, "name": lst.name, "year": rec.year, "act": lst.act,
        "granted_by": lst.granted_by, "stage": rec.stage, "stage_name": LIST_STAGES[rec.stage],
        **titles(lst, rec.year),
        "notice_from": rec.notice_from, "notice_until": rec.notice_until, "contact": rec.contact,
        "doc_number": rec.doc_number, "announced_on": rec.announced_on, "window_open": window_open,
        "runs": json.loads(rec.runs),
        "entries": [{"credit_code": e.credit_code, "name": e.name, "region_code": e.region_code, "tier": e.tier,
                     "tier_name": TIER_SHORT.get(e.tier, e.tier), "status": e.status, "reason": e.reason}
                    for e in entries],
        "listed": sum(1 for e in entries if e.status == "listed"),
        "withdrawn": sum(1 for e in entries if e.status == "withdrawn"),
        "objections": [{"id": o.id, "credit_code": o.credit_code, "name": names.get(o.credit_code),
                        "content": o.content, "received_on": o.received_on, "decision": o.decision,
                        "decision_name": DECISIONS[o.decision], "decision_reason": o.decision_reason}
                       for o in objections],
        "pending": sum(1 for o in objections if o.decision == "pending"),
    }


def all_lists(session: Session, year: int | None = None) -> list[TierListRecord]:
    q = select(TierListRecord)
    if year is not None:
        q = q.where(TierListRecord.year == year)
    order = {k: i for i, k in enumerate(LISTS)}
    return sorted(session.scalars(q), key=lambda r: (-r.year, order.get(r.list_key, 99), -r.id))


def get(session: Session, list_id: int) -> TierListRecord:
    return _get(session, list_id)
