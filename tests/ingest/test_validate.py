"""Cell parsing, unit conversion and every reject code, on real files through the real warehouse."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from ingest_helpers import ENTERPRISE_HEADER, FIRMS, STRANGER, Writer

from zhizao.ingest import import_file, read_current
from zhizao.settings import Settings

ENERGY = ["统一社会信用代码", "月份", "能源品种", "消费量", "计量单位"]


def _one(r, code: str):  # type: ignore[no-untyped-def]
    hits = [x for x in r.rejects if x.code == code]
    assert len(hits) == 1, r.to_dict()
    return hits[0]


def test_energy_units_are_converted_per_row_by_energy_type(home: Settings, write: Writer) -> None:
    rows = [
        [FIRMS[0], "2024-03", "电力", "1,234.5", "万千瓦时"],
        [FIRMS[0], "2024年4月", "electricity", " 800 ", "千瓦时"],
        [FIRMS[0], "202403", "天然气", "1.2", "万立方米"],
        [FIRMS[0], "2024/3", "原煤", "12", "吨"],
        [FIRMS[0], "2024-03-31", "热力", "5000", "兆焦"],
        [FIRMS[1], "2024.03", "外送电力", "3", "MWh"],
        [FIRMS[1], "2024-03", "生物质", "2000", "千克"],
    ]
    r = import_file(home, "energy", write("e.csv", ENERGY, rows))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (7, 7, 0), r.to_dict()
    got = {(x["credit_code"], x["month"], x["energy_type"]): (x["quantity"], x["unit"])
           for x in read_current(home, "energy").to_pylist()}
    march = dt.date(2024, 3, 1)
    assert got[(FIRMS[0], march, "electricity")] == (pytest.approx(12_345_000.0), "kWh")
    assert got[(FIRMS[0], dt.date(2024, 4, 1), "electricity")] == (pytest.approx(800.0), "kWh")
    assert got[(FIRMS[0], march, "natural_gas")] == (pytest.approx(12_000.0), "m³")
    assert got[(FIRMS[0], march, "raw_coal")] == (pytest.approx(12.0), "t")
    assert got[(FIRMS[0], march, "heat")] == (pytest.approx(5.0), "GJ")
    assert got[(FIRMS[1], march, "exported_electricity")] == (pytest.approx(3000.0), "kWh")
    assert got[(FIRMS[1], march, "biomass")] == (pytest.approx(2.0), "t")


def test_zero_carbon_units_follow_the_kind(home: Settings, write: Writer) -> None:
    header = ["统一社会信用代码", "月份", "类别", "数量", "计量单位"]
    r = import_file(home, "zero_carbon", write("z.csv", header, [
        [FIRMS[0], "2024-01", "光伏自发自用", "2.5", "万千瓦时"],
        [FIRMS[0], "2024-01", "碳汇", "30", "吨"],
        [FIRMS[0], "2024-01", "绿证", "30", "吨"],
    ]))
    assert r.rows_loaded == 2
    assert _one(r, "bad_unit").row == 4
    rows = {x["kind"]: (x["quantity"], x["unit"]) for x in read_current(home, "zero_carbon").to_pylist()}
    assert rows == {"pv_self_use": (pytest.approx(25_000.0), "kWh"), "sink": (pytest.approx(30.0), "t")}


def test_dates_months_and_excel_serials(home: Settings, write: Writer) -> None:
    header = ["统一社会信用代码", "日期", "用电量"]
    r = import_file(home, "power_daily", write("p.csv", header, [
        [FIRMS[0], "2024-03-31", "1"], [FIRMS[1], "2024/3/31", "1"], [FIRMS[2], "20240331", "1"],
        [FIRMS[3], "45382", "1"], [FIRMS[4], "2024年3月31日", "1"],
    ]))
    assert r.rows_loaded == 5, r.to_dict()
    assert set(read_current(home, "power_daily").column("date").to_pylist()) == {dt.date(2024, 3, 31)}


def test_booleans_and_blank_optional_cells(home: Settings, write: Writer) -> None:
    header = ["统一社会信用代码", "年度", "是否规上", "工业总产值", "工业增加值", "营业收入", "年平均从业人员", "研发费用",
              "资产总计", "是否高新技术产业"]
    spellings = [("是", True), ("N", False), ("true", True), ("0", False), ("Y", True)]
    rows = [[FIRMS[i], "2024年", s, "1", "1", "1", "1", "1", "", s] for i, (s, _) in enumerate(spellings)]
    r = import_file(home, "statistics_annual", write("s.csv", header, rows))
    assert r.rows_loaded == 5, r.to_dict()
    got = {x["credit_code"]: x for x in read_current(home, "statistics_annual").to_pylist()}
    for i, (_, want) in enumerate(spellings):
        assert got[FIRMS[i]]["above_scale"] is want
        assert got[FIRMS[i]]["high_tech"] is want
        assert got[FIRMS[i]]["total_assets"] is None  # blank is missing, never zero
        assert got[FIRMS[i]]["year"] == 2024


def test_each_reject_code_with_row_column_and_chinese_message(home: Settings, write: Writer) -> None:
    bad_check = FIRMS[0][:17] + ("0" if FIRMS[0][17] != "0" else "1")
    rows = [
        [FIRMS[0], "2024-01", "电力", "100", "千瓦时"],       # 2 ok
        [bad_check, "2024-01", "电力", "100", "千瓦时"],      # 3 bad_credit_code
        [STRANGER, "2024-01", "电力", "100", "千瓦时"],       # 4 unknown_enterprise
        [FIRMS[0], "2024-02", "电力", "约100", "千瓦时"],     # 5 bad_number
        [FIRMS[0], "2024-03", "电力", "-1", "千瓦时"],        # 6 negative_value
        [FIRMS[0], "2024-04", "电力", "100", "立方米"],       # 7 bad_unit
        [FIRMS[0], "2024-13", "电力", "100", "千瓦时"],       # 8 bad_date
        [FIRMS[0], "2024-05", "电力", "  ", "千瓦时"],        # 9 missing_required
        [FIRMS[0], "2024-01", "电力", "200", "千瓦时"],       # 10 duplicate_key of row 2
        [FIRMS[0], "2024-06", "石油焦", "1", "吨"],           # 11 unknown_code
        ["", "2024-06", "电力", "1", "千瓦时"],               # 12 missing_required
    ]
    r = import_file(home, "energy", write("e.csv", ENERGY, rows))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (11, 1, 10)
    assert [(x.row, x.column, x.code) for x in r.rejects] == [
        (3, "统一社会信用代码", "bad_credit_code"),
        (4, "统一社会信用代码", "unknown_enterprise"),
        (5, "消费量", "bad_number"),
        (6, "消费量", "negative_value"),
        (7, "计量单位", "bad_unit"),
        (8, "月份", "bad_date"),
        (9, "消费量", "missing_required"),
        (10, "统一社会信用代码、月份、能源品种", "duplicate_key"),
        (11, "能源品种", "unknown_code"),
        (12, "统一社会信用代码", "missing_required"),
    ]
    msg = {x.row: x.message for x in r.rejects}
    assert msg[3] == f"统一社会信用代码“{bad_check}”无效：校验位错误"
    assert msg[4] == f"统一社会信用代码“{STRANGER}”不在企业名录中（请先导入企业名录）"
    assert msg[5] == "“消费量”的值“约100”不是有效数字"
    assert msg[6] == "“消费量”的值“-1”为负数"
    assert msg[7].startswith("计量单位“立方米”不适用于能源品种“电力”（可用：千瓦时")
    assert msg[8] == "“月份”的值“2024-13”不是有效月份（如 2024-03、2024年3月、202403）"
    assert msg[9] == "“消费量”为空（必填）"
    assert msg[10] == "与第2行重复（统一社会信用代码、月份、能源品种相同，保留第2行）"
    assert msg[11].startswith("“能源品种”的值“石油焦”无法识别（可选：电力、原煤")
    # the kept row is the first one, not the later duplicate
    assert read_current(home, "energy").column("quantity").to_pylist() == [100.0]


def test_credit_code_messages_say_what_is_wrong(home: Settings, write: Writer) -> None:
    rows = [["91330502MA2B3C4", "2024", "1"], ["91330502MA2B3C4DI0", "2024", "1"],
            ["X1330502MA2B3C4D5E", "2024", "1"], [FIRMS[1].lower(), "2024", "1"]]
    r = import_file(home, "tax", write("t.csv", ["统一社会信用代码", "年度", "实缴税金"], rows))
    assert r.rows_loaded == 1  # lower case is upper-cased, then valid
    msgs = [x.message for x in r.rejects]
    assert "应为18位，实际15位" in msgs[0]
    assert "含非法字符" in msgs[1]
    assert "登记管理部门代码或机构类别代码无效" in msgs[2]


def test_enterprise_codes_years_and_numbers(settings: Settings, write: Writer) -> None:
    rows = [
        [FIRMS[0], "甲", "330502", "2110", "2010-01-05"],
        [FIRMS[1], "乙", "999999", "2110", "2010-01-05"],   # not a county
        [FIRMS[2], "丙", "330521", "9999", "2010-01-05"],   # not a class
        [FIRMS[3], "丁", "330500", "2110", "2010-01-05"],   # a prefecture, not a county
        [FIRMS[4], "", "330523", "2110", "2010-02-30"],     # blank name before the bad date
    ]
    r = import_file(settings, "enterprises", write("e.csv", ENTERPRISE_HEADER, rows))
    assert [(x.row, x.column, x.code) for x in r.rejects] == [
        (3, "行政区划代码", "unknown_code"), (4, "行业代码", "unknown_code"),
        (5, "行政区划代码", "unknown_code"), (6, "企业名称", "missing_required")]
    assert "GB/T 2260" in r.rejects[0].message and "999999" in r.rejects[0].message

    tax = import_file(settings, "tax", write("t.csv", ["统一社会信用代码", "年度", "实缴税金"], [
        [FIRMS[0], "24", "1"], [FIRMS[0], "2024", "1e2"], [FIRMS[0], "2023.5", "1"]]))
    assert [(x.row, x.code) for x in tax.rejects] == [(2, "bad_year"), (4, "bad_year")]

    emp = ["统一社会信用代码", "年度", "是否规上", "工业总产值", "工业增加值", "营业收入", "年平均从业人员", "研发费用"]
    annual = import_file(settings, "statistics_annual", write("a.csv", emp, [
        [FIRMS[0], "2024", "是", "1", "-5", "1", "12.5", "1"],   # value added may be negative; 12.5 staff may not
        [FIRMS[0], "2023", "也许", "1", "1", "1", "12", "1"],
        [FIRMS[0], "2022", "否", "1", "1", "nan", "12", "1"]]))
    assert [(x.row, x.column, x.code) for x in annual.rejects] == [
        (2, "年平均从业人员", "bad_number"), (3, "是否规上", "unknown_code"), (4, "营业收入", "bad_number")]

    prices = import_file(settings, "price_indices", write("p.csv", ["年度", "行业大类", "出厂价格指数"], [
        ["2024", "21", "101.2"], ["2024", "99", "100"], ["2024.0", "6", "99.5"]]))
    assert [(x.row, x.code) for x in prices.rejects] == [(3, "unknown_code")]
    assert sorted(read_current(settings, "price_indices").column("division").to_pylist()) == ["06", "21"]


def test_codes_as_spreadsheets_write_them(settings: Settings, write: Writer) -> None:
    rows = [[FIRMS[0], "甲", "330502.0", "C2110", "2010-01-05"], [FIRMS[1], "乙", "330503", "311", "2010-01-05"]]
    r = import_file(settings, "enterprises", write("e.csv", ENTERPRISE_HEADER, rows))
    assert r.rows_loaded == 2, r.to_dict()
    got = {x["credit_code"]: (x["region_code"], x["industry_code"])
           for x in read_current(settings, "enterprises").to_pylist()}
    assert got == {FIRMS[0]: ("330502", "2110"), FIRMS[1]: ("330503", "0311")}


ROW_KINDS = ["good", "bad_code", "unknown", "negative", "bad_unit", "blank", "bad_month", "text", "dup"]


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(ROW_KINDS), max_size=25))
def test_rows_read_is_always_loaded_plus_rejected(home: Settings, write: Writer, kinds: list[str]) -> None:
    rows: list[list[object]] = []
    for i, kind in enumerate(kinds):
        month = f"{2000 + i // 12}-{i % 12 + 1:02d}"
        row = [FIRMS[i % 5], month, "电力", str(i + 1), "千瓦时"]
        if kind == "bad_code":
            row[0] = row[0][:-1] + ("0" if row[0][-1] != "0" else "1")
        elif kind == "unknown":
            row[0] = STRANGER
        elif kind == "negative":
            row[3] = "-3"
        elif kind == "bad_unit":
            row[4] = "吨"
        elif kind == "blank":
            row[3] = ""
        elif kind == "bad_month":
            row[1] = "二〇二四年"
        elif kind == "text":
            row[3] = "N/A"
        elif kind == "dup":
            row[0], row[1] = FIRMS[0], "1999-12"  # every "dup" row shares one key; the first is kept
        rows.append([*row, uuid.uuid4().hex])  # an ignored column keeps each file's content unique
    r = import_file(home, "energy", write("e.csv", [*ENERGY, "备注"], rows))
    n = len(kinds)
    assert r.rows_read == n == r.rows_loaded + r.rows_rejected
    dups = kinds.count("dup")
    assert r.rows_loaded == kinds.count("good") + min(dups, 1)
    assert len(r.rejects) == r.rows_rejected
    assert len({x.row for x in r.rejects}) == r.rows_rejected
    assert all(kinds[x.row - 2] != "good" for x in r.rejects)


def test_a_number_too_large_for_any_firm_is_rejected_in_its_canonical_unit(home: Settings, write: Writer) -> None:
    """10^15 in the canonical unit (kWh: a hundred times the nation's yearly electricity) is no
    firm's figure; the methods' exact sums could not hold such values, so the row is rejected
    with the bound in Chinese, and everything below it is loaded."""
    rows = [
        [FIRMS[0], "2024-01", "电力", "1e16", "千瓦时"],          # 2 out_of_range
        [FIRMS[0], "2024-02", "电力", "1e12", "万千瓦时"],        # 3 out_of_range once converted (1e16 kWh)
        [FIRMS[0], "2024-03", "电力", "900000000000000", "千瓦时"],  # 4 loaded: 9e14 kWh
        [FIRMS[0], "2024-04", "电力", "-1e20", "千瓦时"],         # 5 negative, and huge
    ]
    r = import_file(home, "energy", write("e.csv", ENERGY, rows))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 1, 3), r.to_dict()
    codes = {x.row: x.code for x in r.rejects}
    assert codes[2] == codes[3] == "out_of_range" and codes[5] in ("out_of_range", "negative_value")
    msg = {x.row: x.message for x in r.rejects}
    assert msg[2] == "“消费量”的值“1e16”超出范围（按标准计量单位，绝对值须小于一千万亿）"
    assert read_current(home, "energy").column("quantity").to_pylist() == [9e14]
