"""Hostile files are refused before any reader allocates for them, and commit nothing.

The review's findings: a 1.6 KB sparse XLSX made the reader allocate 549 GB; a dense XLSX bomb
cost GB and committed 8 M rejects before failing; a UTF-8 file with one GBK row was read whole
as GB18030 and stored every name as mojibake. Every hostile file here is built small, in the test.
"""

from __future__ import annotations

import dataclasses
import time
import zipfile
from pathlib import Path

import pytest
from ingest_helpers import ENTERPRISE_HEADER, ENTERPRISE_ROWS, FIRMS

from zhizao.ingest import IngestError, import_file, list_batches, read_current
from zhizao.ingest import importer as importer_module
from zhizao.ingest.guard import check_xlsx
from zhizao.settings import Limits, Settings

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
       'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="企业名录" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main">')


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xlsx(path: Path, sheet_xml: str | None = None, body_chunks: list[str] | None = None, repeat: int = 0) -> Path:
    """A minimal real XLSX: the sheet XML given, or a head, one chunk repeated ``repeat`` times, a tail."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        if sheet_xml is not None:
            zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        else:
            assert body_chunks is not None
            head, chunk, tail = body_chunks
            block = (chunk * 10_000).encode()
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                f.write(head.encode())
                for _ in range(repeat // 10_000):
                    f.write(block)
                f.write(tail.encode())
    return path


def _header_row() -> str:
    return '<row r="1">' + "".join(_cell(f"{c}1", h) for c, h in zip("ABCDE", ENTERPRISE_HEADER, strict=True)) + "</row>"


def _nothing_committed(settings: Settings) -> None:
    assert list_batches(settings) == []


def test_sparse_sheet_of_two_far_cells_is_refused_before_reading(settings: Settings, tmp_path: Path) -> None:
    # the review's file: A1–C1 and XFD1048576, which a dense reader sizes as 2^34 cells (549 GB)
    sheet = (_SHEET_HEAD + '<sheetData><row r="1">' + _cell("A1", "统一社会信用代码") + _cell("B1", "企业名称")
             + _cell("C1", "行政区划代码") + '</row><row r="1048576">' + _cell("XFD1048576", "x")
             + "</row></sheetData></worksheet>")
    path = _xlsx(tmp_path / "sparse.xlsx", sheet)
    assert path.stat().st_size < 2000
    started = time.perf_counter()
    with pytest.raises(IngestError, match=r"工作表范围 1,048,576 行 × 16,384 列.*超过上限"):
        import_file(settings, "enterprises", path)
    assert time.perf_counter() - started < 5
    _nothing_committed(settings)


def test_declared_dimension_alone_is_checked(settings: Settings, tmp_path: Path) -> None:
    sheet = (_SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData>' + _header_row()
             + "</sheetData></worksheet>")
    with pytest.raises(IngestError, match="工作表范围 1,048,576 行 × 16,384 列"):
        import_file(settings, "enterprises", _xlsx(tmp_path / "declared.xlsx", sheet))
    _nothing_committed(settings)


def test_cells_without_references_are_counted_by_position(settings: Settings, tmp_path: Path) -> None:
    # no r= attributes: the box is measured as readers place the cells, one after another
    row = "<row>" + "<c><v>1</v></c>" * 600 + "</row>"
    with pytest.raises(IngestError, match="共 600 列，超过上限 512 列"):
        import_file(settings, "enterprises", _xlsx(tmp_path / "wide.xlsx", _SHEET_HEAD + "<sheetData>" + row
                                                   + "</sheetData></worksheet>"))


def test_dense_xlsx_bomb_is_refused_by_its_compression_ratio(settings: Settings, tmp_path: Path) -> None:
    # 40 MB of XML in a zip of a few dozen KB (the review's bomb: 4.6 MB → 1.2 GB, 8.28 M rows)
    path = _xlsx(tmp_path / "bomb.xlsx", body_chunks=[_SHEET_HEAD + "<sheetData>" + _header_row(),
                                                       "<row><c><v>1</v></c></row>", "</sheetData></worksheet>"],
                 repeat=1_500_000)
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 30_000_000 and path.stat().st_size < 300_000
    started = time.perf_counter()
    with pytest.raises(IngestError, match=r"压缩比 .* 倍异常（疑似压缩炸弹"):
        import_file(settings, "enterprises", path)
    assert time.perf_counter() - started < 2  # refused from the zip directory, nothing decompressed
    _nothing_committed(settings)


def test_uncompressed_size_and_row_caps_come_from_settings(settings: Settings, tmp_path: Path) -> None:
    rows = "".join(f'<row r="{i}">' + _cell(f"A{i}", FIRMS[0]) + "</row>" for i in range(2, 200))
    path = _xlsx(tmp_path / "rows.xlsx", _SHEET_HEAD + "<sheetData>" + _header_row() + rows
                 + "</sheetData></worksheet>")
    small = dataclasses.replace(settings, limits=Limits(uncompressed_bytes=10_000))
    with pytest.raises(IngestError, match=r"解压后 .* MB，超过上限"):
        import_file(small, "enterprises", path)
    few_rows = dataclasses.replace(settings, limits=Limits(rows=100))
    with pytest.raises(IngestError, match="共 199 行，超过上限 100 行"):
        import_file(few_rows, "enterprises", path)
    _nothing_committed(settings)


def test_a_part_lying_about_its_size_is_caught_by_the_checked_read(tmp_path: Path) -> None:
    sheet = _SHEET_HEAD + "<sheetData>" + _header_row() + "</sheetData></worksheet>"
    path = _xlsx(tmp_path / "liar.xlsx", sheet)
    data = bytearray(path.read_bytes())
    # shrink the declared uncompressed size in the local header and the central directory
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    fake = (info.file_size // 4).to_bytes(4, "little")
    assert data.count(real) >= 2
    data = data.replace(real, fake)
    path.write_bytes(bytes(data))
    with pytest.raises(IngestError, match="已损坏"):
        check_xlsx(path, Limits())


@pytest.mark.parametrize("name, magic", [("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), ("book.xlsb", b"PK\x03\x04"),
                                         ("calc.ods", b"PK\x03\x04")])
def test_spreadsheet_forms_that_cannot_be_checked_are_refused(settings: Settings, tmp_path: Path, name: str,
                                                              magic: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(magic + b"\0" * 100)
    with pytest.raises(IngestError, match=r"只接受 CSV 或 XLSX 文件.*另存为 \.xlsx"):
        import_file(settings, "enterprises", path)


def test_csv_caps_on_rows_columns_and_cell_length(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    rows = [",".join(r) for r in ENTERPRISE_ROWS]
    path.write_text("\n".join([",".join(ENTERPRISE_HEADER), *rows]) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="约有 6 行，超过上限 3 行"):
        import_file(dataclasses.replace(settings, limits=Limits(rows=3)), "enterprises", path)
    with pytest.raises(IngestError, match="有 5 列，超过上限 4 列"):
        import_file(dataclasses.replace(settings, limits=Limits(columns=4)), "enterprises", path)
    long_name = [FIRMS[0], "长" * 50, "330502", "2110", "2010-01-05"]
    path.write_text("\n".join([",".join(ENTERPRISE_HEADER), *rows[1:], ",".join(long_name)]) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="第 6 行“企业名称”超过 40 个字符"):
        import_file(dataclasses.replace(settings, limits=Limits(cell_chars=40)), "enterprises", path)
    _nothing_committed(settings)


def test_a_failure_while_reporting_commits_nothing(settings: Settings, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the review's bomb failed after its batch (with 8 M rejects) was committed: now every part of
    # the result is computed inside the transaction
    path = tmp_path / "e.csv"
    path.write_text("\n".join([",".join(ENTERPRISE_HEADER), *(",".join(r) for r in ENTERPRISE_ROWS),
                               "bad,x,330502,2110,2010-01-05"]) + "\n", encoding="utf-8")

    def boom(*_a: object, **_k: object) -> None:
        raise MemoryError("rejects")

    monkeypatch.setattr(importer_module, "_fetch_rejects", boom)
    with pytest.raises(MemoryError):
        import_file(settings, "enterprises", path)
    _nothing_committed(settings)


def _names(settings: Settings) -> dict[str, str]:
    t = read_current(settings, "enterprises")
    return dict(zip(t.column("credit_code").to_pylist(), t.column("name").to_pylist(), strict=True))


def _mixed_file(path: Path, major: str, minor: str, minor_index: int) -> Path:
    lines = [",".join(ENTERPRISE_HEADER).encode(major)]
    for i, row in enumerate(ENTERPRISE_ROWS):
        lines.append(",".join(row).encode(minor if i == minor_index else major))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_utf8_file_with_one_gbk_row_rejects_that_row_and_keeps_the_names(settings: Settings,
                                                                        tmp_path: Path) -> None:
    r = import_file(settings, "enterprises", _mixed_file(tmp_path / "mixed.csv", "utf-8", "gbk", 2))
    assert r.encoding == "utf-8"
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 4, 1)
    assert [(x.row, x.code) for x in r.rejects] == [(4, "bad_encoding")]
    assert "字符编码与文件其余各行不一致" in r.rejects[0].message
    assert any("UTF-8" in w for w in r.warnings)
    # every stored name is the one written: no mojibake
    assert _names(settings) == {row[0]: row[1] for i, row in enumerate(ENTERPRISE_ROWS) if i != 2}


def test_gbk_file_with_one_utf8_row_rejects_that_row(settings: Settings, tmp_path: Path) -> None:
    r = import_file(settings, "enterprises", _mixed_file(tmp_path / "mixed.csv", "gbk", "utf-8", 4))
    assert r.encoding == "gb18030"
    assert [(x.row, x.code) for x in r.rejects] == [(6, "bad_encoding")]
    assert _names(settings) == {row[0]: row[1] for row in ENTERPRISE_ROWS[:4]}


def test_row_numbers_of_mixed_files_follow_quoted_line_breaks_and_blank_lines(settings: Settings,
                                                                               tmp_path: Path) -> None:
    body = [",".join(ENTERPRISE_HEADER).encode(), b"",
            f'{FIRMS[0]},"湖州甲家具\n有限公司",330502,2110,2010-01-05'.encode(),
            f"{FIRMS[1]},南浔乙纺织有限公司,330503,1713,2012/3/1".encode("gbk"),
            f"{FIRMS[2]},德清丙新材料有限公司,330521,3021,20150301".encode()]
    path = tmp_path / "quoted.csv"
    path.write_bytes(b"\n".join(body) + b"\n")
    r = import_file(settings, "enterprises", path)
    assert [(x.row, x.code) for x in r.rejects] == [(3, "bad_encoding")]
    assert _names(settings) == {FIRMS[0]: "湖州甲家具\n有限公司", FIRMS[2]: "德清丙新材料有限公司"}


def test_header_in_the_minority_encoding_is_a_file_level_error(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    rows = [",".join(r).encode("utf-8") for r in ENTERPRISE_ROWS]
    path.write_bytes(b"\n".join([",".join(ENTERPRISE_HEADER).encode("gbk"), *rows]) + b"\n")
    with pytest.raises(IngestError, match="表头与多数数据行的编码不同"):
        import_file(settings, "enterprises", path)
    _nothing_committed(settings)
