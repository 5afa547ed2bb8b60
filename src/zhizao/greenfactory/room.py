"""星级绿色工厂: the green-factory room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import NavEntry, Room

ROOM = Room(
    name="greenfactory",
    title="星级绿色工厂",
    capability="zhizao.greenfactory.capability:CAPABILITY",
    tables="zhizao.greenfactory.tables:TABLES",
    nav=(NavEntry("绿色工厂", "/greenfactory", ("city", "district", "auditor"), order=30),),
)
