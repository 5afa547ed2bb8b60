"""Write the demo city's tables as the departments hand them over, with a handful of dirt.

Each file differs the way real exchanges do: UTF-8 with BOM (市场监管), GBK (税务), XLSX
(自然资源), Chinese or canonical headers, units in the header (统计 reports output and value
added in 元), mixed units per row (电力: 千瓦时 and 万千瓦时), several month and date spellings.
Every dirty row carries exactly one defect, so the manifest's expected reject counts are
exact per code; row numbers count the header as row 1.

Cells are formatted by DuckDB (fixed decimals through DECIMAL casts) and written with
``COPY``: a million rows take about a second, and the text is the same on every run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import xlsxwriter

from zhizao.demo import profiles
from zhizao.demo.identity import (
    ENERGY_NAMES,
    POLLUTANT_NAMES,
    ZERO_CARBON_NAMES,
    corrupt_check,
    credit_codes,
)

IMPORT_ORDER = ("enterprises", "price_indices", "statistics_annual", "statistics_monthly", "tax", "energy",
                "zero_carbon", "land", "emissions", "power_daily")
SOURCES = {
    "enterprises": "市场监管局", "statistics_annual": "统计局", "statistics_monthly": "统计局",
    "price_indices": "统计局", "tax": "税务局", "energy": "供电公司 / 能源监测", "zero_carbon": "供电公司 / 林业局",
    "land": "自然资源和规划局", "emissions": "生态环境局", "power_daily": "供电公司",
}


def dec(col: str, d: int) -> str:
    """Fixed-decimal text of a numeric column (DECIMAL rounds half away from zero)."""
    if d == 0:
        return f"CAST(round({col}) AS BIGINT)::VARCHAR"
    return f"CAST(round({col}, {d}) AS DECIMAL(24, {d}))::VARCHAR"


def _lit(v: Any) -> str:
    if v is None or (isinstance(v, str) and v == ""):
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v)) if isinstance(v, (float, np.floating)) else str(int(v))
    return "'" + str(v).replace("'", "''") + "'"


@dataclass
class Dirt:
    """Dirt injected into one file: reject code → file row numbers (header = row 1)."""

    rows: dict[str, list[int]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, row: int, note: str) -> None:
        self.rows.setdefault(code, []).append(row)
        self.notes.setdefault(code, note)

    def manifest(self) -> dict[str, Any]:
        return {code: {"count": len(rows), "rows": sorted(rows), "note": self.notes[code]}
                for code, rows in sorted(self.rows.items())}


class Sheet:
    """One department file: base columns in a DuckDB view, each output column an SQL
    expression over them, plus the dirt (cell overrides and inserted rows)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, base: pd.DataFrame, columns: dict[str, str],
                 rng: np.random.Generator, dirty: bool) -> None:
        self.con = con
        self.n = len(base)
        self.name = f"base_{id(self)}"
        con.register(self.name, base.assign(_r=np.arange(self.n)))
        self.columns = columns
        self.rng = rng
        self.dirty = dirty
        self.used: set[int] = set()
        self.overrides: dict[str, dict[int, Any]] = {}
        self.inserts: list[tuple[float, dict[str, Any], str | None, str]] = []
        self.changes: list[tuple[int, str, str]] = []

    def row(self, i: int) -> dict[str, Any]:
        exprs = ", ".join(f'{e} AS "{c}"' for c, e in self.columns.items())
        r = self.con.execute(f"SELECT {exprs} FROM {self.name} WHERE _r = {int(i)}").fetchone()
        assert r is not None
        out = dict(zip(self.columns, r, strict=True))
        for c, ov in self.overrides.items():
            if i in ov:
                out[c] = ov[i]
        return out

    def pick(self, mask: np.ndarray | None = None) -> int:
        ok = np.ones(self.n, bool) if mask is None else np.asarray(mask, bool).copy()
        if self.used:
            ok[list(self.used)] = False
        choices = np.flatnonzero(ok)
        i = int(choices[self.rng.integers(len(choices))])
        self.used.add(i)
        return i

    def corrupt(self, code: str, column: str, value: Any | Callable[[Any], Any], note: str,
                mask: np.ndarray | None = None) -> None:
        """Change one cell of a random clean row (``value`` may be a function of the old cell)."""
        if not self.dirty:
            return
        i = self.pick(mask)
        new = value(self.row(i)[column]) if callable(value) else value
        self.overrides.setdefault(column, {})[i] = new
        self.changes.append((i, code, note))

    def tamper(self, column: str, value: Any, mask: np.ndarray | None = None) -> int | None:
        """Change one cell in a way no import check can see (a unit mix-up): loaded, not rejected;
        the caller lists it among the consistency issues. Returns the base row."""
        if not self.dirty:
            return None
        i = self.pick(mask)
        self.overrides.setdefault(column, {})[i] = value
        return i

    def insert(self, code: str | None, row: dict[str, Any], note: str = "", after: int | None = None) -> None:
        """Add a row after a random (or given) row; ``code`` None adds a clean row."""
        if not self.dirty:
            return
        pos = self.pick() if after is None else after
        self.inserts.append((pos + 0.5 + 0.001 * len(self.inserts), row, code, note))

    def duplicate(self, note: str, change: dict[str, Any] | None = None) -> None:
        """A second row for an existing key, right after it (the later one is the reject)."""
        if not self.dirty:
            return
        i = self.pick()
        self.inserts.append((i + 0.5 + 0.001 * len(self.inserts), self.row(i) | (change or {}),
                             "duplicate_key", note))

    def query(self) -> tuple[str, Dirt]:
        cols = []
        for c, e in self.columns.items():
            ov = self.overrides.get(c)
            if ov:
                cases = " ".join(f"WHEN {i} THEN {_lit(v)}" for i, v in sorted(ov.items()))
                e = f"CASE _r {cases} ELSE {e} END"
            cols.append(f'{e} AS "{c}"')
        sql = f"SELECT _r::DOUBLE AS _k, {', '.join(cols)} FROM {self.name}"
        for k, r, _, _ in self.inserts:
            vals = ", ".join(f'{_lit(r.get(c))} AS "{c}"' for c in self.columns)
            sql += f" UNION ALL SELECT {k!r} AS _k, {vals}"
        # row numbers after insertion: a row's number is 2 + the rows sorted before it
        keys = np.concatenate([np.arange(self.n, dtype=float), np.array([k for k, _, _, _ in self.inserts])])
        order = np.sort(keys)
        dirt = Dirt()
        for i, code, note in self.changes:
            dirt.add(code, int(np.searchsorted(order, float(i))) + 2, note)
        for k, _, ins_code, ins_note in self.inserts:
            if ins_code is not None:
                dirt.add(ins_code, int(np.searchsorted(order, k)) + 2, ins_note)
        names = ", ".join(f'"{c}"' for c in self.columns)
        return f"SELECT {names} FROM ({sql}) ORDER BY _k", dirt

    def rows_total(self) -> int:
        return self.n + len(self.inserts)

    def write_csv(self, path: Path, encoding: str = "utf-8") -> Dirt:
        sql, dirt = self.query()
        target = path if encoding == "utf-8" else path.with_suffix(".utf8.tmp")
        self.con.execute(f"COPY ({sql}) TO '{target.as_posix()}' (FORMAT csv, HEADER true)")
        if target != path:
            text = target.read_text(encoding="utf-8")
            path.write_bytes(text.encode(encoding))
            target.unlink()
        return dirt

    def write_xlsx(self, path: Path, sheet: str, properties: dict[str, Any]) -> Dirt:
        sql, dirt = self.query()
        rows = self.con.execute(sql).fetchall()
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        wb.set_properties(properties)  # fixed document times keep the file byte-identical for a seed
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, list(self.columns), wb.add_format({"bold": True}))
        ws.set_column(0, 2, 22)
        write_number, write_string = ws.write_number, ws.write_string
        for r, values in enumerate(rows, start=1):  # xlsxwriter has no bulk API
            for c, v in enumerate(values):
                if v is None:
                    continue
                if isinstance(v, (int, float)):
                    write_number(r, c, v)
                else:
                    write_string(r, c, v)
        wb.close()
        return dirt


