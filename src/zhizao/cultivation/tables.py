"""The cultivation room's exchange tables (CONTRACT.md "Wave 2 additions"): ``firm_facts`` and
``titles``. Declared here and added to the contract through ``Room.tables``; the green-factory
and policies rooms read ``titles`` too (through the warehouse view of the same name).

Import it only through :mod:`zhizao.contract` (the contract registry imports room tables last);
the codes live in :mod:`zhizao.cultivation.codes`."""

from __future__ import annotations

from zhizao.contract.tables import CREDIT, YEAR, Column, RowCheck, Table
from zhizao.cultivation.codes import FACTS, LEVELS, SHARE_FACTS, SIGNED_FACTS, TITLES


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


FIRM_FACTS = Table(
    "firm_facts", "企业培育指标", "经信 / 科技 / 市场监管", ("credit_code", "year", "fact"),
    (
        CREDIT, YEAR,
        Column("fact", "指标", "code", "the fact's id (or its Chinese name)", check="enum", values=FACTS,
               aliases=("指标名称",)),
        Column("value", "数值", "float", "the fact's value in its unit (years, 件, %, 名, 分, 万元; "
               "new_product 1/0); a share above 100 is out of range", aliases=("指标值",),
               max_by=("fact", dict.fromkeys(SHARE_FACTS, 100.0))),
    ),
    doc="Facts about a firm that only an outside platform or the firm knows (market share, MIIT "
        "evaluation score, class-I IP …), imported rather than recomputed. Units: niche_years 年, "
        "class_i_ip 件, shares %, ranks 名, evaluation_score 分, money 万元.",
    row_checks=(
        RowCheck("value", "negative_value", f"p_fact NOT IN {_in(SIGNED_FACTS)} AND p_value < 0",
                 "指标值{value}为负数（仅净利润可为负）", ("fact", "value"),
                 doc="a negative value of any fact but net_profit"),
    ),
)

TITLES_TABLE = Table(
    "titles", "企业称号", "经信 / 科技", ("credit_code", "title", "level", "granted_on"),
    (
        CREDIT,
        Column("title", "称号", "code", "the title's id (or its Chinese name)", check="enum", values=TITLES,
               aliases=("称号名称", "荣誉称号")),
        Column("level", "级别", "code", "national 国家, provincial 省, city 市, county 县", check="enum",
               values=LEVELS),
        Column("granted_on", "认定日期", "date", "the day the title was granted", aliases=("认定时间",)),
        Column("expires_on", "有效期至", "date", "the last day it is valid (blank: no expiry recorded)",
               required=False, aliases=("有效期截止",)),
        Column("revoked_on", "撤销日期", "date", "the day it was revoked (blank: not revoked)", required=False),
    ),
    doc="Titles held, with their validity: a title is valid on a day when granted on or before it, "
        "not expired before it and not revoked on or before it.",
    row_checks=(
        RowCheck("expires_on", "bad_period", "p_expires_on < p_granted_on",
                 "有效期至{value}早于认定日期", ("granted_on", "expires_on"),
                 doc="`expires_on` before `granted_on`"),
        RowCheck("revoked_on", "bad_period", "p_revoked_on < p_granted_on",
                 "撤销日期{value}早于认定日期", ("granted_on", "revoked_on"),
                 doc="`revoked_on` before `granted_on`"),
    ),
)

TABLES = (FIRM_FACTS, TITLES_TABLE)
