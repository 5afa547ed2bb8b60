"""The five-year review (五年工作回眸): a Chinese report in the manner of the bureau's own
(``shared/seed``), every number computed by :mod:`zhizao.economy.indicators` for the same span,
so the report and ``zhizao indicators --from Y1 --to Y2`` print the same figures.

Sections: scale and quality, growth, structure, per-mu efficiency, green manufacturing, carbon,
districts, and a 说明 with the conventions and each indicator's basis. Written as an official
text (:mod:`zhizao.economy.wording`): amounts in 亿元 / 万吨, 增长 / 下降 wording, working notes
only in the 说明, charts without scientific notation; a demo city's report says 演示数据 on
every page. HTML (one self-contained page with inline SVG
charts), PDF (the same HTML through WeasyPrint with CJK fonts) or XLSX (the figures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhizao.economy import catalogue, charts, wording
from zhizao.economy.catalogue import CATALOGUE, SHARES
from zhizao.economy.indicators import Value, for_settings
from zhizao.web import fmt


class ReviewError(ValueError):
    """A report that cannot be written (message in Chinese)."""


@dataclass(frozen=True)
class ProvinceFigure:
    """A row of ``province_indicators``: the province's figure and the region's rank."""

    value: float
    rank: int | None = None
    regions: int | None = None


@dataclass
class Review:
    region: str
    region_name: str
    y_from: int
    y_to: int
    values: list[Value]
    #: id → year → Value for the report's region
    by_id: dict[str, dict[int, Value]] = field(default_factory=dict)
    districts: list[str] = field(default_factory=list)
    #: (indicator id, year) → the province's figure (optional ``province_indicators`` rows)
    province: dict[tuple[str, int], ProvinceFigure] = field(default_factory=dict)
    #: built from the demo city's synthetic data: every page says 演示数据
    demo: bool = False
    #: the sections other rooms contribute (``Room.review_section``), after the economy's
    room_sections: list[dict[str, Any]] = field(default_factory=list)

    def v(self, ind: str, year: int | None = None, region: str | None = None) -> Value | None:
        year = self.y_to if year is None else year
        if region is None:
            return self.by_id.get(ind, {}).get(year)
        return next((x for x in self.values if x.id == ind and x.year == year and x.region == region), None)

    def f(self, ind: str, year: int | None = None, region: str | None = None) -> str:
        """The published figure as text (the same rounding as ``zhizao indicators``)."""
        x = self.v(ind, year, region)
        return catalogue.formatted(ind, None if x is None else x.value)

    def num(self, ind: str, year: int | None = None, region: str | None = None) -> float | None:
        x = self.v(ind, year, region)
        return None if x is None else float(catalogue.rounded(ind, x.value))  # type: ignore[arg-type]

    def amount(self, ind: str, year: int | None = None) -> str:
        """A level in words: 万元 → 亿元, 吨 → 万吨 (one decimal) when large."""
        return wording.amount(self.num(ind, year), CATALOGUE[ind].unit, CATALOGUE[ind].decimals)

    def change(self, ind: str, year: int | None = None) -> str:
        return wording.change(self.num(ind, year), CATALOGUE[ind].decimals)

    def versus_province(self, ind: str, year: int | None = None) -> str:
        """"，高于全省平均0.8个百分点，居全省第3位" when the province's figure was supplied."""
        year = self.y_to if year is None else year
        pf, mine = self.province.get((ind, year)), self.num(ind, year)
        if pf is None or mine is None:
            return ""
        text = "，" + wording.compared(mine - pf.value, CATALOGUE[ind].unit, CATALOGUE[ind].decimals)
        if pf.rank is not None:
            text += f"，居全省第{pf.rank}位"
        return text

    @property
    def years(self) -> list[int]:
        return list(range(self.y_from, self.y_to + 1))

    @property
    def n(self) -> int:
        return self.y_to - self.y_from

    @property
    def title_name(self) -> str:
        return f"{self.region_name}（演示数据）" if self.demo else self.region_name


