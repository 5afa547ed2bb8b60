"""Validation as one vectorised DuckDB query.

:func:`staging_sql` turns a header map into a single ``CREATE TEMP TABLE staged AS …``
statement over the all-text ``raw`` table: every cell is trimmed, parsed, converted to its
canonical unit and checked; each row gets at most one reject (``_err``, ``_err_col``,
``_bad``), the leftmost failing cell in file order, and rows whose key repeats an earlier
valid row become ``duplicate_key``. No Python runs per row: the Python here only writes SQL.

Layers of the query (CTEs): ``s`` trims, ``p`` parses, ``e`` finds each cell's error, ``d``
finds keys seen twice among the valid rows; the final select keeps typed values and the reject.
"""

from __future__ import annotations

from zhizao.codes import credit_code
from zhizao.contract import units
from zhizao.contract.tables import UNIT_FAMILY_BY_KIND, Column, Table
from zhizao.engine.warehouse import SQL_TYPES
from zhizao.ingest.headers import HeaderMap, MappedColumn

#: characters trimmed from every cell: ASCII blanks, the ideographic space, no-break space
_WS = " \t\r\n\u3000\u00a0"

TRUE_SPELLINGS = ("是", "y", "yes", "true", "t", "1", "对")
FALSE_SPELLINGS = ("否", "n", "no", "false", "f", "0", "错")

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S")
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y年%m月", "%Y.%m", *DATE_FORMATS)

#: the kinds of GB/T 2260 and GB/T 4754 codes a ``code`` column may be checked against
REFERENCE_CHECKS = ("region", "industry", "division")


def lit(text: str) -> str:
    """A SQL string literal (file headers and values come from users: always escape)."""
    return "'" + text.replace("'", "''") + "'"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(lit(i) for i in items) + "]"


def _number(v: str) -> str:
    return f"TRY_CAST(replace(replace({v}, ',', ''), '，', '') AS DOUBLE)"


def _date(v: str, formats: tuple[str, ...]) -> str:
    """A DATE from the accepted spellings; 8 digits are yyyymmdd, 5 digits an Excel serial."""
    return (
        f"coalesce(CAST(try_strptime({v}, {_list(formats)}) AS DATE), "
        f"CASE WHEN regexp_full_match({v}, '[12][0-9]{{7}}') THEN CAST(try_strptime({v}, '%Y%m%d') AS DATE) END, "
        f"CASE WHEN regexp_full_match({v}, '[0-9]{{5}}(\\.0+)?') "
        f"THEN DATE '1899-12-30' + CAST(CAST({v} AS DOUBLE) AS INTEGER) END)"
    )


def _month(v: str) -> str:
    return (
        f"CAST(date_trunc('month', coalesce({_date(v, MONTH_FORMATS)}, "
        f"CASE WHEN regexp_full_match({v}, '[12][0-9]{{3}}(0[1-9]|1[0-2])') "
        f"THEN CAST(try_strptime({v}, '%Y%m') AS DATE) END)) AS DATE)"
    )


def _enum_case(v: str, values: dict[str, tuple[str, ...]]) -> str:
    whens = []
    seen: set[str] = set()
    for canonical, spellings in values.items():
        for s in (canonical, *spellings):
            k = s.lower()
            if k not in seen:
                seen.add(k)
                whens.append(f"WHEN {lit(k)} THEN {lit(canonical)}")
    return f"CASE lower({v}) {' '.join(whens)} END"


def _bool(v: str) -> str:
    return (f"CASE WHEN lower({v}) IN ({', '.join(lit(s) for s in TRUE_SPELLINGS)}) THEN true "
            f"WHEN lower({v}) IN ({', '.join(lit(s) for s in FALSE_SPELLINGS)}) THEN false END")


