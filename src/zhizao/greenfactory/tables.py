"""The exchange tables of the green-factory room (CONTRACT.md "Wave 2 additions").

``green_indicators``: one value per firm, year and indicator; the indicator must be an id (or
the Chinese title) of a shipped green-factory methodology (``unknown_code`` otherwise), a
percentage indicator's value must not exceed 100 (``out_of_range``) and no value may be
negative (``negative_value``). ``green_requirements``: whether a firm meets a basic requirement
or a negative-list item (``met = 否`` vetoes the firm before scoring).

The code lists are read from the shipped methodology files (plain YAML, no validation here: the
contract is built at start-up and must stay cheap).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from zhizao import yamltext
from zhizao.contract.tables import CREDIT, YEAR, Column, Table


def _shipped() -> list[dict[str, Any]]:
    root = resources.files("zhizao.greenfactory.methodologies")
    out = []
    for f in sorted(root.iterdir(), key=lambda x: x.name):
        if f.name.endswith((".yaml", ".yml")):
            out.append(yamltext.load(f.read_text(encoding="utf-8")))
    return out


def _codes(key: str) -> tuple[dict[str, tuple[str, ...]], dict[str, float]]:
    values: dict[str, tuple[str, ...]] = {}
    bounds: dict[str, float] = {}
    for m in _shipped():
        for item in m.get(key) or []:
            spellings = values.get(item["id"], ())
            if item["title"] not in spellings:
                spellings = (*spellings, item["title"])
            values[item["id"]] = spellings
            if item.get("unit") == "%":
                bounds[item["id"]] = 100.0
    return values, bounds


INDICATOR_CODES, PERCENT_BOUNDS = _codes("indicators")
REQUIREMENT_CODES, _ = _codes("requirements")

GREEN_INDICATORS = Table(
    "green_indicators", "绿色工厂评价指标", "经信 / 第三方评价机构", ("credit_code", "year", "indicator"),
    (
        CREDIT, YEAR,
        Column("indicator", "指标", "code", "an indicator id (or its Chinese title) of the green-factory "
               "methodology", check="enum", values=INDICATOR_CODES, aliases=("指标代码", "指标名称")),
        Column("value", "数值", "float", "the indicator's value in its unit (%, kgce/万元, m³/万元, 项, …); a "
               "qualitative item: 1 = 通过, 0 = 未通过", non_negative=True, aliases=("指标值",),
               max_by=("indicator", PERCENT_BOUNDS)),
        Column("evidence", "佐证材料", "text", "evidence (document, certificate number)", required=False,
               aliases=("佐证", "证明材料")),
    ),
    doc="Values a firm or an evaluation body supplies. Indicators the platform derives itself (energy and "
        "CO2 per 万元 of output, output per mu, renewable share) may be supplied too: the derived value is "
        "used and a supplied one that differs beyond the methodology's tolerance is reported beside it.",
)

GREEN_REQUIREMENTS = Table(
    "green_requirements", "绿色工厂基本要求", "生态环境 / 应急管理 / 市场监管", ("credit_code", "year", "requirement"),
    (
        CREDIT, YEAR,
        Column("requirement", "基本要求", "code", "a basic requirement or negative-list item of the "
               "green-factory methodology", check="enum", values=REQUIREMENT_CODES, aliases=("要求", "要求代码")),
        Column("met", "是否满足", "bool", "是 = the requirement is met; 否 vetoes the firm before scoring"),
    ),
    doc="Basic requirements (排污许可, 无重大事故, management-system certificates) and the MIIT negative list "
        "phrased as requirements (正常生产经营, 非失信被执行人, …): 否 on any of them vetoes the firm.",
)

TABLES = (GREEN_INDICATORS, GREEN_REQUIREMENTS)
