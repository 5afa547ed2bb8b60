"""The indicator catalogue (指标目录): what each economy indicator means and who owns it.

One entry per indicator id. ``docs/indicators.md`` documents every entry (a test fails when one
is missing), the CLI and the review report take names, units and rounding from here, and the
web pages colour a value by its warning and excellence thresholds.

``direction`` says which way is good: ``up`` (higher is better: warning when the value is
below ``warning``, excellent at or above ``excellence``), ``down`` (lower is better) or
``none`` (a level or a count, no thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    frequency: Literal["年", "月", "期间"]
    formula: str
    source: str
    owner: str = "市经信局运行监测处"
    #: ``year``: one value per region and year; ``span``: one per region for the span (year = end
    #: year); ``rank``: districts ranked on another indicator; ``month``: one per region and month
    kind: Literal["year", "span", "rank", "month"] = "year"
    decimals: int = 1
    direction: Literal["up", "down", "none"] = "none"
    warning: float | None = None
    excellence: float | None = None

    def status(self, value: float | None) -> str | None:
        """``warning``, ``excellent``, ``normal`` or None when the indicator has no thresholds."""
        if value is None or self.direction == "none":
            return None
        if self.direction == "up":
            if self.warning is not None and value < self.warning:
                return "warning"
            if self.excellence is not None and value >= self.excellence:
                return "excellent"
        else:
            if self.warning is not None and value > self.warning:
                return "warning"
            if self.excellence is not None and value <= self.excellence:
                return "excellent"
        return "normal"


STAT = "统计局（统计年报）"
SHARES = {
    "strategic_emerging": ("战略性新兴产业", "战略性新兴产业分类（2018）"),
    "high_tech": ("高技术制造业", "国家统计局《高技术产业（制造业）分类（2017）》"),
    "equipment": ("装备制造业", "GB/T 4754-2017 大类 33–40"),
    "digital_core": ("数字经济核心产业", "数字经济及其核心产业统计分类（2021）"),
}

#: categories counted by the industry mapping only: the firm's own flag belongs to another list
#: (``statistics_annual.high_tech`` is Zhejiang's 高新技术产业, wider than the national
#: 高技术制造业 list the mapping follows), so the two lists are never mixed in one share
MAPPING_ONLY = frozenset({"high_tech"})


def _share_formula(k: str, name: str, cls: str) -> str:
    if k in MAPPING_ONLY:
        return (f"Σ {name}企业增加值 ÷ Σ 规上工业增加值 × 100；按行业代码映射（{cls}），"
                "不采用统计年报“是否高新技术产业”标识（浙江省高新技术产业口径）")
    return f"Σ {name}企业增加值 ÷ Σ 规上工业增加值 × 100；企业标识取统计年报，未填报时按行业代码映射（{cls}）"


_ENTRIES: list[Indicator] = [
    Indicator("above_scale_count", "规上工业企业数", "家", "年",
              "统计年报中“是否规上”为是的企业数", STAT, decimals=0),
    Indicator("gross_output", "规上工业总产值", "万元", "年",
              "Σ 规上企业工业总产值（当年价）", STAT, decimals=0),
    Indicator("value_added", "规上工业增加值", "万元", "年",
              "Σ 规上企业工业增加值（当年价）", STAT, decimals=0),
    Indicator("value_added_growth", "规上工业增加值增速（可比价）", "%", "年",
              "同口径企业（当年规上且上年有增加值）Σ(当年增加值 ÷ 所属大类出厂价格指数/100) ÷ Σ上年增加值 − 1",
              "统计局（统计年报、出厂价格指数）", direction="up", warning=0.0, excellence=10.0),
    Indicator("value_added_cagr", "规上工业增加值年均增长（可比价）", "%", "期间",
              "逐年可比价增速连乘：∏(1 + 各年增速)^(1/n) − 1，n = 年度间隔数", "统计局（统计年报、出厂价格指数）",
              kind="span", direction="up", warning=0.0, excellence=10.0),
    *[Indicator(f"share_{k}", f"{name}增加值占规上工业比重", "%", "年", _share_formula(k, name, cls),
                STAT, direction="up") for k, (name, cls) in SHARES.items()],
    *[Indicator(f"share_{k}_change_pp", f"{name}增加值比重变动", "个百分点", "期间",
                f"末年比重 − 基年比重（{name}增加值占规上工业比重）", STAT, kind="span", direction="up",
                warning=0.0) for k, (name, _cls) in SHARES.items()],
    Indicator("tax_per_mu", "亩均税收", "万元/亩", "年",
              "Σ 参评企业实缴税金 ÷ Σ 参评企业用地面积；参评企业 = 当年规上且有用地（面积 > 0）的企业，多家企业共用的宗地只计一次",
              "税务局、自然资源局", direction="up", decimals=2),
    Indicator("value_added_per_mu", "亩均工业增加值", "万元/亩", "年",
              "Σ 参评企业工业增加值 ÷ Σ 参评企业用地面积（规上企业，共用宗地只计一次）", "统计局、自然资源局", direction="up", decimals=2),
    Indicator("tax_per_mu_cagr", "亩均税收年均增长", "%", "期间",
              "(末年亩均税收 ÷ 基年亩均税收)^(1/n) − 1，n = 年度间隔数（当年价）", "税务局、自然资源局",
              kind="span", direction="up", warning=0.0),
    Indicator("value_added_per_mu_cagr", "亩均工业增加值年均增长", "%", "期间",
              "(末年亩均增加值 ÷ 基年亩均增加值)^(1/n) − 1，n = 年度间隔数（当年价）", "统计局、自然资源局",
              kind="span", direction="up", warning=0.0),
    Indicator("energy_tce", "规上工业综合能耗", "吨标准煤", "年",
              "Σ 规上企业各品种能源消费量 × 折标准煤系数（电力按当量值 1.229 吨标准煤/万千瓦时；外送电力、热力扣减，生物质不计）",
              "电力公司、能源统计", decimals=0),
    Indicator("energy_per_value_added", "单位工业增加值能耗", "吨标准煤/万元", "年",
              "规上工业综合能耗 ÷ 有能耗数据的规上企业增加值（当年价）", "电力公司、能源统计、统计局",
              direction="down", decimals=3),
    Indicator("co2_t", "规上工业二氧化碳排放", "吨", "年",
              "Σ 化石能源消费量 × 排放因子 + 净外购电力 × 电网排放因子 + 净外购热力 × 0.11 tCO2/GJ", "电力公司、能源统计",
              decimals=0),
    Indicator("co2_per_value_added", "单位工业增加值二氧化碳排放", "吨/万元", "年",
              "规上工业二氧化碳排放 ÷ 有能耗数据的规上企业增加值（当年价）", "电力公司、能源统计、统计局",
              direction="down", decimals=3),
    Indicator("energy_per_value_added_change", "单位工业增加值能耗变动", "%", "期间",
              "末年单位增加值能耗 ÷ 基年单位增加值能耗 − 1；增加值按基年价格（分行业出厂价格指数逐年连乘缩减），折标系数取基年", "电力公司、能源统计、统计局",
              kind="span", direction="down", warning=0.0),
    Indicator("co2_per_value_added_change", "单位工业增加值二氧化碳排放变动", "%", "期间",
              "末年单位增加值排放 ÷ 基年单位增加值排放 − 1；增加值按基年价格（分行业出厂价格指数逐年连乘缩减），排放因子（含电网排放因子）统一取基年", "电力公司、能源统计、统计局",
              kind="span", direction="down", warning=0.0),
    Indicator("value_added_month", "规上工业增加值（当月）", "万元", "月",
              "Σ 当年规上企业当月工业增加值（统计月报，当年价）", "统计局（统计月报）", kind="month", decimals=0),
    Indicator("value_added_ytd", "规上工业增加值（1月至当月累计）", "万元", "月",
              "Σ 当年规上企业1月至当月工业增加值（统计月报，当年价）", "统计局（统计月报）", kind="month", decimals=0),
    Indicator("value_added_ytd_growth", "规上工业增加值累计增速（可比价）", "%", "月",
              "同口径企业（当年规上且上年同月有月报）Σ(1月至当月增加值 ÷ 所属大类当年出厂价格指数/100) ÷ "
              "Σ上年同期增加值 − 1（以年度价格指数近似月度缩减）", "统计局（统计月报、出厂价格指数）", kind="month",
              direction="up", warning=0.0, excellence=10.0),
    Indicator("electricity_month", "工业用电量（当月）", "千瓦时", "月",
              "Σ 企业当月电力消费量（能源表）", "电力公司", kind="month", decimals=0),
    Indicator("electricity_index", "工业用电指数（上年同月 = 100）", "上年同月=100", "月",
              "同口径企业（两年同月都有电量）Σ当月用电 ÷ Σ上年同月用电 × 100", "电力公司", kind="month",
              direction="up", warning=100.0, excellence=110.0),
    *[Indicator(f"carbon_grade_{g}", f"碳效{g}级企业数", "家", "年",
                f"已发布碳效码运行结果中等级为 {g} 的企业数", "碳效码评价（已发布运行）", decimals=0)
      for g in range(1, 6)],
    *[Indicator(f"mujun_class_{c}", f"亩均效益{c}类企业数", "家", "年",
                f"已发布亩均效益评价运行结果中类别为 {c} 的企业数", "亩均效益评价（已发布运行）", decimals=0)
      for c in "ABCD"],
    Indicator("mujun_class_undetermined", "亩均效益不定等级企业数", "家", "年",
              "已发布亩均效益评价运行结果中“不定等级”（公用事业、新办、在建）的企业数，单独计数，不计入B类",
              "亩均效益评价（已发布运行）", decimals=0),
    Indicator("rank_value_added_growth", "规上工业增加值增速区县排名", "位", "年",
              "各区县规上工业增加值增速（可比价）从高到低的名次", STAT, kind="rank", decimals=0),
    Indicator("rank_tax_per_mu", "亩均税收区县排名", "位", "年",
              "各区县亩均税收从高到低的名次", "税务局、自然资源局", kind="rank", decimals=0),
    Indicator("rank_value_added_per_mu", "亩均工业增加值区县排名", "位", "年",
              "各区县亩均工业增加值从高到低的名次", "统计局、自然资源局", kind="rank", decimals=0),
]

CATALOGUE: dict[str, Indicator] = {i.id: i for i in _ENTRIES}

#: what each rank indicator ranks (higher value = better = rank 1)
RANKED: dict[str, str] = {
    "rank_value_added_growth": "value_added_growth",
    "rank_tax_per_mu": "tax_per_mu",
    "rank_value_added_per_mu": "value_added_per_mu",
}


def get(indicator_id: str) -> Indicator:
    try:
        return CATALOGUE[indicator_id]
    except KeyError:
        raise KeyError(f"未知指标: {indicator_id}") from None


def rounded(indicator_id: str, value: float | None) -> float | int | None:
    """The value as published: rounded to the indicator's decimals (counts as integers)."""
    if value is None:
        return None
    d = CATALOGUE[indicator_id].decimals
    return round(value) if d == 0 else round(float(value), d)


def formatted(indicator_id: str, value: float | None) -> str:
    """The published value as text, the same in the CLI table, the report and the workbook."""
    v = rounded(indicator_id, value)
    if v is None:
        return "—"
    d = CATALOGUE[indicator_id].decimals
    # thousands separators (2,326,995.0): the same text on pages, in the report and the workbook
    return f"{v:,.{d}f}" if d else f"{v:,}"
