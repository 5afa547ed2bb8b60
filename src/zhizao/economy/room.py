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
    # the five-year review is prepared off the request path (economy/prepared.py)
    on_data_change="zhizao.economy.prepared:on_data_change",
    jobs="zhizao.economy.prepared:JOBS",
    nav=(NavEntry("经济运行", "/economy", ("city", "district", "auditor"), order=70),),
)
