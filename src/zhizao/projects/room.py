"""投资项目 (三端六环, 破五未): the projects room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Room

ROOM = Room(
    name="projects",
    title="投资项目全生命周期",
    cli="zhizao.projects.cli",
    tables="zhizao.projects.tables:TABLES",
)
