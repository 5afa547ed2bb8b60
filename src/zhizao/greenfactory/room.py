"""星级绿色工厂: the green-factory room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="greenfactory",
    title="星级绿色工厂",
    capability="zhizao.greenfactory.capability:CAPABILITY",
    tables="zhizao.greenfactory.tables:TABLES",
    cli="zhizao.greenfactory.cli",
    commands=(Command("greenfactory", "星级绿色工厂：梯度培育名单、复评、动态报告、企业星级卡", group=True),),
    api="zhizao.greenfactory.api",
    pages="zhizao.greenfactory.pages",
    templates=True,
    nav=(NavEntry("绿色工厂", "/greenfactory", ("city", "district", "auditor"), order=30),),
    profile_section="zhizao.greenfactory.hooks:profile_section",
    cockpit_tiles="zhizao.greenfactory.hooks:cockpit_tiles",
    indicators="zhizao.greenfactory.hooks:indicators",
    review_section="zhizao.greenfactory.hooks:review_section",
    demo="zhizao.greenfactory.demo:demo",
)
