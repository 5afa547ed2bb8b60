"""The named measures policy eligibility and benefits are written over (the firm profile 一企一档,
its projects, titles, carbon grade and 亩均 class), and where each comes from.

A measure is *in the data* when the platform holds it for every firm or project (a contract table
or a published result): items whose every measure is in the data are 免申即享. A measure that
only the firm can supply (a designation the data does not record) is ``in_data = False`` and
makes its items 快申快享, with the measure named as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    #: "firm" (one value per firm and year) or "project" (one per project)
    level: str
    #: "number", "text" or "bool"
    type: str
    unit: str = ""
    #: where the value comes from (a contract table or a published result), in Chinese
    source: str = ""
    #: the contract tables the measure needs (all must be declared for it to be in the data)
    tables: tuple[str, ...] = ()
    in_data: bool = True


TITLES = ("tech_sme", "specialised_sme", "little_giant", "single_champion", "hidden_champion",
          "golden_elephant", "golden_bull", "eagle", "green_factory", "tech_centre")
TITLE_LABELS = {"tech_sme": "科技型中小企业", "specialised_sme": "专精特新中小企业", "little_giant": "专精特新“小巨人”",
                "single_champion": "制造业单项冠军", "hidden_champion": "隐形冠军", "golden_elephant": "金象企业",
                "golden_bull": "金牛企业", "eagle": "雄鹰企业", "green_factory": "绿色工厂", "tech_centre": "企业技术中心"}

_M = [
    Measure("region_code", "行政区划", "firm", "text", source="企业名录", tables=("enterprises",)),
    Measure("industry_code", "行业代码", "firm", "text", source="企业名录", tables=("enterprises",)),
    Measure("above_scale", "规上企业", "firm", "bool", source="统计年报", tables=("statistics_annual",)),
    Measure("revenue", "营业收入", "firm", "number", "万元", "统计年报", ("statistics_annual",)),
    Measure("revenue_prev_max", "以前年度最高营业收入", "firm", "number", "万元", "统计年报", ("statistics_annual",)),
    Measure("value_added", "工业增加值", "firm", "number", "万元", "统计年报", ("statistics_annual",)),
    Measure("tax_paid", "实缴税金", "firm", "number", "万元", "税务", ("tax",)),
    Measure("electricity_kwh", "年用电量", "firm", "number", "千瓦时", "能源消费", ("energy",)),
    Measure("water_m3", "年用水量", "firm", "number", "立方米", "用水", ("water_use",)),
    Measure("land_mu", "自有用地面积", "firm", "number", "亩", "用地", ("land",)),
    Measure("emissions_t", "主要污染物排放量", "firm", "number", "吨", "主要污染物排放", ("emissions",)),
    Measure("mujun_class", "亩均效益评价类别", "firm", "text", source="已发布的亩均评价结果"),
    Measure("carbon_grade", "碳效等级", "firm", "number", "级", "已发布的碳效码结果"),
    *[Measure(f"title_{t}", TITLE_LABELS[t], "firm", "bool", source="企业称号", tables=("titles",)) for t in TITLES],
    Measure("project_kind", "项目类型", "project", "text", source="项目库", tables=("projects",)),
    Measure("project_industry_code", "项目行业代码", "project", "text", source="项目库", tables=("projects",)),
    Measure("equipment_investment", "设备投资", "project", "number", "万元", "项目库", ("projects",)),
    Measure("project_completed", "项目当年竣工", "project", "bool", source="项目节点", tables=("project_milestones",)),
    Measure("project_in_production", "项目当年投产", "project", "bool", source="项目节点", tables=("project_milestones",)),
    Measure("benchmark_project", "“标杆示范”技术改造项目认定", "project", "bool", source="企业申报", in_data=False),
    Measure("chain_key_project", "重点产业链项目认定", "project", "bool", source="企业申报", in_data=False),
]

MEASURES: dict[str, Measure] = {m.name: m for m in _M}


def get(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise KeyError(f"未知的指标: {name}") from None


def available(name: str, declared_tables: set[str]) -> bool:
    """Whether the platform holds ``name`` for everyone (its tables are declared in the contract)."""
    m = get(name)
    return m.in_data and all(t in declared_tables for t in m.tables)
