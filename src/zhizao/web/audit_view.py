"""The audit log as people read it: Chinese names of the recorded actions, and the log's rows
for the audit page and its spreadsheet."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from zhizao import capabilities, clock, rooms
from zhizao.store.models import AuditEntry
from zhizao.web.fmt import methodology, run_label
from zhizao.web.templating import ROLE_NAMES

#: action family (the part before the first dot) → what it is
FAMILIES = {
    "page": "查看页面", "read": "查询数据", "export": "导出", "user": "账户管理", "login": "登录",
    "logout": "退出登录", "objection": "异议", "consent": "银行授权", "import": "数据导入", "publish": "发布结果",
    "run": "评价运行", "gate": "数据核验", "notice": "公示", "mujun": "亩均流程", "monitoring": "电力看经济",
    "economy": "工业经济运行", "application": "政策申请", "policies": "政策兑现", "ticket": "企业诉求",
    "projects": "项目管理", "cultivation": "梯队培育", "greenfactory": "绿色工厂", "search": "企业检索",
    "backup": "备份",
}
#: reading and exporting: the verb of an action a room names (``page.cultivation`` → 查看梯队培育)
VERBS = {"page": "查看", "read": "查询", "export": "导出"}
#: known actions → their Chinese name (others are named by their family)
ACTIONS = {
    "page.carbon_list": "查看碳效码清单", "page.mujun_list": "查看亩均评价", "page.enterprise": "查看企业档案",
    "page.cockpit": "查看驾驶舱", "page.economy": "查看工业经济运行", "page.monitoring": "查看电力看经济",
    "page.imports": "查看数据导入", "page.batch": "查看导入批次", "page.runs": "查看评价运行", "page.run": "查看运行详情",
    "page.run_diff": "查看运行对比", "page.audit": "查看审计日志", "page.objections": "查看异议处理",
    "page.consents": "查看授权企业", "page.search": "检索企业", "page.mujun_notice": "查看亩均结果公示",
    "read.audit": "查询审计日志", "read.consents": "查询授权", "read.enterprise": "查询企业档案",
    "read.enterprises": "查询企业名录", "read.objection": "查询异议", "read.objections": "查询异议列表",
    "read.objection.evidence": "下载异议证明材料", "read.runs": "查询评价运行", "read.run": "查询运行详情",
    "read.run.diff": "查询运行对比", "read.imports": "查询导入批次", "read.import": "查询导入批次详情",
    "export.carbon": "导出碳效码清单", "export.mujun": "导出亩均评价结果", "export.mujun_land_notice": "导出用地面积公示表",
    "export.monitoring_warnings": "导出用电预警名单", "export.monitoring_conflicts": "导出数据打架清单",
    "export.audit": "导出审计日志", "export.template": "下载导入模板",
    "user.add": "新增账户", "user.disable": "停用账户", "user.enable": "启用账户", "user.password_reset": "重置密码",
    "user.password_change": "修改本人密码", "user.password_change_failed": "修改本人密码失败",
    "login.failed": "登录失败", "login.ok": "登录", "login": "登录", "logout": "退出登录",
    "objection.file": "提交异议", "objection.decide": "处理异议", "consent.grant": "授权银行", "consent.revoke": "撤销授权",
    "import.failed": "导入失败", "gate.release": "放行待核企业",
}


def action_name(action: str | None) -> str:
    if not action:
        return "—"
    if action in ACTIONS:
        return ACTIONS[action]
    family, _, rest = action.partition(".")
    verb = VERBS.get(family)
    room = re.split(r"[._]", rest, maxsplit=1)[0] if rest else ""
    if verb and room in FAMILIES:  # page.cultivation_tier → 查看梯队培育
        return verb + FAMILIES[room]
    return FAMILIES.get(family, "其他操作")


#: the prefix of a target (``carbon:2024``) → what it names
TARGETS = {"cockpit": "驾驶舱", "consents": "授权", "search": "企业检索", "template": "导入模板", "carbon": "碳效码", "mujun": "亩均评价", "enterprise": "企业", "batch": "导入批次", "monitoring": "电力看经济",
           "economy": "工业经济运行", "run": "评价运行", "audit": "审计日志", "imports": "数据导入", "objections": "异议",
           "greenfactory": "绿色工厂", "cultivation": "梯队培育", "projects": "项目", "policies": "政策",
           "runs": "评价运行", "tiers": "梯队培育", "accounts": "账户"}


#: a run id (``carbon-2024-0002``): shown as the run's name
RUN_ID = re.compile(r"[a-z][a-z_]*-\d{4}-\d{4}")


def _target_part(part: str) -> str | None:
    """One ``:``-separated part of a target in words; None for what says nothing to a reader
    (a missing value, an internal key with no Chinese name)."""
    if part in ("", "None"):
        return None
    if part in WORDS:
        return WORDS[part]
    if RUN_ID.fullmatch(part):
        return run_label(part)
    if len(part) == 6 and part.isdigit():
        from zhizao.web.ui import region_name

        return region_name(part)
    if part.isascii() and any(c.isalpha() for c in part) and not part.isupper():
        return None  # an internal key (``specialised_sme``): the object's name says enough
    return part


def target_name(target: str | None) -> str:
    """What an entry acted on, in words: ``carbon:2024`` → 碳效码 2024, ``tiers:None`` → 梯队培育,
    ``carbon-2024-0002`` → the run's name; a credit code, username or file stays as recorded."""
    if not target:
        return ""
    if RUN_ID.fullmatch(target):
        return run_label(target)
    head, sep, rest = target.partition(":")
    if head in TARGETS:
        words = [w for w in (_target_part(x) for x in rest.split(":")) if w] if sep else []
        return " ".join([TARGETS[head], *words])
    return target


