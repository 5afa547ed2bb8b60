"""The green-factory capability (what ``zhizao evaluate greenfactory`` runs)."""

from zhizao._lazy import function
from zhizao.capabilities import Capability
from zhizao.greenfactory.context import context_inputs
from zhizao.greenfactory.methodology import GreenFactoryMethodology

#: Chinese headers of the result fields (exports, pages)
HEADERS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "year": "年度",
    "methodology": "方法论",
    "status": "评价状态",
    "score": "综合得分",
    "stars": "星级",
    "vetoes": "否决项",
    "coverage": "有数据指标权重占比",
    "next_need": "距下一星级差分",
    "path": "升星路径",
    "reason": "说明",
}

STATUS_TITLES: dict[str, str] = {"rated": "已评星", "vetoed": "否决", "not_assessed": "数据不足未评价"}

CAPABILITY = Capability(
    name="greenfactory",
    title="星级绿色工厂",
    inputs=("enterprises", "statistics_annual", "energy", "zero_carbon", "land", "green_indicators",
            "green_requirements"),
    methodology_model=GreenFactoryMethodology,
    # the method itself (Ibis) is imported when a run evaluates it, not when the capability is read
    evaluate=function("zhizao.greenfactory.method:evaluate"),
    to_rows=function("zhizao.greenfactory.method:to_rows"),
    outcome_fields=("stars",),
    figure_fields=("score",),
    methodology_package="zhizao.greenfactory.methodologies",
    extra={"default_methodology": "gbt-36132", "headers": HEADERS, "status_titles": STATUS_TITLES,
           "context_inputs": context_inputs},
)
