"""The methodology of 星级绿色工厂 (star-rated green factories): GB/T 36132 as data.

One file per version of the standard (``methodologies/gbt-36132-2018.yaml``,
``gbt-36132-2025.yaml``). A file holds:

- ``areas``: the first-level areas (一级指标), in display order;
- ``indicators``: each second/third-level indicator with its area, kind (``quantitative`` scored
  linearly between its 基准值 and 引领值, ``qualitative`` pass/fail with evidence), direction,
  unit, weight (points of 100), 基准值/引领值 and, where the standard routes by sector or by the
  firm's annual energy use, ``routes`` (first matching route wins, else the indicator's own
  values); ``derived`` names an indicator the platform computes itself from the exchange tables;
- ``requirements``: basic requirements (基本要求) and the MIIT negative list (负面清单), vetoes
  checked before scoring;
- ``stars``: the five score cut-offs (Huzhou DEFAULT 60/70/80/85/90);
- ``ladder``: the green-factory tiers county → city → province → nation, the stars each needs,
  the re-review period and the bottom-5 % removal rule;
- ``energy_factors``: standard-coal coefficients for the derived energy indicators.

Every number is :class:`~zhizao.methodology.models.Sourced` (``default: true`` where no official
value was found).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhizao.contract.units import factor as unit_factor
from zhizao.methodology.models import Methodology, Sourced

#: indicators the platform derives from the exchange tables (see ``method.py``)
DERIVED: dict[str, str] = {
    "energy_per_output": "综合能耗（能源消费，折标准煤）÷ 工业总产值（统计年报），kgce/万元",
    "carbon_per_output": "当年碳效码运行的碳排放总量 ÷ 工业总产值，kgCO2/万元",
    "output_per_mu": "工业总产值 ÷ 用地面积（用地，宗地去重），万元/亩",
    "renewable_share": "（光伏自发自用 + 绿电交易 + 绿证电量）折标煤 ÷（综合能耗 + 光伏自发自用折标煤），%",
}

ENERGY_TYPES = ("electricity", "raw_coal", "coke", "crude_oil", "fuel_oil", "gasoline", "diesel", "lpg",
                "natural_gas", "heat")
_ENERGY_FAMILY = {"electricity": "electricity", "natural_gas": "volume", "heat": "heat"}

LEVELS = ("county", "city", "provincial", "national")
LEVEL_TITLES = {"county": "县级", "city": "市级", "provincial": "省级", "national": "国家级"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnergyFactor(Sourced):
    """Standard-coal coefficient (折标准煤系数) in tce per ``unit`` (e.g. 万千瓦时)."""

    unit: str

    def per_canonical(self, energy_type: str) -> float:
        """tce per canonical unit of the energy table (kWh, t, m³, GJ)."""
        f = unit_factor(_ENERGY_FAMILY.get(energy_type, "mass"), self.unit)
        if f is None:
            raise ValueError(f"能源 {energy_type} 的折标系数单位无法识别: {self.unit}")
        return self.value / f


class Area(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str


class Route(_Strict):
    """基准值/引领值 for firms of some sectors (2-digit GB/T 4754 divisions) and/or an annual
    energy-use band (tce, ``energy_tce_min`` inclusive, ``energy_tce_max`` exclusive)."""

    title: str
    divisions: list[str] | None = None
    energy_tce_min: float | None = None
    energy_tce_max: float | None = None
    baseline: Sourced
    leading: Sourced


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    area: str
    kind: Literal["quantitative", "qualitative"] = "quantitative"
    #: ``higher``: more is better; ``lower`` (reverse): less is better, mirrored
    direction: Literal["higher", "lower"] = "higher"
    #: display unit; ``%`` marks a percentage (values above 100 are rejected at import)
    unit: str = ""
    weight: Sourced
    baseline: Sourced | None = None
    leading: Sourced | None = None
    routes: list[Route] = Field(default_factory=list)
    derived: Literal["energy_per_output", "carbon_per_output", "output_per_mu", "renewable_share"] | None = None
    #: a qualitative item passes only with evidence (佐证材料) named
    evidence_required: bool = True
    #: how a change of this indicator is said in Chinese ("提高"/"下降"), and its unit in the
    #: sentence (e.g. 个百分点 for a percentage)
    change_unit: str | None = None

    @model_validator(mode="after")
    def _values(self) -> Indicator:
        if self.kind == "qualitative":
            if self.baseline is not None or self.leading is not None or self.routes or self.derived:
                raise ValueError(f"定性指标 {self.id} 不应有基准值、引领值或派生来源")
            return self
        if self.baseline is None or self.leading is None:
            raise ValueError(f"定量指标 {self.id} 需要 baseline 和 leading")
        for b, lead, where in [(self.baseline.value, self.leading.value, "")] + [
                (r.baseline.value, r.leading.value, f"（{r.title}）") for r in self.routes]:
            if b == lead:
                raise ValueError(f"指标 {self.id}{where} 的基准值与引领值相同")
            if (self.direction == "higher") != (lead > b):
                raise ValueError(f"指标 {self.id}{where} 的引领值与方向（{self.direction}）不符")
        return self

    @property
    def percentage(self) -> bool:
        return self.unit == "%"


class Requirement(_Strict):
    """A veto: ``met = 否`` for this requirement in ``green_requirements`` vetoes the firm."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    kind: Literal["basic", "negative_list"]
    source: str