#: detail keys and code words → Chinese (an unknown key shows as 其他)
WORDS = {
    "run_id": "运行编号", "days": "天数", "open": "开始", "close": "截止", "until": "截止", "since": "起始",
    "rows": "行数", "method": "事项", "year": "年度", "region": "区县", "region_code": "区县", "credit_code": "企业",
    "codes": "企业", "username": "用户", "action": "操作", "firm": "企业", "page": "页码", "counts": "统计",
    "batches": "导入批次", "methodology": "方法论", "status": "状态", "bank": "银行", "consent_id": "授权编号",
    "valid_from": "起始日期", "valid_to": "截止日期", "evidence_sha256": "材料校验值", "via": "途径", "q": "检索词",
    "found": "结果数", "role": "角色", "class": "分类", "track": "评价组别", "forced": "提前评价", "held": "待核企业",
    "firms": "企业数", "graded": "已评价", "ungraded": "未评级", "not_evaluated": "不参评", "exempt": "不定等级",
    "insufficient_data": "数据不全", "pending": "待处理", "accepted": "已采纳", "rejected": "未采纳",
    "correction_run_id": "更正运行", "offset": "起始行", "table": "数据表", "file": "文件", "source": "来源",
    "batch_id": "批次", "rows_loaded": "导入行数", "rows_rejected": "拒收行数", "error": "错误", "reason": "原因",
    "cli": "命令行", "web": "网页", "carbon": "碳效码", "mujun": "亩均评价", "city": "全市", "month": "月份",
    "objection_id": "异议编号", "decision": "结论", "ip": "来源地址", "count": "数量", "total": "合计",
    "amount": "金额", "application_id": "申请编号", "awaiting_consent": "待授权", "closes_on": "公示截止",
    "corrected": "更正后金额", "due_on": "办结期限", "item_id": "政策条目", "late": "逾期", "notice_id": "公示编号",
    "office": "承办部门", "on_time": "按期", "paid": "已兑现", "paid_on": "兑现日期", "payout_due_on": "兑现期限",
    "purpose": "用途", "recipient": "接收方", "satisfaction": "满意度", "ticket_id": "诉求编号",
}


def _word(k: Any) -> str:
    return WORDS.get(str(k), str(k) if not str(k).isascii() or str(k).isdigit() or len(str(k)) <= 2 else "其他")


@functools.cache
def _room_words() -> dict[str, dict[str, str]]:
    """Every room's ``audit_words``, merged by field."""
    out: dict[str, dict[str, str]] = {}
    for _, words in rooms.contributions("audit_words"):
        for f, table in words().items():
            out.setdefault(f, {}).update(table)
    return out


def _in_words(field: str | None, value: Any) -> str | None:
    """A value of a room's field as that room names it (a 亩均 track id → 规上企业, a policy item
    id → its title)."""
    if not field:
        return None
    return capabilities.any_value_title(field, value) or _room_words().get(field, {}).get(str(value))


def _value(v: Any, field: str | None = None) -> str:
    """A recorded value in words; ``field`` is the detail key it was recorded under (its values,
    and the keys of a count by it, are named by the method that defines the field)."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dict):
        return "，".join(f"{_in_words(field, k) or _word(k)} {_value(x, k)}" for k, x in v.items()
                        if x not in (None, "", [], {}))
    if isinstance(v, list):
        return f"{len(v)} 项" if len(v) > 5 else "、".join(_value(x, field) for x in v)
    text = str(v)
    moment = clock.parse(v)
    if moment is not None:  # a stored (UTC) time, shown on the city's clock
        return clock.minutes(moment)
    if len(text) == 6 and text.isdigit():
        from zhizao.web.ui import region_name

        return region_name(text)
    return _in_words(field, text) or WORDS.get(text, text)


def detail_text(detail: Any) -> str:
    if isinstance(detail, dict):
        parts = []
        for k, v in detail.items():
            if v in (None, "", [], {}):
                continue
            inner = methodology(v) if k == "methodology" and isinstance(v, str) else _value(v, k)
            parts.append(f"{_word(k)}：（{inner}）" if isinstance(v, dict) else f"{_word(k)}：{inner}")
        return "；".join(parts)
    return _value(detail) if detail is not None else ""


def row(e: AuditEntry) -> dict[str, Any]:
    """One entry for the page and the export: Chinese action, role and detail; the time on the
    city's clock (the log keeps UTC)."""
    detail: Any = None
    if e.detail:
        try:
            detail = json.loads(e.detail)
        except ValueError:
            detail = e.detail
    at = clock.local(e.at) if e.at else None
    role = ROLE_NAMES.get(e.role or "", e.role or "") or ("命令行" if e.username else "—")
    return {"id": e.id, "at": at, "username": e.username or "—", "role": role,
            "action": action_name(e.action), "action_code": e.action, "target": target_name(e.target),
            "detail": detail_text(detail), "ip": e.ip or ""}
