"""The demo city's economic make-up: districts, industry segments and their coefficients.

A Huzhou-like prefecture (湖州市): five county-level districts, each with its signature
industries (安吉 furniture and bamboo, 南浔 furniture/wood flooring, elevators and motors,
吴兴 织里 children's clothing and textiles, 长兴 cement, refractories and lead-acid
batteries, 德清 geographic-information electronics, pharma and new materials).

Coefficients are per 万元 of gross output and chosen so that the derived figures land in
published ranges: value added 20–35 % of output, tax 2–6 % of revenue, above-scale tax per
mu around 25 万元, carbon intensity from ~0.2 t/万元 (clothing) to ~15 t/万元 (cement)
so that all three level bands and all five grades occur.
"""

from __future__ import annotations

from dataclasses import dataclass

#: code → (name, share of firms, township/street names, main industrial park)
DISTRICTS: dict[str, tuple[str, float, tuple[str, ...], str]] = {
    "330502": ("吴兴区", 0.24, ("织里镇", "八里店镇", "埭溪镇", "东林镇", "妙西镇", "龙泉街道"), "湖州经济技术开发区"),
    "330503": ("南浔区", 0.20, ("南浔镇", "练市镇", "双林镇", "菱湖镇", "旧馆镇", "和孚镇", "善琏镇", "千金镇"),
               "南浔经济开发区"),
    "330521": ("德清县", 0.17, ("武康街道", "乾元镇", "新市镇", "钟管镇", "禹越镇", "洛舍镇", "雷甸镇", "新安镇"),
               "莫干山高新技术产业开发区"),
    "330522": ("长兴县", 0.21, ("雉城街道", "李家巷镇", "和平镇", "煤山镇", "泗安镇", "林城镇", "洪桥镇", "夹浦镇"),
               "长兴经济技术开发区"),
    "330523": ("安吉县", 0.18, ("递铺街道", "孝丰镇", "天子湖镇", "梅溪镇", "鄣吴镇", "杭垓镇", "灵峰街道"),
               "安吉经济开发区"),
}
DISTRICT_CODES = tuple(DISTRICTS)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    #: 4-digit classes with relative weights
    classes: tuple[tuple[str, float], ...]
    #: relative weight of the segment in each district (order of DISTRICT_CODES)
    district_weights: tuple[float, float, float, float, float]
    #: shift of log revenue against the city's firm-size distribution
    size_shift: float
    #: value added / gross output
    va_ratio: float
    #: energy per 万元 output: electricity kWh, raw coal t, natural gas m³, heat GJ, diesel t
    kwh: float
    coal: float = 0.0
    gas: float = 0.0
    heat: float = 0.0
    diesel: float = 0.0
    #: pollutants, t per 万元 output
    cod: float = 0.00002
    nh3: float = 0.000002
    so2: float = 0.000005
    nox: float = 0.00001
    #: R&D / revenue (mean)
    rd: float = 0.02
    #: nominal growth a year (mean)
    growth: float = 0.07
    #: words used in firm names
    words: tuple[str, ...] = ()


