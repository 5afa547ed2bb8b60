"""投资项目 (三端六环, 破五未): the projects room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="projects",
    title="投资项目全生命周期",
    cli="zhizao.projects.cli",
    commands=(Command("projects", "投资项目全生命周期（三端六环）与“破五未”", group=True),),
    pages="zhizao.projects.pages",
    templates=True,
    nav=(NavEntry("项目推进", "/projects", ("city", "district", "auditor"), order=30),),
    models="zhizao.projects.models",
    migrations=True,
    tables="zhizao.projects.tables:TABLES",
    profile_section="zhizao.projects.hooks:profile_section",
    prepared_pages="zhizao.projects.pages:prepared_pages",
    warm_up="zhizao.projects.pages:warm_up",
    indicators="zhizao.projects.hooks:indicators",
    review_section="zhizao.projects.hooks:review_section",
    demo="zhizao.projects.demo:run",
)