def _entry(file: str, table: str, fmt: str, encoding: str | None, headers: str, rows: int, dirt: Dirt,
           note: str = "") -> dict[str, Any]:
    d = dirt.manifest()
    expected = {code: v["count"] for code, v in d.items()}
    return {"file": file, "table": table, "source": SOURCES[table], "format": fmt, "encoding": encoding,
            "headers": headers, "rows": rows, "dirt": d, "expected_rejects": expected,
            "expected_rejected": sum(expected.values()), "note": note}


def _ghost_codes(rng: np.random.Generator, known: set[str], n: int) -> list[str]:
    """Valid credit codes of firms the 市场监管 list does not have (unknown enterprises)."""
    regions = np.array(profiles.DISTRICT_CODES)[rng.integers(0, 5, n * 2)]
    founded = np.full(n * 2, np.datetime64("2018-06-01"))
    return [c for c in credit_codes(rng, regions, founded) if c not in known][:n]


def write_all(out: Path, rng: np.random.Generator, firms: pd.DataFrame, frames: dict[str, Any],
              years: list[int], dirty: bool) -> dict[str, Any]:
    codes = firms["credit_code"].to_numpy()
    known = set(codes.tolist())
    ghosts = _ghost_codes(rng, known, 12)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    try:
        entries = [
            _enterprises(con, out, rng, firms, dirty),
            _price_indices(con, out, rng, frames["price_indices"], dirty),
            _statistics_annual(con, out, rng, codes, frames["annual"], frames["flags"], ghosts[0], dirty),
        ]
        monthly, inconsistencies = _statistics_monthly(con, out, rng, codes, frames["annual"],
                                                       frames["month_share"], ghosts[1], dirty)
        energy, energy_issues = _energy(con, out, rng, firms, frames["energy"], ghosts[4:6], dirty)
        inconsistencies |= energy_issues
        entries += [
            monthly,
            _tax(con, out, rng, codes, frames["annual"], ghosts[2:4], dirty),
            energy,
            _zero_carbon(con, out, rng, codes, frames["zero_carbon"], dirty),
            _land(con, out, rng, codes, frames["land"], dirty),
            _emissions(con, out, rng, codes, frames["emissions"], dirty),
            _power_daily(con, out, rng, codes, frames["power_daily"], ghosts[6:8], dirty),
        ]
    finally:
        con.close()
    by_table = {e["table"]: e for e in entries}
    return {"import_order": list(IMPORT_ORDER), "files": [by_table[t] for t in IMPORT_ORDER],
            "consistency": inconsistencies}


