"""Differential measures by 亩均 class and carbon grade (差别化电价, 水价, 城镇土地使用税, 排污权,
用能指标, rewards): each firm's class, its base (kWh, m³, 亩, t), the rate its class gets and the
effect in 万元 (negative = a surcharge the firm pays), and the list a county sends to the power
(or water) company. One Ibis expression per measure over the firm profile."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from zhizao.policies.catalogue import Catalogue, Item
from zhizao.policies.match import firm_profile

#: base unit and rate unit of each differential measure (for the lists)
UNITS: dict[str, tuple[str, str]] = {
    "electricity": ("千瓦时", "元/千瓦时"),
    "water": ("立方米", "元/立方米"),
    "land_tax": ("亩", "元/亩"),
    "pollution": ("吨", "元/吨"),
}
RECIPIENT = {"electricity": "供电公司", "water": "供水企业", "land_tax": "税务部门", "pollution": "生态环境部门"}


def differential_items(cat: Catalogue | None = None, year: int | None = None) -> list[Item]:
    cat = cat or Catalogue()
    items = cat.for_year(year) if year is not None else cat.items
    return [it for it in items if it.differential and it.benefit.formula == "by_class"]


def effects(inputs: Mapping[str, ir.Table], year: int, item: Item) -> ir.Table:
    """Every firm the measure applies to: class, base, rate, effect (万元, signed)."""
    b = item.benefit
    assert b.by is not None and b.base is not None
    p = firm_profile(inputs, year)
    cls = p[b.by].cast("string")
    rate = ibis.cases(*((cls == k, v) for k, v in b.rates.items()), else_=ibis.null().cast("float64"))
    base = p[b.base].cast("float64")
    sign = -1.0 if b.direction == "surcharge" else 1.0
    t = p.select("credit_code", "name", "region_code", klass=cls, base=base, rate=rate.cast("float64"))
    t = t.filter(t.rate.notnull() & t.base.notnull() & (t.base > 0))
    return t.mutate(effect=(t.base * t.rate * b.factor * sign).cast("float64"),
                    direction=ibis.literal(b.direction))


def write_list(path: Path, rows: list[dict[str, Any]], item: Item, year: int, region: str | None) -> Path:
    """The list a county sends to the power (water) company: one row per firm, Excel."""
    from zhizao.codes import regions
    from zhizao.reports.xlsx import Sheet, write_workbook

    base_unit, rate_unit = UNITS.get(item.differential or "", ("", ""))
    verb = "加价" if item.benefit.direction == "surcharge" else "减免"
    cols = [("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_name", "区县", None),
            ("klass", "亩均效益评价类别", None), ("base", f"{year}年基数（{base_unit}）", "#,##0.00"),
            ("rate", f"{verb}标准（{rate_unit}）", "0.00##"), ("amount", f"{verb}金额（万元）", "#,##0.00")]
    out = [{**r, "region_name": regions.name(r["region_code"]) or r["region_code"], "amount": abs(r["effect"])}
           for r in rows]
    where = regions.name(region) if region else "全市"
    notes = [f"依据：{item.title}（{item.summary}）", f"共 {len(out)} 家企业，{verb}合计 "
             f"{sum(r['amount'] for r in out):,.2f} 万元", "标准为平台默认值的，以本地文件为准"
             if item.benefit.rates_default else "标准见政策文件"]
    return write_workbook(path, [Sheet(f"{RECIPIENT.get(item.differential or '', '')}名单", cols, out,
                                       title=f"{where}{year}年度{item.title}执行名单（送{RECIPIENT.get(item.differential or '', '')}）",
                                       notes=notes)])
