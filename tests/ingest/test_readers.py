"""Every accepted file form reads to the same rows: UTF-8, UTF-8 with BOM, GBK, GB18030, XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from ingest_helpers import ENTERPRISE_HEADER, ENTERPRISE_ROWS, FIRMS, Writer, write_csv

from zhizao.ingest import IngestError, import_file, read_current
from zhizao.settings import Settings


def _names(settings: Settings) -> dict[str, str]:
    t = read_current(settings, "enterprises")
    return dict(zip(t.column("credit_code").to_pylist(), t.column("name").to_pylist(), strict=True))


@pytest.mark.parametrize("encoding, detected", [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("gbk", "gb18030"),
    ("gb18030", "gb18030"),
])
def test_csv_encodings_are_detected_and_read_alike(settings: Settings, write: Writer, encoding: str,
                                                   detected: str) -> None:
    path = write("enterprises.csv", ENTERPRISE_HEADER, ENTERPRISE_ROWS, encoding=encoding)
    r = import_file(settings, "enterprises", path)
    assert r.encoding == detected
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 5, 0)
    assert _names(settings) == {row[0]: row[1] for row in ENTERPRISE_ROWS}


def test_gb18030_characters_outside_gbk_survive(settings: Settings, write: Writer) -> None:
    # 𠮷 (U+20BB7) exists in GB18030 only: a GBK-only decoder would fail or mangle it
    rows = [[FIRMS[0], "𠮷祥家具有限公司", "330502", "2110", "2010-01-05"]]
    r = import_file(settings, "enterprises", write("e.csv", ENTERPRISE_HEADER, rows, encoding="gb18030"))
    assert r.rows_loaded == 1
    assert _names(settings)[FIRMS[0]] == "𠮷祥家具有限公司"


def test_bytes_neither_utf8_nor_gb18030_are_a_file_level_error(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes("统一社会信用代码,企业名称\n".encode("gbk") + b"\x81\x20,x\n")
    with pytest.raises(IngestError, match="编码"):
        import_file(settings, "enterprises", path)


def test_gbk_file_is_transcoded_in_chunks(settings: Settings, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # a small odd chunk size, so two-byte characters straddle chunk boundaries as they do in big files
    monkeypatch.setattr("zhizao.ingest.readers.CHUNK", 4099)
    rows = [[FIRMS[i % 5], f"企业名称很长的测试公司第{i}号" * 4, "330502", "2110", "2010-01-05"] for i in range(3000)]
    path = write_csv(tmp_path / "big.csv", ENTERPRISE_HEADER, rows, encoding="gbk")
    assert path.stat().st_size > 50 * 4099
    r = import_file(settings, "enterprises", path)
    assert r.encoding == "gb18030"
    assert r.rows_read == 3000
    assert r.rows_loaded == 5  # the other rows repeat the five keys
    assert {x.code for x in r.rejects} == {"duplicate_key"}
    assert r.rejects[0].message == "与第2行重复（统一社会信用代码相同，保留第2行）"
    assert _names(settings)[FIRMS[0]] == "企业名称很长的测试公司第0号" * 4


def _workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("说明")
    ws.write(0, 0, "本工作簿第二页是企业名录")
    ws = wb.add_worksheet("企业名录")
    ws.write_row(0, 0, ENTERPRISE_HEADER)
    for i, row in enumerate(ENTERPRISE_ROWS[:3]):
        r = i + 1 if i < 2 else i + 2  # sheet row 4 is left empty
        ws.write_string(r, 0, row[0])
        ws.write_string(r, 1, row[1])
        ws.write_number(r, 2, int(row[2]))  # codes typed as numbers, as Excel users do
        ws.write_number(r, 3, int(row[3]))
        ws.write_datetime(r, 4, dt.datetime(2010 + i, 1, 5), date)
    ws.write_row(5, 0, [FIRMS[3], "坏日期", "330522", "3841", "明年"])
    wb.close()
    return path


def test_xlsx_sheet_by_name_with_date_cells_and_sheet_row_numbers(settings: Settings, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "名录.xlsx")
    r = import_file(settings, "enterprises", path, sheet="企业名录")
    assert r.encoding == "xlsx"
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 3, 1)
    assert [(x.row, x.code, x.column) for x in r.rejects] == [(6, "bad_date", "成立日期")]
    t = read_current(settings, "enterprises").to_pylist()
    by_code = {x["credit_code"]: x for x in t}
    assert by_code[FIRMS[0]]["founded_on"] == dt.date(2010, 1, 5)
    assert by_code[FIRMS[2]]["region_code"] == "330521"
    assert by_code[FIRMS[1]]["industry_code"] == "1713"


def test_xlsx_first_sheet_by_default_and_sheet_by_number(settings: Settings, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "名录.xlsx")
    with pytest.raises(IngestError, match="缺少必需的列"):
        import_file(settings, "enterprises", path)  # the first sheet is the note
    assert import_file(settings, "enterprises", path, sheet="2").rows_loaded == 3
    with pytest.raises(IngestError, match="工作表“第三页”不存在"):
        import_file(settings, "enterprises", path, sheet="第三页")


def test_missing_and_empty_files_are_file_level_errors(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="文件不存在"):
        import_file(settings, "enterprises", tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(IngestError, match="文件为空"):
        import_file(settings, "enterprises", tmp_path / "empty.csv")
    with pytest.raises(IngestError, match="未知数据表"):
        import_file(settings, "nope", tmp_path / "empty.csv")


def test_quoted_line_breaks_short_rows_and_crlf(settings: Settings, tmp_path: Path) -> None:
    header = ",".join(ENTERPRISE_HEADER)
    path = tmp_path / "e.csv"
    path.write_text(f'{header}\r\n{FIRMS[0]},"湖州\r\n甲公司",330502,2110,2010-01-05\r\n'
                    f"{FIRMS[1]},乙公司,330503,1713\r\n", encoding="utf-8")
    r = import_file(settings, "enterprises", path)
    assert (r.rows_read, r.rows_loaded) == (2, 1)
    assert [(x.row, x.code, x.column) for x in r.rejects] == [(3, "missing_required", "成立日期")]
    assert _names(settings)[FIRMS[0]] == "湖州\r\n甲公司"


@pytest.mark.parametrize("line, message", [
    (f"{FIRMS[0]},甲,330502,2110,2010-01-05,多出的一列", "第 2 行：该行有 6 列，多于表头的 5 列"),
    (f'{FIRMS[0]},"甲,330502,2110,2010-01-05', "第 2 行：引号未闭合"),
])
def test_malformed_csv_is_a_file_level_error_naming_the_line(settings: Settings, tmp_path: Path, line: str,
                                                             message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(",".join(ENTERPRISE_HEADER) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match=message):
        import_file(settings, "enterprises", path)


def test_semicolon_files_get_a_hint(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text(";".join(ENTERPRISE_HEADER) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="文件须以英文逗号分隔"):
        import_file(settings, "enterprises", path)


def test_header_only_file_imports_zero_rows(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(",".join(ENTERPRISE_HEADER) + "\n", encoding="utf-8")
    r = import_file(settings, "enterprises", path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.duplicate_of) == (0, 0, 0, None)