# ------------------------------------------------------------------ one writer per table
def _enterprises(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, f: pd.DataFrame,
                 dirty: bool) -> dict[str, Any]:
    base = pd.DataFrame({"code": f["credit_code"].to_numpy(), "name": f["name"].to_numpy(),
                         "region": f["region_code"].to_numpy(), "industry": f["industry_code"].to_numpy(),
                         "founded": f["founded_on"].to_numpy().astype("datetime64[D]"),
                         "slash": rng.random(len(f)) < 0.1,  # one registry export writes 2015/3/8
                         "town": f["township"].to_numpy(), "park": f["park"].to_numpy()})
    sh = Sheet(con, base, {
        "统一社会信用代码": "code", "企业名称": "name", "行政区划代码": "region", "行业代码": "industry",
        "成立日期": "CASE WHEN slash THEN strftime(founded, '%Y/%-m/%-d') ELSE strftime(founded, '%Y-%m-%d') END",
        "乡镇街道": "town", "园区": "nullif(park, '')",
    }, rng, dirty)
    junk = credit_codes(rng, np.array(["330502", "330522", "330523", "330503", "330521", "330523"]),
                        np.full(6, np.datetime64("2019-05-01")))

    def row(code: str, name: str, region: str = "330522", industry: str = "3021", date: str = "2019-05-01") -> dict:
        return {"统一社会信用代码": code, "企业名称": name, "行政区划代码": region, "行业代码": industry,
                "成立日期": date}

    # extra firms that no other file mentions, so a reject here never cascades
    sh.insert("bad_credit_code", row(corrupt_check(junk[0]), "湖州校验错建材有限公司"), "校验位错误的信用代码")
    sh.insert("bad_credit_code", row(junk[1][:9] + "O" + junk[1][10:], "长兴录入错机械有限公司"),
              "信用代码含字母 O（不在代码字符集中）")
    sh.insert("missing_required", row(junk[2], ""), "企业名称为空")
    sh.insert("unknown_code", row(junk[3], "湖州未知区划纺织有限公司", region="330599"), "行政区划代码 330599 不存在")
    sh.insert("unknown_code", row(junk[4], "湖州未知行业有限公司", industry="3848"),
              "行业代码 3848 不是 GB/T 4754-2017 小类")
    sh.insert("bad_date", row(junk[5], "德清日期错电子有限公司", date="2019-02-30"), "成立日期 2019-02-30 不存在")
    # a firm listed twice: an extra firm, so that however an importer treats the pair, no other
    # file's rows lose their enterprise
    junk2 = credit_codes(rng, np.array(["330523"]), np.full(1, np.datetime64("2019-05-01")))[0]
    twin = sh.pick()
    dup = row(junk2, "安吉重复登记家具有限公司", region="330523", industry="2110")
    sh.insert(None, dup, after=twin)
    sh.insert("duplicate_key", dup | {"企业名称": "安吉重复登记家具股份有限公司"}, "同一信用代码的第二行（第一行可导入）",
              after=twin)
    dirt = sh.write_csv(out / "企业基本信息.csv", "utf-8-sig")
    return _entry("企业基本信息.csv", "enterprises", "csv", "utf-8-sig", "chinese", sh.rows_total(), dirt,
                  "统一社会信用代码为主键；其余各表的企业必须在此名录中；成立日期部分写作 2015/3/8")


