"""The contract reference (``docs/contract.md``), generated from the declarations.

``tests/test_docs.py`` fails when the committed file differs from :func:`render_markdown`, so
the reference cannot drift from what the importer accepts. Regenerate with::

    python -m zhizao.contract.docs
"""

from __future__ import annotations

from pathlib import Path

from zhizao.contract import units
from zhizao.contract.rejects import REJECT_CODES
from zhizao.contract.tables import (
    ENERGY_TYPES,
    TABLES,
    UNIT_FAMILY_BY_KIND,
    ZERO_CARBON_KINDS,
    Column,
    Table,
)

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "contract.md"

TYPE_DOC = {
    "text": "text",
    "code": "code",
    "int": "whole number",
    "float": "number",
    "date": "date",
    "month": "month",
    "year": "year",
    "bool": "yes/no",
}

CHECK_DOC = {
    "credit_code": "GB 32100 credit code",
    "region": "current GB/T 2260 county code",
    "region_any": "current GB/T 2260 city (prefecture) or county code",
    "industry": "GB/T 4754-2017 class (4 digits)",
    "division": "GB/T 4754-2017 division (2 digits)",
    "enum": "one of the values below",
}

#: energy types and kinds added to CONTRACT.md's lists, and how methods use them
EXTENSION_KINDS = {
    "exported_electricity": "electricity sent out of the firm (to the grid or others): netted against its "
                            "consumption",
    "exported_heat": "heat supplied to others: netted against its consumption",
    "biomass": "biomass fuel: reported apart from the fossil fuels",
}


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def _unit_cell(t: Table, c: Column) -> str:
    if t.row_unit and c.name == t.row_unit[1]:
        return f"per row, from `{t.row_unit[0]}` (by `{t.row_unit[2]}`)"
    if t.row_unit and c.name == t.row_unit[0]:
        return "stored as the canonical unit"
    if c.unit_family and c.unit_family not in ("ratio",):
        fam = units.FAMILIES[c.unit_family]
        return f"{fam.canonical} ({c.unit_family})"
    return ""


def _checks(c: Column) -> str:
    parts = []
    if c.check:
        parts.append(CHECK_DOC.get(c.check, c.check))
    if c.non_negative:
        parts.append("≥ 0")
    if c.type == "float":
        parts.append("magnitude < 10¹⁵ (`out_of_range`)")
    if c.max_by is not None:
        kind, bounds = c.max_by
        parts.append(f"≤ {'/'.join(f'{b:g}' for b in sorted(set(bounds.values())))} for some `{kind}` values "
                     f"(`out_of_range`)")
    if c.not_future:
        parts.append("not after the day of the import (`future_date`)")
    if c.references:
        parts.append(f"a current `{c.references}` key (`unknown_reference`)")
    return "; ".join(parts)


def _table_section(t: Table) -> list[str]:
    out = [f"### `{t.name}` · {t.title}", ""]
    out.append(f"Source: {t.source}. Key: {', '.join(f'`{k}`' for k in t.key)}.")
    if t.doc:
        out += ["", t.doc]
    out += ["", "| column | 中文表头 | also accepted | type | unit | required | checks | meaning |",
            "|---|---|---|---|---|---|---|---|"]
    for c in t.columns:
        out.append(
            f"| `{c.name}` | {c.header} | {'、'.join(c.aliases)} | {TYPE_DOC[c.type]} | {_unit_cell(t, c)} | "
            f"{'yes' if c.required else 'no'} | {_checks(c)} | {_esc(c.doc)} |")
    for c in t.columns:
        if c.values:
            out += ["", f"Values of `{c.name}` ({c.header}): code, then accepted spellings "
                        "(case-insensitive):", ""]
            for code, spellings in c.values.items():
                fam = UNIT_FAMILY_BY_KIND.get(code) if t.row_unit and c.name == t.row_unit[2] else None
                unit = f" (unit: {units.FAMILIES[fam].canonical}, {fam})" if fam else ""
                ext = " (extension)" if code in EXTENSION_KINDS else ""
                out.append(f"- `{code}`: {'、'.join(spellings)}{unit}{ext}")
    for w in t.warnings:
        out += ["", f"Consistency warning `{w.code}` on `{w.column}`: such rows are loaded, and listed in the "
                    "import's warnings (row, header, what disagrees)."]
    if t.row_checks:
        out += ["", "Row checks (after every cell parsed; the reject names the column shown):", ""]
        for rc in t.row_checks:
            out.append(f"- `{rc.code}` on `{rc.column}`: {_esc(rc.doc or rc.message)}")
    out.append("")
    return out


