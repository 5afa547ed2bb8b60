"""工业经济: indicators and the five-year review (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import NavEntry, Room

ROOM = Room(
    name="economy",
    title="工业经济运行",
    cli="zhizao.economy.cli",
    api="zhizao.economy.api",
    pages="zhizao.economy.pages",
    templates=True,
    cockpit_tiles="zhizao.economy.cockpit:cockpit_tiles",
    nav=(NavEntry("经济运行", "/economy", ("city", "district", "auditor"), order=70),),
)
