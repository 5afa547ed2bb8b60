"""Checks on a spreadsheet before any reader allocates for it.

An XLSX is a zip of XML parts. A hostile one can make a reader allocate far beyond its size:

- a *sparse* sheet (cells ``A1``–``C1`` and ``XFD1048576``, or only a declared dimension
  ``A1:XFD1048576``) makes a dense reader allocate 2^34 cells (549 GB);
- a *dense* bomb (a few MB of zip expanding to GB of XML) costs GB of memory before the first
  row could be rejected.

:func:`check_xlsx` reads the zip's directory (declared sizes and compression ratios), then streams
the chosen sheet's XML through a bounded decompressor and measures the cell box it declares
(``<dimension ref>``) and the one its cells use (``<c r>``, ``<row r>``), all against
:class:`zhizao.settings.Limits`. Python's zip reader stops at the declared size and checks the
CRC, so a part that lies about its size fails here instead of in the reader. Nothing is parsed
into objects beyond the two small workbook parts that name the sheets.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from zhizao.ingest.errors import IngestError
from zhizao.settings import Limits

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
#: parts above this size are checked for their compression ratio
RATIO_FLOOR = 4 * 1024 * 1024
#: the workbook and its relationships, parsed as XML: small in every real file
SMALL_PART = 8 * 1024 * 1024
MAX_PARTS = 10_000

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|dimension)\b([^>]*)>")
_REF_ATTR = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{0,3})\$?([0-9]{0,7})["']""")
_DIM_ATTR = re.compile(rb"""\bref\s*=\s*["']([^"']*)["']""")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


@dataclass
class SheetBox:
    """The cell box a sheet declares and the one its cells use (1-based, inclusive)."""

    declared_rows: int = 0
    declared_cols: int = 0
    min_row: int = 0
    max_row: int = 0
    min_col: int = 0
    max_col: int = 0
    cells: int = 0

    @property
    def rows(self) -> int:
        return self.max_row - self.min_row + 1 if self.cells else 0

    @property
    def cols(self) -> int:
        return self.max_col - self.min_col + 1 if self.cells else 0


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def _refuse(path: Path, why: str) -> IngestError:
    return IngestError(f"电子表格被拒收：{path.name}，{why}（未读取任何行）")


def _small_xml(zf: zipfile.ZipFile, name: str, path: Path) -> ElementTree.Element:
    info = zf.getinfo(name)
    if info.file_size > SMALL_PART:
        raise _refuse(path, "工作簿结构部件过大")
    data = zf.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse(path, "含不允许的 XML 声明")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise _refuse(path, "工作簿结构无法解析") from None


