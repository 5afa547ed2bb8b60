"""The cultivation room's capability (``zhizao evaluate tiers``) and result headers."""

from zhizao._lazy import function
from zhizao.capabilities import Capability
from zhizao.criteria import RESULT_TEXT
from zhizao.cultivation.methodology import TierMethodology

HEADERS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "year": "年度",
    "tier": "培育层级",
    "outcome": "认定结果",
    "unmet_count": "未达标条件数",
    "unknown_count": "缺数据条件数",
    "gap_score": "差距指数",
    "criteria": "各项条件",
}

CAPABILITY = Capability(
    name="tiers",
    title="五企培育梯度筛选",
    inputs=("enterprises", "statistics_annual", "tax", "firm_facts", "titles"),
    methodology_model=TierMethodology,
    # the method itself (Ibis) is imported when a run evaluates it, not when the capability is read
    evaluate=function("zhizao.cultivation.method:evaluate"),
    to_rows=function("zhizao.cultivation.method:to_rows"),
    outcome_fields=("outcome",),
    figure_fields=("unmet_count", "unknown_count", "gap_score"),
    methodology_package="zhizao.cultivation.methodologies",
    extra={"default_methodology": "miit-specialised-sme", "headers": HEADERS, "rows_take_methodology": True,
           "value_titles": {"outcome": RESULT_TEXT}},
)

__all__ = ["CAPABILITY", "HEADERS", "TierMethodology"]