SEGMENTS: tuple[Segment, ...] = (
    Segment("furniture", "家具", (("2110", 3), ("2130", 2), ("2190", 4), ("2120", 1)), (0.3, 2.2, 0.4, 0.4, 3.0),
            0.0, 0.25, kwh=120, gas=3, rd=0.025, growth=0.06, words=("家具", "椅业", "家居")),
    Segment("bamboo_wood", "竹木制品", (("2041", 4), ("2034", 3), ("2021", 1), ("2039", 1)), (0.2, 1.4, 0.4, 0.3, 2.2),
            -0.2, 0.24, kwh=200, heat=0.3, diesel=0.004, rd=0.015, growth=0.05, words=("竹业", "木业", "竹木制品")),
    Segment("textiles", "纺织", (("1751", 4), ("1752", 2), ("1761", 1), ("1713", 1)), (2.4, 1.2, 0.5, 1.2, 0.2),
            0.1, 0.21, kwh=500, gas=30, heat=4.0, cod=0.0015, nh3=0.00012, nox=0.00006, rd=0.015, growth=0.04,
            words=("纺织", "印染", "织造")),
    Segment("clothing", "服装", (("1829", 3), ("1819", 2), ("1830", 1)), (3.2, 0.3, 0.2, 0.2, 0.1),
            -0.6, 0.24, kwh=80, gas=1, rd=0.01, growth=0.05, words=("服饰", "童装", "制衣")),
    Segment("cement", "水泥建材", (("3011", 2), ("3021", 3), ("3089", 3), ("3031", 1)), (0.3, 0.2, 0.3, 3.0, 0.4),
            0.6, 0.28, kwh=1100, coal=1.8, diesel=0.01, so2=0.0002, nox=0.0009, rd=0.012, growth=0.0,
            words=("建材", "水泥", "耐火材料")),
    Segment("batteries", "电池", (("3843", 3), ("3841", 2), ("3849", 1)), (0.1, 0.1, 0.2, 3.5, 0.1),
            0.9, 0.20, kwh=400, gas=10, cod=0.0001, rd=0.035, growth=0.10, words=("电源", "能源科技", "电池")),
    Segment("general_equipment", "通用设备", (("3435", 2), ("3443", 2), ("3451", 2), ("3484", 3), ("3491", 1)),
            (1.0, 1.8, 1.0, 0.8, 0.6), 0.1, 0.25, kwh=150, gas=5, rd=0.035, growth=0.08,
            words=("机械", "电梯", "精密机械", "传动")),
    Segment("special_equipment", "专用设备", (("3525", 2), ("3551", 2), ("3599", 2), ("3581", 1)),
            (0.8, 0.6, 1.0, 0.8, 0.6), 0.1, 0.27, kwh=140, gas=4, rd=0.04, growth=0.09, words=("装备", "智能装备")),
    Segment("electrical", "电气机械", (("3812", 3), ("3831", 2), ("3872", 2), ("3825", 1)), (0.8, 1.6, 0.8, 0.8, 0.4),
            0.3, 0.22, kwh=200, gas=3, rd=0.035, growth=0.09, words=("电机", "电气", "电缆", "光电")),
    Segment("chemical_fibre", "化学纤维", (("2822", 3), ("2821", 1), ("2829", 1)), (0.6, 0.4, 0.8, 0.6, 0.1),
            1.2, 0.17, kwh=1250, coal=0.15, heat=3.0, cod=0.0004, nox=0.0002, so2=0.0001, rd=0.02, growth=0.05,
            words=("化纤", "新材料", "纤维")),
    Segment("chemicals", "化学原料和化学制品", (("2614", 2), ("2641", 2), ("2661", 1), ("2669", 2)),
            (0.5, 0.6, 1.0, 1.0, 0.3), 0.5, 0.24, kwh=500, coal=0.3, gas=40, heat=5.0, cod=0.0008, nh3=0.00008,
            so2=0.0002, nox=0.0003, rd=0.03, growth=0.06, words=("化工", "涂料", "新材料")),
    Segment("rubber_plastics", "橡胶和塑料制品", (("2922", 2), ("2927", 2), ("2929", 3), ("2913", 1)),
            (0.8, 0.8, 0.8, 0.6, 0.8), 0.0, 0.22, kwh=400, gas=5, rd=0.025, growth=0.06, words=("塑业", "橡塑")),
    Segment("metal", "金属制品", (("3311", 2), ("3360", 2), ("3399", 2), ("3351", 2)), (0.8, 1.0, 0.8, 0.8, 0.6),
            0.0, 0.22, kwh=300, gas=15, cod=0.0002, nox=0.00005, rd=0.02, growth=0.06, words=("金属制品", "五金", "钢构")),
    Segment("auto_parts", "汽车零部件", (("3670", 5), ("3660", 1)), (0.6, 0.6, 0.8, 1.0, 0.6),
            0.4, 0.23, kwh=250, gas=10, rd=0.035, growth=0.09, words=("汽车部件", "汽配")),
    Segment("pharma", "医药", (("2720", 2), ("2740", 2), ("2761", 1), ("2710", 1)), (0.4, 0.2, 1.2, 0.6, 0.5),
            0.6, 0.35, kwh=300, gas=20, heat=3.0, cod=0.0006, nh3=0.00006, rd=0.06, growth=0.11,
            words=("药业", "生物科技", "制药")),
    Segment("electronics", "电子信息", (("3976", 2), ("3982", 2), ("3985", 1), ("3983", 1), ("3914", 1)),
            (0.6, 0.3, 2.0, 0.8, 0.4), 0.4, 0.25, kwh=450, gas=2, rd=0.07, growth=0.16,
            words=("电子", "光电科技", "微电子", "信息技术")),
    Segment("new_materials", "新材料", (("3091", 2), ("3073", 1), ("3240", 1), ("2652", 1)), (0.5, 0.3, 1.2, 1.0, 0.4),
            0.6, 0.25, kwh=800, gas=20, coal=0.05, nox=0.0001, rd=0.05, growth=0.14, words=("新材料", "碳素", "材料科技")),
    Segment("food", "食品饮料", (("1530", 3), ("1439", 2), ("1371", 1), ("1329", 1)), (0.5, 0.6, 0.6, 0.5, 1.2),
            -0.3, 0.26, kwh=150, gas=10, cod=0.0005, nh3=0.00004, rd=0.01, growth=0.05, words=("食品", "茶业")),
    Segment("paper", "造纸", (("2221", 2), ("2231", 3)), (0.3, 0.5, 0.5, 0.4, 0.6),
            0.2, 0.23, kwh=600, coal=0.6, heat=1.0, cod=0.002, nh3=0.0001, so2=0.0001, nox=0.0001, rd=0.012,
            growth=0.03, words=("纸业", "包装")),
)