def region_name(code: str) -> str:
    from zhizao.codes import regions

    return regions.name(code) or code


def is_demo_home(settings: Any) -> bool:
    """Is this the home ``zhizao demo`` built (its synthetic city's manifest is there)?"""
    return (Path(settings.home) / "demo-input" / "manifest.json").exists()


def build(settings: Any, y_from: int, y_to: int, region: str | None = None,
          values: list[Value] | None = None, demo: bool | None = None) -> Review:
    """Compute the span's indicators (unless given) and pick the report's region (the city).

    ``demo`` marks the report as built from demo data (default: the home is the demo's)."""
    if y_to <= y_from:
        raise ReviewError(f"回眸报告需要至少两个年度：{y_from}–{y_to}")
    if values is None:
        values = for_settings(settings, y_from, y_to)
    cities = sorted({v.region for v in values if v.region.endswith("00")})
    if region is None:
        if not cities:
            raise ReviewError(f"{y_from}–{y_to} 年没有可计算的指标（缺少统计年报数据？）")
        if len(cities) > 1:
            raise ReviewError(f"数据中有多个市（{', '.join(cities)}），请用 --region 指定")
        region = cities[0]
    mine = [v for v in values if v.region == region]
    if not mine:
        raise ReviewError(f"地区 {region} 在 {y_from}–{y_to} 年没有指标")
    rep = Review(region, region_name(region), y_from, y_to, values,
                 demo=is_demo_home(settings) if demo is None else demo)
    for v in mine:
        rep.by_id.setdefault(v.id, {})[v.year] = v
    if region.endswith("00"):
        rep.districts = sorted({v.region for v in values if v.region[:4] == region[:4] and v.region != region})
    rep.province = province_figures(settings, region, y_from, y_to)
    rep.room_sections = room_sections(settings, y_from, y_to, region)
    return rep


def room_sections(settings: Any, y_from: int, y_to: int, region: str) -> list[dict[str, Any]]:
    """The sections every other room adds to the review (its ``review_section`` hook), in
    registry order; each has a ``title`` and ``paras`` (see :func:`sections`)."""
    from zhizao import rooms

    out: list[dict[str, Any]] = []
    for room, hook in rooms.contributions("review_section"):
        for sec in hook(settings, y_from, y_to, region):
            if not sec.get("title") or not isinstance(sec.get("paras"), list):
                raise rooms.RoomError(f"{room.name} 的回眸报告章节需要 title 和 paras")
            out.append(dict(sec))
    return out


def province_figures(settings: Any, region: str, y_from: int, y_to: int) -> dict[tuple[str, int], ProvinceFigure]:
    """The ``province_indicators`` rows of ``region`` for the span (none when not supplied)."""
    from zhizao.engine import connect

    if not Path(settings.warehouse_path).exists():
        return {}
    eng = connect(settings, None, read_only=True)
    try:
        t = eng.table("province_indicators")
        t = t.filter((t.region_code == region) & (t.year >= y_from) & (t.year <= y_to))
        df = eng.to_pandas(t.select("indicator", "year", "province_value", "rank", "regions"))
    except Exception:  # a warehouse from before the table existed: no comparison
        return {}
    finally:
        eng.close()
    out: dict[tuple[str, int], ProvinceFigure] = {}
    for r in df.itertuples(index=False):
        if r.indicator not in CATALOGUE or r.province_value is None or r.province_value != r.province_value:
            continue
        rank = None if r.rank is None or r.rank != r.rank else int(r.rank)
        regions = None if r.regions is None or r.regions != r.regions else int(r.regions)
        out[(str(r.indicator), int(r.year))] = ProvinceFigure(float(r.province_value), rank, regions)
    return out


# ---------------------------------------------------------------- narrative
def _years(rep: Review) -> list[str]:
    return [f"{y}年" for y in rep.years]


