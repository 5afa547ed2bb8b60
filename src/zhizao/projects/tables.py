"""The projects room's exchange tables (CONTRACT.md "Wave 2 additions"), added through ``Room.tables``.

``project_milestones`` carries two optional columns beyond the contract (documented in
docs/contract.md): ``planned_since`` (the day a re-plan took effect) and ``reason`` (why). A
newer batch for the same (project, milestone) supersedes the older row and the older row stays
in the warehouse, so every plan a project ever had remains: stalls are judged against the plan
in force on each day (see :mod:`zhizao.projects.lifecycle`).
"""

from __future__ import annotations

from zhizao.contract.tables import CREDIT, MONTH, Column, RowWarning, Table
from zhizao.projects.codes import KINDS, MILESTONE_NAMES, MILESTONE_ORDER, MILESTONES, OUTCOMES

__all__ = ["KINDS", "MILESTONES", "MILESTONE_NAMES", "MILESTONE_ORDER", "OUTCOMES", "TABLES"]


def _milestone_index(col: str) -> str:
    return "CASE " + col + " " + " ".join(f"WHEN '{m}' THEN {i}" for i, m in enumerate(MILESTONE_ORDER)) + " END"


_NAME_CASE = "CASE p.milestone " + " ".join(f"WHEN '{m}' THEN '{n}'" for m, n in MILESTONE_NAMES.items()) + " END"

#: an actual date earlier than an earlier milestone's (in the file or already in the warehouse)
_ACTUAL_ORDER_SQL = f"""
WITH s AS (SELECT _row, p_project_id AS project_id, p_milestone AS milestone, p_actual_on AS actual_on
           FROM staged WHERE _err IS NULL),
w AS (SELECT project_id, milestone, actual_on, CAST(NULL AS BIGINT) AS _row FROM project_milestones m
      WHERE project_id IN (SELECT project_id FROM s)
        AND NOT EXISTS (SELECT 1 FROM s WHERE s.project_id = m.project_id AND s.milestone = m.milestone)
      UNION ALL SELECT project_id, milestone, actual_on, _row FROM s),
o AS (SELECT *, {_milestone_index('milestone')} AS i FROM w WHERE actual_on IS NOT NULL)
SELECT o._row, '实际日期 ' || strftime(o.actual_on, '%Y-%m-%d') || ' 早于“' || arg_max({_NAME_CASE}, p.actual_on)
       || '”的实际日期 ' || strftime(max(p.actual_on), '%Y-%m-%d') AS message
FROM o JOIN o AS p ON p.project_id = o.project_id AND p.i < o.i AND p.actual_on > o.actual_on
WHERE o._row IS NOT NULL
GROUP BY o._row, o.actual_on
"""

PROJECT_ID = Column("project_id", "项目编号", "text", "the project's id (as the bureau numbers it)",
                    aliases=("项目代码",))
_PROJECT_REF = Column("project_id", "项目编号", "text", "a project of `projects`", references="projects",
                      aliases=("项目代码",))

PROJECTS = Table(
    "projects", "投资项目", "发改 / 经信 / 投促", ("project_id",),
    (
        PROJECT_ID,
        Column("name", "项目名称", "text", "project name"),
        CREDIT,
        Column("region_code", "行政区划代码", "code", "6-digit GB/T 2260 county of the site", check="region",
               aliases=("区划代码", "所属区县代码")),
        Column("park", "园区", "text", "industrial park", required=False),
        Column("industry_code", "行业代码", "code", "4-digit GB/T 4754-2017 class", check="industry",
               aliases=("国民经济行业代码",)),
        Column("kind", "项目类型", "code", "new 新建, expansion 扩建, upgrade 技改", check="enum", values=KINDS),
        Column("total_investment", "计划总投资", "float", "planned total investment", unit_family="money",
               non_negative=True),
        Column("equipment_investment", "设备投资", "float", "planned equipment investment", unit_family="money",
               non_negative=True, required=False),
        Column("land_area_mu", "用地面积", "float", "land of the site in 亩", unit_family="area",
               non_negative=True, required=False),
        Column("standard_land", "是否标准地", "bool", "supplied as 标准地 (indicators fixed in the contract)",
               required=False),
        Column("owner", "责任单位", "text", "the government unit responsible", required=False),
        Column("facilitator", "代办员", "text", "the facilitator (代办员) assigned", required=False),
    ),
    doc="Investment projects of \"三端六环\": the investing firm (which must be in `enterprises`), the "
        "site, the kind and the planned investment.",
)

PROJECT_MILESTONES = Table(
    "project_milestones", "项目节点", "经信", ("project_id", "milestone"),
    (
        _PROJECT_REF,
        Column("milestone", "节点", "code", "signed 签约, started 开工, completed 竣工, in_production 投产, "
               "above_scale 上规, full_production 达产", check="enum", values=MILESTONES),
        Column("planned_on", "计划日期", "date", "the planned date"),
        Column("actual_on", "实际日期", "date", "the date reached (blank = not reached; not after today)",
               required=False, not_future=True),
        Column("planned_since", "计划调整日期", "date", "extension: the day this plan took effect (a re-plan); "
               "blank = the original plan, or the day of the import for a later batch", required=False),
        Column("reason", "调整原因", "text", "extension: why the plan was changed", required=False),
    ),
    doc="One row per project and milestone. A later batch for the same key is a re-plan; the earlier "
        "plan stays in the warehouse. An actual date earlier than an earlier milestone's is loaded but "
        "flagged in the import's warnings.",
    warnings=(RowWarning("milestone_order", "actual_on", _ACTUAL_ORDER_SQL),),
    history=True,  # stalls are judged against the plan in force on each day
)

PROJECT_DISPOSALS = Table(
    "project_disposals", "项目处置", "经信 / 自然资源", ("project_id",),
    (
        _PROJECT_REF,
        Column("disposed_on", "处置日期", "date", "the day of the disposal (not after today)", not_future=True),
        Column("outcome", "处置方式", "code", "terminated 终止, land_recovered 收回土地, new_investor 引进新业主",
               check="enum", values=OUTCOMES),
        Column("note", "说明", "text", "note", required=False),
    ),
    doc="A stalled project disposed of (化解销号 by disposal).",
)

PROJECT_INVESTMENT = Table(
    "project_investment", "项目月度完成投资", "统计", ("project_id", "month"),
    (
        _PROJECT_REF,
        MONTH,
        Column("invested", "本月完成投资", "float", "investment completed that month", unit_family="money",
               non_negative=True),
    ),
)

TABLES: tuple[Table, ...] = (PROJECTS, PROJECT_MILESTONES, PROJECT_DISPOSALS, PROJECT_INVESTMENT)