def _sheet_parts(zf: zipfile.ZipFile, path: Path) -> list[tuple[str, str]]:
    """(sheet name, zip part) in workbook order."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise _refuse(path, "不是有效的 XLSX 文件（缺少工作簿）")
    wb = _small_xml(zf, "xl/workbook.xml", path)
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = _small_xml(zf, "xl/_rels/workbook.xml.rels", path)
        for rel in rels.iter(f"{_NS_PKG}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id", "")] = part
    out = []
    for sheet in wb.iter(f"{_NS_MAIN}sheet"):
        rid = sheet.get(f"{_NS_REL}id", "")
        out.append((sheet.get("name", ""), targets.get(rid, "")))
    return out


def _pick(parts: list[tuple[str, str]], sheet: str | None) -> str | None:
    if not parts:
        return None
    if sheet is None:
        return parts[0][1]
    for name, part in parts:
        if name == sheet:
            return part
    if sheet.isdigit() and 1 <= int(sheet) <= len(parts):
        return parts[int(sheet) - 1][1]
    return None  # the reader names the missing sheet


def measure_sheet(zf: zipfile.ZipFile, part: str, chunk: int = 1 << 20) -> SheetBox:
    """Stream one worksheet part and measure its declared and used cell box."""
    box = SheetBox()
    row = 0
    col = 0
    tail = b""
    with zf.open(part) as f:
        while True:
            data = f.read(chunk)
            buf = tail + data
            if not data:
                end = len(buf)
            else:
                end = buf.rfind(b">") + 1
            for m in _TAG.finditer(buf, 0, end):
                tag, attrs = m.group(1), m.group(2)
                if tag == b"dimension":
                    dm = _DIM_ATTR.search(attrs)
                    if dm:
                        refs = [_CELL.fullmatch(x) for x in dm.group(1).decode("ascii", "replace").split(":")]
                        if refs and all(refs):
                            rows = [int(r.group(2)) for r in refs if r]
                            cols = [_col_number(r.group(1)) for r in refs if r]
                            box.declared_rows = max(rows) - min(rows) + 1
                            box.declared_cols = max(cols) - min(cols) + 1
                    continue
                ref = _REF_ATTR.search(attrs)
                if tag == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                    continue
                # a cell: its own reference, else the next position in the row (as readers do)
                if ref and ref.group(1):
                    col = _col_number(ref.group(1).decode("ascii"))
                    if ref.group(2):
                        row = int(ref.group(2))
                else:
                    col += 1
                r = max(row, 1)
                if box.cells == 0:
                    box.min_row = box.max_row = r
                    box.min_col = box.max_col = col
                else:
                    box.min_row = min(box.min_row, r)
                    box.max_row = max(box.max_row, r)
                    box.min_col = min(box.min_col, col)
                    box.max_col = max(box.max_col, col)
                box.cells += 1
            if not data:
                break
            tail = buf[end:]
            if len(tail) > 1 << 20:  # a tag a megabyte long is no spreadsheet
                raise IngestError("工作表 XML 含异常长的标记")
    return box


def check_xlsx(path: Path, limits: Limits, sheet: str | None = None) -> SheetBox | None:
    """Refuse a spreadsheet that would make the reader allocate beyond ``limits``; the chosen
    sheet's box (``None`` when the sheet is missing: the reader then names it)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _refuse(path, "不是有效的 XLSX 文件（请在 Excel 中另存为 .xlsx）") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise _refuse(path, f"部件数 {len(infos):,} 过多")
        total = sum(i.file_size for i in infos)
        if total > limits.uncompressed_bytes:
            raise _refuse(path, f"解压后 {_mb(total)}，超过上限 {_mb(limits.uncompressed_bytes)}")
        for i in infos:
            if i.file_size > RATIO_FLOOR and i.file_size > limits.compression_ratio * max(i.compress_size, 1):
                raise _refuse(path, f"压缩比 {i.file_size // max(i.compress_size, 1):,} 倍异常（疑似压缩炸弹，"
                                    f"上限 {limits.compression_ratio} 倍）")
        part = _pick(_sheet_parts(zf, path), sheet)
        if part is None:
            return None
        if part not in zf.namelist():
            raise _refuse(path, "工作表部件缺失")
        try:
            box = measure_sheet(zf, part)
            # the shared strings are read whole by every reader: let the CRC and size checks run on them too
            if "xl/sharedStrings.xml" in zf.namelist():
                with zf.open("xl/sharedStrings.xml") as f:
                    while f.read(1 << 20):
                        pass
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise _refuse(path, f"文件已损坏（{exc}）") from None
        except IngestError as exc:
            raise _refuse(path, str(exc)) from None
    declared = box.declared_rows * box.declared_cols
    used = box.rows * box.cols
    if declared > limits.sheet_cells or used > limits.sheet_cells:
        n_rows, n_cols = (box.declared_rows, box.declared_cols) if declared >= used else (box.rows, box.cols)
        raise _refuse(path, f"工作表范围 {n_rows:,} 行 × {n_cols:,} 列（{n_rows * n_cols:,} 个单元格）"
                            f"超过上限 {limits.sheet_cells:,} 个单元格")
    if box.rows > limits.rows + 1:
        raise _refuse(path, f"共 {box.rows:,} 行，超过上限 {limits.rows:,} 行")
    if box.cols > limits.columns:
        raise _refuse(path, f"共 {box.cols:,} 列，超过上限 {limits.columns:,} 列")
    return box
