"""一指减负, 直达快享: the policy-delivery room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Room

ROOM = Room(
    name="policies",
    title="一指减负 直达快享",
    cli="zhizao.policies.cli",
    models="zhizao.policies.models",
    migrations=True,
    tables="zhizao.policies.tables:TABLES",
)