def _families_of_kinds(kinds: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    by_family: dict[str, list[str]] = {}
    for kind in kinds:
        by_family.setdefault(UNIT_FAMILY_BY_KIND[kind], []).append(kind)
    return by_family


def _unit_factor(kind: str, unit_v: str, kinds: dict[str, tuple[str, ...]]) -> str:
    """Multiplier from the row's unit to its kind's canonical unit (NULL when the unit does not fit)."""
    u = f"lower(replace(replace(replace({unit_v}, ' ', ''), '（', '('), '）', ')'))"
    outer = []
    for family, members in _families_of_kinds(kinds).items():
        seen: dict[str, float] = {}
        for spelling, f in units.FAMILIES[family].units.items():
            seen.setdefault(spelling.lower(), f)
        inner = " ".join(f"WHEN {lit(s)} THEN CAST({f!r} AS DOUBLE)" for s, f in seen.items())
        outer.append(f"WHEN {kind} IN ({', '.join(lit(m) for m in members)}) THEN CASE {u} {inner} END")
    return f"CASE {' '.join(outer)} END"


def _canonical_unit(kind: str, kinds: dict[str, tuple[str, ...]]) -> str:
    whens = " ".join(
        f"WHEN {kind} IN ({', '.join(lit(m) for m in members)}) THEN {lit(units.FAMILIES[family].canonical)}"
        for family, members in _families_of_kinds(kinds).items())
    return f"CASE {whens} END"


def _parse(m: MappedColumn, table: Table) -> str:
    """The typed, canonical value of a mapped cell (NULL when blank or invalid)."""
    c = m.column
    v = f"v{m.index}"
    if table.row_unit and c.name == table.row_unit[1]:
        return f"{_number(v)} * _uf"
    if table.row_unit and c.name == table.row_unit[0]:
        return "CASE WHEN _uf IS NOT NULL THEN _unit_canonical END"
    if c.type == "float":
        return f"{_number(v)} * {m.factor!r}" if m.factor != 1.0 else _number(v)
    if c.type == "int":
        n = f"{_number(v)} * {m.factor!r}" if m.factor != 1.0 else _number(v)
        return f"CASE WHEN isfinite({n}) AND {n} = trunc({n}) AND abs({n}) < 9e18 THEN CAST({n} AS BIGINT) END"
    if c.type == "year":
        return (f"CASE WHEN regexp_full_match({v}, '[0-9]{{4}}(年|年度)?') AND CAST(left({v}, 4) AS INTEGER) "
                f"BETWEEN 1900 AND 2100 THEN CAST(left({v}, 4) AS INTEGER) END")
    if c.type == "date":
        d = _date(v, DATE_FORMATS)
        return f"CASE WHEN year({d}) BETWEEN 1900 AND 2100 THEN {d} END"
    if c.type == "month":
        d = _month(v)
        return f"CASE WHEN year({d}) BETWEEN 1900 AND 2100 THEN {d} END"
    if c.type == "bool":
        return _bool(v)
    if c.check == "credit_code":
        return f"upper({v})"
    if c.check == "enum":
        return _enum_case(v, c.values)
    return v


def _error(m: MappedColumn, table: Table) -> str:
    """The reject code of a mapped cell, or NULL when it is fine."""
    c = m.column
    v = f"v{m.index}"
    p = f"p_{c.name}"
    checks: list[tuple[str, str]] = []
    if table.row_unit and c.name == table.row_unit[0]:
        checks.append((f"p_{table.row_unit[2]} IS NOT NULL AND _uf IS NULL", "bad_unit"))
    elif c.type in ("float", "int"):
        n = _number(v)
        checks.append((f"{n} IS NULL OR NOT isfinite({n})", "bad_number"))
        if c.type == "int":
            checks.append((f"{p} IS NULL", "bad_number"))
        if c.non_negative:
            checks.append((f"{n} < 0", "negative_value"))
    elif c.type == "year":
        checks.append((f"{p} IS NULL", "bad_year"))
    elif c.type in ("date", "month"):
        checks.append((f"{p} IS NULL", "bad_date"))
    elif c.type == "bool":
        checks.append((f"{p} IS NULL", "unknown_code"))
    elif c.check == "credit_code":
        checks.append((f"NOT {credit_code.sql_is_valid(p)}", "bad_credit_code"))
        if table.name != "enterprises":
            checks.append((f"{p} NOT IN (SELECT credit_code FROM enterprises)", "unknown_enterprise"))
    elif c.check == "enum":
        checks.append((f"{p} IS NULL", "unknown_code"))
    elif c.check in REFERENCE_CHECKS:
        checks.append((f"{p} NOT IN (SELECT code FROM _ref_{c.check})", "unknown_code"))
    blank = f"WHEN {v} IS NULL THEN {lit('missing_required') if c.required else 'NULL'}"
    rest = " ".join(f"WHEN {cond} THEN {lit(code)}" for cond, code in checks)
    return f"CASE {blank} {rest} END"


def staging_sql(hmap: HeaderMap, row_expr: str, source: str = "raw") -> str:
    """One statement creating ``staged(_row, p_<column>…, _err, _err_col, _bad, _dup_of)``."""
    table = hmap.table
    mapped = {m.column.name: m for m in hmap.columns}
    s_cols = [f"{row_expr} AS _row"] + [f"nullif(trim(c{m.index}, {lit(_WS)}), '') AS v{m.index}"
                                         for m in hmap.columns]
    # p: parsed values; for per-row units the factor (_uf) of the row's kind comes first
    pre: list[str] = []
    parse_cols = [c for c in table.columns if c.name in mapped and not (table.row_unit and c.name in table.row_unit[:2])]
    p_first = [f"{_parse(mapped[c.name], table)} AS p_{c.name}" for c in parse_cols]
    if table.row_unit:
        unit_col, qty_col, kind_col = table.row_unit
        kinds = table.column(kind_col).values
        pre = [
            f"{_unit_factor('p_' + kind_col, 'v' + str(mapped[unit_col].index), kinds)} AS _uf",
            f"{_canonical_unit('p_' + kind_col, kinds)} AS _unit_canonical",
        ]
        p_second = [f"{_parse(mapped[n], table)} AS p_{n}" for n in (qty_col, unit_col)]
    else:
        p_second = []
    errs = [f"{_error(m, table)} AS e{m.index}" for m in hmap.columns]
    err = "coalesce(" + ", ".join(f"e{m.index}" for m in hmap.columns) + ")"
    err_col = "CASE " + " ".join(f"WHEN e{m.index} IS NOT NULL THEN {m.index}" for m in hmap.columns) + " END"
    bad = "CASE " + " ".join(f"WHEN e{m.index} IS NOT NULL THEN v{m.index}" for m in hmap.columns) + " END"
    key = [f"p_{k}" for k in table.key]
    key_eq = " AND ".join(f"d.{k} = e.{k}" for k in key)
    out_cols = []
    for c in table.columns:
        if c.name in mapped:
            out_cols.append(f"e.p_{c.name}")
        else:
            out_cols.append(f"CAST(NULL AS {SQL_TYPES[c.type]}) AS p_{c.name}")
    kind_extra = f", e.p_{table.row_unit[2]} AS _kind" if table.row_unit else ""
    return f"""
CREATE OR REPLACE TEMP TABLE staged AS
WITH s AS (SELECT {', '.join(s_cols)} FROM {source}),
p1 AS (SELECT *, {', '.join(p_first + pre)} FROM s),
p AS (SELECT *{''.join(', ' + x for x in p_second)} FROM p1),
e0 AS (SELECT *, {', '.join(errs)} FROM p),
e AS MATERIALIZED (SELECT *, {err} AS _err0, {err_col} AS _err_col0, {bad} AS _bad0 FROM e0),
d AS (SELECT {', '.join(key)}, min(_row) AS _first FROM e WHERE _err0 IS NULL
      GROUP BY ALL HAVING count(*) > 1)
SELECT e._row, {', '.join(out_cols)},
       CASE WHEN e._err0 IS NULL AND e._row > d._first THEN 'duplicate_key' ELSE e._err0 END AS _err,
       CASE WHEN e._err0 IS NULL AND e._row > d._first THEN -1 ELSE e._err_col0 END AS _err_col,
       e._bad0 AS _bad,
       CASE WHEN e._err0 IS NULL AND e._row > d._first THEN d._first END AS _dup_of{kind_extra}
FROM e LEFT JOIN d ON {key_eq}
"""


# ------------------------------------------------------------------ reject messages
def _short(v: str) -> str:
    return f"CASE WHEN length({v}) > 40 THEN left({v}, 40) || '…' ELSE {v} END"


def _credit_reason(v: str) -> str:
    u = f"upper({v})"
    pairs = " OR ".join(f"(substr({u}, 1, 1) = '{a}' AND strpos('{t}', substr({u}, 2, 1)) > 0)"
                        for a, (_, t) in credit_code.AUTHORITIES.items())
    return (f"CASE WHEN length({v}) <> 18 THEN '应为18位，实际' || length({v}) || '位' "
            f"WHEN NOT regexp_full_match(upper({v}), '[0-9A-HJ-NP-RTUW-Y]{{18}}') "
            f"THEN '含非法字符（不得含 I、O、Z、S、V 或符号）' "
            f"WHEN NOT ({pairs}) THEN '登记管理部门代码或机构类别代码无效' "
            f"ELSE '校验位错误' END")


def _examples(c: Column) -> str:
    names = [spellings[0] if spellings else canonical for canonical, spellings in c.values.items()]
    return "、".join(names)


def _column_messages(m: MappedColumn, table: Table) -> list[tuple[str, str]]:
    c = m.column
    h = m.header
    val = f"'“' || {_short('_bad')} || '”'"
    out = [("missing_required", lit(f"“{h}”为空（必填）"))]
    if table.row_unit and c.name == table.row_unit[0]:
        kind_col = table.column(table.row_unit[2])
        names = " ".join(f"WHEN {lit(k)} THEN {lit(s[0] if s else k)}" for k, s in kind_col.values.items())
        hints = " ".join(
            f"WHEN _kind IN ({', '.join(lit(k) for k in members)}) THEN "
            f"{lit('、'.join(u for u in units.FAMILIES[fam].units if not u.isascii()) or units.FAMILIES[fam].canonical)}"
            for fam, members in _families_of_kinds(kind_col.values).items())
        out.append(("bad_unit", f"{lit('计量单位')} || {val} || '不适用于' || {lit(kind_col.header)} || '“' || "
                                f"(CASE _kind {names} END) || '”（可用：' || (CASE {hints} END) || '）'"))
    out += [
        ("bad_number", f"{lit(f'“{h}”的值')} || {val} || "
                       f"{lit('不是有效整数' if c.type == 'int' else '不是有效数字')}"),
        ("negative_value", f"{lit(f'“{h}”的值')} || {val} || '为负数'"),
        ("bad_year", f"{lit(f'“{h}”的值')} || {val} || '不是有效年度（应为四位年份，如 2024）'"),
        ("bad_date", f"{lit(f'“{h}”的值')} || {val} || "
                     + (lit("不是有效月份（如 2024-03、2024年3月、202403）") if c.type == "month"
                        else lit("不是有效日期（如 2024-03-31、2024/3/31、20240331）"))),
        ("bad_credit_code", f"'统一社会信用代码' || {val} || '无效：' || {_credit_reason('_bad')}"),
        ("unknown_enterprise", f"'统一社会信用代码' || {val} || '不在企业名录中（请先导入企业名录 enterprises）'"),
    ]
    if c.type == "bool":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '无法识别（应为 是/否、Y/N、true/false、1/0）'"))
    elif c.check == "enum":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || {lit(f'无法识别（可选：{_examples(c)}）')}"))
    elif c.check == "region":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是现行的县级行政区划代码（GB/T 2260，6位）'"))
    elif c.check == "industry":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是国民经济行业小类代码（GB/T 4754-2017，4位）'"))
    elif c.check == "division":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是国民经济行业大类代码（GB/T 4754-2017，2位）'"))
    return out


def message_sql(hmap: HeaderMap) -> tuple[str, str]:
    """SQL expressions over ``staged`` for a reject's column header and Chinese message."""
    table = hmap.table
    key_headers = "、".join(hmap.get(k).header for k in table.key)  # type: ignore[union-attr]
    column = ("CASE _err_col " + " ".join(f"WHEN {m.index} THEN {lit(m.header)}" for m in hmap.columns)
              + f" WHEN -1 THEN {lit(key_headers)} END")
    per_col = []
    for m in hmap.columns:
        inner = " ".join(f"WHEN {lit(code)} THEN {expr}" for code, expr in _column_messages(m, table))
        per_col.append(f"WHEN {m.index} THEN CASE _err {inner} END")
    message = (f"CASE _err_col WHEN -1 THEN '与第' || _dup_of || '行重复（{key_headers}相同，保留第' || _dup_of || '行）' "
               + " ".join(per_col) + " END")
    return column, message
