"""Codes of the cultivation room: fact ids, title ids and levels, with their Chinese names.

Kept apart from :mod:`zhizao.cultivation.tables` (which only the contract registry imports) so
that the room's code can use them without importing the contract first.
"""

from __future__ import annotations

#: fact id → (Chinese name first, then accepted spellings); unit and whether it is a share (%)
FACTS: dict[str, tuple[str, ...]] = {
    "niche_years": ("从事细分市场年限", "从事特定细分市场时间"),
    "class_i_ip": ("一类知识产权", "Ⅰ类知识产权", "I类知识产权"),
    "main_business_share": ("主营业务收入占比", "主营业务收入占营业收入比重"),
    "market_share": ("细分市场占有率", "市场占有率"),
    "market_rank_national": ("细分市场全国排名", "全国排名"),
    "market_rank_global": ("细分市场全球排名", "全球排名"),
    "evaluation_score": ("评价得分",),
    "equity_financing": ("股权融资", "近2年新增股权融资"),
    "rd_staff_share": ("研发人员占比", "研发人员占职工总数比重"),
    "net_profit": ("净利润",),
    # extensions (documented in docs/contract.md): what the shipped rule sets read beyond the list
    "industrial_investment_3y": ("近三年工业性投入", "近三年市内工业性投入"),
    "lead_product_count": ("主导产品数量",),
    "new_product": ("是否新产品", "新产品"),
}

FACT_UNITS: dict[str, str] = {
    "niche_years": "年", "class_i_ip": "件", "main_business_share": "%", "market_share": "%",
    "market_rank_national": "名", "market_rank_global": "名", "evaluation_score": "分", "equity_financing": "万元",
    "rd_staff_share": "%", "net_profit": "万元", "industrial_investment_3y": "万元", "lead_product_count": "个",
    "new_product": "",
}

SHARE_FACTS = ("main_business_share", "market_share", "rd_staff_share")
#: facts that may be negative (a loss)
SIGNED_FACTS = ("net_profit",)
EXTENSION_FACTS = ("industrial_investment_3y", "lead_product_count", "new_product")

TITLES: dict[str, tuple[str, ...]] = {
    "tech_sme": ("科技和创新型中小企业", "科技型中小企业", "创新型中小企业"),
    "specialised_sme": ("专精特新中小企业", "专精特新"),
    "little_giant": ('专精特新"小巨人"', "专精特新“小巨人”", "小巨人", "专精特新小巨人"),
    "single_champion": ("制造业单项冠军", "单项冠军"),
    "hidden_champion": ("隐形冠军", "隐形冠军企业"),
    "golden_elephant": ("金象", "金象企业"),
    "golden_bull": ("金牛", "金牛企业"),
    "eagle": ("雄鹰", "雄鹰企业"),
    "green_factory": ("绿色工厂",),
    "tech_centre": ("企业技术中心", "技术中心"),
}

LEVELS: dict[str, tuple[str, ...]] = {
    "national": ("国家", "国家级"),
    "provincial": ("省", "省级"),
    "city": ("市", "市级"),
    "county": ("县", "县级", "区县级"),
}


