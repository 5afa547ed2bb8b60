"""工业经济: indicators and the five-year review (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="economy",
    title="工业经济运行",
    cli="zhizao.economy.cli",
    commands=(
        Command("indicators", "工业经济指标（规上增加值、可比价增速、结构比重、亩均、能耗碳排、碳效与亩均分布、区县排名）。"),
        Command("report", "报告：五年工作回眸等", group=True),
    ),
    api="zhizao.economy.api",
    pages="zhizao.economy.pages",
    templates=True,
    cockpit_tiles="zhizao.economy.cockpit:cockpit_tiles",
    # the five-year review is prepared off the request path (economy/prepared.py)
    on_data_change="zhizao.economy.prepared:on_data_change",
    jobs="zhizao.economy.prepared:JOBS",
    nav=(NavEntry("经济运行", "/economy", ("city", "district", "auditor"), order=70),),
)