def _price_indices(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, p: pd.DataFrame,
                   dirty: bool) -> dict[str, Any]:
    sh = Sheet(con, p, {"年度": "year::VARCHAR", "行业大类": "division", "出厂价格指数": dec('"index"', 1)}, rng, dirty)
    sh.insert("unknown_code", {"年度": str(int(p["year"].iat[-1])), "行业大类": "99", "出厂价格指数": "101.2"},
              "行业大类 99 不存在")
    dirt = sh.write_csv(out / "工业生产者价格指数.csv")
    return _entry("工业生产者价格指数.csv", "price_indices", "csv", "utf-8", "chinese", sh.rows_total(), dirt)


def _statistics_annual(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray,
                       a: pd.DataFrame, flags: pd.DataFrame, ghost: str, dirty: bool) -> dict[str, Any]:
    small = (a["revenue"].to_numpy() < 500) & (rng.random(len(a)) < 0.5)  # small firms skip the balance sheet
    base = pd.DataFrame({
        "code": codes[a["fi"].to_numpy()], "year": a["year"].to_numpy(), "above": a["above_scale"].to_numpy(),
        "go": np.round(a["gross_output"].to_numpy(), 2), "va": np.round(a["value_added"].to_numpy(), 2),
        "rev": a["revenue"].to_numpy(), "emp": a["employees"].to_numpy(), "rd": a["rd_expense"].to_numpy(),
        "assets": np.where(small, np.nan, a["total_assets"].to_numpy()),
        "liab": np.where(small, np.nan, a["total_liabilities"].to_numpy()),
        "se": flags["strategic_emerging"].to_numpy(), "ht": flags["high_tech"].to_numpy(),
        "eq": flags["equipment"].to_numpy(), "dc": flags["digital_core"].to_numpy(),
    })
    sh = Sheet(con, base, {
        "统一社会信用代码": "code", "年度": "year::VARCHAR", "是否规上": "CASE WHEN above THEN '是' ELSE '否' END",
        # the statistics system exports output and value added in 元 and says so in the header
        "工业总产值(元)": dec("go * 10000", 0), "工业增加值(元)": dec("va * 10000", 0),
        "营业收入(万元)": dec("rev", 2), "年平均从业人员": "emp::VARCHAR", "研发费用(万元)": dec("rd", 2),
        "资产总计(万元)": dec("assets", 2), "负债合计(万元)": dec("liab", 2),
        "是否战略性新兴产业": "nullif(se, '')", "是否高新技术产业": "nullif(ht, '')",
        "是否装备制造业": "nullif(eq, '')", "是否数字经济核心产业": "nullif(dc, '')",
    }, rng, dirty)
    sh.corrupt("missing_required", "营业收入(万元)", "", "营业收入为空")
    sh.corrupt("missing_required", "营业收入(万元)", "", "营业收入为空")
    sh.corrupt("negative_value", "工业总产值(元)", lambda v: "-" + v, "工业总产值为负（符号录入错误）")
    sh.corrupt("bad_number", "年平均从业人员", "约120人", "从业人员不是数字")
    sh.insert("unknown_enterprise", sh.row(0) | {"统一社会信用代码": ghost}, "企业不在企业名录中")
    sh.duplicate("同一企业同一年度的第二行")
    dirt = sh.write_csv(out / "工业企业年度统计.csv")
    return _entry("工业企业年度统计.csv", "statistics_annual", "csv", "utf-8", "chinese, with units",
                  sh.rows_total(), dirt,
                  "工业总产值、工业增加值以元计（表头注明），其余金额以万元计；四个分类标志多数为空")


