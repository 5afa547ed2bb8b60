"""The room's contributions to the core: rows of ``zhizao indicators`` (titles held per tier and
year, firms in the listing pipeline), a section of the five-year review, and the firm's tier card
on its profile (一企一档)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhizao.settings import Settings

#: indicator id → (name, unit, basis); one per tier of the seed's counts, plus the listing pipeline
TIER_INDICATORS: dict[str, tuple[str, str]] = {
    "golden_elephant": ("“金象”企业数", "golden"),
    "golden_bull": ("“金牛”企业数", "golden"),
    "eagle": ("“雄鹰”企业数", "eagle"),
    "single_champion": ("制造业单项冠军企业数", "single_champion"),
    "little_giant": ("专精特新“小巨人”企业数", "little_giant"),
    "hidden_champion": ("隐形冠军企业数", "hidden_champion"),
    "specialised_sme": ("专精特新中小企业数", "specialised_sme"),
    "tech_centre": ("企业技术中心数", "tech_centre"),
}
BASIS = "企业称号数据中当年末有效的称号（按企业计数，国家级与省级合计）"


def _warehouse(settings: Settings) -> Any:
    import duckdb

    from zhizao.engine.warehouse import connect

    if not settings.warehouse_path.exists():
        return None
    try:
        con = connect(settings.warehouse_path, read_only=True, wait_s=5.0)
    except duckdb.Error:
        return None
    has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'titles'").fetchall()[0][0]
    if not has:
        con.close()
        return None
    return con


def indicators(settings: Settings, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    """Rows for ``zhizao indicators``: titles held at each year end, per tier, city and district."""
    con = _warehouse(settings)
    if con is None:
        return []
    try:
        rows = con.execute(
            """
            WITH y AS (SELECT range AS year FROM range(?, ? + 1)),
            held AS (
              SELECT y.year, t.title, e.region_code, t.credit_code FROM y
              JOIN titles t ON t.granted_on <= make_date(CAST(y.year AS INTEGER), 12, 31)
               AND (t.expires_on IS NULL OR t.expires_on >= make_date(CAST(y.year AS INTEGER), 12, 31))
               AND (t.revoked_on IS NULL OR t.revoked_on > make_date(CAST(y.year AS INTEGER), 12, 31))
              JOIN enterprises e USING (credit_code))
            SELECT title, substr(region_code, 1, 4) || '00' AS region, year, count(DISTINCT credit_code)
              FROM held GROUP BY ALL
            UNION ALL
            SELECT title, region_code, year, count(DISTINCT credit_code) FROM held
             WHERE region_code <> substr(region_code, 1, 4) || '00' GROUP BY ALL
            """, [y_from, y_to]).fetchall()
    finally:
        con.close()
    got = {(t, r, int(y)): int(n) for t, r, y, n in rows}
    regions = sorted({r for _, r, _ in got} | ({region} if region else set()))
    if region:
        regions = [region]
    out = []
    for tier, (name, _) in TIER_INDICATORS.items():
        for r in regions:
            for y in range(y_from, y_to + 1):
                out.append({"id": f"titles_{tier}", "name": name, "region": r, "year": y,
                            "value": got.get((tier, r, y), 0), "unit": "家", "basis": BASIS})
    return out


def review_section(settings: Settings, y_from: int, y_to: int, region: str | None) -> list[dict[str, Any]]:
    """The review's section on enterprise cultivation (title, paragraphs, a year table)."""
    rows = indicators(settings, y_from, y_to, region)
    if not rows:
        return []
    where = region or next((r["region"] for r in rows if r["region"].endswith("00")), rows[0]["region"])
    by = {(r["id"], r["year"]): r["value"] for r in rows if r["region"] == where}
    years = list(range(y_from, y_to + 1))

    def v(tier: str, y: int) -> int:
        return int(by.get((f"titles_{tier}", y), 0))

    golden0 = v("golden_elephant", y_from) + v("golden_bull", y_from)
    golden1 = v("golden_elephant", y_to) + v("golden_bull", y_to)
    paras = [f"{y_to}年末，“金象金牛”企业{golden1:,}家（{y_from}年末{golden0:,}家）；累计培育“雄鹰”企业"
             f"{v('eagle', y_to):,}家、国家制造业单项冠军{v('single_champion', y_to):,}家、国家专精特新“小巨人”"
             f"{v('little_giant', y_to):,}家、省级隐形冠军{v('hidden_champion', y_to):,}家、专精特新中小企业"
             f"{v('specialised_sme', y_to):,}家，企业技术中心{v('tech_centre', y_to):,}家。"]
    if golden0:
        paras.append(f"“金象金牛”企业数量{y_from}–{y_to}年增长{(golden1 / golden0 - 1) * 100:,.1f}%。")
    table = {"head": ["称号", "单位", *[str(y) for y in years]],
             "rows": [[name, "家", *[f"{v(t, y):,}" for y in years]] for t, (name, _) in TIER_INDICATORS.items()]}
    return [{"title": "五企培育：梯度培育与上市进程", "paras": paras, "table": table}]


def profile_section(ctx: Any) -> Any:
    """The firm's tier card: for each tier's latest published screening, whether it qualifies,
    which criteria it meets and what it lacks, in plain Chinese."""
    from zhizao.cultivation.card import tier_card
    from zhizao.web.ui import Section

    if ctx.role not in ("city", "district", "auditor", "enterprise"):
        return None
    cards = tier_card(ctx.settings, ctx.session, ctx.credit_code, ctx.year)
    if not cards:
        return None
    return Section(title="五企培育", template="cultivation/profile.html",
                   context={"cards": cards, "as_of": dt.date.today()}, order=40, anchor="cultivation")
