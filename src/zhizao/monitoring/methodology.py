"""The monitoring methodology: thresholds of the power-based activity warnings (电力看经济) and
the tolerances of the cross-department consistency checks (数据打架).

Every number carries its ``source``; no official thresholds were found, so the shipped values
are DEFAULT (``default: true``) and a city loads its own file to change them.

Example (abridged from ``zhizao/monitoring/methodologies/zhejiang-monitoring-2020.yaml``)::

    name: zhejiang-monitoring
    version: "2020"
    method: monitoring
    title: 电力看经济与数据一致性（浙江默认）
    valid_from: 2015
    sources:
      methods-7: METHODS.md §7 电力看经济：同月上年 = 100
      zhizao-default: zhizao 默认取值（未找到官方阈值）
    power:
      drop_index: {value: 70, source: zhizao-default, default: true}
      ...
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from zhizao.methodology.models import Methodology, Sourced


class PowerThresholds(BaseModel):
    """Warnings on a firm's electricity against the same period last year (index, last year = 100)."""

    model_config = ConfigDict(extra="forbid")

    #: below this index: sharp drop (用电骤降)
    drop_index: Sourced
    #: below this index: possible stoppage (疑似停产)
    stoppage_index: Sourced
    #: above this index: sharp rise (用电激增)
    rise_index: Sourced
    #: last year's use of the period below this (kWh): the index is too noisy to judge
    min_base_kwh: Sourced
    #: a day is "low" below this fraction of last year's mean daily use in the same period
    low_day_ratio: Sourced
    #: this many consecutive low days: possible stoppage
    stoppage_days: Sourced
    #: more than this fraction of the period's days without a reading: missing data (数据缺失)
    missing_days_ratio: Sourced


class ConsistencyTolerances(BaseModel):
    """How far two departments' figures may differ before the pair is listed (数据打架)."""

    model_config = ConfigDict(extra="forbid")

    #: |Σ months − annual| / annual above this: monthly statistics do not add up
    monthly_annual: Sourced
    #: implied tax rate (tax paid / revenue) outside [low, high]
    tax_rate_low: Sourced
    tax_rate_high: Sourced
    #: kWh per 万元 gross output above factor × or below 1/factor × the division median
    power_output_factor: Sourced
    #: a division needs this many firms for its median to be a yardstick
    min_division_firms: Sourced
    #: |energy electricity − Σ power_daily| / max of the two above this (per firm and month)
    energy_power: Sourced


class MonitoringMethodology(Methodology):
    """电力看经济 and 数据打架 rules (see the module docstring)."""

    method: Literal["monitoring"] = "monitoring"
    power: PowerThresholds
    consistency: ConsistencyTolerances

    @model_validator(mode="after")
    def _check(self) -> MonitoringMethodology:
        p, c = self.power, self.consistency
        if not p.stoppage_index.value <= p.drop_index.value < 100 < p.rise_index.value:
            raise ValueError("指数阈值须满足 stoppage_index ≤ drop_index < 100 < rise_index")
        for name in ("low_day_ratio", "missing_days_ratio"):
            v = getattr(p, name).value
            if not 0 <= v < 1:
                raise ValueError(f"power.{name} 应在 [0, 1) 之内")
        if p.stoppage_days.value < 1 or p.min_base_kwh.value < 0:
            raise ValueError("power.stoppage_days 须 ≥ 1，min_base_kwh 须 ≥ 0")
        if not 0 <= c.tax_rate_low.value < c.tax_rate_high.value:
            raise ValueError("consistency: 须 0 ≤ tax_rate_low < tax_rate_high")
        if c.power_output_factor.value <= 1:
            raise ValueError("consistency.power_output_factor 须大于 1")
        if c.monthly_annual.value < 0 or c.energy_power.value < 0:
            raise ValueError("consistency: 容差不能为负")
        return self
