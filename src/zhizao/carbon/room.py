"""工业碳效码: the carbon room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="carbon",
    title="工业碳效码",
    capability="zhizao.carbon.capability:CAPABILITY",
    cli="zhizao.carbon.cli",
    commands=(Command("carbon", "工业碳效码：解释、情景模拟、导出、月度监测", group=True),),
    api="zhizao.carbon.api",
    pages="zhizao.carbon.pages",
    templates=True,
    objections="zhizao.carbon.profile:PROCEDURE",
    profile_section="zhizao.carbon.profile:profile_section",
    # every firm's explanation of the published year, prepared for the profile
    publish_hook="zhizao.carbon.profile:publish_hook",
    cockpit_tiles="zhizao.carbon.profile:cockpit_tiles",
    nav=(NavEntry("碳效码", "/carbon", ("city", "district", "bank", "auditor"), order=10),),
)
