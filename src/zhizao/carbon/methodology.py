"""The carbon-efficiency methodology (工业碳效码): factors, benchmark rules, level and grade bands.

One YAML file per version; every number carries its ``source`` (a key of ``sources``) and
``default: true`` where no official value was found (METHODS.md "DEFAULT").

Example (abridged from ``zhizao/carbon/methodologies/zhejiang-carbon-2022.yaml``)::

    name: zhejiang-carbon
    version: "2022"
    method: carbon
    title: 浙江省工业碳效码（默认）
    region: "330000"
    valid_from: 2022
    valid_to: 2022
    sources:
      gbt32150: GB/T 32150-2015 工业企业温室气体排放核算和报告通则
      gbt2589: GB/T 2589-2020 综合能耗计算通则
      mee-2022: 生态环境部 国家统计局 2022年电力二氧化碳排放因子
    energy:
      raw_coal: {name: 原煤, co2: {value: 1.9003, unit: t/t, source: gbt32150},
                 coal: {value: 0.7143, unit: tce/t, source: gbt2589}}
      natural_gas: {name: 天然气, co2: {value: 21.622, unit: t/万m³, source: gbt32150},
                    coal: {value: 12.143, unit: tce/万m³, source: gbt2589}}
    grid_factors:
      - {year: 2022, variant: average, scope: national, value: 0.5366, unit: kg/kWh,
         source: mee-2022, published: "2024-12"}
    electricity: {variant: average, scope: national}
    benchmark: {level: division, statistic: aggregate}
    levels:
      - {label: 低碳, upper: {value: 0.6, source: db33-1347}}
      - {label: 中碳, upper: {value: 2.0, source: db33-1347}}
      - {label: 高碳}
    grades:
      - {grade: 1, meaning: 碳效率高, colour: 深绿, upper: {value: 0.6, source: db33-1347}}
      - ...
      - {grade: 5, meaning: 低, colour: 红}

Band boundaries are inclusive on the upper side: a value equal to ``upper`` belongs to that
band (METHODS.md "≤ 0.6"); the last band has no upper bound.
"""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zhizao.contract import units
from zhizao.contract.tables import ENERGY_TYPES, UNIT_FAMILY_BY_KIND
from zhizao.methodology.models import Methodology, Sourced

#: energy types whose CO2 is netted out (exports) rather than added
EXPORT_OF = {"exported_electricity": "electricity", "exported_heat": "heat"}
#: reported apart, never counted (GB/T 32150: biogenic CO2)
REPORTED_APART = ("biomass",)
#: emission-bearing types that must have a factor in every methodology (electricity: grid table)
REQUIRED_TYPES = ("raw_coal", "coke", "crude_oil", "fuel_oil", "gasoline", "diesel", "lpg", "natural_gas", "heat")
BENCHMARK_DIGITS = {"division": 2, "group": 3, "class": 4}


class UnitValue(Sourced):
    """A sourced value stated per a unit, e.g. ``21.622 t/万m³`` or ``0.5366 kg/kWh``."""

    unit: str = Field(description="numerator/denominator, e.g. t/t, t/万m³, tce/GJ")


#: a band's upper bound: a sourced value
Bound = Sourced


class EnergyFactor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Chinese name")
    co2: UnitValue | None = Field(default=None, description="CO2 emission factor (None: electricity uses the grid table)")
    coal: UnitValue = Field(description="standard-coal coefficient (折标煤系数, GB/T 2589)")


class GridFactor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int
    variant: Literal["average", "average_excl_market_nonfossil", "fossil"] = "average"
    scope: Literal["national", "regional", "provincial"] = "national"
    area: str | None = Field(default=None, description="grid region key (regional) or 6-digit province code")
    value: float
    unit: str = "kg/kWh"
    source: str
    published: str = Field(description="publication date (YYYY-MM) of the factor")
    default: bool = False


class GridRegion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    provinces: list[str] = Field(description="6-digit GB/T 2260 province codes")
    source: str


class ElectricityChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant: Literal["average", "average_excl_market_nonfossil", "fossil"] = "average"
    scope: Literal["national", "regional", "provincial"] = Field(
        default="national",
        description="national: one factor; regional/provincial: the firm's province factor, else its "
                    "grid region's, else the national one",
    )
    source: str
    default: bool = False


class BenchmarkValue(BaseModel):
    """A published industry benchmark L̄ (tCO2/万元) for one year."""

    model_config = ConfigDict(extra="forbid")

    industry: str = Field(pattern=r"^[0-9]{2,4}$", description="GB/T 4754 code at the benchmark level")
    year: int
    value: float = Field(gt=0)
    source: str


class Benchmark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["division", "group", "class"] = "division"
    statistic: Literal["aggregate", "mean"] = Field(
        default="aggregate", description="aggregate: ΣE_net/ΣVA over graded firms; mean: mean of their intensities")
    origin: Literal["computed", "imported"] = Field(
        default="computed",
        description="computed: the city's own firms (statistic above); imported: a published L̄ by industry "
                    "and year, from ``values`` below or, when empty, from the ``benchmarks`` table")
    values: list[BenchmarkValue] = Field(default_factory=list, description="published benchmarks (imported)")
    source: str
    default: bool = False


