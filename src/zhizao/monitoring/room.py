"""电力看经济 and 数据打架: the monitoring room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import NavEntry, Room

ROOM = Room(
    name="monitoring",
    title="电力看经济",
    capability="zhizao.monitoring.capability:CAPABILITY",
    cli="zhizao.monitoring.cli",
    api="zhizao.monitoring.api",
    pages="zhizao.monitoring.pages",
    templates=True,
    profile_section="zhizao.monitoring.profile:profile_section",
    nav=(NavEntry("电力看经济", "/monitoring", ("city", "district", "auditor"), order=80),),
)
