"""The mujun room's capability and result headers (exported lazily by the package)."""

from zhizao._lazy import function
from zhizao.capabilities import Capability
from zhizao.mujun.methodology import MujunMethodology

HEADERS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "track": "评价赛道",
    "track_title": "评价赛道名称",
    "year": "年度",
    "group_id": "合并评价单元",
    "group_size": "单元企业数",
    "land_mu": "用地面积（亩）",
    "owned_mu": "自有用地面积（亩）",
    "indicators": "指标",
    "indicators.tax_per_mu": "亩均税收（万元/亩）",
    "indicators.value_added_per_mu": "亩均增加值（万元/亩）",
    "indicators.revenue_per_mu": "亩均销售收入（万元/亩）",
    "indicators.value_added_per_energy": "单位能耗增加值（万元/吨标准煤）",
    "indicators.value_added_per_emission": "单位排放增加值（万元/吨）",
    "indicators.value_added_per_cod": "单位COD排放增加值（万元/吨）",
    "indicators.labour_productivity": "全员劳动生产率（万元/人）",
    "indicators.rd_share": "R&D经费支出占比",
    "indicators.tax_per_electricity": "单位电耗税收（万元/万千瓦时）",
    "adjustment": "加减分",
    "score": "综合得分",
    "rank": "排名",
    "class": "分类",
    "managed_as": "按类管理",
    "status": "评价状态",
    "reason": "说明",
}

def _track_titles() -> dict[str, str]:
    """Each track id of the shipped methodologies → its title (``lessee`` → 租赁厂房企业（无自有用地）),
    read from the YAML files: the words the audit log and run comparisons show for a track."""
    from importlib import resources

    from zhizao import yamltext

    out: dict[str, str] = {}
    for f in sorted(resources.files("zhizao.mujun.methodologies").iterdir(), key=lambda x: x.name):
        if f.name.endswith(".yaml"):
            for t in yamltext.load(f.read_text(encoding="utf-8")).get("tracks") or []:
                out.setdefault(str(t["id"]), str(t["title"]))
    return out


STATUS_TITLES: dict[str, str] = {
    "graded": "已评价",
    "exempt": "不定等级",
    "insufficient_data": "数据不全",
    "not_evaluated": "不参评",
}

CAPABILITY = Capability(
    name="mujun",
    title="亩均效益综合评价",
    inputs=("enterprises", "statistics_annual", "tax", "energy", "land", "emissions", "mujun_negative_list"),
    methodology_model=MujunMethodology,
    # the method itself (Ibis) is imported when a run evaluates it, not when the capability is read
    evaluate=function("zhizao.mujun.method:evaluate"),
    to_rows=function("zhizao.mujun.method:to_rows"),
    outcome_fields=("class",),
    figure_fields=("score", "rank"),
    methodology_package="zhizao.mujun.methodologies",
    extra={"default_methodology": "huzhou-mujun", "headers": HEADERS, "status_titles": STATUS_TITLES,
           "value_titles": {"track": _track_titles()},
           # how a year is published: the bureau's round (freeze → land notice → score → results
           # notice → publication), never a direct publish (used by ``zhizao demo``)
           "publish_round": "zhizao.mujun.workflow:run_round"},
)

__all__ = ["CAPABILITY", "HEADERS", "MujunMethodology"]
