"""亩均论英雄: the per-mu benefit room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="mujun",
    title="亩均效益综合评价",
    capability="zhizao.mujun.capability:CAPABILITY",
    cli="zhizao.mujun.cli",
    commands=(Command("mujun", "亩均效益综合评价：数据冻结、公示、评价、异议、更正、发布与导出", group=True),),
    api="zhizao.mujun.api",
    pages="zhizao.mujun.pages",
    templates=True,
    objections="zhizao.mujun.profile:PROCEDURE",
    profile_section="zhizao.mujun.profile:profile_section",
    cockpit_tiles="zhizao.mujun.profile:cockpit_tiles",
    nav=(NavEntry("亩均论英雄", "/mujun", ("city", "district", "auditor"), order=20),),
    models="zhizao.mujun.models",
    migrations=True,
    tables="zhizao.mujun.tables:TABLES",
    warm_up="zhizao.mujun.pages:warm_up",
)
