"""The demo city generator: deterministic, realistic, every file readable, dirt as listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from zhizao.codes import credit_code as cc
from zhizao.codes import industries, regions
from zhizao.demo import profiles
from zhizao.demo.generator import generate

DISTRICTS = {"330502", "330503", "330521", "330522", "330523"}
TABLES = {"enterprises", "statistics_annual", "statistics_monthly", "price_indices", "tax", "energy",
          "zero_carbon", "land", "emissions", "power_daily"}


def read(out: Path, entry: dict) -> pd.DataFrame:
    path = out / entry["file"]
    if entry["format"] == "xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        df = pd.DataFrame(rows[1:], columns=rows[0])
        return df.map(lambda v: "" if v == "" or v is None else (f"{v:g}" if isinstance(v, float) else str(v)))
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=entry["encoding"])


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("city")
    manifest = generate(out, firms=400, seed=7)
    files = {e["table"]: read(out, e) for e in manifest["files"]}
    return out, manifest, files


def dirty_rows(entry: dict) -> set[int]:
    return {r for d in entry["dirt"].values() for r in d["rows"]}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", firms=120, seed=11, years=range(2023, 2025))
    b = generate(tmp_path / "b", firms=120, seed=11, years=range(2023, 2025))
    c = generate(tmp_path / "c", firms=120, seed=12, years=range(2023, 2025))
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a["files_sha256"] == b["files_sha256"] != c["files_sha256"]


def test_manifest_lists_every_table_with_source(city) -> None:
    out, m, _ = city
    assert {e["table"] for e in m["files"]} == TABLES
    assert m["import_order"][0] == "enterprises"
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["files"] == json.loads(json.dumps(m["files"]))
    for e in m["files"]:
        assert e["source"] and (out / e["file"]).exists()
        assert e["expected_rejected"] == sum(e["expected_rejects"].values())
    formats = {e["file"]: (e["format"], e["encoding"]) for e in m["files"]}
    assert formats["企业税收.csv"] == ("csv", "gbk")
    assert formats["企业基本信息.csv"] == ("csv", "utf-8-sig")
    assert formats["工业用地台账.xlsx"][0] == "xlsx"
    assert (out / "企业基本信息.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # named as a bureau's departments name their files (the import pages list them)
    assert all(re.fullmatch(r"[\u4e00-\u9fff_0-9]+\.(csv|xlsx)", e["file"]) for e in m["files"]), formats


def test_every_file_readable_with_row_counts(city) -> None:
    _, m, files = city
    for e in m["files"]:
        assert len(files[e["table"]]) == e["rows"], e["file"]


def test_firms_districts_and_codes(city) -> None:
    _, m, files = city
    ent = files["enterprises"]
    junk = dirty_rows(m["files"][0])
    clean = ent.drop(index=[r - 2 for r in junk])
    # the duplicate's first copy is a clean extra firm
    assert len(clean) == 400 + 1
    assert set(clean["行政区划代码"]) == DISTRICTS
    assert all(cc.is_valid(c) for c in clean["统一社会信用代码"])
    assert (clean["统一社会信用代码"].str[2:8] == clean["行政区划代码"]).all()
    assert all(industries.is_class(c) for c in clean["行业代码"])
    assert all(regions.is_current(c) for c in clean["行政区划代码"])
    assert clean["企业名称"].is_unique


def test_only_listed_rows_are_dirty(city) -> None:
    """Outside the manifest's dirty rows every credit code is valid and in the enterprise list."""
    _, m, files = city
    ent = files["enterprises"]
    known = set(ent.drop(index=[r - 2 for r in dirty_rows(m["files"][0])])["统一社会信用代码"])
    for e in m["files"][2:]:
        df = files[e["table"]]
        col = df.columns[0]
        if e["table"] == "price_indices":
            continue
        clean = df.drop(index=[r - 2 for r in dirty_rows(e)])
        assert clean[col].isin(known).all(), e["file"]
        for code, info in e["dirt"].items():
            cells = df.loc[[r - 2 for r in info["rows"]], col]
            if code == "bad_credit_code":
                assert not any(cc.is_valid(c) for c in cells)
            elif code == "unknown_enterprise":
                assert all(cc.is_valid(c) and c not in known for c in cells)
            elif code == "negative_value":
                rows = df.loc[[r - 2 for r in info["rows"]]]
                assert all(any(str(v).startswith("-") for v in row) for row in rows.itertuples(index=False))
            elif code == "missing_required":
                rows = df.loc[[r - 2 for r in info["rows"]]]
                assert all("" in list(row) for row in rows.itertuples(index=False))
            elif code == "duplicate_key":
                key = {"tax": 2, "statistics_annual": 2, "energy": 3, "land": 3}[e["table"]]
                keys = df.iloc[:, 0].astype(str)
                for j in range(1, key):
                    keys = keys + "|" + df.iloc[:, j].astype(str)
                for r in info["rows"]:
                    assert (keys.iloc[: r - 2] == keys.iloc[r - 2]).any()


