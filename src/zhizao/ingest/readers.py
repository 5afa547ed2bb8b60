"""Reading department files: content hash, encoding detection, XLSX sheets.

A CSV is hashed and checked for UTF-8 in one streamed pass; a file that is not valid UTF-8 is
taken as GB18030 (a superset of GBK and GB2312, which is what Excel on a Chinese Windows
writes) and transcoded, in chunks, to a temporary UTF-8 file so DuckDB's parallel CSV reader
can scan it. An XLSX sheet is read with python-calamine into an all-text Arrow table that
keeps each row's sheet row number; date cells become ISO dates.

Nothing here looks at values: validation is one SQL pass in :mod:`zhizao.ingest.validate`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from zhizao.ingest.errors import IngestError
from zhizao.ingest.guard import check_xlsx
from zhizao.settings import Limits

CHUNK = 8 << 20
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
#: spreadsheet forms the reader cannot check before allocating: refused with a hint
OTHER_SPREADSHEETS = {".xls", ".xlsb", ".ods", ".et"}


@dataclass
class SourceFile:
    """A file ready for DuckDB: either a UTF-8 CSV path or an all-text Arrow table."""

    path: Path
    content_hash: str
    encoding: str
    headers: list[str]
    #: the UTF-8 CSV DuckDB reads (the original file, or a transcoded temporary copy)
    csv_path: Path | None = None
    #: for spreadsheets: columns ``c0..cN`` (text) and ``_row`` (sheet row number)
    arrow: pa.Table | None = None
    sheet: str | None = None
    #: rows (file row numbers) whose encoding differs from the file's: rejected, never stored
    bad_encoding_rows: dict[int, str] = field(default_factory=dict)
    expected_encoding: str = ""


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _hash_and_detect(path: Path, tick: Callable[[int], None] | None) -> tuple[str, bool, int]:
    """sha256 of the bytes, whether they are strict UTF-8, and the number of line breaks, in one pass."""
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            lines += chunk.count(b"\n")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if tick:
                tick(len(chunk))
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return h.hexdigest(), utf8, lines


@dataclass
class _Transcoded:
    encoding: str
    #: file row number (as the validation counts: header = 1, blank lines skipped) → its encoding
    minority_rows: dict[int, str]


def _lines(path: Path) -> Iterator[bytes]:
    """The file's lines (with their line break), read in chunks."""
    rest = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            parts = (rest + chunk).split(b"\n")
            rest = parts.pop()
            for p in parts:
                yield p + b"\n"
    if rest:
        yield rest


def _transcode(path: Path, target: Path) -> _Transcoded:
    """Decode a file that is not UTF-8 line by line to a UTF-8 copy.

    Each line is decoded as UTF-8 when it is, else as GB18030. A file whose rows mix the two
    (a UTF-8 file with a GBK row pasted in) keeps the majority's encoding; the other rows are
    returned to be rejected, so no name is ever stored as mojibake. A line neither decodes is a
    file-level error.
    """
    counts = {"utf-8": 0, "gb18030": 0}
    row_encoding: dict[int, str] = {}
    record = 0
    open_quote = False
    offset = 0
    with target.open("w", encoding="utf-8", newline="") as dst:
        for line in _lines(path):
            if line.isascii():
                enc = None
                text = line.decode("ascii")
            else:
                try:
                    text, enc = line.decode("utf-8"), "utf-8"
                except UnicodeDecodeError:
                    try:
                        text, enc = line.decode("gb18030"), "gb18030"
                    except UnicodeDecodeError as exc:
                        raise IngestError(
                            f"无法识别文件编码：{path.name} 既不是 UTF-8 也不是 GBK/GB18030"
                            f"（第 {offset + exc.start} 字节附近）") from None
            if not open_quote and line.strip(b"\r\n") == b"":
                pass  # blank lines are skipped by the CSV reader and have no row number
            else:
                if not open_quote:
                    record += 1
                if enc is not None and row_encoding.get(record) != enc:
                    if record in row_encoding:  # one record, lines in both encodings
                        row_encoding[record] = "mixed"
                    else:
                        row_encoding[record] = enc
                if line.count(b'"') % 2:
                    open_quote = not open_quote
            dst.write(text)
            offset += len(line)
    for enc in row_encoding.values():
        if enc in counts:
            counts[enc] += 1
    major = "utf-8" if counts["utf-8"] > counts["gb18030"] else "gb18030"
    minority = {r: e for r, e in row_encoding.items() if e != major}
    if 1 in minority:
        raise IngestError(f"文件编码不一致：{path.name} 的表头与多数数据行的编码不同（请统一另存为 UTF-8）")
    return _Transcoded(major, minority)


