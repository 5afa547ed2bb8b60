"""The projects room's part of ``zhizao demo``: about 1,000 investment projects signed 2017–2024
in the demo city, their six milestones (plans, actual dates, re-plans), disposals and monthly
investment, written as the departments would hand them over, imported, and then worked the way a
district would (a re-plan with its reason, issues with due dates).

Deterministic for the seed: the data describe the city up to :data:`DATA_UNTIL` (not "today"),
so the same seed writes the same bytes on any day. The shape follows the seed's campaign: several
hundred 破五未 cases since 2017, nearly all resolved, mostly by reaching the late milestone, a few
by disposal.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from zhizao.projects.codes import MILESTONE_ORDER

DATA_UNTIL = dt.date(2024, 12, 31)
FIRST = dt.date(2017, 1, 1)
N_PROJECTS = 1000
#: planned days from one milestone to the next (low, high)
GAPS = ((60, 180), (300, 720), (30, 120), (120, 365), (180, 540))
REASONS = ("环评批复延后", "施工许可办理中", "设备进口到货延迟", "企业融资调整", "用电增容审批", "规划方案调整")
FACILITATORS = ("王敏", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽")
NAMES = ("年产{n}万台智能装备项目", "{n}万吨新材料项目", "高端零部件智能工厂项目", "数字化车间技改项目",
         "绿色低碳生产线项目", "新能源汽车零部件项目", "生物医药产业化项目", "智能家居制造基地项目")


def _d(x: dt.date) -> str:
    return x.isoformat()


def generate(firms: list[tuple[str, str, str]], seed: int, n: int = N_PROJECTS) -> dict[str, list[list[Any]]]:
    """The four tables' rows (lists in the files' column order) for ``firms`` (credit_code,
    region_code, industry_code)."""
    rng = np.random.default_rng(seed * 7919 + 4)
    projects: list[list[Any]] = []
    milestones: list[list[Any]] = []
    replans: list[list[Any]] = []
    disposals: list[list[Any]] = []
    investment: list[list[Any]] = []
    span = (DATA_UNTIL - FIRST).days - 200
    for i in range(n):
        code, region, industry = firms[int(rng.integers(len(firms)))]
        pid = f"XM{2017 + i * 8 // n}{i:04d}"
        kind = str(rng.choice(["new", "expansion", "upgrade"], p=[0.5, 0.25, 0.25]))
        total = float(np.round(np.exp(rng.normal(9.1, 0.9)), 0))  # median ≈ 9,000万: ~45 % ≥ 1亿
        land = round(total / float(rng.uniform(250, 600)), 1) if kind == "new" else None
        standard = bool(kind == "new" and rng.random() < 0.5)
        name = str(rng.choice(NAMES)).format(n=int(rng.integers(2, 50)))
        projects.append([pid, name, code, region, industry, kind, total, land if land else "",
                         "是" if standard else ("否" if kind == "new" else ""), f"{_region_name(region)}经信局",
                         str(rng.choice(FACILITATORS))])
        # more projects signed each year (the drive grows): density rising over the span
        signed = FIRST + dt.timedelta(days=int(span * float(rng.random()) ** 0.7))
        planned = [signed]
        for lo, hi in GAPS:
            planned.append(planned[-1] + dt.timedelta(days=int(rng.integers(lo, hi))))
        zombie = rng.random() < 0.02
        stuck = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        actual: list[dt.date | None] = [signed]
        for k in range(1, 6):
            prev = actual[-1]
            if prev is None:
                actual.append(None)
                continue
            if zombie and k == stuck:
                actual.append(None)
                continue
            late = rng.random() < 0.19
            delay = int(rng.exponential(45)) + 1 if late else -int(rng.integers(0, 45))
            a = max(prev + dt.timedelta(days=int(rng.integers(1, 20))), planned[k] + dt.timedelta(days=delay))
            actual.append(a)
        actual = [a if a is not None and a <= DATA_UNTIL else None for a in actual]
        # once a milestone is missing, later ones are too
        for k in range(1, 6):
            if actual[k - 1] is None:
                actual[k] = None
        for k, m in enumerate(MILESTONE_ORDER):
            got = actual[k]
            milestones.append([pid, m, _d(planned[k]), _d(got) if got else ""])
        # a late milestone re-planned some weeks after it fell due (the original plan stays)
        for k in range(1, 6):
            due, got = planned[k], actual[k]
            if actual[k - 1] and (got is None or got > due + dt.timedelta(days=60)) and rng.random() < 0.12:
                since = due + dt.timedelta(days=int(rng.integers(20, 60)))
                if since <= DATA_UNTIL and (got is None or since < got):
                    new = got or since + dt.timedelta(days=int(rng.integers(90, 240)))
                    replans.append([pid, MILESTONE_ORDER[k], _d(new), _d(got) if got else "", _d(since),
                                    str(rng.choice(REASONS))])
                break
        if zombie:
            on = planned[stuck] + dt.timedelta(days=int(rng.integers(120, 400)))
            if on <= DATA_UNTIL:
                outcome = str(rng.choice(["terminated", "land_recovered", "new_investor"], p=[0.4, 0.35, 0.25]))
                disposals.append([pid, _d(on), outcome, "破五未专项处置"])
        # monthly investment from the start to completion (or to the data date)
        if actual[1] is not None:
            end = actual[2] or min(DATA_UNTIL, actual[1] + dt.timedelta(days=240))
            months = _months(actual[1], end)
            share = float(rng.uniform(0.85, 1.05)) if actual[2] else float(rng.uniform(0.1, 0.5))
            if months:
                each = round(total * share / len(months), 1)
                investment += [[pid, m, each] for m in months]
    return {"projects": projects, "project_milestones": milestones, "replans": replans,
            "project_disposals": disposals, "project_investment": investment}


def _region_name(code: str) -> str:
    from zhizao.codes import regions

    return regions.name(code) or code


def _months(a: dt.date, b: dt.date) -> list[str]:
    out = []
    y, m = a.year, a.month
    while (y, m) <= (b.year, b.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


HEADERS = {
    "projects": ["项目编号", "项目名称", "统一社会信用代码", "行政区划代码", "行业代码", "项目类型", "计划总投资(万元)",
                 "用地面积(亩)", "是否标准地", "责任单位", "代办员"],
    "project_milestones": ["项目编号", "节点", "计划日期", "实际日期"],
    "replans": ["项目编号", "节点", "计划日期", "实际日期", "计划调整日期", "调整原因"],
    "project_disposals": ["项目编号", "处置日期", "处置方式", "说明"],
    "project_investment": ["项目编号", "月份", "本月完成投资(万元)"],
}
FILES = (("projects", "projects", "投资项目.csv", "发改"), ("project_milestones", "project_milestones", "项目节点.csv", "经信"),
         ("replans", "project_milestones", "项目节点计划调整.csv", "经信"),
         ("project_disposals", "project_disposals", "项目处置.csv", "经信"),
         ("project_investment", "project_investment", "项目月度完成投资.csv", "统计"))


def write_files(folder: Path, data: dict[str, list[list[Any]]]) -> list[tuple[str, Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for key, table, name, source in FILES:
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADERS[key])
            w.writerows(data[key])
        out.append((table, path, source))
    return out


def _firms(settings: Any) -> list[tuple[str, str, str]]:
    from zhizao.engine.warehouse import connect

    con = connect(settings.warehouse_path, read_only=True)
    try:
        return [tuple(r) for r in con.execute(  # type: ignore[misc]
            "SELECT credit_code, region_code, industry_code FROM enterprises "
            "WHERE substr(industry_code, 1, 2) BETWEEN '13' AND '43' ORDER BY credit_code").fetchall()]
    finally:
        con.close()


def run(ctx: Any) -> None:
    """Write, import and work the demo projects (idempotent)."""
    firms = _firms(ctx.settings)
    if not firms:
        ctx.say("没有制造业企业，跳过投资项目演示数据")
        return
    data = generate(firms, ctx.seed, N_PROJECTS if ctx.firms >= 1000 else max(50, ctx.firms // 5))
    for table, path, source in write_files(ctx.folder / "projects", data):
        ctx.import_file(table, path, source=source)
    _work(ctx)


def _work(ctx: Any) -> None:
    """The district at work on the platform: issues for its red stalls (two already overdue)."""
    from sqlalchemy import func, select

    from zhizao.projects import issues, query
    from zhizao.projects.edits import project
    from zhizao.projects.models import ProjectIssue
    from zhizao.store.db import init_store, session_scope

    init_store(ctx.settings)
    with session_scope(ctx.settings) as s:
        if s.scalar(select(func.count()).select_from(ProjectIssue)):
            return
    rows = query.status(ctx.settings, DATA_UNTIL)["projects"]
    red = sorted((r for r in rows if r["state"] == "stalled"), key=lambda r: (-r["overdue_days"], r["project_id"]))
    user = {"username": ctx.actor, "role": "city"}
    # opened at the bureau's meetings of the last weeks (days ago, due in days): two overdue, one running
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    today = now.date()
    when = [(45, -15), (20, -3), (3, 30)]
    with session_scope(ctx.settings) as s:
        for r, (ago, due), (title, w, on) in zip(red[:3], when, [("用地指标调整协调", "firm", "government"),
                                                                 ("施工许可并联审批", "firm", "government"),
                                                                 ("设备采购资金到位", "government", "firm")], strict=False):
            p = project(ctx.settings, r["project_id"])
            if p is not None:
                issues.open_issue(s, user, p, title, w, on, today + dt.timedelta(days=due), assignee=r["owner"],
                                  now=now - dt.timedelta(days=ago))
    ctx.say(f"投资项目：{len(rows):,} 个，截至 {DATA_UNTIL} 未按期 {len(red):,} 个，已登记协调事项")