def _statistics_monthly(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray,
                        a: pd.DataFrame, ms: np.ndarray, ghost: str,
                        dirty: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    above = np.flatnonzero(a["above_scale"].to_numpy())
    share = ms[above]
    cols = {}
    for c in ("gross_output", "value_added", "revenue"):
        total = np.round(a[c].to_numpy()[above], 2)
        part = np.round(total[:, None] * share, 2)
        # December takes the rounding remainder, so months add up to the annual figure exactly
        part[:, 11] = np.round(total - part[:, :11].sum(axis=1), 2)
        cols[c] = part.ravel()
    fy = np.repeat(above, 12)
    keep = share.ravel() > 0
    base = pd.DataFrame({"code": codes[a["fi"].to_numpy()[fy]], "year": a["year"].to_numpy()[fy],
                         "month": np.tile(np.arange(1, 13), len(above)), "go": cols["gross_output"],
                         "va": cols["value_added"], "rev": cols["revenue"]})[keep].reset_index(drop=True)
    # deliberate inconsistencies (数据打架): a month's revenue off by a quarter, months not reported
    off = np.sort(rng.choice(len(base), size=min(6, len(base)), replace=False))
    base.loc[off, "rev"] = np.round(base.loc[off, "rev"].to_numpy() * 1.25, 2)
    gone = np.sort(np.setdiff1d(rng.choice(len(base), size=min(4, len(base)), replace=False), off))

    def label(r: pd.Series) -> str:
        return f"{int(r['year'])}-{int(r['month']):02d}"

    issues = [{"credit_code": base.at[r, "code"], "month": label(base.loc[r]),
               "issue": "该月营业收入比年报分摊多 25%，月度合计与年报不符"} for r in off.tolist()]
    issues += [{"credit_code": base.at[r, "code"], "month": label(base.loc[r]), "issue": "该月未报"}
               for r in gone.tolist()]
    base = base.drop(index=gone).reset_index(drop=True)
    sh = Sheet(con, base, {"credit_code": "code", "month": "year::VARCHAR || '年' || month::VARCHAR || '月'",
                           "gross_output": dec("go", 2), "value_added": dec("va", 2), "revenue": dec("rev", 2)},
               rng, dirty)
    sh.corrupt("bad_date", "month", "2023年13月", "月份 13 不存在")
    sh.corrupt("bad_date", "month", "2024-00", "月份 00 不存在")
    sh.corrupt("negative_value", "revenue", "-35.6", "营业收入为负")
    sh.insert("unknown_enterprise", sh.row(0) | {"credit_code": ghost}, "企业不在企业名录中")
    dirt = sh.write_csv(out / "工业企业月度统计.csv")
    entry = _entry("工业企业月度统计.csv", "statistics_monthly", "csv", "utf-8", "canonical", sh.rows_total(),
                   dirt, "规上企业月报；月份写作“2024年3月”；12 月承担舍入差，月度合计等于年报")
    return entry, {"statistics_monthly_vs_annual": issues}


def _tax(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray, a: pd.DataFrame,
         ghosts: list[str], dirty: bool) -> dict[str, Any]:
    base = pd.DataFrame({"code": codes[a["fi"].to_numpy()], "year": a["year"].to_numpy(),
                         "tax": a["tax_paid"].to_numpy()})
    sh = Sheet(con, base, {"统一社会信用代码": "code", "年度": "year::VARCHAR", "实缴税金(万元)": dec("tax", 2)},
               rng, dirty)
    for _ in range(2):
        sh.corrupt("bad_credit_code", "统一社会信用代码", corrupt_check, "信用代码校验位错误（录入错误）")
    for g in ghosts:
        sh.insert("unknown_enterprise", {"统一社会信用代码": g, "年度": str(int(a["year"].max())),
                                         "实缴税金(万元)": "12.50"}, "企业不在企业名录中")
    sh.corrupt("bad_number", "实缴税金(万元)", "12.3.4", "税金不是数字")
    sh.duplicate("同一企业同一年度的第二行")
    dirt = sh.write_csv(out / "企业税收.csv", "gbk")
    return _entry("企业税收.csv", "tax", "csv", "gbk", "chinese, with units", sh.rows_total(), dirt,
                  "税务系统导出，GBK 编码；少数企业因留抵退税为负数（合法）")


def _energy(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, f: pd.DataFrame, e: pd.DataFrame,
            ghosts: list[str], dirty: bool) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    n = len(f)
    issues: dict[str, list[dict[str, Any]]] = {"energy_missing_months": [], "energy_unit_mixups": []}
    if dirty:
        # a few firm-months never reported (all energy types missing)
        el = np.flatnonzero(e["energy_type"].to_numpy() == "electricity")
        gone = e.iloc[np.sort(rng.choice(el, size=min(5, len(el)), replace=False))][["fi", "year", "month"]]
        drop = pd.MultiIndex.from_frame(e[["fi", "year", "month"]]).isin(pd.MultiIndex.from_frame(gone))
        e = e[~drop].reset_index(drop=True)
        issues["energy_missing_months"] = [
            {"credit_code": f["credit_code"].iat[int(r.fi)], "month": f"{int(r.year)}-{int(r.month):02d}",
             "issue": "该月能源数据未报"} for r in gone.itertuples(index=False)]
    fi = e["fi"].to_numpy()
    etype = e["energy_type"].to_numpy().astype(str)
    seg_key = np.array([s.key for s in profiles.SEGMENTS])[f["seg"].to_numpy()][fi]
    base = pd.DataFrame({
        "code": f["credit_code"].to_numpy()[fi], "year": e["year"].to_numpy(), "month": e["month"].to_numpy(),
        "etype": etype, "q": e["quantity"].to_numpy(),
        # some supply points report electricity in 万千瓦时, some gas meters in 万立方米
        "wan": ((rng.random(n) < 0.12)[fi] & (etype == "electricity"))
        | ((rng.random(n) < 0.2)[fi] & (etype == "natural_gas")),
        "steam": (etype == "heat") & (seg_key == "textiles"),  # dyeing plants buy steam
    })
    names = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ENERGY_NAMES.items())
    sh = Sheet(con, base, {
        "统一社会信用代码": "code", "月份": "year::VARCHAR || '-' || lpad(month::VARCHAR, 2, '0')",
        "能源品种": f"CASE WHEN steam THEN '蒸汽' ELSE CASE etype {names} END END",
        "消费量": f"CASE WHEN wan THEN {dec('q / 10000', 4)} WHEN etype IN ('electricity', 'natural_gas') "
                  f"THEN {dec('q', 0)} ELSE {dec('q', 3)} END",
        "计量单位": "CASE WHEN wan AND etype = 'electricity' THEN '万千瓦时' WHEN wan THEN '万立方米' "
                    "WHEN etype = 'electricity' THEN '千瓦时' WHEN etype = 'natural_gas' THEN '立方米' "
                    "WHEN etype = 'heat' THEN '吉焦' ELSE '吨' END",
    }, rng, dirty)
    heat, coal, elec = etype == "heat", etype == "raw_coal", etype == "electricity"
    # unit mix-ups: kWh figures labelled 万千瓦时 — valid for the importer, 10,000 times too large
    for _ in range(2):
        i = sh.tamper("计量单位", "万千瓦时", mask=elec & ~base["wan"].to_numpy() & (base["q"].to_numpy() > 0))
        if i is not None:
            issues["energy_unit_mixups"].append({
                "credit_code": base.at[i, "code"], "month": f"{int(base.at[i, 'year'])}-{int(base.at[i, 'month']):02d}",
                "issue": "千瓦时数值误标为万千瓦时（放大一万倍），导入检查无法发现，由数据一致性检查发现"})
    sh.corrupt("bad_unit", "计量单位", "千卡", "热力单位“千卡”不在单位表中", mask=heat if heat.any() else None)
    sh.corrupt("bad_unit", "计量单位", "桶", "单位“桶”不在单位表中", mask=coal if coal.any() else None)
    sh.corrupt("bad_unit", "计量单位", "千瓦", "千瓦是功率单位，不是电量单位", mask=elec)
    sh.corrupt("negative_value", "消费量", "-1200", "消费量为负")
    sh.corrupt("negative_value", "消费量", "-35.5", "消费量为负")
    sh.corrupt("bad_date", "月份", "2022-13", "月份 13 不存在")
    sh.corrupt("bad_date", "月份", "2021/00", "月份 00 不存在")
    sh.corrupt("unknown_code", "能源品种", "沼气", "能源品种“沼气”不在代码表中")
    for g in ghosts:
        sh.insert("unknown_enterprise", {"统一社会信用代码": g, "月份": f"{int(e['year'].max())}-06", "能源品种": "电力",
                                         "消费量": "48000", "计量单位": "千瓦时"}, "企业不在企业名录中")
    sh.corrupt("bad_credit_code", "统一社会信用代码", corrupt_check, "信用代码校验位错误")
    sh.corrupt("missing_required", "消费量", "", "消费量为空")
    sh.corrupt("missing_required", "消费量", "", "消费量为空")
    sh.duplicate("同一企业、月份、能源品种的第二行（数值不同）", {"消费量": "1"})
    dirt = sh.write_csv(out / "企业能源消费.csv")
    return _entry("企业能源消费.csv", "energy", "csv", "utf-8", "chinese", sh.rows_total(), dirt,
                  "电力有“千瓦时”和“万千瓦时”两种单位，天然气有“立方米”和“万立方米”；印染企业的热力写作“蒸汽”"), issues


