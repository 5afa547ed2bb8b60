"""Validation as one vectorised DuckDB query.

:func:`staging_sql` turns a header map into a single ``CREATE TEMP TABLE staged AS …``
statement over the all-text ``raw`` table: every cell is trimmed, parsed, converted to its
canonical unit and checked; each row gets at most one reject (``_err``, ``_err_col``,
``_bad``), the leftmost failing cell in file order, and rows whose key repeats an earlier
valid row become ``duplicate_key``. No Python runs per row: the Python here only writes SQL.

Layers of the query (CTEs):

- ``l<i>`` (and ``lu`` for a kind × unit pair): the *distinct* values of a low-cardinality
  column, trimmed, parsed and checked once each (credit codes, months, dates, codes, units:
  a 2-million-row file has a few thousand distinct ones);
- ``j`` joins those look-ups back to every row and parses the number cells, ``k`` converts
  and checks them;
- ``e`` picks each row's first failing cell (materialised: it is read twice);
- ``h`` / ``d`` find keys repeated among valid rows (a 64-bit hash first, then the real key);
- the final select keeps the typed values and the reject.
"""

from __future__ import annotations

from zhizao.codes import credit_code
from zhizao.contract import units
from zhizao.contract.tables import MAX_MAGNITUDE, UNIT_FAMILY_BY_KIND, Column, RowCheck, Table
from zhizao.engine.warehouse import SQL_TYPES
from zhizao.ingest.headers import HeaderMap, MappedColumn, unit_hint

#: characters trimmed from every cell: ASCII blanks, the ideographic space, no-break space
_WS = " \t\r\n\u3000\u00a0"

TRUE_SPELLINGS = ("是", "y", "yes", "true", "t", "1", "对")
FALSE_SPELLINGS = ("否", "n", "no", "false", "f", "0", "错")

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S")
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y年%m月", "%Y.%m", *DATE_FORMATS)

#: the kinds of GB/T 2260 and GB/T 4754 codes a ``code`` column may be checked against
REFERENCE_CHECKS = ("region", "region_any", "industry", "division")


def lit(text: str) -> str:
    """A SQL string literal (file headers and values come from users: always escape)."""
    return "'" + text.replace("'", "''") + "'"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(lit(i) for i in items) + "]"


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


def _is_dictionary(c: Column, table: Table) -> bool:
    """Columns with few distinct values are parsed once per distinct value, then joined back:
    a file of 2 million rows has a few thousand credit codes and sixty months."""
    return (c.type in DICTIONARY_TYPES or c.references is not None
            or bool(table.row_unit and c.name in (table.row_unit[0], table.row_unit[2])))


DICTIONARY_TYPES = ("code", "month", "date", "year", "bool")