def _units_section() -> list[str]:
    out = ["## Units", "",
           "A unit stated in a header bracket or in a unit column is converted to the family's canonical "
           "unit (multiplier shown). Latin spellings are matched case-insensitively; spaces are ignored.", "",
           "| family | canonical | accepted spellings (× to canonical) |", "|---|---|---|"]
    for fam in units.FAMILIES.values():
        if fam.name == "ratio":
            continue
        spellings = ", ".join(f"{u} ×{f:g}" for u, f in fam.units.items())
        out.append(f"| {fam.name} | {fam.canonical} | {_esc(spellings)} |")
    out.append("")
    return out


def _kinds_section() -> list[str]:
    out = ["## Energy types and zero-carbon kinds", "",
           "The unit of an `energy` or `zero_carbon` row must belong to the family of its type or kind "
           "(otherwise `bad_unit`).", "",
           "| code | 中文 | unit family | canonical unit | note |", "|---|---|---|---|---|"]
    for values in (ENERGY_TYPES, ZERO_CARBON_KINDS):
        for code, spellings in values.items():
            fam = UNIT_FAMILY_BY_KIND[code]
            out.append(f"| `{code}` | {spellings[0]} | {fam} | {units.FAMILIES[fam].canonical} | "
                       f"{EXTENSION_KINDS.get(code, '')} |")
    out.append("")
    return out


def _rejects_section() -> list[str]:
    out = ["## Reject codes", "",
           "Each rejected row has exactly one reject: the leftmost failing cell in the file's column order "
           "(a cell is checked for blank, then parse, then sign, then code look-ups), or `duplicate_key` "
           "when all its cells are valid but an earlier valid row of the same file has the same key. "
           "`row` is the record number in the file (header = 1, first data row = 2; in XLSX the sheet "
           "row); `column` is the header as written in the file (for `duplicate_key`, the key columns' "
           "headers joined by 、); `message` is Chinese and names the bad value.", "",
           "| code | 中文 | raised when |", "|---|---|---|"]
    for code, (title, doc) in REJECT_CODES.items():
        out.append(f"| `{code}` | {title} | {_esc(doc)} |")
    out.append("")
    return out