def _zero_carbon(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray,
                 z: pd.DataFrame, dirty: bool) -> dict[str, Any]:
    kind = z["kind"].to_numpy().astype(str)
    base = pd.DataFrame({"code": codes[z["fi"].to_numpy()], "year": z["year"].to_numpy(),
                         "month": z["month"].to_numpy(), "kind": kind, "q": z["quantity"].to_numpy()})
    names = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ZERO_CARBON_NAMES.items())
    sh = Sheet(con, base, {
        "credit_code": "code", "month": "year::VARCHAR || lpad(month::VARCHAR, 2, '0')",
        "kind": f"CASE kind {names} END",
        "quantity": f"CASE WHEN kind <> 'sink' AND q >= 200000 THEN {dec('q / 10000', 4)} ELSE {dec('q', 1)} END",
        "unit": "CASE WHEN kind = 'sink' THEN '吨' WHEN q >= 200000 THEN '万千瓦时' ELSE '千瓦时' END",
    }, rng, dirty)
    sh.corrupt("bad_unit", "unit", "兆瓦", "兆瓦是功率单位，不是电量单位", mask=kind != "sink")
    sh.corrupt("unknown_code", "kind", "储能", "类别“储能”不在代码表中")
    dirt = sh.write_csv(out / "企业零碳措施.csv")
    return _entry("企业零碳措施.csv", "zero_carbon", "csv", "utf-8", "canonical", sh.rows_total(), dirt,
                  "月份写作“202403”；碳汇以吨计，于 12 月报送全年数")


