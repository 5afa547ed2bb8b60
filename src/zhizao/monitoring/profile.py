"""电力看经济 on the firm profile: the firm's power use by year (the daily meter readings of the
power company), which the warning list compares month by month."""

from __future__ import annotations

from zhizao.web.ui import ProfileContext, Section


def profile_section(ctx: ProfileContext) -> Section | None:
    rows = (ctx.data or {}).get("power") or []
    if ctx.role == "bank" or not rows:
        return None
    return Section(title="日用电量（电力公司）", template="monitoring/profile.html", order=60, anchor="power",
                   context={"rows": rows})
