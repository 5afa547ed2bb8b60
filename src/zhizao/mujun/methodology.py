"""The methodology of 亩均效益综合评价 (per-mu benefit evaluation): coverage, tracks, indicators,
weights, benchmarks, caps, exemptions, class rules and overrides, each value with its source.

Indicators are ratios ``numerator / denominator`` of named firm aggregates (``AGGREGATES``);
a methodology can define any such ratio, but cannot run code: the names are a whitelist.

Example (the head of ``huangyan-2022.yaml``)::

    indicators:
      tax_per_mu: {title: 亩均税收, unit: 万元/亩, numerator: tax, denominator: land_mu}
    tracks:
      - id: above_scale
        title: 规上企业
        rule: {above_scale: true}
        indicators:
          - {id: tax_per_mu, weight: {value: 30, source: huangyan-2022},
             benchmark: {value: 24.097, source: huangyan-2022}}
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhizao.contract.units import factor as unit_factor
from zhizao.methodology.models import Methodology, Sourced

#: firm (or merged-group) aggregates for the evaluated year, canonical units; the only names an
#: indicator's numerator or denominator may use
AGGREGATES: dict[str, str] = {
    "tax": "实缴税金（万元）",
    "value_added": "工业增加值（万元）",
    "revenue": "营业收入（万元）",
    "gross_output": "工业总产值（万元）",
    "employees": "年平均从业人员（人）",
    "rd_expense": "研发费用（万元）",
    "land_mu": "用地面积（亩，自有与租赁合计）",
    "owned_mu": "自有用地面积（亩）",
    "energy_tce": "综合能耗（吨标准煤，等价值）",
    "electricity_10k_kwh": "用电量（万千瓦时）",
    "emissions_t": "主要污染物排放量（吨）",
    "cod_t": "化学需氧量排放量（吨）",
    "ammonia_nitrogen_t": "氨氮排放量（吨）",
    "so2_t": "二氧化硫排放量（吨）",
    "nox_t": "氮氧化物排放量（吨）",
}

#: boolean firm attributes an adjustment may test
FLAGS: tuple[str, ...] = ("above_scale", "strategic_emerging", "high_tech", "equipment", "digital_core")

ENERGY_TYPES = ("electricity", "raw_coal", "coke", "crude_oil", "fuel_oil", "gasoline", "diesel", "lpg",
                "natural_gas", "heat")
ENERGY_FAMILY = {"electricity": "electricity", "natural_gas": "volume", "heat": "heat"}
POLLUTANTS = ("cod", "ammonia_nitrogen", "so2", "nox")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnergyFactor(Sourced):
    """Standard-coal coefficient (折标煤系数, 等价值) in tce per ``unit`` (e.g. 万千瓦时)."""

    unit: str

    def per_canonical(self, energy_type: str) -> float:
        """tce per canonical unit of the energy table (kWh, t, m³, GJ)."""
        family = ENERGY_FAMILY.get(energy_type, "mass")
        f = unit_factor(family, self.unit)
        if f is None:
            raise ValueError(f"能源 {energy_type} 的折标系数单位无法识别: {self.unit}")
        return self.value / f


class Indicator(_Strict):
    """A ratio of two aggregates: ``x = numerator / denominator``; ``direction: lower`` marks an
    inverse indicator (less is better), scored as ``B / x``."""

    title: str
    unit: str
    numerator: str
    denominator: str
    direction: Literal["higher", "lower"] = "higher"

    @model_validator(mode="after")
    def _known(self) -> Indicator:
        for name in (self.numerator, self.denominator):
            if name not in AGGREGATES:
                raise ValueError(f"未知汇总量 {name}（可用: {', '.join(AGGREGATES)}）")
        return self


class TrackIndicator(_Strict):
    id: str
    weight: Sourced
    #: published benchmark B; None: computed as the track's aggregate Σnumerator/Σdenominator
    #: over the units of the track in the region and year
    benchmark: Sourced | None = None
    #: what a unit whose value is missing gets: ``average`` (the mean score of the others in its
    #: track and region), ``zero``, or ``insufficient`` (the unit is not graded)
    if_missing: Literal["average", "zero", "insufficient"] = "insufficient"


class TrackRule(_Strict):
    """Who belongs to a track; every stated condition must hold, and the first matching track
    (in file order) wins. Land thresholds are on the unit's total land (亩)."""

    above_scale: bool | None = None
    owns_land: bool | None = None
    min_land_mu: float | None = None
    max_land_mu: float | None = Field(default=None, description="exclusive upper bound")