def _scaled(rep: Review, ind: str, years: list[int]) -> tuple[list[float | None], str]:
    """A series in the unit a chart or table row shows (亿元 for large 万元 …)."""
    vals = [rep.num(ind, y) for y in years]
    unit, f = wording.scale_for(CATALOGUE[ind].unit, vals)
    return [None if v is None else round(v / f, 1) if f != 1.0 else v for v in vals], unit


def sections(rep: Review) -> list[dict[str, Any]]:
    """The report's sections, each ``{"title": str, "paras": [str], "table": {"head": [str],
    "rows": [[str]]} (optional), "chart": str (optional, inline SVG from
    :mod:`zhizao.economy.charts`)}``: the economy's, then the other rooms' (``review_section``)."""
    y0, y1 = rep.y_from, rep.y_to
    secs: list[dict[str, Any]] = []
    place = "全市" if rep.region.endswith("00") else "全区"

    # 规模质效
    paras = [f"{y1}年，{rep.region_name}有规上工业企业{rep.f('above_scale_count')}家，实现规上工业总产值"
             f"{rep.amount('gross_output')}、规上工业增加值{rep.amount('value_added')}（按现价计算）。"]
    if rep.v("value_added_growth"):
        paras.append(f"按可比价计算，{y1}年规上工业增加值比上年{rep.change('value_added_growth')}"
                     f"{rep.versus_province('value_added_growth')}。")
    va, va_unit = _scaled(rep, "value_added", rep.years)
    secs.append({"title": "规模质效迈上新台阶", "paras": paras,
                 "table": _year_table(rep, ["above_scale_count", "gross_output", "value_added"]),
                 "chart": charts.lines("规上工业增加值（现价）", _years(rep), {"规上工业增加值": va}, va_unit)})

    # 增长
    paras = []
    if rep.v("value_added_cagr"):
        paras.append(f"{y0}年以来，{place}规上工业增加值按可比价计算年均{rep.change('value_added_cagr')}。")
    yearly = [f"{y}年比上年{rep.change('value_added_growth', y)}" for y in rep.years if rep.v("value_added_growth", y)]
    if yearly:
        paras.append("分年度看，规上工业增加值" + "，".join(yearly) + "。")
    g = rep.v("value_added_growth")
    if g is not None:
        ind = CATALOGUE["value_added_growth"]
        st = ind.status(g.value)
        paras.append({"warning": f"{y1}年增速低于预警线（{ind.warning:g}%），需重点关注。",
                      "excellent": f"{y1}年增速达到{ind.excellence:g}%以上的优秀水平。",
                      "normal": f"{y1}年增速处于{ind.warning:g}%至{ind.excellence:g}%的正常区间。"}[st or "normal"])
    secs.append({"title": "工业经济稳中有进", "paras": paras or ["缺少可比价增速所需的数据。"],
                 "table": _year_table(rep, ["value_added_growth"], span=["value_added_cagr"]),
                 "chart": charts.bars("规上工业增加值增速（可比价）", _years(rep),
                                      {"增速": [rep.num("value_added_growth", y) for y in rep.years]}, "%")})

    # 结构
    names = [SHARES[k][0] for k in SHARES]
    shares = "、".join(f"{rep.f(f'share_{k}')}%" for k in SHARES)
    moves = "、".join(wording.points(rep.num(f"share_{k}_change_pp")) for k in SHARES)
    paras = [f"产业结构不断优化。{y1}年，{place}{'、'.join(names)}增加值占规上工业比重分别为{shares}，"
             f"与{y0}年相比分别{moves}。"]
    secs.append({"title": "产业结构持续优化", "paras": paras,
                 "table": _year_table(rep, [f"share_{k}" for k in SHARES], span=[f"share_{k}_change_pp" for k in SHARES]),
                 "chart": charts.bars("增加值占规上工业比重", names,
                                      {f"{y0}年": [rep.num(f"share_{k}", y0) for k in SHARES],
                                       f"{y1}年": [rep.num(f"share_{k}", y1) for k in SHARES]}, "%")})

    # 亩均（规上口径）
    paras = [f"{place}规上工业企业亩均税收从{y0}年的{rep.f('tax_per_mu', y0)}万元{_to(rep, 'tax_per_mu')}{y1}年的"
             f"{rep.f('tax_per_mu', y1)}万元，年均{rep.change('tax_per_mu_cagr')}；亩均工业增加值从"
             f"{rep.f('value_added_per_mu', y0)}万元{_to(rep, 'value_added_per_mu')}"
             f"{rep.f('value_added_per_mu', y1)}万元，年均{rep.change('value_added_per_mu_cagr')}"
             f"{rep.versus_province('value_added_per_mu')}。"]
    secs.append({"title": "亩均效益稳步提升", "paras": paras,
                 "table": _year_table(rep, ["tax_per_mu", "value_added_per_mu"],
                                      span=["tax_per_mu_cagr", "value_added_per_mu_cagr"]),
                 "chart": charts.lines("规上工业企业亩均效益", _years(rep),
                                       {"亩均税收": [rep.num("tax_per_mu", y) for y in rep.years],
                                        "亩均工业增加值": [rep.num("value_added_per_mu", y) for y in rep.years]},
                                       "万元/亩")})

    # 绿色制造
    paras = []
    if rep.v("energy_per_value_added"):
        text = (f"{y1}年，规上工业综合能耗{rep.amount('energy_tce')}，单位工业增加值能耗"
                f"{rep.f('energy_per_value_added')}吨标准煤/万元")
        if rep.v("energy_per_value_added_change"):
            text += f"；按可比价计算，较{y0}年{rep.change('energy_per_value_added_change')}"
        paras.append(text + "。")
    secs.append({"title": "绿色制造构建新标杆", "paras": paras or ["缺少能源消费数据。"],
                 "table": _year_table(rep, ["energy_tce", "energy_per_value_added"], span=["energy_per_value_added_change"]),
                 "chart": charts.bars("单位工业增加值能耗", _years(rep),
                                      {"单位工业增加值能耗": [rep.num("energy_per_value_added", y) for y in rep.years]},
                                      "吨标准煤/万元")})

    # 碳效
    paras = []
    if rep.v("co2_per_value_added"):
        text = (f"{y1}年，规上工业二氧化碳排放{rep.amount('co2_t')}，单位工业增加值二氧化碳排放"
                f"{rep.f('co2_per_value_added')}吨/万元")
        if rep.v("co2_per_value_added_change"):
            text += f"；按可比价、统一排放因子计算，较{y0}年{rep.change('co2_per_value_added_change')}"
        paras.append(text + "。")
    grades = [(g, rep.v(f"carbon_grade_{g}")) for g in range(1, 6)]
    if any(v for _, v in grades):
        paras.append(f"{y1}年碳效码评价中，" + "，".join(f"{g}级{rep.f(f'carbon_grade_{g}')}家" for g, _ in grades) + "。")
    classes = [(c, rep.v(f"mujun_class_{c}")) for c in "ABCD"]
    if any(v for _, v in classes):
        text = f"{y1}年亩均效益评价中，" + "，".join(f"{c}类{rep.f(f'mujun_class_{c}')}家" for c, _ in classes)
        if rep.num("mujun_class_undetermined"):
            text += f"，另有不定等级{rep.f('mujun_class_undetermined')}家（单独计数）"
        paras.append(text + "。")
    carbon_ids = ["co2_t", "co2_per_value_added"] + [f"carbon_grade_{g}" for g in range(1, 6)] + \
        [f"mujun_class_{c}" for c in "ABCD"] + (["mujun_class_undetermined"] if rep.v("mujun_class_undetermined") else [])
    secs.append({"title": "碳效改革走在前列", "paras": paras or ["缺少能源消费与碳效评价数据。"],
                 "table": _year_table(rep, carbon_ids, span=["co2_per_value_added_change"]),
                 "chart": charts.bars(f"{y1}年碳效等级分布", [f"{g}级" for g in range(1, 6)],
                                      {"企业数": [rep.num(f"carbon_grade_{g}") for g in range(1, 6)]}, "家")
                 if any(v for _, v in grades) else None})

    # 区县
    if rep.districts:
        cols = ["value_added", "value_added_growth", "rank_value_added_growth", "tax_per_mu", "rank_tax_per_mu",
                "value_added_per_mu", "rank_value_added_per_mu"]
        va_vals = [rep.num("value_added", region=d) for d in rep.districts]
        va_unit, va_f = wording.scale_for("万元", va_vals)

        def cell(c: str, d: str) -> str:
            if c == "value_added":
                return wording.number(rep.num(c, region=d), va_f, 0)
            return rep.f(c, region=d)

        def head(c: str) -> str:
            unit = va_unit if c == "value_added" else CATALOGUE[c].unit
            return f"{CATALOGUE[c].name}（{unit}）"

        rows = [[region_name(d)] + [cell(c, d) for c in cols] for d in rep.districts]
        secs.append({"title": "区县发展各显特色",
                     "paras": [f"{y1}年各区县主要指标及排名见下表（排名第1位为最高）。"],
                     "table": {"head": ["区县"] + [head(c) for c in cols], "rows": rows},
                     "chart": charts.bars(f"{y1}年各区县规上工业企业亩均税收", [region_name(d) for d in rep.districts],
                                          {"亩均税收": [rep.num("tax_per_mu", region=d) for d in rep.districts]},
                                          "万元/亩")})
    return secs + rep.room_sections