def _land(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray,
          land: pd.DataFrame, dirty: bool) -> dict[str, Any]:
    base = pd.DataFrame({"code": codes[land["fi"].to_numpy()], "year": land["year"].to_numpy(),
                         "parcel": land["parcel_id"].to_numpy(), "area": land["area_mu"].to_numpy(),
                         "owned": land["tenure"].to_numpy() == "owned"})
    sh = Sheet(con, base, {"统一社会信用代码": "code", "年度": "year", "宗地编号": "parcel",
                           "用地面积(亩)": "round(area, 2)", "权属": "CASE WHEN owned THEN '自有' ELSE '租赁' END"},
               rng, dirty)
    sh.corrupt("missing_required", "宗地编号", "", "宗地编号为空")
    sh.corrupt("negative_value", "用地面积(亩)", -12.5, "用地面积为负")
    sh.corrupt("unknown_code", "权属", "划拨", "权属“划拨”不在代码表中（应为自有或租赁）")
    sh.duplicate("同一企业、年度、宗地的第二行")
    dirt = sh.write_xlsx(out / "工业用地台账.xlsx", "用地", {"title": "工业用地台账", "author": "自然资源和规划局",
                                                     "created": dt.datetime(2025, 1, 15)})
    return _entry("工业用地台账.xlsx", "land", "xlsx", None, "chinese, with units", sh.rows_total(), dirt,
                  "XLSX 第一张表；共用宗地的企业各列一行，面积为整宗地面积；租赁企业宗地编号含“ZL”")