STATIC_HEAD = """# The exchange contract: reference

<!-- Generated by zhizao.contract.docs.render_markdown(); do not edit. Regenerate with
     `python -m zhizao.contract.docs`. tests/test_docs.py fails when this file is stale. -->

This is the reference of what departments hand the platform and how imports behave, generated
from the declarations in `src/zhizao/contract/` (the single source for the importer, the
warehouse schema and this page). It realises and extends the exchange contract
(`CONTRACT.md`); extensions are marked.

## Files

- CSV in UTF-8, UTF-8 with BOM, GBK or GB18030: a file whose bytes are not valid UTF-8 is read
  line by line, each line as UTF-8 when it is, else as GB18030 (a superset of GBK); when both
  occur, the majority's encoding is the file's and the other rows are rejected `bad_encoding`
  (extension: never stored as mojibake). Comma-separated, `"` quotes. Blank lines are skipped
  and not counted.
- XLSX (also XLSM): the first sheet, or `--sheet NAME` (or its 1-based number). The
  first row of the sheet's used range is the header; fully empty rows are skipped; Excel date
  cells are dates. `.xls`, `.xlsb` and `.ods` are refused (save as `.xlsx`).
- Limits (extension, `docs/security.md`): a file above the row, column, cell-length, sheet-size
  or uncompressed-size caps, or an XLSX compressed beyond 200×, is a file-level error found
  before the file is read.
- One header row. A column is found by its canonical name, its Chinese header or an alias
  (case and spaces ignored), optionally followed by a unit in brackets: `工业增加值(元)`,
  `工业增加值（元）`, `用地面积【平方米】`. A stated unit is converted; no unit means the
  canonical unit. An unknown unit in a header, a missing required column or a column given
  twice is a **file-level error**: nothing is loaded, the message says why, the exit status is
  non-zero. Columns that belong to no contract column are ignored with a warning.
- Cells are trimmed (spaces, tabs, ideographic spaces). Blank cells are missing values, never
  zeros.
- Numbers: `1234.5`, `1,234.5` (thousands separators, also `，`), `1e3`.
- Dates: `2024-03-31`, `2024/3/31`, `2024.3.31`, `2024年3月31日`, `20240331`, an Excel date
  cell or an Excel serial number (5 digits). Years between 1900 and 2100.
- Months: `2024-03`, `2024/3`, `2024年3月`, `202403`, or any date above; stored as the first
  day of the month.
- Years: `2024`, `2024年`, `2024年度`, `2024.0`.
- Booleans: `是/否`, `Y/N`, `yes/no`, `true/false`, `T/F`, `1/0`, `对/错`.
- Codes: credit codes are upper-cased; region, industry and division codes also accept the
  forms spreadsheets produce (`330502.0`, a lost leading zero such as `311` for `0311`, the
  section letter as in `C3011`); enumerations accept the code or any Chinese spelling.
"""

STATIC_SEMANTICS = """## Import semantics

- **Every row is loaded or rejected**: `rows_read = rows_loaded + rows_rejected`, always.
  Validation is one vectorised DuckDB query; no Python runs per row.
- **Canonical units**: quantities are stored converted (money 万元, area 亩, mass t,
  electricity kWh, volume m³, heat GJ); an `energy`/`zero_carbon` row's `unit` is stored as
  its canonical unit.
- **Batches**: a file is one batch, recorded in `batches` with its source, file name, sha256
  content hash, time (UTC) and counts.
- **Duplicates**: importing content identical (same table, same sha256) to an earlier loaded
  batch loads nothing; the attempt is recorded as a batch with status `duplicate`, zero rows
  read and `duplicate_of` set to the earlier batch (the file is not read again, so its rows
  are not counted). The import JSON shows `duplicate_of`.
- **Superseding with history**: a loaded row retires (`_current = false`) the current rows of
  the same key from earlier batches. Current rows are the view `<table>`; the history stays in
  `fact_<table>` and `read_as_of(settings, table, time)` returns, for each key, the row of
  the newest batch committed by that time. Keys absent from a newer file keep their older
  rows. A table whose history a method reads (`project_milestones`: each re-plan judged from
  the day it took effect) also has the view `history_<table>`: every row it ever held, with
  `_current` and `_imported_on` (the day its batch was imported), which the Parquet lake keeps too.
- **Atomic**: the retiring, the new facts, the rejects and the batch row are one DuckDB
  transaction; a crash or `kill -9` at any point leaves either the whole batch or no trace.
- **Enterprises first**: a row of any other table whose credit code is not among the current
  `enterprises` is rejected (`unknown_enterprise`).

## Command line

All commands take `--json` (one JSON document on standard output) and `--home DIR`.
Exit 0 on success, including imports with rejected rows; non-zero with a Chinese message on
standard error for file-level errors (unknown table, missing or unreadable file, unknown
header unit, missing columns).

`zhizao import TABLE FILE… [--source NAME] [--sheet S] [--json]`: each file is its own batch,
in the order given. With one file the JSON is

```json
{"batch_id": 7, "table": "energy", "rows_read": 120, "rows_loaded": 118, "rows_rejected": 2,
 "rejects": [{"row": 14, "column": "计量单位", "code": "bad_unit",
              "message": "计量单位“吨”不适用于能源品种“天然气”（可用：立方米、万立方米）"}],
 "duplicate_of": null}
```

With several files (extension) it is `{"imports": [object, …]}`, one object as above per file.
Every file must exist before any is imported; should a later file fail at file level, the
batches already committed stay and the error message lists them. Files of 5 MB or more show a
progress bar on standard error (stages: read, validate, commit).

`zhizao batches [--json]`: `{"batches": [{batch_id, table, source, file, hash, created_at,
rows_read, rows_loaded, rows_rejected, rows_current, status, duplicate_of}]}`, oldest first;
`created_at` is UTC; `status` is `current` (all loaded rows current), `partly_superseded`,
`superseded`, `empty` (nothing loaded) or `duplicate`.

`zhizao tables [--json]`: `{"tables": {"enterprises": 5000, "energy": 1200000, …}}`, the
current rows of every contract table (superseded rows not counted).

`zhizao rejects BATCH_ID [--json]` (extension): `{batch_id, table, file, rows_rejected,
rejects: [{row, column, code, message}]}`, every reject of the batch in row order.

## Python API

`zhizao.ingest.import_file(settings, table, path, source=None, sheet=None, progress=None)`
returns an `ImportResult` whose `to_dict()` is the import JSON above;
`import_many(settings, table, paths, …)`, `list_batches(settings)`, `table_counts(settings)`,
`rejects(settings, batch_id)`, `read_as_of(settings, table, as_of)` and
`read_current(settings, table)` back the commands. File-level errors raise
`zhizao.ingest.IngestError`.
"""