def _to(rep: Review, ind: str) -> str:
    a, b = rep.num(ind, rep.y_from), rep.num(ind, rep.y_to)
    return "下降到" if a is not None and b is not None and b < a else "提高到"


def _year_table(rep: Review, ids: list[str], span: list[str] | None = None) -> dict[str, Any]:
    """Rows of figures by year; a large money or mass row in 亿元 / 万吨 with one decimal."""
    head = ["指标", "单位", *[f"{y}年" for y in rep.years]]
    rows = []
    for i in ids:
        ind = CATALOGUE[i]
        vals = [rep.num(i, y) for y in rep.years]
        unit, f = wording.scale_for(ind.unit, vals)
        cells = [wording.number(v, f, ind.decimals) if f != 1.0 else rep.f(i, y) for v, y in zip(vals, rep.years, strict=True)]
        rows.append([ind.name, unit, *cells])
    for i in span or []:
        rows.append([f"{CATALOGUE[i].name}（{rep.y_from}–{rep.y_to}）", CATALOGUE[i].unit,
                     *([""] * (len(rep.years) - 1)), rep.f(i)])
    return {"head": head, "rows": rows}


def basis_notes(rep: Review) -> list[dict[str, str]]:
    """Each indicator in the report with its formula and the basis of its end-year figure."""
    out = []
    for ind_id, ind in CATALOGUE.items():
        years = rep.by_id.get(ind_id)
        if not years:
            continue
        last = years[max(years)]
        out.append({"name": ind.name, "unit": ind.unit, "formula": ind.formula, "source": ind.source,
                    "basis": fmt.plain(last.basis)})  # run ids and methodology refs read as names
    return out