def _emissions(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray,
               em: pd.DataFrame, dirty: bool) -> dict[str, Any]:
    base = pd.DataFrame({"code": codes[em["fi"].to_numpy()], "year": em["year"].to_numpy(),
                         "p": em["pollutant"].to_numpy().astype(str), "q": em["quantity"].to_numpy()})
    names = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in POLLUTANT_NAMES.items())
    sh = Sheet(con, base, {"统一社会信用代码": "code", "年度": "year::VARCHAR", "污染物": f"CASE p {names} END",
                           "排放量(吨)": dec("q", 4)}, rng, dirty)
    sh.corrupt("unknown_code", "污染物", "VOCs", "污染物“VOCs”不在代码表中")
    sh.corrupt("negative_value", "排放量(吨)", "-0.35", "排放量为负")
    sh.corrupt("bad_number", "排放量(吨)", "未监测", "排放量不是数字")
    dirt = sh.write_csv(out / "污染物排放.csv")
    return _entry("污染物排放.csv", "emissions", "csv", "utf-8", "chinese, with units", sh.rows_total(), dirt)


def _power_daily(con: duckdb.DuckDBPyConnection, out: Path, rng: np.random.Generator, codes: np.ndarray,
                 p: pd.DataFrame, ghosts: list[str], dirty: bool) -> dict[str, Any]:
    base = pd.DataFrame({"code": codes[p["fi"].to_numpy()], "d": p["date"].to_numpy().astype("datetime64[D]"),
                         "kwh": p["kwh"].to_numpy()})
    sh = Sheet(con, base, {"credit_code": "code", "date": "strftime(d, '%Y%m%d')", "kwh": dec("kwh", 1)}, rng, dirty)
    sh.corrupt("bad_date", "date", "20230229", "2023 年没有 2 月 29 日")
    sh.corrupt("bad_date", "date", "2024-02-30", "2 月没有 30 日")
    sh.corrupt("negative_value", "kwh", "-520.0", "用电量为负")
    last = str(p["date"].max())[:10].replace("-", "")
    for g in ghosts:
        sh.insert("unknown_enterprise", {"credit_code": g, "date": last, "kwh": "1830.5"}, "企业不在企业名录中")
    dirt = sh.write_csv(out / "企业日用电量.csv")
    return _entry("企业日用电量.csv", "power_daily", "csv", "utf-8", "canonical", sh.rows_total(), dirt,
                  "规上企业最近两年的日用电量；日期写作“20240131”；含停产（骤降）与缺报日")