def _templates_section() -> list[str]:
    return [
        "## Fill-in templates (extension)", "",
        "Every table above has a template a department can fill in: `zhizao template TABLE [--out FILE]` "
        "writes one, `zhizao template --all --out DIR` writes every table's (`DIR/<table>.xlsx`), and the "
        "imports page (数据导入) offers each for download. Generated from these declarations "
        "(`zhizao.contract.templates`), so a template always matches what the importer accepts:", "",
        "- sheet `数据` (first, the one imported): the Chinese headers with the canonical unit in brackets "
        "(`工业增加值（万元）`; a per-row unit column instead where the table has one), required headers "
        "orange, a comment on each header with its rules, drop-down lists for enumerations, yes/no columns "
        "and per-row units, year and non-negative checks, text format for codes and months (Excel keeps "
        "leading zeros and does not turn `2024-03` into a date);",
        "- sheet `填写示例`: the same headers and one valid example row (kept off the data sheet so it is "
        "never imported by mistake);",
        "- sheet `说明`: the source department, how to fill and hand in the file, and per column its "
        "header, type, unit, whether required, its rules and an example;",
        "- a hidden sheet `选项` holding the drop-down lists.", "",
        "A template filled in row by row imports without rejects (tested for every table, the rooms' "
        "included, through the real importer).", "",
    ]


def render_markdown() -> str:
    lines = STATIC_HEAD.splitlines()
    lines += ["", "## Tables", "",
              "Every table except `enterprises`, `price_indices` and `province_indicators` starts with `credit_code`; its rows "
              "must name a firm in `enterprises`.", ""]
    for t in TABLES.values():
        lines += _table_section(t)
    lines += _units_section()
    lines += _kinds_section()
    lines += _rejects_section()
    lines += _templates_section()
    lines += STATIC_SEMANTICS.splitlines()
    return "\n".join(lines).rstrip() + "\n"


def write(path: Path = DOC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