def conventions(rep: Review) -> list[str]:
    """The 说明: the conventions a reader needs, kept out of the body text."""
    y0, y1, n = rep.y_from, rep.y_to, rep.n
    out = []
    if rep.demo:
        out.append(f"本报告使用平台演示数据（按固定随机种子生成的合成数据），企业与数字均为虚构，不代表{rep.region_name}实际情况。")
    out += [
        "金额在1亿元及以上时以亿元为单位、保留一位小数，不足1亿元时以万元为单位；二氧化碳排放、综合能耗在1万吨及以上时以万吨为单位。",
        f"年均增长按 (末年 ÷ 基年)^(1/n) − 1 计算，n 为年度间隔数（{y0}–{y1}年 n = {n}）；规上工业增加值年均增长为逐年可比价增速连乘。"
        f"部分材料按首尾年度计数（n = {n + 1}），例如“2016至2020年亩均税收从11.3万元到26.9万元，年均增长19%”对应 n = 5，按 n = 4 则为24.2%。",
        "规上工业增加值增速按可比价计算：同口径企业（当年规上且上年有增加值）的增加值按所属行业大类出厂价格指数缩减。",
        "亩均税收、亩均工业增加值按规上工业企业口径统计（当年规上且有用地的企业），用地面积中多家企业共用的宗地只计一次。",
        f"单位工业增加值能耗、二氧化碳排放的变动按可比价计算：增加值按{y0}年价格（分行业出厂价格指数逐年连乘缩减），"
        f"折标系数和排放因子（含电网排放因子）统一取{y0}年数值，使排放因子的年度调整不影响变动幅度；各年数值为当年价、当年排放因子。",
        "高技术制造业按国家统计局《高技术产业（制造业）分类（2017）》的行业目录统计，与浙江省“高新技术产业”口径不同。",
        "亩均效益“不定等级”企业（公用事业、新办、在建）单独计数，不计入B类。",
    ]
    if rep.province:
        out.append("全省平均与位次取自导入的全省比较指标表（省统计局、省经信厅公布数）。")
    out.append(f"报告数字与平台“工业经济指标”查询（{y0}–{y1}年）结果一致：同一计算、同一舍入；以亿元列示的数字由万元数值换算。")
    return out