class Track(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    rule: TrackRule
    indicators: list[TrackIndicator]


class Condition(_Strict):
    field: str
    op: Literal[">=", ">", "<=", "<", "==", "is_true"]
    value: float | None = None

    @model_validator(mode="after")
    def _known(self) -> Condition:
        if self.field not in AGGREGATES and self.field not in FLAGS and not self.field.startswith("ind_"):
            raise ValueError(f"未知条件字段 {self.field}")
        if self.op != "is_true" and self.value is None:
            raise ValueError("比较条件需要 value")
        return self


class Adjustment(_Strict):
    """A bonus (points > 0) or penalty (points < 0) added to the score when ``when`` holds."""

    id: str
    title: str
    points: Sourced
    when: Condition
    tracks: list[str] | None = Field(default=None, description="None: every track")


class Classes(_Strict):
    """How graded units are put in classes, within a track and region: by rank share, by score
    threshold, or both (``by``).

    - ``rank``: with ``n`` ranked units and cut-off ``p`` (cumulative percent), a unit of rank
      ``r`` (1 = best) is in the first class whose ``r ≤ ceil(n × p / 100)``; the last class
      takes the rest.
    - ``score``: a unit is in the first class whose ``thresholds`` value (a minimum score,
      descending) it reaches; the last class takes the rest.
    - ``both``: a unit must satisfy both rules for a class: it gets the lower (later) of its
      rank class and its score class.

    Exempt units (不定等级) are not ranked and are in none of the ``labels``: their class is
    ``undetermined_label`` (counted apart), and they are managed as ``exempt_class``
    (``managed_as`` in the results).
    """

    labels: list[str] = Field(default_factory=lambda: ["A", "B", "C", "D"])
    by: Literal["rank", "score", "both"] = "rank"
    cutoffs: list[Sourced] | None = None
    thresholds: list[Sourced] | None = None
    exempt_class: str = "B"
    undetermined_label: str = "不定等级"

    @model_validator(mode="after")
    def _shape(self) -> Classes:
        if self.by in ("rank", "both"):
            if self.cutoffs is None or len(self.cutoffs) != len(self.labels) - 1:
                raise ValueError("按排名分档时 cutoffs 的个数应比 labels 少一个")
            values = [c.value for c in self.cutoffs]
            if values != sorted(values) or any(not 0 < v <= 100 for v in values):
                raise ValueError("cutoffs 应为递增的百分比（0–100]")
        if self.by in ("score", "both"):
            if self.thresholds is None or len(self.thresholds) != len(self.labels) - 1:
                raise ValueError("按得分分档时 thresholds 的个数应比 labels 少一个")
            values = [t.value for t in self.thresholds]
            if any(a <= b for a, b in pairwise(values)):
                raise ValueError("thresholds 应为递减的最低得分")
        if self.exempt_class not in self.labels:
            raise ValueError("exempt_class 不在 labels 中")
        if self.undetermined_label in self.labels:
            raise ValueError("undetermined_label 不能与 labels 重复（不定等级单独计数）")
        return self


class NegativeList(_Strict):
    """Override applied after the classes: a unit with an entry of the ``mujun_negative_list``
    table for the year (any member firm of a merged unit) is put in ``to_class`` whatever its
    score, with the entry named in ``reason``. ``items`` restricts which entries count (None:
    every entry)."""

    to_class: str = "D"
    items: list[str] | None = None
    source: str
    default: bool = False


class Coverage(_Strict):
    """Who is evaluated at all. A unit outside the coverage is 不参评 (status ``not_evaluated``)
    with the reason, never graded: no land (neither owned nor leased) when ``require_land``,
    or less land than ``min_land_mu`` (total land of the unit, 亩)."""

    require_land: bool = True
    min_land_mu: Sourced | None = None
    source: str | None = None


class Exemptions(_Strict):
    """不定等级: ranked with nobody, handled as ``Classes.exempt_class``."""

    #: GB/T 4754 code prefixes of utilities (电力、燃气、水的生产和供应)
    industry_prefixes: list[str] = Field(default_factory=list)
    #: start-ups: founded in the evaluated year or the ``startup_years − 1`` years before
    startup_years: Sourced | None = None
    #: under construction: land held but no revenue and no tax paid in the year
    under_construction: bool = True
    source: str | None = None


class Scope(_Strict):
    """Which firms are evaluated: industry divisions (2-digit GB/T 4754) from..to inclusive."""

    division_from: str = "06"
    division_to: str = "46"
    source: str | None = None


class MujunMethodology(Methodology):
    method: Literal["mujun"] = "mujun"
    scope: Scope = Field(default_factory=Scope)
    energy_factors: dict[str, EnergyFactor]
    #: pollutants summed into ``emissions_t`` (主要污染物)
    main_pollutants: list[str] = Field(default_factory=lambda: list(POLLUTANTS))
    indicators: dict[str, Indicator]
    tracks: list[Track]
    #: upper cap of each ratio x/B (or B/x); None: no cap
    ratio_cap: Sourced | None = None
    adjustments: list[Adjustment] = Field(default_factory=list)
    classes: Classes
    negative_list: NegativeList | None = None
    coverage: Coverage = Field(default_factory=Coverage)
    exemptions: Exemptions = Field(default_factory=Exemptions)
    #: indicators compared (higher first) when two units have the same score; then credit code
    tie_breakers: list[str] = Field(default_factory=lambda: ["tax_per_mu"])
    #: rounds of label propagation that merge firms sharing parcels (a chain of firms linked
    #: through shared parcels is merged fully when it is at most this many hops long)
    merge_rounds: int = Field(default=4, ge=0, le=16)

    @model_validator(mode="after")
    def _consistent(self) -> MujunMethodology:
        for t in self.energy_factors:
            if t not in ENERGY_TYPES:
                raise ValueError(f"未知能源品种 {t}")
        for p in self.main_pollutants:
            if p not in POLLUTANTS:
                raise ValueError(f"未知污染物 {p}")
        ids = [t.id for t in self.tracks]
        if len(set(ids)) != len(ids) or not ids:
            raise ValueError("tracks 的 id 应唯一且至少一个")
        for track in self.tracks:
            for ti in track.indicators:
                if ti.id not in self.indicators:
                    raise ValueError(f"赛道 {track.id} 引用了未定义的指标 {ti.id}")
        for a in self.adjustments:
            for tr in a.tracks or []:
                if tr not in ids:
                    raise ValueError(f"加减分项 {a.id} 引用了未知赛道 {tr}")
        if self.negative_list is not None and self.negative_list.to_class not in self.classes.labels:
            raise ValueError(f"负面清单的定档 {self.negative_list.to_class} 不在 labels 中")
        for tb in self.tie_breakers:
            if tb not in self.indicators:
                raise ValueError(f"并列排序指标 {tb} 未定义")
        return self

    def used_indicators(self) -> list[str]:
        """Indicator ids used by any track, in definition order."""
        used = {ti.id for t in self.tracks for ti in t.indicators}
        return [i for i in self.indicators if i in used]

    def cap(self) -> float | None:
        return self.ratio_cap.value if self.ratio_cap is not None else None