class Population(BaseModel):
    """Which firms are graded: 规上 (above designated size) by default, each track benchmarked apart."""

    model_config = ConfigDict(extra="forbid")

    tracks: list[Literal["above_scale", "below_scale"]] = Field(
        default_factory=lambda: ["above_scale"],  # type: ignore[arg-type,return-value]
        description="above_scale: 规上 (statistics_annual.above_scale); below_scale: 规下, its own benchmark")
    existing_only: bool = Field(default=True, description="only firms founded on or before the year's end")
    source: str
    default: bool = False


#: the consistency checks a methodology may name (the publication gate)
GATE_CHECKS = ("unit_mixup", "month_spike", "energy_without_output", "output_without_energy")


class GateCheck(BaseModel):
    """One consistency check of the publication gate: a firm failing it is ``held``.

    - ``unit_mixup``: a month of one energy type ``ratio`` times (within × or ÷ ``tolerance``)
      the firm's own median month of that type, or as much below (a 万 label on a plain figure);
    - ``month_spike``: a month ``factor`` times or more above the firm's own median month;
    - ``energy_without_output``: energy used in the year, gross output zero;
    - ``output_without_energy``: gross output in the year, no energy reported.

    ``min_months``: the month checks need this many reported months of the type.
    """

    model_config = ConfigDict(extra="forbid")

    id: Literal["unit_mixup", "month_spike", "energy_without_output", "output_without_energy"]
    name: str = Field(description="Chinese name shown as the reason")
    factor: Sourced | None = None
    ratio: Sourced | None = None
    tolerance: Sourced | None = None
    min_months: Sourced | None = None


class Rounding(BaseModel):
    """Decimals of the published L and K; levels and grades are read on the published figures."""

    model_config = ConfigDict(extra="forbid")

    intensity: int = Field(default=2, ge=0, le=6)
    k_value: int = Field(default=2, ge=0, le=6)
    source: str
    default: bool = False


class LevelBand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    upper: Bound | None = None


class GradeBand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: int
    meaning: str
    colour: str
    colour_default: bool = True
    upper: Bound | None = None


