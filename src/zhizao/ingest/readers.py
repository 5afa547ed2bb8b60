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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from zhizao.ingest.errors import IngestError

CHUNK = 8 << 20
XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


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


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _hash_and_detect(path: Path, tick: Callable[[int], None] | None) -> tuple[str, bool]:
    """sha256 of the bytes and whether they are strict UTF-8, in one streamed pass."""
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
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
    return h.hexdigest(), utf8


def _transcode(path: Path, target: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"无法识别文件编码：{path.name} 既不是 UTF-8 也不是 GBK/GB18030（第 {exc.start} 字节附近）"
        ) from None


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


def read_csv_source(path: Path, tmp_dir: Path, tick: Callable[[int], None] | None = None) -> SourceFile:
    content_hash, utf8 = _hash_and_detect(path, tick)
    if utf8:
        with path.open("rb") as f:
            bom = f.read(3) == codecs.BOM_UTF8
        csv_path = path
        encoding = "utf-8-sig" if bom else "utf-8"
    else:
        csv_path = tmp_dir / "transcoded.csv"
        _transcode(path, csv_path, "gb18030")
        encoding = "gb18030"
    return SourceFile(path=path, content_hash=content_hash, encoding=encoding,
                      headers=_csv_headers(csv_path), csv_path=csv_path)


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


def read_xlsx_source(path: Path, sheet: str | None = None) -> SourceFile:
    from python_calamine import CalamineWorkbook

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
    width = len(headers)
    body = [(first_row + 1 + i, r) for i, r in enumerate(rows[1:]) if any(c != "" for c in r)]
    cols: dict[str, pa.Array] = {}
    for j in range(width):
        cols[f"c{j}"] = pa.array([_cell_text(r[j]) if j < len(r) else None for _, r in body], pa.string())
    cols["_row"] = pa.array([n for n, _ in body], pa.int64())
    return SourceFile(path=path, content_hash=content_hash, encoding="xlsx", headers=headers,
                      arrow=pa.table(cols), sheet=sheet_name)


def read_source(path: Path, tmp_dir: Path, sheet: str | None = None,
                tick: Callable[[int], None] | None = None) -> SourceFile:
    if not path.exists():
        raise IngestError(f"文件不存在：{path}")
    if not path.is_file():
        raise IngestError(f"不是文件：{path}")
    with path.open("rb") as f:
        magic = f.read(8)
    if path.suffix.lower() in XLSX_SUFFIXES or magic.startswith(b"PK\x03\x04"):
        return read_xlsx_source(path, sheet)
    if sheet is not None:
        raise IngestError(f"--sheet 只适用于电子表格，{path.name} 是 CSV 文件")
    return read_csv_source(path, tmp_dir, tick)
