"""亩均论英雄 on the core's pages: the firm profile's section, the cockpit's tiles and the
objection procedure (a year evaluated through the bureau's round takes objections as a step of
the round, only while its results notice is open)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from zhizao.caching import Memo
from zhizao.store import publish
from zhizao.web.objections import ObjectionProcedure, ProcedureRefused
from zhizao.web.templating import fmt_num
from zhizao.web.ui import (
    CockpitContext,
    ProfileContext,
    Section,
    Tile,
    distribution,
    division_name,
    filters,
    line_option,
    outcome_series,
    pick_year,
    pie_option,
    region_name,
    scope_of,
    stacked_bar_option,
    top_keys,
)

CLASS_HEX = {"A": "#1e7b34", "B": "#0b5cad", "C": "#e3b505", "D": "#d62828", "不定等级": "#a0aec0"}
CLASSES = ("A", "B", "C", "D")


def mujun_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Chinese names of the 亩均 indicators and statuses, from the capability's own headers."""
    from zhizao.mujun import CAPABILITY

    extra = CAPABILITY.extra
    headers = extra.get("headers", {})
    names = {k.split(".", 1)[1]: v for k, v in headers.items() if k.startswith("indicators.")}
    return names, dict(extra.get("status_titles", {}))


# ----------------------------------------------------------------------------- objections


def _file(settings: Any, user: Any, year: int, subject: str, content: str, evidence: Path | None) -> int:
    from zhizao.mujun.workflow import WorkflowError, add_objection

    try:
        o = add_objection(settings, year, getattr(user, "credit_code", None) or "", user.username, subject, content,
                          evidence)
    except WorkflowError as exc:
        raise ProcedureRefused(str(exc)) from exc
    return int(o["id"])


def _decide(settings: Any, user: Any, objection_id: int, status: str, reason: str) -> None:
    from zhizao.mujun.workflow import WorkflowError, decide_objection

    try:
        decide_objection(settings, objection_id, status, reason, user=user.username)
    except WorkflowError as exc:
        raise ProcedureRefused(str(exc)) from exc


PROCEDURE = ObjectionProcedure(title="亩均评价", file=_file, decide=_decide)


# ----------------------------------------------------------------------------- the firm profile


def profile_section(ctx: ProfileContext) -> Section | None:
    if ctx.role == "bank":
        return None
    hist = publish.firm_history(ctx.session, "mujun", ctx.credit_code)
    if not hist:
        return None
    ys = [r["year"] for r in hist]
    chart = line_option("亩均效益综合得分", ys, {"综合得分": [r.get("score") for r in hist]})
    from zhizao.mujun.explain import explain

    return Section(title=f"亩均效益评价（{hist[-1]['year']}年）", template="mujun/profile.html", order=20, anchor="mujun",
                   context={"mujun": hist[-1], "hist": hist, "chart": chart, "indicator_names": mujun_labels()[0],
                            "why": explain(ctx.session, ctx.settings, hist[-1])})


# ----------------------------------------------------------------------------- the cockpit


_TILES = Memo(64, published_only=True)


def cockpit_tiles(ctx: CockpitContext) -> list[Tile]:
    """The year's classes: figures, by district and by industry (prepared once per scope until
    the next import or publication)."""
    scope = scope_of(ctx.user, ctx.session)
    return _TILES.get(ctx.settings, ("tiles", scope.key("mujun"), ctx.year), lambda: _tiles(ctx, scope))


def _tiles(ctx: CockpitContext, scope: Any) -> list[Tile]:
    fm = filters(scope, "mujun")
    year, _years = pick_year(ctx.session, "mujun", ctx.year)
    if year is None:
        return []
    mt = distribution(ctx.session, "mujun", year, fm).get(None, Counter())
    by_r = distribution(ctx.session, "mujun", year, fm, by="region")
    rkeys = sorted(k for k in by_r if k)
    by_d = distribution(ctx.session, "mujun", year, fm, by="industry")
    dkeys = top_keys(by_d)
    return [
        Tile(f"{year}年 亩均A类企业", fmt_num(mt.get("A", 0)), "家", order=30),
        Tile(f"{year}年 亩均D类企业", fmt_num(mt.get("D", 0)), "家", order=31),
        Tile("亩均效益分类", key="class_pie", order=121, chart=pie_option(
            f"{year}年 亩均效益分类", {k: v for k, v in sorted((k, v) for k, v in mt.items() if k)}, CLASS_HEX)),
        Tile("各区县亩均效益分类", key="class_region", order=131, chart=stacked_bar_option(
            "各区县亩均效益分类", [region_name(k) for k in rkeys], outcome_series(by_r, rkeys), CLASS_HEX),
            by_region={f"亩均{c}类": {k: by_r[k].get(c, 0) for k in rkeys} for c in CLASSES}),
        Tile("主要行业亩均效益分类", key="class_division", order=151, chart=stacked_bar_option(
            "主要行业亩均效益分类（前12个行业大类）", [division_name(k) for k in dkeys], outcome_series(by_d, dkeys),
            CLASS_HEX, horizontal=True)),
    ]
