"""The audit log as people read it: Chinese names of the recorded actions, and the log's rows
for the audit page and its spreadsheet."""

from __future__ import annotations

import json
from typing import Any

from zhizao.store.models import AuditEntry
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
    family = action.split(".", 1)[0]
    return FAMILIES.get(family, "其他操作")


#: the prefix of a target (``carbon:2024``) → what it names
TARGETS = {"carbon": "碳效码", "mujun": "亩均评价", "enterprise": "企业", "batch": "导入批次", "monitoring": "电力看经济",
           "economy": "工业经济运行", "run": "评价运行", "audit": "审计日志", "imports": "数据导入", "objections": "异议",
           "greenfactory": "绿色工厂", "cultivation": "梯队培育", "projects": "项目", "policies": "政策"}


def target_name(target: str | None) -> str:
    if not target:
        return ""
    head, sep, rest = target.partition(":")
    if sep and head in TARGETS:
        return f"{TARGETS[head]} {rest}"
    return TARGETS.get(target, target)


def row(e: AuditEntry) -> dict[str, Any]:
    """One entry for the page and the export: Chinese action and role, the detail as text."""
    detail: Any = None
    if e.detail:
        try:
            detail = json.loads(e.detail)
        except ValueError:
            detail = e.detail
    if isinstance(detail, dict):
        text = "；".join(f"{k}：{_short(v)}" for k, v in detail.items() if v not in (None, "", [], {}))
    else:
        text = _short(detail) if detail is not None else ""
    return {"id": e.id, "at": e.at, "username": e.username or "—", "role": ROLE_NAMES.get(e.role or "", e.role or "—"),
            "action": action_name(e.action), "action_code": e.action, "target": target_name(e.target), "detail": text,
            "ip": e.ip or ""}


def _short(v: Any) -> str:
    if isinstance(v, list):
        return f"{len(v)} 项" if len(v) > 5 else "、".join(str(x) for x in v)
    return str(v)