def _parse_value(c: Column, v: str) -> str:
    """The typed value of a trimmed dictionary cell ``v`` (NULL when blank or invalid)."""
    if c.type == "year":
        return (f"CASE WHEN regexp_full_match({v}, '[0-9]{{4}}(年|年度|\\.0+)?') AND CAST(left({v}, 4) AS INTEGER) "
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
    if c.check in REFERENCE_CHECKS:
        return _code(c.check, v)
    return v


def _code(check: str, v: str) -> str:
    """A region, industry or division code as spreadsheets mangle it, restored: ``330502.0``
    (a number cell saved as float), ``311`` for ``0311`` (leading zero lost), ``C3011`` (with
    the section letter)."""
    bare = f"regexp_replace({v}, '\\.0+$', '')"
    if check == "industry":
        bare = f"regexp_replace({bare}, '^[A-Ta-t]([0-9]{{4}})$', '\\1')"
        return f"CASE WHEN regexp_full_match({bare}, '[0-9]{{3}}') THEN '0' || {bare} ELSE {bare} END"
    if check == "division":
        return f"CASE WHEN regexp_full_match({bare}, '[0-9]') THEN '0' || {bare} ELSE {bare} END"
    return bare


def _value_error(c: Column, table: Table, v: str, p: str) -> str:
    """The reject code of a trimmed dictionary cell ``v`` parsed as ``p``, or NULL."""
    checks: list[tuple[str, str]] = []
    if c.type == "year":
        checks.append((f"{p} IS NULL", "bad_year"))
    elif c.type in ("date", "month"):
        checks.append((f"{p} IS NULL", "bad_date"))
        if c.not_future:
            checks.append((f"{p} > current_date", "future_date"))
    elif c.type == "bool" or c.check == "enum":
        checks.append((f"{p} IS NULL", "unknown_code"))
    elif c.check == "credit_code":
        checks.append((f"NOT {credit_code.sql_is_valid(p)}", "bad_credit_code"))
        if table.name != "enterprises":
            checks.append((f"{p} NOT IN (SELECT credit_code FROM enterprises)", "unknown_enterprise"))
    elif c.check in REFERENCE_CHECKS:
        checks.append((f"{p} NOT IN (SELECT code FROM _ref_{c.check})", "unknown_code"))
    if c.references is not None:
        from zhizao.contract.tables import TABLES

        ref = TABLES[c.references]
        checks.append((f"{p} NOT IN (SELECT {q(ref.key[0])} FROM {q(ref.name)})", "unknown_reference"))
    blank = f"WHEN {v} IS NULL THEN {lit('missing_required') if c.required else 'NULL'}"
    rest = " ".join(f"WHEN {cond} THEN {lit(code)}" for cond, code in checks)
    return f"CASE {blank} {rest} END"


def _trim(x: str) -> str:
    return f"nullif(trim({x}, {lit(_WS)}), '')"


def _number(c: str) -> str:
    # no trim(): the cast ignores surrounding ASCII blanks, and trim() with a character set
    # costs more than the rest of the parse; thousands separators and ideographic spaces go
    return f"TRY_CAST(replace(replace(replace({c}, ',', ''), '，', ''), '\u3000', '') AS DOUBLE)"


def _numeric(m: MappedColumn, table: Table, n: str, c: str) -> tuple[str, str]:
    """(value, error) of a number cell: raw text ``c``, its parse ``n``."""
    col = m.column
    if table.row_unit and col.name == table.row_unit[1]:
        value = f"{n} * _uf"
    elif m.factor != 1.0:
        value = f"{n} * {m.factor!r}"
    else:
        value = n
    if col.type == "int":
        value = f"CASE WHEN isfinite({value}) AND {value} = trunc({value}) AND abs({value}) < 9e18 " \
                f"THEN CAST({value} AS BIGINT) END"
    checks = [f"WHEN NOT isfinite({n}) THEN 'bad_number'"]
    if col.type == "float":
        checks.append(f"WHEN abs({value}) >= {MAX_MAGNITUDE!r} THEN 'out_of_range'")
    if col.type == "int":
        checks.append(f"WHEN {n} * {m.factor!r} <> trunc({n} * {m.factor!r}) THEN 'bad_number'")
    if col.non_negative:
        checks.append(f"WHEN {n} < 0 THEN 'negative_value'")
    if col.max_by is not None:
        kind, bounds = col.max_by
        for hi in sorted(set(bounds.values())):
            members = ", ".join(lit(k) for k, b in bounds.items() if b == hi)
            checks.append(f"WHEN p_{kind} IN ({members}) AND {n} * {m.factor!r} > {hi!r} THEN 'out_of_range'")
    blank = lit("missing_required") if col.required else "NULL"
    error = (f"CASE WHEN {n} IS NOT NULL THEN CASE {' '.join(checks)} END "
             f"WHEN {c} IS NULL OR trim({c}, {lit(_WS)}) = '' THEN {blank} ELSE 'bad_number' END")
    return value, error


def _row_checks(table: Table, mapped: dict[str, MappedColumn]) -> list[tuple[RowCheck, int]]:
    """The table's row checks whose columns are all in the file, with the index of the cell named."""
    return [(rc, mapped[rc.column].index) for rc in table.row_checks
            if rc.column in mapped and all(c in mapped for c in rc.columns)]


def staging_sql(hmap: HeaderMap, row_expr: str, source: str = "raw", bad_rows: str | None = None) -> str:
    """One statement creating ``staged(_row, p_<column>…, _err, _err_col, _bad, _dup_of[, _kind])``.

    ``row_expr`` is the file row number over the source aliased ``r`` (``r.rowid + 2``, ``r._row``).
    ``bad_rows``: a table of row numbers (``_row``) rejected whole as ``bad_encoding`` (column -2).
    """
    table = hmap.table
    mapped = {m.column.name: m for m in hmap.columns}
    ctes: list[str] = []
    joins: list[str] = []
    j_cols = [f"{row_expr} AS _row"] + [f"r.c{m.index}" for m in hmap.columns]
    k_cols: list[str] = []
    pair = None
    if table.row_unit:
        unit_col, _qty, kind_col = table.row_unit
        pair = (mapped[kind_col], mapped[unit_col])
        mk, mu = pair
        kinds = mk.column.values
        ctes.append(f"lu0 AS (SELECT kk, ku, {_trim('kk')} AS vk, {_trim('ku')} AS vu "
                    f"FROM (SELECT DISTINCT c{mk.index} AS kk, c{mu.index} AS ku FROM {source}))")
        ctes.append(f"lu1 AS (SELECT *, {_parse_value(mk.column, 'vk')} AS pk FROM lu0)")
        ctes.append(f"lu2 AS (SELECT *, {_value_error(mk.column, table, 'vk', 'pk')} AS ek, "
                    f"{_unit_factor('pk', 'vu', kinds)} AS uf, {_canonical_unit('pk', kinds)} AS canon FROM lu1)")
        ctes.append("lu AS (SELECT kk, ku, pk, ek, uf, CASE WHEN uf IS NOT NULL THEN canon END AS pu, "
                    "CASE WHEN vu IS NULL THEN 'missing_required' WHEN pk IS NOT NULL AND uf IS NULL "
                    "THEN 'bad_unit' END AS eu FROM lu2)")
        joins.append(f"LEFT JOIN lu ON r.c{mk.index} IS NOT DISTINCT FROM lu.kk "
                     f"AND r.c{mu.index} IS NOT DISTINCT FROM lu.ku")
        j_cols += [f"lu.pk AS p_{mk.column.name}", f"lu.ek AS e{mk.index}", f"lu.pu AS p_{mu.column.name}",
                   f"lu.eu AS e{mu.index}", "lu.uf AS _uf"]
    for m in hmap.columns:
        c, i = m.column, m.index
        if pair and m in pair:
            continue
        if _is_dictionary(c, table):
            ctes.append(f"l{i}_0 AS (SELECT k, {_trim('k')} AS v FROM (SELECT DISTINCT c{i} AS k FROM {source}))")
            ctes.append(f"l{i}_1 AS (SELECT *, {_parse_value(c, 'v')} AS p FROM l{i}_0)")
            ctes.append(f"l{i} AS (SELECT k, p, {_value_error(c, table, 'v', 'p')} AS e FROM l{i}_1)")
            joins.append(f"LEFT JOIN l{i} ON r.c{i} IS NOT DISTINCT FROM l{i}.k")
            j_cols += [f"l{i}.p AS p_{c.name}", f"l{i}.e AS e{i}"]
        elif c.type in ("float", "int"):
            j_cols.append(f"{_number(f'r.c{i}')} AS n{i}")
            value, error = _numeric(m, table, f"n{i}", f"c{i}")
            k_cols += [f"{value} AS p_{c.name}", f"{error} AS e{i}"]
        else:
            j_cols.append(f"{_trim(f'r.c{i}')} AS p_{c.name}")
            k_cols.append(f"CASE WHEN p_{c.name} IS NULL THEN 'missing_required' END AS e{i}" if c.required
                          else f"CAST(NULL AS VARCHAR) AS e{i}")
    if not table.row_unit:
        j_cols.append("CAST(NULL AS DOUBLE) AS _uf")
    order = [m.index for m in hmap.columns]
    err = "coalesce(" + ", ".join(f"e{i}" for i in order) + ")"
    err_col = "CASE " + " ".join(f"WHEN e{i} IS NOT NULL THEN {i}" for i in order) + " END"
    bad = "CASE " + " ".join(f"WHEN e{i} IS NOT NULL THEN c{i}" for i in order) + " END"
    checks = _row_checks(table, mapped)
    if checks:
        # a row whose cells all parsed may still fail a check across its cells (first check wins)
        no_cell = " AND ".join(f"e{i} IS NULL" for i in order)
        err = f"coalesce({err}, CASE WHEN {no_cell} THEN CASE " + " ".join(
            f"WHEN coalesce({rc.condition}, false) THEN {lit(rc.code)}" for rc, _ in checks) + " END END)"
        err_col = f"coalesce({err_col}, CASE WHEN {no_cell} THEN CASE " + " ".join(
            f"WHEN coalesce({rc.condition}, false) THEN {i}" for rc, i in checks) + " END END)"
        bad = f"coalesce({bad}, CASE WHEN {no_cell} THEN CASE " + " ".join(
            f"WHEN coalesce({rc.condition}, false) THEN c{i}" for rc, i in checks) + " END END)"
    if bad_rows is not None:
        is_bad = f"_row IN (SELECT _row FROM {bad_rows})"
        err = f"CASE WHEN {is_bad} THEN 'bad_encoding' ELSE {err} END"
        err_col = f"CASE WHEN {is_bad} THEN -2 ELSE {err_col} END"
        bad = f"CASE WHEN {is_bad} THEN NULL ELSE {bad} END"
    key = [f"p_{k}" for k in table.key]
    # duplicates: group one 64-bit hash of the key (cheap), then confirm on the real key
    key_eq = " AND ".join(f"d.{k} = e.{k}" for k in key)
    out_cols = [f"e.p_{c.name}" if c.name in mapped else f"CAST(NULL AS {SQL_TYPES[c.type]}) AS p_{c.name}"
                for c in table.columns]
    kind_extra = f", e.p_{table.row_unit[2]} AS _kind" if table.row_unit else ""
    with_ = ",\n".join(ctes)
    return f"""
CREATE OR REPLACE TEMP TABLE staged AS
WITH {with_}{',' if ctes else ''}
j AS (SELECT {', '.join(j_cols)} FROM {source} AS r {' '.join(joins)}),
k AS (SELECT *{''.join(', ' + x for x in k_cols)} FROM j),
e AS MATERIALIZED (SELECT _row, {', '.join('p_' + n for n in mapped)}, {err} AS _err0, {err_col} AS _err_col0,
    {bad} AS _bad0, hash({', '.join(key)}) AS _h FROM k),
h AS (SELECT _h FROM e WHERE _err0 IS NULL GROUP BY _h HAVING count(*) > 1),
d AS (SELECT {', '.join(key)}, min(_row) AS _first FROM e WHERE _err0 IS NULL AND _h IN (SELECT _h FROM h)
      GROUP BY ALL HAVING count(*) > 1)
SELECT e._row, {', '.join(out_cols)},
       CASE WHEN e._err0 IS NULL AND e._row > d._first THEN 'duplicate_key' ELSE e._err0 END AS _err,
       CASE WHEN e._err0 IS NULL AND e._row > d._first THEN -1 ELSE e._err_col0 END AS _err_col,
       e._bad0 AS _bad,
       CASE WHEN e._err0 IS NULL AND e._row > d._first THEN d._first END AS _dup_of{kind_extra}
FROM e LEFT JOIN d ON {key_eq}
"""


# ------------------------------------------------------------------ reject messages
BAD_ENCODING_MESSAGE = "该行的字符编码与文件其余各行不一致，未导入（请将整个文件统一另存为 UTF-8 后重新导入该行）"


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


def _range_message(c: Column, table: Table, h: str, val: str) -> str:
    # the magnitude bound of every float column (MAX_MAGNITUDE, 10^15 = 一千万亿)
    huge = f"{lit(f'“{h}”的值')} || {val} || '超出范围（按标准计量单位，绝对值须小于一千万亿）'"
    if c.max_by is None:
        return huge if c.type == "float" else "NULL"
    kind, bounds = c.max_by
    kc = table.column(kind)
    names = " ".join(f"WHEN {lit(k)} THEN {lit(f'{(kc.values.get(k) or (k,))[0]}不得超过 {b:g}')}"
                     for k, b in bounds.items())
    return f"coalesce({lit(f'“{h}”的值')} || {val} || '超出范围（' || (CASE p_{kind} {names} END) || '）', {huge})"


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
            f"{lit(unit_hint(fam))}"
            for fam, members in _families_of_kinds(kind_col.values).items())
        out.append(("bad_unit", f"{lit('计量单位')} || {val} || '不适用于' || {lit(kind_col.header)} || '“' || "
                                f"(CASE _kind {names} END) || '”（可用：' || (CASE {hints} END) || '）'"))
    out += [
        ("bad_number", f"{lit(f'“{h}”的值')} || {val} || "
                       f"{lit('不是有效整数' if c.type == 'int' else '不是有效数字')}"),
        ("negative_value", f"{lit(f'“{h}”的值')} || {val} || '为负数'"),
        ("out_of_range", _range_message(c, table, h, val)),
        ("bad_year", f"{lit(f'“{h}”的值')} || {val} || '不是有效年度（应为四位年份，如 2024）'"),
        ("bad_date", f"{lit(f'“{h}”的值')} || {val} || "
                     + (lit("不是有效月份（如 2024-03、2024年3月、202403）") if c.type == "month"
                        else lit("不是有效日期（如 2024-03-31、2024/3/31、20240331）"))),
        ("bad_credit_code", f"'统一社会信用代码' || {val} || '无效：' || {_credit_reason('_bad')}"),
        ("unknown_enterprise", f"'统一社会信用代码' || {val} || '不在企业名录中（请先导入企业名录）'"),
        ("future_date", f"{lit(f'“{h}”的值')} || {val} || '晚于今天（实际日期不能是将来的日期）'"),
    ]
    if c.references is not None:
        from zhizao.contract.tables import TABLES

        ref = TABLES[c.references]
        out.append(("unknown_reference", f"{lit(f'“{h}”的值')} || {val} || "
                                         f"{lit(f'不在{ref.title}中（请先导入 {ref.name}）')}"))
    for rc in table.row_checks:
        if rc.column == c.name:
            parts = rc.message.split("{value}")
            expr = f" || {val} || ".join(lit(p) for p in parts)
            out.append((rc.code, expr))
    if c.type == "bool":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '无法识别（应为 是/否、Y/N、true/false、1/0）'"))
    elif c.check == "enum":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || {lit(f'无法识别（可选：{_examples(c)}）')}"))
    elif c.check == "region":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是现行的县级行政区划代码（GB/T 2260，6位）'"))
    elif c.check == "region_any":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是现行的市级或县级行政区划代码（GB/T 2260，6位）'"))
    elif c.check == "industry":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是国民经济行业小类代码（GB/T 4754-2017，4位）'"))
    elif c.check == "division":
        out.append(("unknown_code", f"{lit(f'“{h}”的值')} || {val} || '不是国民经济行业大类代码（GB/T 4754-2017，2位）'"))
    return out


