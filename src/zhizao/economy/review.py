"""The five-year review (五年工作回眸): a Chinese report in the manner of the bureau's own
(``shared/seed``), every number computed by :mod:`zhizao.economy.indicators` for the same span,
so the report and ``zhizao indicators --from Y1 --to Y2`` print the same figures.

Sections: scale and quality, growth, structure, per-mu efficiency, green manufacturing, carbon,
districts, and a note of each indicator's basis. HTML (one self-contained page with inline SVG
charts), PDF (the same HTML through WeasyPrint with CJK fonts) or XLSX (the figures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhizao.economy import catalogue, charts
from zhizao.economy.catalogue import CATALOGUE, SHARES
from zhizao.economy.indicators import Value, for_settings


class ReviewError(ValueError):
    """A report that cannot be written (message in Chinese)."""


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

    @property
    def years(self) -> list[int]:
        return list(range(self.y_from, self.y_to + 1))

    @property
    def n(self) -> int:
        return self.y_to - self.y_from


def region_name(code: str) -> str:
    from zhizao.codes import regions

    return regions.name(code) or code


def build(settings: Any, y_from: int, y_to: int, region: str | None = None,
          values: list[Value] | None = None) -> Review:
    """Compute the span's indicators (unless given) and pick the report's region (the city)."""
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
    rep = Review(region, region_name(region), y_from, y_to, values)
    for v in mine:
        rep.by_id.setdefault(v.id, {})[v.year] = v
    if region.endswith("00"):
        rep.districts = sorted({v.region for v in values if v.region[:4] == region[:4] and v.region != region})
    return rep


# ---------------------------------------------------------------- narrative
def sections(rep: Review) -> list[dict[str, Any]]:
    """The report's sections: title, paragraphs, tables (rows of formatted figures), charts."""
    y0, y1, n = rep.y_from, rep.y_to, rep.n
    secs: list[dict[str, Any]] = []

    # 规模质效
    paras = [f"{y1}年，{rep.region_name}规上工业企业{rep.f('above_scale_count')}家，规上工业总产值"
             f"{rep.f('gross_output')}万元，规上工业增加值{rep.f('value_added')}万元（当年价）。"]
    if rep.v("value_added_growth"):
        paras.append(f"按可比价计算，{y1}年规上工业增加值比上年增长{rep.f('value_added_growth')}%"
                     f"（{rep.v('value_added_growth').basis}）。")  # type: ignore[union-attr]
    secs.append({"title": "规模质效迈上新台阶", "paras": paras,
                 "table": _year_table(rep, ["above_scale_count", "gross_output", "value_added"]),
                 "chart": charts.lines("规上工业增加值（当年价）", [str(y) for y in rep.years],
                                       {"规上工业增加值": [rep.num("value_added", y) for y in rep.years]}, "万元")})

    # 增长
    paras = []
    if rep.v("value_added_cagr"):
        paras.append(f"{y0}年以来，规上工业增加值年均增长{rep.f('value_added_cagr')}%"
                     f"（可比价，逐年增速连乘，n = {n}个年度间隔）。")
    yearly = [f"{y}年{rep.f('value_added_growth', y)}%" for y in rep.years if rep.v("value_added_growth", y)]
    if yearly:
        paras.append("各年可比价增速：" + "，".join(yearly) + "。")
    g = rep.v("value_added_growth")
    if g is not None:
        ind = CATALOGUE["value_added_growth"]
        st = ind.status(g.value)
        paras.append({"warning": f"{y1}年增速低于预警线{ind.warning:g}%，需重点关注。",
                      "excellent": f"{y1}年增速达到优秀线{ind.excellence:g}%以上。",
                      "normal": f"{y1}年增速处于预警线{ind.warning:g}%与优秀线{ind.excellence:g}%之间。"}[st or "normal"])
    secs.append({"title": "工业经济稳中有进", "paras": paras or ["缺少可比价增速所需的数据。"],
                 "table": _year_table(rep, ["value_added_growth"], span=["value_added_cagr"]),
                 "chart": charts.bars("规上工业增加值增速（可比价）", [str(y) for y in rep.years],
                                      {"增速": [rep.num("value_added_growth", y) for y in rep.years]}, "%")})

    # 结构
    names = [SHARES[k][0] for k in SHARES]
    shares = "、".join(f"{rep.f(f'share_{k}')}%" for k in SHARES)
    changes = "、".join(f"{rep.f(f'share_{k}_change_pp')}个" for k in SHARES)
    paras = [f"产业结构不断优化，{y1}年全市{'、'.join(names)}增加值占规上工业比重分别达{shares}，"
             f"较{y0}年分别变动{changes}百分点（正数为提升）。"]
    secs.append({"title": "产业结构持续优化", "paras": paras,
                 "table": _year_table(rep, [f"share_{k}" for k in SHARES], span=[f"share_{k}_change_pp" for k in SHARES]),
                 "chart": charts.bars("增加值占规上工业比重", names,
                                      {f"{y0}年": [rep.num(f"share_{k}", y0) for k in SHARES],
                                       f"{y1}年": [rep.num(f"share_{k}", y1) for k in SHARES]}, "%")})

    # 亩均
    paras = [f"全市工业亩均税收从{y0}年度的{rep.f('tax_per_mu', y0)}万元{_to(rep, 'tax_per_mu')}{y1}年度的"
             f"{rep.f('tax_per_mu', y1)}万元，年均增长{rep.f('tax_per_mu_cagr')}%；亩均工业增加值从"
             f"{rep.f('value_added_per_mu', y0)}万元{_to(rep, 'value_added_per_mu')}"
             f"{rep.f('value_added_per_mu', y1)}万元，年均增长{rep.f('value_added_per_mu_cagr')}%"
             f"（n = {n}个年度间隔；按 n = {n + 1} 计的口径见说明）。"]
    secs.append({"title": "亩均效益稳步提升", "paras": paras,
                 "table": _year_table(rep, ["tax_per_mu", "value_added_per_mu"],
                                      span=["tax_per_mu_cagr", "value_added_per_mu_cagr"]),
                 "chart": charts.lines("亩均效益", [str(y) for y in rep.years],
                                       {"亩均税收": [rep.num("tax_per_mu", y) for y in rep.years],
                                        "亩均工业增加值": [rep.num("value_added_per_mu", y) for y in rep.years]},
                                       "万元/亩")})

    # 绿色制造
    paras = []
    if rep.v("energy_per_value_added"):
        paras.append(f"{y1}年规上工业综合能耗{rep.f('energy_tce')}吨标准煤，单位工业增加值能耗"
                     f"{rep.f('energy_per_value_added')}吨标准煤/万元，较{y0}年变动{rep.f('energy_per_value_added_change')}%。")
    secs.append({"title": "绿色制造构建新标杆", "paras": paras or ["缺少能源消费数据。"],
                 "table": _year_table(rep, ["energy_tce", "energy_per_value_added"], span=["energy_per_value_added_change"]),
                 "chart": charts.bars("单位工业增加值能耗", [str(y) for y in rep.years],
                                      {"吨标准煤/万元": [rep.num("energy_per_value_added", y) for y in rep.years]},
                                      "吨标准煤/万元")})

    # 碳效
    paras = []
    if rep.v("co2_per_value_added"):
        paras.append(f"{y1}年规上工业二氧化碳排放{rep.f('co2_t')}吨，单位工业增加值排放{rep.f('co2_per_value_added')}吨/万元，"
                     f"较{y0}年变动{rep.f('co2_per_value_added_change')}%。")
    grades = [(g, rep.v(f"carbon_grade_{g}")) for g in range(1, 6)]
    if any(v for _, v in grades):
        paras.append(f"{y1}年碳效码评价中，" + "，".join(f"{g}级{rep.f(f'carbon_grade_{g}')}家" for g, _ in grades) + "。")
    classes = [(c, rep.v(f"mujun_class_{c}")) for c in "ABCD"]
    if any(v for _, v in classes):
        paras.append(f"{y1}年亩均效益评价中，" + "，".join(f"{c}类{rep.f(f'mujun_class_{c}')}家" for c, _ in classes) + "。")
    carbon_ids = ["co2_t", "co2_per_value_added"] + [f"carbon_grade_{g}" for g in range(1, 6)] + \
        [f"mujun_class_{c}" for c in "ABCD"]
    secs.append({"title": "碳效改革走在前列", "paras": paras or ["缺少能源消费与碳效评价数据。"],
                 "table": _year_table(rep, carbon_ids, span=["co2_per_value_added_change"]),
                 "chart": charts.bars(f"{y1}年碳效等级分布", [f"{g}级" for g in range(1, 6)],
                                      {"企业数": [rep.num(f"carbon_grade_{g}") for g in range(1, 6)]}, "家")
                 if any(v for _, v in grades) else None})

    # 区县
    if rep.districts:
        cols = ["value_added", "value_added_growth", "rank_value_added_growth", "tax_per_mu", "rank_tax_per_mu",
                "value_added_per_mu", "rank_value_added_per_mu"]
        rows = [[region_name(d)] + [rep.f(c, region=d) for c in cols] for d in rep.districts]
        secs.append({"title": "区县发展各显特色",
                     "paras": [f"{y1}年各区县主要指标及排名（排名 1 为最高）。"],
                     "table": {"head": ["区县"] + [f"{CATALOGUE[c].name}（{CATALOGUE[c].unit}）" for c in cols],
                               "rows": rows},
                     "chart": charts.bars(f"{y1}年各区县亩均税收", [region_name(d) for d in rep.districts],
                                          {"亩均税收": [rep.num("tax_per_mu", region=d) for d in rep.districts]},
                                          "万元/亩")})
    return secs


