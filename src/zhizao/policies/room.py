"""一指减负, 直达快享: the policy-delivery room's declaration (see :mod:`zhizao.rooms`)."""

from zhizao.rooms import Command, NavEntry, Room

ROOM = Room(
    name="policies",
    title="一指减负 直达快享",
    cli="zhizao.policies.cli",
    commands=(Command("policies", "一指减负、直达快享：政策条目、免申即享匹配、兑现台账、公示兑现、快申快享、授权与诉求", group=True),),
    api="zhizao.policies.api",
    pages="zhizao.policies.pages",
    templates=True,
    nav=(NavEntry("一指减负", "/policies", ("city", "district", "auditor"), order=60),
         NavEntry("我的政策", "/policies", ("enterprise",), order=60)),
    models="zhizao.policies.models",
    migrations=True,
    tables="zhizao.policies.tables:TABLES",
    indicators="zhizao.policies.hooks:indicators",
    review_section="zhizao.policies.hooks:review_section",
    profile_section="zhizao.policies.hooks:profile_section",
    cockpit_tiles="zhizao.policies.hooks:cockpit_tiles",
    demo="zhizao.policies.demo:run",
    audit_words="zhizao.policies.hooks:audit_words",
    # the ledger and match counts the pages read, prepared off the request path (prepared.py)
    on_data_change="zhizao.policies.prepared:on_data_change",
    jobs="zhizao.policies.prepared:JOBS",
)
