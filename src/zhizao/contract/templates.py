"""Fill-in templates of the contract tables: one XLSX per table that a department can fill in
and hand back as it is.

Sheets: ``数据`` (first, so the importer reads it: the Chinese headers with the canonical unit in
brackets, drop-down lists for enumerations and yes/no columns, text format where Excel would
mangle a code or a month), ``填写示例`` (the same headers and one example row: kept off the data
sheet so it can never be imported by mistake), ``说明`` (each column: header, type, unit,
required, rules and example) and a hidden ``选项`` sheet holding the drop-down lists.

Everything is derived from the declarations in :mod:`zhizao.contract.tables`, so a template
always matches what the importer accepts. ``zhizao template TABLE`` writes one; the imports page
offers them for download.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import xlsxwriter

from zhizao.contract import units
from zhizao.contract.tables import TABLES, UNIT_FAMILY_BY_KIND, Column, Table

DATA_SHEET = "数据"
EXAMPLE_SHEET = "填写示例"
NOTES_SHEET = "说明"
LISTS_SHEET = "选项"
#: rows of the data sheet that carry the drop-downs and formats
TEMPLATE_ROWS = 20_000

TYPE_NAMES = {
    "text": "文本", "code": "代码", "int": "整数", "float": "数值", "date": "日期（年-月-日）",
    "month": "月份（年-月）", "year": "年度（四位数字）", "bool": "是/否",
}
CHECK_RULES = {
    "credit_code": "18 位统一社会信用代码（GB 32100，含校验位），字母大写",
    "region": "6 位县级行政区划代码（GB/T 2260 现行代码），如 330502",
    "region_any": "6 位市级或县级行政区划代码（GB/T 2260 现行代码）",
    "industry": "4 位国民经济行业小类代码（GB/T 4754-2017），如 1711",
    "division": "2 位国民经济行业大类代码（GB/T 4754-2017），如 17",
}
#: the canonical unit as a department writes it
UNIT_WORDS = {"t": "吨", "kWh": "千瓦时", "m³": "立方米", "GJ": "吉焦"}
#: example cells by column name (a column not listed gets one by its type)
EXAMPLES: dict[str, Any] = {
    "name": "湖州示范纺织有限公司", "township": "织里镇", "park": "吴兴高新区", "parcel_id": "ZD-2024-001",
    "item": "安全生产重大事故", "department": "应急管理局", "note": "", "source": "省经信厅 2024 年公布",
    "indicator": "规上工业增加值增速", "evidence": "绿色建筑认证证书", "project_id": "XM-2024-001",
    "owner": "吴兴区经信局", "facilitator": "张三", "reason": "", "region_code": "330502",
    "industry_code": "1711", "division": "17", "benchmark": "",
}


def unit_word(family: str) -> str:
    canonical = units.FAMILIES[family].canonical
    return UNIT_WORDS.get(canonical, canonical)


def header_of(t: Table, c: Column) -> str:
    """The header written in the template: the Chinese header, with the canonical unit."""
    if c.unit_family and c.unit_family != "ratio" and not (t.row_unit and c.name == t.row_unit[1]):
        return f"{c.header}（{unit_word(c.unit_family)}）"
    return c.header


def choices(t: Table, c: Column) -> list[str]:
    """The drop-down of a column (empty: free input): the Chinese name of each enumerated value,
    是/否, or the units of a per-row unit column."""
    if c.values:
        return [spellings[0] for spellings in c.values.values()]
    if c.type == "bool":
        return ["是", "否"]
    if t.row_unit and c.name == t.row_unit[0]:
        kinds = t.column(t.row_unit[2]).values
        fams = sorted({UNIT_FAMILY_BY_KIND[k] for k in kinds if k in UNIT_FAMILY_BY_KIND})
        out: list[str] = []
        for fam in fams:
            for u in units.FAMILIES[fam].units:
                if not u.isascii() and u not in out:
                    out.append(u)
        return out
    return []


def _sample_code(region: str = "330502") -> str:
    from zhizao.codes.credit_code import make

    return make("9", "1", region, "MA2B0001X")


def example(t: Table, c: Column, year: int) -> Any:
    """A valid example cell for ``c`` (the ``填写示例`` sheet and the test of the template)."""
    if c.check == "credit_code":
        return _sample_code()
    if c.check == "region_any":
        return "330500"
    if t.row_unit and c.name == t.row_unit[0]:
        kind = next(iter(t.column(t.row_unit[2]).values))
        return unit_word(UNIT_FAMILY_BY_KIND[kind])
    opts = choices(t, c)
    if opts:
        return opts[0]
    if c.name in EXAMPLES and c.type not in ("int", "float"):
        return EXAMPLES[c.name] or None
    return {
        "year": year, "month": f"{year}-03", "date": f"{year}-03-31", "int": 120, "float": 1234.5,
        "code": "A01", "text": "示例",
    }.get(c.type)


def rules(t: Table, c: Column) -> str:
    """The rules of a column in Chinese: required, code checks, sign, bounds, references."""
    parts = ["必填" if c.required else "选填，可留空"]
    if c.check in CHECK_RULES:
        parts.append(CHECK_RULES[c.check])
    if c.check == "credit_code" and t.name != "enterprises":
        parts.append("企业须已在企业名录中")
    opts = choices(t, c)
    if opts and c.type != "bool":
        parts.append("从下拉列表选择：" + "、".join(opts[:12]) + ("等" if len(opts) > 12 else ""))
    if c.type == "bool":
        parts.append("填“是”或“否”")
    if c.non_negative:
        parts.append("不能为负数")
    if c.max_by is not None:
        other, bounds = c.max_by
        col = t.column(other)
        names = "、".join(col.values.get(k, (k,))[0] for k in bounds)
        parts.append(f"{col.header}为{names}时不超过 {max(bounds.values()):g}")
    if c.not_future:
        parts.append("不能晚于导入当日")
    if c.references:
        ref = TABLES.get(c.references)
        parts.append(f"须为已导入的{ref.title if ref else c.references}中的编号")
    if c.unit_family and c.unit_family != "ratio" and not (t.row_unit and c.name == t.row_unit[1]):
        parts.append(f"单位为{unit_word(c.unit_family)}；也可改写表头括号中的单位（如 "
                     f"{_other_unit(c.unit_family)}），导入时自动换算")
    if t.row_unit and c.name == t.row_unit[1]:
        parts.append(f"单位按行填写在“{t.column(t.row_unit[0]).header}”列")
    if t.row_unit and c.name == t.row_unit[0]:
        parts.append(f"须与“{t.column(t.row_unit[2]).header}”相符（如电力填千瓦时、原煤填吨）")
    if c.name in t.key:
        parts.append("与" + "、".join(t.column(k).header for k in t.key if k != c.name) + "一起不得重复"
                     if len(t.key) > 1 else "不得重复")
    return "；".join(parts)


def _other_unit(family: str) -> str:
    canonical = units.FAMILIES[family].canonical
    for u in units.FAMILIES[family].units:
        if u != canonical and not u.isascii() and u != UNIT_WORDS.get(canonical):
            return u
    return canonical


def _unit_cell(t: Table, c: Column) -> str:
    if t.row_unit and c.name == t.row_unit[1]:
        return "按行填写"
    if c.unit_family and c.unit_family != "ratio":
        return unit_word(c.unit_family)
    return "—"


def write_template(table: str | Table, path: str | Path, *, year: int | None = None) -> Path:
    """Write the fill-in template of ``table`` to ``path`` (an ``.xlsx``)."""
    t = TABLES[table] if isinstance(table, str) else table
    year = year or dt.date.today().year - 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    head_req = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True,
                              "valign": "vcenter"})
    text_fmt = wb.add_format({"num_format": "@"})
    money_fmt = wb.add_format({"num_format": "#,##0.00"})
    int_fmt = wb.add_format({"num_format": "#,##0"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    data = wb.add_worksheet(DATA_SHEET)
    sample = wb.add_worksheet(EXAMPLE_SHEET)
    notes = wb.add_worksheet(NOTES_SHEET)
    lists = wb.add_worksheet(LISTS_SHEET)
    lists.hide()
    list_col = 0
    examples = {c.name: example(t, c, year) for c in t.columns}
    for j, c in enumerate(t.columns):
        h = header_of(t, c)
        width = max(12.0, sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in h) + 2)
        fmt = (text_fmt if c.type in ("text", "code", "month") else int_fmt if c.type in ("int", "year")
               else money_fmt if c.type == "float" else None)
        if c.type == "year":
            fmt = None
        for ws in (data, sample):
            ws.write_string(0, j, h, head_req if c.required else head)
            ws.set_column(j, j, min(width, 40), fmt)
        tip = rules(t, c)
        data.write_comment(0, j, tip[:1000], {"x_scale": 2, "y_scale": 1.5})
        opts = choices(t, c)
        if opts:
            for i, o in enumerate(opts):
                lists.write_string(i, list_col, o)
            letter = xlsxwriter.utility.xl_col_to_name(list_col)
            source = f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(opts)}"
            data.data_validation(1, j, TEMPLATE_ROWS, j, {
                "validate": "list", "source": source, "ignore_blank": True,
                "error_title": "请从下拉列表选择", "error_message": f"{c.header}须为：" + "、".join(opts[:20]),
            })
            list_col += 1
        elif c.type == "year":
            data.data_validation(1, j, TEMPLATE_ROWS, j, {
                "validate": "integer", "criteria": "between", "minimum": 1990, "maximum": 2100,
                "error_title": "年度有误", "error_message": "请填写四位数字的年度，如 2024"})
        elif c.type in ("int", "float") and c.non_negative:
            data.data_validation(1, j, TEMPLATE_ROWS, j, {
                "validate": "decimal", "criteria": ">=", "value": 0,
                "error_title": "数值有误", "error_message": f"{c.header}不能为负数"})
        v = examples[c.name]
        if v is None:
            continue
        if isinstance(v, int | float) and not isinstance(v, bool):
            sample.write_number(1, j, v)
        else:
            sample.write_string(1, j, str(v))
    for ws in (data, sample):
        ws.freeze_panes(1, 0)
        ws.set_row(0, 32)
    sample.write_string(3, 0, "此工作表仅为示例，导入的是第一个工作表“数据”。")
    _write_notes(notes, t, examples, title_fmt, head, wrap)
    wb.close()
    return path


def _write_notes(ws: Any, t: Table, examples: Mapping[str, Any], title_fmt: Any, head: Any, wrap: Any) -> None:
    ws.write_string(0, 0, f"{t.title} 导入模板说明", title_fmt)
    key = "、".join(t.column(k).header for k in t.key)
    lines = [
        f"数据来源部门：{t.source}",
        f"填写方法：在第一个工作表“{DATA_SHEET}”中从第 2 行起每行填写一条记录，不要修改或删除表头行；"
        "橙色表头为必填列，蓝色为选填列；鼠标停在表头上可看到该列的填写规则。",
        f"同一文件中“{key}”的组合不得重复；同一组合再次导入时以新数据为准。",
        "数值列直接填写数字（可带千分位），不要填写单位或文字；日期填 年-月-日，月份填 年-月。",
        "填好后在平台“数据导入”页面选择本数据表上传；每一行或被导入，或在拒收报告中写明行号、列和原因。",
    ]
    for i, line in enumerate(lines, start=1):
        ws.write_string(i, 0, line)
    r0 = len(lines) + 2
    heads = ["列（表头）", "类型", "单位", "是否必填", "填写规则", "示例"]
    for j, h in enumerate(heads):
        ws.write_string(r0, j, h, head)
    for i, c in enumerate(t.columns, start=r0 + 1):
        ex = examples.get(c.name)
        ws.write_string(i, 0, header_of(t, c))
        ws.write_string(i, 1, TYPE_NAMES[c.type])
        ws.write_string(i, 2, _unit_cell(t, c))
        ws.write_string(i, 3, "是" if c.required else "否")
        ws.write_string(i, 4, rules(t, c), wrap)
        ws.write_string(i, 5, "" if ex is None else (f"{ex:,}" if isinstance(ex, int | float) and
                                                      not isinstance(ex, bool) and c.type != "year" else str(ex)))
    r = r0 + len(t.columns) + 2
    for rc in t.row_checks:
        ws.write_string(r, 0, "行内规则：" + rc.message.replace("{value}", "所填值"))
        r += 1
    ws.set_column(0, 0, 28)
    ws.set_column(1, 3, 14)
    ws.set_column(4, 4, 70)
    ws.set_column(5, 5, 24)


def write_all(folder: str | Path, *, year: int | None = None) -> list[Path]:
    """Every table's template into ``folder`` (``<table>.xlsx`` each, the Chinese title in the
    workbook), in the contract's order."""
    folder = Path(folder)
    return [write_template(t, folder / f"{name}.xlsx", year=year) for name, t in TABLES.items()]


def file_name(table: str) -> str:
    """The download name of a table's template: its Chinese title."""
    return f"{TABLES[table].title}导入模板.xlsx"