#: share of firms by segment (before the district weights)
SEGMENT_SHARES: dict[str, float] = {
    "furniture": 0.12, "bamboo_wood": 0.07, "textiles": 0.11, "clothing": 0.09, "cement": 0.05, "batteries": 0.025,
    "general_equipment": 0.11, "special_equipment": 0.06, "electrical": 0.07, "chemical_fibre": 0.025,
    "chemicals": 0.035, "rubber_plastics": 0.05, "metal": 0.07, "auto_parts": 0.04, "pharma": 0.02,
    "electronics": 0.03, "new_materials": 0.025, "food": 0.03, "paper": 0.02,
}

#: producer price index by year (previous year = 100), city-wide level before division noise
PPI_BASE: dict[int, float] = {2018: 103.5, 2019: 99.7, 2020: 98.2, 2021: 108.1, 2022: 104.1, 2023: 97.0, 2024: 97.8,
                              2025: 98.5}
#: divisions whose prices swing more (energy- and materials-heavy)
PPI_AMPLITUDE: dict[str, float] = {"25": 3.0, "26": 2.0, "28": 2.0, "30": 1.5, "31": 2.5, "32": 2.0, "22": 1.5}

#: monthly share of annual output (Spring Festival dip in February, year-end push)
MONTH_WEIGHTS = (0.080, 0.055, 0.085, 0.083, 0.085, 0.086, 0.082, 0.083, 0.086, 0.085, 0.088, 0.102)

#: CO2 factors used only to keep the synthetic city's grades spread (the platform's factors come
#: from its methodology): t CO2 per kWh, t coal, m³ gas, GJ heat, t diesel
DEMO_CO2 = {"kwh": 0.0005366, "coal": 1.9003, "gas": 0.0021622, "heat": 0.11, "diesel": 3.0959}