def message_sql(hmap: HeaderMap, present: set[tuple[int, str]] | None = None) -> tuple[str, str]:
    """SQL expressions over ``staged`` for a reject's column header and Chinese message.

    ``present``: the (``_err_col``, ``_err``) pairs that occur; only their messages are written,
    which keeps the statement small enough to plan quickly.
    """
    table = hmap.table
    key_headers = "、".join(hmap.get(k).header for k in table.key)  # type: ignore[union-attr]
    column = ("CASE _err_col " + " ".join(f"WHEN {m.index} THEN {lit(m.header)}" for m in hmap.columns)
              + f" WHEN -1 THEN {lit(key_headers)} END")
    per_col = []
    for m in hmap.columns:
        inner = " ".join(f"WHEN {lit(code)} THEN {expr}" for code, expr in _column_messages(m, table)
                         if present is None or (m.index, code) in present)
        if inner:
            per_col.append(f"WHEN {m.index} THEN CASE _err {inner} END")
    message = (f"CASE _err_col WHEN -1 THEN '与第' || _dup_of || '行重复（{key_headers}相同，保留第' || _dup_of || '行）' "
               f"WHEN -2 THEN {lit(BAD_ENCODING_MESSAGE)} "
               + " ".join(per_col) + " END")
    return column, message


def rejects_insert_sql(hmap: HeaderMap, batch_id: int, present: set[tuple[int, str]] | None = None) -> str:
    """INSERT of one ``rejects`` row per rejected row of ``staged`` (few rows: the messages are built here)."""
    column, message = message_sql(hmap, present)
    return (f'INSERT INTO rejects (batch_id, "row", "column", code, message) '
            f"SELECT {int(batch_id)}, _row, {column}, _err, {message} "
            f"FROM (SELECT * REPLACE (coalesce(trim(_bad, {lit(_WS)}), '') AS _bad) FROM staged "
            f"WHERE _err IS NOT NULL)")