def test_dirt_kinds_present(city) -> None:
    _, m, _ = city
    codes = {c for e in m["files"] for c in e["expected_rejects"]}
    assert {"bad_credit_code", "unknown_enterprise", "negative_value", "bad_date", "bad_unit", "duplicate_key",
            "missing_required", "unknown_code", "bad_number"} <= codes
    assert all(0 < e["expected_rejected"] <= 20 for e in m["files"])


def test_no_dirt_when_asked(tmp_path: Path) -> None:
    m = generate(tmp_path, firms=100, seed=3, years=[2024], dirt=False)
    assert all(e["expected_rejected"] == 0 for e in m["files"])
    ent = read(tmp_path, m["files"][0])
    assert len(ent) == 100 and all(cc.is_valid(c) for c in ent["统一社会信用代码"])


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def test_realistic_relationships(city) -> None:
    _, _, files = city
    sa = files["statistics_annual"]
    above = sa["是否规上"] == "是"
    share = above.groupby(sa["年度"]).mean()
    assert ((share > 0.18) & (share < 0.42)).all()
    va = _num(sa["工业增加值(元)"]).sum() / _num(sa["工业总产值(元)"]).sum()
    assert 0.2 <= va <= 0.35
    tax = files["tax"]
    t = tax.assign(t=_num(tax["实缴税金(万元)"])).groupby(["统一社会信用代码", "年度"])["t"].first()
    rev = sa.assign(r=_num(sa["营业收入(万元)"])).groupby(["统一社会信用代码", "年度"])["r"].first()
    ratio = t.reindex(rev.index).sum() / rev.sum()
    assert 0.02 <= ratio <= 0.06
    # flags given for some firms only
    assert 0 < (sa["是否高新技术产业"] != "").mean() < 0.2
    # above-scale tax per mu around 25 万元 (owned land)
    land = files["land"]
    land = land[(land["权属"] == "自有") & (land["年度"] == "2024")]
    area = _num(land["用地面积(亩)"]).groupby(land["统一社会信用代码"]).sum()
    firms24 = sa[above & (sa["年度"] == "2024")]["统一社会信用代码"]
    t24 = t.xs("2024", level="年度").reindex(firms24)
    a24 = area.reindex(firms24)
    ok = a24.notna() & t24.notna()
    assert 12 <= t24[ok].sum() / a24[ok].sum() <= 45


def test_monthly_adds_up_except_listed_inconsistencies(city) -> None:
    _, m, files = city
    mo = files["statistics_monthly"]
    mo = mo.assign(year=mo["month"].str[:4], v=_num(mo["gross_output"]))
    sums = mo.groupby(["credit_code", "year"])["v"].sum()
    sa = files["statistics_annual"]
    sa = sa[sa["是否规上"] == "是"]
    annual = (_num(sa["工业总产值(元)"]) / 10000).groupby([sa["统一社会信用代码"], sa["年度"]]).first()
    both = pd.concat([sums.rename("m"), annual.rename("a")], axis=1, join="inner").dropna()
    off = set(i["credit_code"] for i in m["consistency"]["statistics_monthly_vs_annual"])
    good = both[~both.index.get_level_values(0).isin(off)]
    close = np.isclose(good["m"], good["a"], atol=0.011)
    assert close.mean() > 0.99  # the rest: rows rejected as dirt


