"""五企培育: the cultivation room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Room

ROOM = Room(
    name="cultivation",
    title="五企培育",
    capability="zhizao.cultivation.capability:CAPABILITY",
    method="tiers",
    tables="zhizao.cultivation.tables:TABLES",
)