class Stars(_Strict):
    """Score cut-offs of 1★ … 5★ (ascending)."""

    cutoffs: list[Sourced]

    @model_validator(mode="after")
    def _shape(self) -> Stars:
        v = [c.value for c in self.cutoffs]
        if len(v) != 5 or v != sorted(v) or len(set(v)) != 5 or not 0 < v[0] <= v[-1] <= 100:
            raise ValueError("stars.cutoffs 应为 5 个严格递增、介于 0–100 的分数线")
        return self


class Level(_Strict):
    """A tier of the ladder: a firm is a candidate for it when it holds ``from_level`` (None: no
    green-factory title needed) and has at least ``min_stars`` in the year."""

    id: Literal["county", "city", "provincial", "national"]
    min_stars: Sourced
    from_level: Literal["county", "city", "provincial"] | None = None


class Ladder(_Strict):
    levels: list[Level]
    #: a title is re-reviewed this many years after it was granted (or last re-reviewed)
    rereview_years: Sourced
    #: removal when in the bottom ``bottom_share`` (0–1) of the rated firms ``bottom_years``
    #: consecutive years
    bottom_share: Sourced
    bottom_years: Sourced
    #: the day (MM-DD) the yearly dynamic report is due, in the year after the evaluated one
    report_due: str = Field(default="04-15", pattern=r"^\d{2}-\d{2}$")
    source: str

    @model_validator(mode="after")
    def _order(self) -> Ladder:
        ids = [lv.id for lv in self.levels]
        if ids != [x for x in LEVELS if x in ids]:
            raise ValueError("ladder.levels 应按 县级→市级→省级→国家级 排列")
        for lv in self.levels:
            if lv.from_level is not None and (lv.from_level not in ids or LEVELS.index(lv.from_level)
                                              != LEVELS.index(lv.id) - 1):
                raise ValueError(f"{lv.id} 只能从下一级（而非 {lv.from_level}）产生")
        return self


class GreenFactoryMethodology(Methodology):
    method: Literal["greenfactory"] = "greenfactory"
    areas: list[Area]
    indicators: list[Indicator]
    requirements: list[Requirement]
    stars: Stars
    ladder: Ladder
    energy_factors: dict[str, EnergyFactor]
    #: a supplied value of a derived indicator differing from the derived one by more than this
    #: relative tolerance is reported beside it
    derived_tolerance: Sourced
    #: a firm whose indicators with data carry less than this share (0–1) of the weight is
    #: ``not_assessed``
    min_coverage: Sourced

    @model_validator(mode="after")
    def _consistent(self) -> GreenFactoryMethodology:
        areas = [a.id for a in self.areas]
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError("指标 id 重复")
        if len(set(areas)) != len(areas):
            raise ValueError("一级指标 id 重复")
        for i in self.indicators:
            if i.area not in areas:
                raise ValueError(f"指标 {i.id} 的一级指标 {i.area} 未定义")
        total = sum(i.weight.value for i in self.indicators)
        if abs(total - 100) > 1e-6:
            raise ValueError(f"指标权重合计应为 100，实为 {total:g}")
        req = [r.id for r in self.requirements]
        if len(set(req)) != len(req):
            raise ValueError("基本要求 id 重复")
        for t in self.energy_factors:
            if t not in ENERGY_TYPES:
                raise ValueError(f"未知能源品种 {t}")
        if not 0 <= self.min_coverage.value <= 1 or not 0 <= self.ladder.bottom_share.value <= 1:
            raise ValueError("min_coverage、bottom_share 应介于 0–1")
        return self

    def indicator(self, id_: str) -> Indicator:
        for i in self.indicators:
            if i.id == id_:
                return i
        raise KeyError(id_)

    def area_weight(self, area: str) -> float:
        return sum(i.weight.value for i in self.indicators if i.area == area)
