"""五企培育: the cultivation room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="cultivation",
    title="五企培育",
    capability="zhizao.cultivation.capability:CAPABILITY",
    method="tiers",
    tables="zhizao.cultivation.tables:TABLES",
    cli="zhizao.cultivation.cli",
    commands=(Command("tiers", "五企培育：接近达标、后备梯队、称号到期、梯队数量、规则对比、上市进程", group=True),),
    pages="zhizao.cultivation.pages",
    templates=True,
    nav=(NavEntry("五企培育", "/cultivation", ("city", "district", "auditor"), order=50),),
    models="zhizao.cultivation.models",
    migrations=True,
    profile_section="zhizao.cultivation.hooks:profile_section",
    prepared_pages="zhizao.cultivation.pages:prepared_pages",
    indicators="zhizao.cultivation.hooks:indicators",
    review_section="zhizao.cultivation.hooks:review_section",
    demo="zhizao.cultivation.demo:run",
)
