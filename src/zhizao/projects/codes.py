"""The room's code lists: the six milestones, project kinds, disposal outcomes.

Kept apart from :mod:`zhizao.projects.tables` (which builds contract ``Table`` objects and is
loaded by the contract itself through ``Room.tables``), so importing any part of the room never
starts the contract's room-table registration half-way through this room's own table module.
"""

from __future__ import annotations

#: the six milestones of "三端六环", in order: canonical id → accepted spellings (Chinese first)
MILESTONES: dict[str, tuple[str, ...]] = {
    "signed": ("签约",),
    "started": ("开工",),
    "completed": ("竣工",),
    "in_production": ("投产",),
    "above_scale": ("上规",),
    "full_production": ("达产",),
}
MILESTONE_ORDER: tuple[str, ...] = tuple(MILESTONES)
MILESTONE_NAMES: dict[str, str] = {k: v[0] for k, v in MILESTONES.items()}

KINDS: dict[str, tuple[str, ...]] = {"new": ("新建",), "expansion": ("扩建",), "upgrade": ("技改", "技术改造")}
OUTCOMES: dict[str, tuple[str, ...]] = {
    "terminated": ("终止", "终止项目"),
    "land_recovered": ("收回土地", "土地收回"),
    "new_investor": ("引进新业主", "新业主"),
}