# ---------------------------------------------------------------- output
def render_html(rep: Review) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("zhizao.economy", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["chinese_ordinal"] = lambda i: "一二三四五六七八九十"[i - 1] if 1 <= i <= 10 else str(i)
    tpl = env.get_template("review/review.html")
    return tpl.render(rep=rep, sections=sections(rep), notes=basis_notes(rep), conventions=conventions(rep))


def write_xlsx(rep: Review, out: Path) -> Path:
    from zhizao.reports.xlsx import Sheet, write_workbook

    rows = [v.row() | {"region_name": region_name(v.region)} for v in rep.values
            if v.region == rep.region or v.region in rep.districts]
    cols = [("region", "地区代码", None), ("region_name", "地区", None), ("id", "指标代码", None),
            ("name", "指标", None), ("year", "年度", "0"), ("value", "数值", None), ("unit", "单位", None),
            ("basis", "口径", None)]
    notes = [{"id": k, "name": i.name, "unit": i.unit, "frequency": i.frequency, "formula": i.formula,
              "source": i.source, "owner": i.owner,
              "warning": i.warning, "excellence": i.excellence} for k, i in CATALOGUE.items()]
    sheets = [
        Sheet(f"指标{rep.y_from}-{rep.y_to}", cols, rows,
              title=f"{rep.title_name} {rep.y_from}–{rep.y_to} 年工业经济指标",
              notes=(["演示数据（合成数据，不代表实际情况）"] if rep.demo else [])
              + ["数值与工业经济指标查询结果相同（同一计算、同一舍入，单位为万元等原始单位）"]),
        Sheet("指标目录", [("id", "指标代码", None), ("name", "指标", None), ("unit", "单位", None),
                          ("frequency", "频度", None), ("formula", "计算公式", None), ("source", "数据来源", None),
                          ("owner", "责任处室", None), ("warning", "预警值", None), ("excellence", "优秀值", None)],
              notes),
    ]
    return write_workbook(out, sheets)


def write(rep: Review, fmt: str, out: str | Path) -> Path:
    out = Path(out)
    if fmt == "html":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_html(rep), encoding="utf-8")
        return out
    if fmt == "pdf":
        from zhizao.reports.pdf import html_to_pdf

        return html_to_pdf(render_html(rep), out)
    if fmt == "xlsx":
        return write_xlsx(rep, out)
    raise ReviewError(f"不支持的格式：{fmt}（可选 html、pdf、xlsx）")
