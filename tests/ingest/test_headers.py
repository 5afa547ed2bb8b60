"""Headers: canonical names, Chinese headers, aliases and units in brackets."""

from __future__ import annotations

import pytest
from ingest_helpers import FIRMS, Writer

from zhizao.contract import get
from zhizao.ingest import IngestError, import_file, read_current
from zhizao.ingest.headers import map_headers
from zhizao.settings import Settings

ANNUAL = ["统一社会信用代码", "年度", "是否规上", "工业总产值", "工业增加值", "营业收入", "年平均从业人员", "研发费用"]


def test_canonical_chinese_and_alias_headers_map_to_the_same_columns() -> None:
    t = get("enterprises")
    for header in (["credit_code", "name", "region_code", "industry_code", "founded_on"],
                   ["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "成立日期"],
                   ["社会信用代码", " 名称 ", "所属区县代码", "国民经济行业代码", "成立日期"],
                   ["CREDIT_CODE", "Name", "Region_Code", "industry code", "Founded_On"]):
        hmap = map_headers(t, header)
        assert [m.column.name for m in hmap.columns] == t.column_names[:5], header


@pytest.mark.parametrize("header, factor", [
    ("工业增加值(万元)", 1.0),
    ("工业增加值（元）", 1e-4),
    ("工业增加值 (亿元)", 1e4),
    ("工业增加值【千元】", 0.1),
    ("value_added(yuan)", 1e-4),
])
def test_a_unit_in_brackets_gives_the_conversion(header: str, factor: float) -> None:
    hmap = map_headers(get("statistics_annual"), [*ANNUAL[:4], header, *ANNUAL[5:]])
    m = hmap.get("value_added")
    assert m is not None and m.header == header.strip()
    assert m.factor == pytest.approx(factor)


def test_header_units_are_converted_on_import(home: Settings, write: Writer) -> None:
    header = ["统一社会信用代码", "年度", "是否规上", "工业总产值（亿元）", "工业增加值(元)", "营业收入(万元)",
              "年平均从业人员(人)", "研发费用（千元）"]
    r = import_file(home, "statistics_annual", write("a.csv", header, [
        [FIRMS[0], "2024", "是", "1.5", "12,345,678", "9000", "120", "350"]]))
    assert r.rows_loaded == 1, r.to_dict()
    row = read_current(home, "statistics_annual").to_pylist()[0]
    assert row["gross_output"] == pytest.approx(15000.0)
    assert row["value_added"] == pytest.approx(1234.5678)
    assert row["revenue"] == pytest.approx(9000.0)
    assert row["employees"] == 120
    assert row["rd_expense"] == pytest.approx(35.0)
    assert row["above_scale"] is True
    assert row["total_assets"] is None  # optional column absent: missing, not zero


def test_unknown_header_unit_is_a_file_level_error(home: Settings, write: Writer) -> None:
    header = [*ANNUAL[:4], "工业增加值(美元)", *ANNUAL[5:]]
    with pytest.raises(IngestError, match="“工业增加值\\(美元\\)”的计量单位“美元”无法识别"):
        import_file(home, "statistics_annual", write("a.csv", header, [[FIRMS[0], "2024"]]))


def test_missing_required_column_is_a_file_level_error_naming_it(home: Settings, write: Writer) -> None:
    with pytest.raises(IngestError, match="缺少必需的列：工业增加值（value_added）、研发费用（rd_expense）"):
        import_file(home, "statistics_annual", write("a.csv", [*ANNUAL[:4], ANNUAL[5], ANNUAL[6]], []))
    assert read_current(home, "statistics_annual").num_rows == 0


def test_a_column_given_twice_is_a_file_level_error() -> None:
    with pytest.raises(IngestError, match="出现两次"):
        map_headers(get("tax"), ["统一社会信用代码", "年度", "实缴税金", "tax_paid(元)"])


def test_unknown_columns_are_ignored_with_a_warning(home: Settings, write: Writer) -> None:
    r = import_file(home, "tax", write("t.csv", ["统一社会信用代码", "备注", "年度", "实缴税金", ""],
                                       [[FIRMS[0], "随便", "2024", "88.5", "x"]]))
    assert r.rows_loaded == 1
    assert any("备注" in w for w in r.warnings)
    assert any("第 5 列没有表头" in w for w in r.warnings)


def test_per_row_unit_tables_refuse_a_unit_in_the_quantity_header() -> None:
    with pytest.raises(IngestError, match="计量单位按行填写"):
        map_headers(get("energy"), ["统一社会信用代码", "月份", "能源品种", "消费量(吨)", "计量单位"])