def _csv_headers(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        head = f.read(1 << 20)
    if not head.strip():
        raise IngestError(f"文件为空：{path.name}")
    try:
        row = next(csv.reader(io.StringIO(head)))
    except (StopIteration, csv.Error) as exc:
        raise IngestError(f"无法读取表头：{path.name}（{exc}）") from None
    return [h.strip() for h in row]


def _check_shape(path: Path, headers: list[str], rows: int, limits: Limits) -> None:
    if len(headers) > limits.columns:
        raise IngestError(f"文件被拒收：{path.name} 有 {len(headers):,} 列，超过上限 {limits.columns:,} 列（未读取任何行）")
    if rows > limits.rows:
        raise IngestError(f"文件被拒收：{path.name} 约有 {rows:,} 行，超过上限 {limits.rows:,} 行（未读取任何行）")


def read_csv_source(path: Path, tmp_dir: Path, tick: Callable[[int], None] | None = None,
                    limits: Limits | None = None) -> SourceFile:
    limits = limits or Limits()
    content_hash, utf8, lines = _hash_and_detect(path, tick)
    minority: dict[int, str] = {}
    if utf8:
        with path.open("rb") as f:
            bom = f.read(3) == codecs.BOM_UTF8
        csv_path = path
        encoding = "utf-8-sig" if bom else "utf-8"
    else:
        csv_path = tmp_dir / "transcoded.csv"
        done = _transcode(path, csv_path)
        encoding = done.encoding
        minority = done.minority_rows
    headers = _csv_headers(csv_path)
    _check_shape(path, headers, lines, limits)
    return SourceFile(path=path, content_hash=content_hash, encoding=encoding,
                      headers=headers, csv_path=csv_path,
                      bad_encoding_rows={r: _ENCODING_NAMES.get(e, e) for r, e in minority.items()},
                      expected_encoding=_ENCODING_NAMES[encoding])


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030", "mixed": "混合编码",
                   "xlsx": "XLSX"}


def _cell_text(v: object) -> str | None:
    """A spreadsheet cell as the text a CSV export would hold (Excel dates as ISO dates)."""
    if v is None or v == "":
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def read_xlsx_source(path: Path, sheet: str | None = None, limits: Limits | None = None) -> SourceFile:
    from python_calamine import CalamineWorkbook

    limits = limits or Limits()
    check_xlsx(path, limits, sheet)  # before the reader allocates anything for the sheet
    content_hash = file_hash(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every malformed workbook
        raise IngestError(f"无法读取电子表格：{path.name}（{exc}）") from None
    try:
        names = wb.sheet_names
        if sheet is None:
            if not names:
                raise IngestError(f"电子表格中没有工作表：{path.name}")
            ws = wb.get_sheet_by_index(0)
        elif sheet in names:
            ws = wb.get_sheet_by_name(sheet)
        elif sheet.isdigit() and 1 <= int(sheet) <= len(names):
            ws = wb.get_sheet_by_index(int(sheet) - 1)
        else:
            raise IngestError(f"工作表“{sheet}”不存在（可用：{'、'.join(names)}）")
        rows = ws.to_python()
        start = ws.start
        first_row = start[0] + 1 if rows and start else 1
        sheet_name = ws.name
    finally:
        wb.close()
    if not rows:
        raise IngestError(f"工作表为空：{path.name}")
    headers = [(_cell_text(h) or "").strip() for h in rows[0]]
    _check_shape(path, headers, len(rows) - 1, limits)
    width = len(headers)
    body = [(first_row + 1 + i, r) for i, r in enumerate(rows[1:]) if any(c != "" for c in r)]
    cols: dict[str, pa.Array] = {}
    for j in range(width):
        cols[f"c{j}"] = pa.array([_cell_text(r[j]) if j < len(r) else None for _, r in body], pa.string())
    cols["_row"] = pa.array([n for n, _ in body], pa.int64())
    return SourceFile(path=path, content_hash=content_hash, encoding="xlsx", headers=headers,
                      arrow=pa.table(cols), sheet=sheet_name)


def read_source(path: Path, tmp_dir: Path, sheet: str | None = None,
                tick: Callable[[int], None] | None = None, limits: Limits | None = None) -> SourceFile:
    if not path.exists():
        raise IngestError(f"文件不存在：{path}")
    if not path.is_file():
        raise IngestError(f"不是文件：{path}")
    with path.open("rb") as f:
        magic = f.read(8)
    if path.suffix.lower() in OTHER_SPREADSHEETS or magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(f"只接受 CSV 或 XLSX 文件：{path.name}（请在 Excel 中另存为 .xlsx）")
    if path.suffix.lower() in XLSX_SUFFIXES or magic.startswith(b"PK\x03\x04"):
        return read_xlsx_source(path, sheet, limits)
    if sheet is not None:
        raise IngestError(f"--sheet 只适用于电子表格，{path.name} 是 CSV 文件")
    return read_csv_source(path, tmp_dir, tick, limits)