def _to(rep: Review, ind: str) -> str:
    a, b = rep.num(ind, rep.y_from), rep.num(ind, rep.y_to)
    return "下降到" if a is not None and b is not None and b < a else "提升到"


def _year_table(rep: Review, ids: list[str], span: list[str] | None = None) -> dict[str, Any]:
    head = ["指标", "单位", *[str(y) for y in rep.years]]
    rows = [[CATALOGUE[i].name, CATALOGUE[i].unit, *[rep.f(i, y) for y in rep.years]] for i in ids]
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
                    "basis": last.basis})
    return out


# ---------------------------------------------------------------- output
def render_html(rep: Review) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("zhizao.economy", "templates"), autoescape=select_autoescape(["html"]))
    tpl = env.get_template("review/review.html")
    return tpl.render(rep=rep, sections=sections(rep), notes=basis_notes(rep),
                      convention=(f"年均增长按 (末年 ÷ 基年)^(1/n) − 1 计算，n 为年度间隔数（{rep.y_from}–{rep.y_to} 年 "
                                  f"n = {rep.n}）。部分材料按首尾年度计数（n = {rep.n + 1}），例如“2016至2020年亩均税收"
                                  "从11.3万元到26.9万元，年均增长19%”对应 n = 5，按 n = 4 则为 24.2%。"))


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
        Sheet(f"指标{rep.y_from}-{rep.y_to}", cols, rows, title=f"{rep.region_name} {rep.y_from}–{rep.y_to} 年工业经济指标",
              notes=["数值与 zhizao indicators 相同（同一计算、同一舍入）"]),
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