class CarbonMethodology(Methodology):
    """工业碳效码 methodology: accounting factors, benchmark and bands (see the module docstring)."""

    method: Literal["carbon"] = "carbon"
    energy: dict[str, EnergyFactor]
    grid_factors: list[GridFactor]
    grid_regions: dict[str, GridRegion] = Field(default_factory=dict)
    electricity: ElectricityChoice
    benchmark: Benchmark
    population: Population
    gate: list[GateCheck] = Field(default_factory=list, description="consistency checks, in the order tried")
    rounding: Rounding
    levels: list[LevelBand]
    grades: list[GradeBand]

    @model_validator(mode="after")
    def _check(self) -> CarbonMethodology:
        known = set(ENERGY_TYPES) - set(EXPORT_OF) - set(REPORTED_APART)
        unknown = sorted(set(self.energy) - known)
        if unknown:
            raise ValueError(f"未知能源品种: {', '.join(unknown)}")
        missing = [t for t in REQUIRED_TYPES if t not in self.energy or self.energy[t].co2 is None]
        if missing:
            raise ValueError(f"缺少排放因子: {', '.join(missing)}")
        if "electricity" not in self.energy:
            raise ValueError("缺少电力的折标煤系数")
        for t, f in self.energy.items():
            fam = UNIT_FAMILY_BY_KIND[t]
            for what, uv in (("co2", f.co2), ("coal", f.coal)):
                if uv is None:
                    continue
                num, sep, den = uv.unit.partition("/")
                if not sep or units.factor(fam, den) is None:
                    raise ValueError(f"{t}.{what}: 无法换算的单位 {uv.unit}")
                if what == "co2" and units.factor("mass", num) is None:
                    raise ValueError(f"{t}.co2: 排放量单位应为质量单位，而非 {num}")
                if uv.value < 0:
                    raise ValueError(f"{t}.{what}: 系数不能为负")
        for g in self.grid_factors:
            num, _, den = g.unit.partition("/")
            if units.factor("mass", num) is None or units.factor("electricity", den) is None:
                raise ValueError(f"电网排放因子单位无法换算: {g.unit}")
            if g.scope != "national" and not g.area:
                raise ValueError(f"{g.year} 年{g.scope}电网排放因子缺少 area")
            if g.scope == "regional" and g.area not in self.grid_regions:
                raise ValueError(f"未声明的电网区域: {g.area}")
        if not any(g.scope == "national" and g.variant == self.electricity.variant for g in self.grid_factors):
            raise ValueError(f"没有 {self.electricity.variant} 口径的全国电网排放因子")
        for name, bands in (("levels", self.levels), ("grades", self.grades)):
            if not bands:
                raise ValueError(f"{name} 不能为空")
            uppers = [b.upper.value for b in bands[:-1] if b.upper is not None]
            if len(uppers) != len(bands) - 1 or bands[-1].upper is not None:
                raise ValueError(f"{name}: 除最后一档外每档都须有上限，最后一档不设上限")
            if any(a >= b for a, b in itertools.pairwise(uppers)):
                raise ValueError(f"{name}: 上限须严格递增")
        if [g.grade for g in self.grades] != list(range(1, len(self.grades) + 1)):
            raise ValueError("grades: 等级须从 1 起连续编号")
        if not self.population.tracks or len(set(self.population.tracks)) != len(self.population.tracks):
            raise ValueError("population.tracks: 至少一个评价范围，且不重复")
        need = {"unit_mixup": ("ratio", "tolerance", "min_months"), "month_spike": ("factor", "min_months")}
        for c in self.gate:
            missing = [p for p in need.get(c.id, ()) if getattr(c, p) is None]
            if missing:
                raise ValueError(f"gate.{c.id}: 缺少参数 {', '.join(missing)}")
        if len({c.id for c in self.gate}) != len(self.gate):
            raise ValueError("gate: 同一检查不能列两次")
        digits = self.benchmark_digits()
        bad = sorted({v.industry for v in self.benchmark.values if len(v.industry) != digits})
        if bad:
            raise ValueError(f"benchmark.values: 行业代码位数与对标层级（{digits} 位）不符: {', '.join(bad)}")
        return self

    # ------------------------------------------------------------------ resolved factors
    def co2_per_canonical(self, energy_type: str) -> float:
        """tCO2 per canonical unit (t, m³, GJ) of a fuel or heat."""
        uv = self.energy[energy_type].co2
        assert uv is not None
        return _per_canonical(uv.value, uv.unit, UNIT_FAMILY_BY_KIND[energy_type])

    def coal_per_canonical(self, energy_type: str) -> float:
        """tce per canonical unit (kWh, t, m³, GJ)."""
        uv = self.energy[energy_type].coal
        return _per_canonical(uv.value, uv.unit, UNIT_FAMILY_BY_KIND[energy_type], numerator_family=None)

    def grid_factor(self, year: int, province: str | None = None) -> tuple[float, GridFactor, list[str]]:
        """tCO2/kWh for ``year`` (and a 6-digit province code when the scope is not national).

        Returns the factor, the table row it came from and notes (Chinese) saying which
        fallback was taken: the latest earlier year with a published factor, then province →
        grid region → national.
        """
        v = self.electricity.variant
        chain: list[tuple[str, str | None]] = []
        if province and self.electricity.scope == "provincial":
            chain.append(("provincial", province))
        if province and self.electricity.scope in ("provincial", "regional"):
            region = self.region_of(province)
            if region:
                chain.append(("regional", region))
        chain.append(("national", None))
        notes: list[str] = []
        for scope, area in chain:
            rows = [g for g in self.grid_factors if g.variant == v and g.scope == scope and g.area == area]
            earlier = [g for g in rows if g.year <= year]
            if not earlier:
                continue
            g = max(earlier, key=lambda r: r.year)
            if g.year != year:
                notes.append(f"{year} 年{_SCOPE_ZH[scope]}电网排放因子（{_VARIANT_ZH[v]}）尚未发布，"
                             f"沿用 {g.year} 年的 {g.value} {g.unit}")
            if scope != chain[0][0]:
                notes.append(f"{province} 无{_SCOPE_ZH[chain[0][0]]}电网排放因子（{year} 年及以前），"
                             f"改用{_SCOPE_ZH[scope]}因子")
            num, _, den = g.unit.partition("/")
            per_kwh = g.value * (units.factor("mass", num) or 0.0) / (units.factor("electricity", den) or 1.0)
            return per_kwh, g, notes
        raise ValueError(f"{year} 年及以前没有 {_VARIANT_ZH[v]} 口径的电网排放因子")

    def region_of(self, province: str) -> str | None:
        for key, r in self.grid_regions.items():
            if province in r.provinces:
                return key
        return None

    def benchmark_digits(self) -> int:
        return BENCHMARK_DIGITS[self.benchmark.level]


_SCOPE_ZH = {"national": "全国", "regional": "区域", "provincial": "省级"}
_VARIANT_ZH = {"average": "平均", "average_excl_market_nonfossil": "不含市场化非化石电量的平均",
               "fossil": "化石能源"}


def _per_canonical(value: float, unit: str, family: str, numerator_family: str | None = "mass") -> float:
    num, _, den = unit.partition("/")
    num_f = units.factor(numerator_family, num) if numerator_family else 1.0
    den_f = units.factor(family, den)
    if num_f is None or den_f is None:
        raise ValueError(f"无法换算的单位: {unit}")
    return value * num_f / den_f
