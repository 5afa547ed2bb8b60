"""The carbon room's capability and result headers (exported lazily by the package)."""

from zhizao._lazy import function
from zhizao.capabilities import Capability
from zhizao.carbon.changes import explain as explain_changes
from zhizao.carbon.methodology import CarbonMethodology
from zhizao.carbon.notes import notes_for

#: Chinese headers of every result field (exports, pages)
HEADERS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "year": "年度",
    "month": "月份",
    "emissions_t": "碳排放总量(tCO2)",
    "value_added": "工业增加值(万元)",
    "intensity": "碳排放强度(tCO2/万元)",
    "benchmark_intensity": "行业基准强度(tCO2/万元)",
    "k_value": "碳效值K",
    "level": "碳效水平",
    "grade": "碳效等级",
    "colour": "颜色",
    "neutrality_rate": "碳中和率",
    "status": "评价状态",
    "reason": "未评级或待核原因",
    "label": "碳效标识",
    "track": "评价范围",
    "held_check": "待核检查",
    "benchmark_source": "基准来源",
    "benchmark_code": "对标行业代码",
    "benchmark_firms": "对标企业数",
    "net_emissions_t": "净排放量(tCO2)",
    "offsets_t": "抵消量(tCO2)",
    "fuel_emissions_t": "化石燃料排放(tCO2)",
    "electricity_emissions_t": "净购入电力排放(tCO2)",
    "heat_emissions_t": "净购入热力排放(tCO2)",
    "zero_carbon_netted_t": "零碳电力与碳汇扣减(tCO2)",
    "sink_t": "碳汇(tCO2)",
    "pv_self_use_kwh": "光伏自发自用(千瓦时)",
    "biomass_t": "生物质燃料(t，单独报告)",
    "energy_tce": "综合能耗(tce)",
    "grid_factor": "电网排放因子(tCO2/千瓦时)",
}

CAPABILITY = Capability(
    name="carbon",
    title="工业碳效码",
    inputs=("enterprises", "statistics_annual", "energy", "zero_carbon"),
    methodology_model=CarbonMethodology,
    # the method itself (Ibis) is imported when a run evaluates it, not when the capability is read
    evaluate=function("zhizao.carbon.method:evaluate"),
    to_rows=function("zhizao.carbon.method:to_rows"),
    outcome_fields=("grade", "level"),
    figure_fields=("emissions_t", "value_added", "intensity", "benchmark_intensity", "k_value"),
    methodology_package="zhizao.carbon.methodologies",
    extra={"default_methodology": "zhejiang-carbon", "headers": HEADERS, "notes_for": notes_for, "gate": True,
           # read when the engine has it (a lake may not): published benchmarks (benchmark.origin: imported)
           "optional_inputs": ("benchmarks",),
           "explain_changes": explain_changes},
)

__all__ = ["CAPABILITY", "HEADERS", "CarbonMethodology", "notes_for"]
