"""电力看经济 and 数据打架: the monitoring room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="monitoring",
    title="电力看经济",
    capability="zhizao.monitoring.capability:CAPABILITY",
    cli="zhizao.monitoring.cli",
    commands=(Command("monitor", "运行监测：电力看经济、数据一致性（数据打架）", group=True),),
    api="zhizao.monitoring.api",
    pages="zhizao.monitoring.pages",
    templates=True,
    profile_section="zhizao.monitoring.profile:profile_section",
    prepared_pages="zhizao.monitoring.pages:prepared_pages",
    warm_up="zhizao.monitoring.pages:warm_up",
    nav=(NavEntry("电力看经济", "/monitoring", ("city", "district", "auditor"), order=80),),
)
