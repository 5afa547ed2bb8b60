"""The monitoring room's capability and result headers (exported lazily by the package)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from zhizao.capabilities import Capability
from zhizao.monitoring.methodology import MonitoringMethodology
from zhizao.monitoring.power import INPUTS, WARNINGS, evaluate

#: Chinese headers of every field of the activity list (exports, pages)
HEADERS: dict[str, str] = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "division": "行业大类",
    "kwh": "本期用电量(千瓦时)",
    "kwh_last_year": "上年同期用电量(千瓦时)",
    "index": "用电指数(上年同期=100)",
    "source": "数据来源",
    "days_reported": "有读数天数",
    "days_expected": "应有天数",
    "longest_low_run": "最长连续低用电天数",
    "warning": "预警类别代码",
    "warning_text": "预警",
    "severity": "严重程度(1最重)",
}


def to_rows(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


CAPABILITY = Capability(
    name="monitoring",
    title="电力看经济",
    inputs=INPUTS,
    methodology_model=MonitoringMethodology,
    evaluate=evaluate,
    to_rows=to_rows,
    outcome_fields=("warning",),
    figure_fields=("kwh", "kwh_last_year", "index", "longest_low_run"),
    methodology_package="zhizao.monitoring.methodologies",
    extra={"default_methodology": "zhejiang-monitoring", "headers": HEADERS,
           "value_titles": {"warning": {k: v[1] for k, v in WARNINGS.items()}}},
)

__all__ = ["CAPABILITY", "HEADERS", "MonitoringMethodology", "evaluate", "to_rows"]