def test_energy_mixes_units_and_types(city) -> None:
    _, _, files = city
    en = files["energy"]
    assert {"千瓦时", "万千瓦时", "立方米", "吨", "吉焦"} <= set(en["计量单位"])
    assert {"电力", "原煤", "天然气"} <= set(en["能源品种"])
    assert (en["能源品种"] == "电力").sum() >= 400 * 12  # electricity for everyone


def test_power_daily_has_stoppages_and_gaps(city) -> None:
    _, m, files = city
    pdaily = files["power_daily"]
    assert m["power_daily"]["stoppages"] and m["power_daily"]["missing_days"]
    dates = pdaily["date"].str.fullmatch(r"\d{8}")
    assert dates.mean() > 0.99
    s = m["power_daily"]["stoppages"][0]
    rows = pdaily[pdaily["credit_code"] == s["credit_code"]].assign(k=lambda d: _num(d["kwh"]))
    inside = rows[(rows["date"] >= s["from"].replace("-", "")) & (rows["date"] <= s["to"].replace("-", ""))]["k"]
    assert inside.median() < 0.2 * rows["k"].median()


def test_carbon_levels_and_grades_spread(city) -> None:
    """With the Zhejiang factors, above-scale firms fall in all three levels and all five grades."""
    _, _, files = city
    co2 = {"电力": profiles.DEMO_CO2["kwh"], "原煤": profiles.DEMO_CO2["coal"], "天然气": profiles.DEMO_CO2["gas"],
           "热力": profiles.DEMO_CO2["heat"], "蒸汽": profiles.DEMO_CO2["heat"], "柴油": profiles.DEMO_CO2["diesel"]}
    en = files["energy"]
    q = _num(en["消费量"]) * en["计量单位"].map({"万千瓦时": 1e4, "万立方米": 1e4}).fillna(1.0)
    e = (q * en["能源品种"].map(co2)).groupby([en["统一社会信用代码"], en["月份"].str[:4]]).sum()
    sa = files["statistics_annual"]
    sa = sa[sa["是否规上"] == "是"]
    va = (_num(sa["工业增加值(元)"]) / 1e4).groupby([sa["统一社会信用代码"], sa["年度"]]).first()
    df = pd.concat([e.rename("e"), va.rename("va")], axis=1, join="inner").dropna()
    df = df[df["va"] > 0]
    ent = files["enterprises"].drop_duplicates("统一社会信用代码").set_index("统一社会信用代码")
    df["div"] = ent.reindex(df.index.get_level_values(0))["行业代码"].str[:2].to_numpy()
    df["year"] = df.index.get_level_values(1)
    df["L"] = df["e"] / df["va"]
    bench = df.groupby(["div", "year"])[["e", "va"]].transform("sum")
    k = df["L"] / (bench["e"] / bench["va"])
    levels = pd.cut(df["L"], [-np.inf, 0.6, 2.0, np.inf], labels=["低碳", "中碳", "高碳"])
    grades = pd.cut(k, [-np.inf, 0.6, 0.8, 1.2, 2.0, np.inf], labels=[1, 2, 3, 4, 5])
    assert set(levels) == {"低碳", "中碳", "高碳"}
    assert set(grades) == {1, 2, 3, 4, 5}


def test_silent_dirt_is_listed_for_the_consistency_checks(city) -> None:
    """Unit mix-ups and unreported months load fine; the manifest lists them for 数据打架 checks."""
    _, m, files = city
    en = files["energy"]
    mixups = m["consistency"]["energy_unit_mixups"]
    assert len(mixups) == 2
    for x in mixups:
        rows = en[(en["统一社会信用代码"] == x["credit_code"]) & (en["月份"] == x["month"]) & (en["能源品种"] == "电力")]
        assert (rows["计量单位"] == "万千瓦时").all()
        others = en[(en["统一社会信用代码"] == x["credit_code"]) & (en["能源品种"] == "电力")
                    & (en["计量单位"] == "千瓦时")]
        # read as 万千瓦时 the month is about 10,000 times the firm's usual one
        assert (_num(rows["消费量"]) * 1e4).max() > 1000 * _num(others["消费量"]).median()
    for x in m["consistency"]["energy_missing_months"]:
        assert not ((en["统一社会信用代码"] == x["credit_code"]) & (en["月份"] == x["month"])).any()
