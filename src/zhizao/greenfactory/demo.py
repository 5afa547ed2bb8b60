"""The green-factory part of ``zhizao demo``: green data for a realistic share of the demo firms.

Who: most above-scale manufacturers (Huzhou evaluated nearly all of them: 2,464 firms ≥ 2★ were
84 % of the above-scale firms in 2020) and a few below-scale ones, chosen per firm from the seed
(the same firms every year). Each firm has a latent "greenness" that drifts upwards year by year
("提质升星"); its supplied indicators lie around that fraction of the span between 基准值 and 引领值
of the methodology in force, qualitative items pass with a probability equal to it (evidence
named), a few derived indicators are also supplied with reporting noise (some beyond the
tolerance), and a small share fails a basic requirement or a negative-list item. When the
warehouse has the ``titles`` table (the cultivation room's), green-factory titles follow the
ladder: county, then city, province and nation for the persistently best firms.

Files (CSV, Chinese headers) under ``<demo folder>/greenfactory``; then import, evaluate every
year (after the carbon runs, which the CO2 indicator reads) and publish.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zhizao.greenfactory.methodology import GreenFactoryMethodology

#: share of above-scale / below-scale manufacturers with green data
SHARE_ABOVE = 0.85
SHARE_BELOW = 0.08
#: yearly failure probability of a basic requirement / negative-list item
P_FAIL_BASIC = 0.012
P_FAIL_NEGATIVE = 0.004


def _firms(settings: Any, years: list[int]) -> pd.DataFrame:
    from zhizao.engine.warehouse import connect

    con = connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(
            "SELECT s.credit_code, s.year, s.above_scale, e.industry_code, e.region_code "
            "FROM statistics_annual s JOIN enterprises e USING (credit_code) "
            "WHERE s.year BETWEEN ? AND ? AND substr(e.industry_code, 1, 2) BETWEEN '13' AND '43' "
            "ORDER BY s.credit_code, s.year", [min(years), max(years)]).fetchdf()
    finally:
        con.close()


def _methodology(year: int) -> GreenFactoryMethodology:
    from zhizao.methodology import find

    m = find(None, "greenfactory", year)
    assert isinstance(m, GreenFactoryMethodology)
    return m


def build(firms: pd.DataFrame, years: list[int], seed: int,
          with_titles: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(green_indicators, green_requirements, titles) rows with Chinese headers, vectorised."""
    rng = np.random.default_rng(seed + 36132)
    codes = np.array(sorted(firms["credit_code"].unique()))
    above_any = firms.groupby("credit_code")["above_scale"].max().reindex(codes).fillna(False).to_numpy(bool)
    pick = rng.random(len(codes)) < np.where(above_any, SHARE_ABOVE, SHARE_BELOW)
    latent = pd.Series(rng.beta(5.0, 2.0, len(codes)), index=codes)
    chosen = set(codes[pick])
    fy = firms[firms["credit_code"].isin(chosen)].copy()
    fy = fy.reset_index(drop=True)
    # greenness of the firm-year: the firm's latent level, improving 4 % of the span a year
    g = latent.reindex(fy["credit_code"]).to_numpy() + 0.04 * (fy["year"].to_numpy() - min(years))
    ind_parts, req_parts = [], []
    for year in years:
        m = _methodology(year)
        mask = (fy["year"] == year).to_numpy()
        k = int(mask.sum())
        if not k:
            continue
        cc = fy.loc[mask, "credit_code"].to_numpy()
        gy = g[mask]
        for ind in m.indicators:
            if ind.kind == "qualitative":
                passed = rng.random(k) < np.clip(gy, 0.05, 0.97)
                value = passed.astype(float)
                evidence = np.where(passed, f"{ind.title}佐证材料", "")
                keep = np.ones(k, bool)
            else:
                assert ind.baseline is not None and ind.leading is not None
                b, lead = ind.baseline.value, ind.leading.value
                frac = gy + rng.normal(0.0, 0.22, k)
                value = b + frac * (lead - b)
                if ind.derived is not None:
                    # supplied beside the derived value by about a fifth of the firms, some far off
                    keep = rng.random(k) < 0.2
                else:
                    keep = rng.random(k) < 0.96  # a few items not reported
                value = np.maximum(value, 0.0)
                if ind.percentage:
                    value = np.minimum(value, 100.0)
                value = np.round(value, 2 if abs(lead - b) < 20 else 1)
                if ind.unit == "项":
                    value = np.round(value)
                evidence = np.array([""] * k)
            ind_parts.append(pd.DataFrame({"统一社会信用代码": cc[keep], "年度": year, "指标": ind.title,
                                           "数值": value[keep], "佐证材料": evidence[keep]}))
        for r in m.requirements:
            p = P_FAIL_NEGATIVE if r.kind == "negative_list" else P_FAIL_BASIC
            met = rng.random(k) >= p
            req_parts.append(pd.DataFrame({"统一社会信用代码": cc, "年度": year, "基本要求": r.title,
                                           "是否满足": np.where(met, "是", "否")}))
    indicators = pd.concat(ind_parts, ignore_index=True).sort_values(["统一社会信用代码", "年度"], kind="mergesort")
    requirements = pd.concat(req_parts, ignore_index=True).sort_values(["统一社会信用代码", "年度"], kind="mergesort")
    titles = _titles(latent.reindex(sorted(chosen)), years, rng) if with_titles else None
    return indicators, requirements, titles


def _titles(latent: pd.Series, years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """The ladder climbed before and during the demo years: county for most, city for the better
    third, province and nation for the best (each granted after the one below)."""
    first = min(years)
    rows = []
    for code, g in latent.items():
        if g < 0.55:
            continue
        y = int(first - 3 + rng.integers(0, 3))
        levels = ["county"] + (["city"] if g > 0.75 else []) + (["provincial"] if g > 0.87 else []) \
            + (["national"] if g > 0.94 else [])
        for lv in levels:
            granted = dt.date(y, int(rng.integers(3, 12)), 1)
            rows.append({"统一社会信用代码": code, "称号": "绿色工厂", "级别": {"county": "县", "city": "市",
                         "provincial": "省", "national": "国家"}[lv], "认定日期": granted.isoformat()})
            y += int(rng.integers(1, 3))
    return pd.DataFrame(rows, columns=["统一社会信用代码", "称号", "级别", "认定日期"])


def _write(df: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n")
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def demo(ctx: Any) -> None:
    """Write, import, evaluate and publish the demo city's green-factory data (idempotent)."""
    from zhizao import capabilities, runs
    from zhizao.contract import TABLES
    from zhizao.engine import connect
    from zhizao.store.publish import publish

    settings = ctx.settings
    years = sorted(ctx.years)
    folder = Path(ctx.folder) / "greenfactory"
    firms = _firms(settings, years)
    with_titles = "titles" in TABLES
    ind, req, titles = build(firms, years, ctx.seed, with_titles)
    ctx.import_file("green_indicators", _write(ind, folder / "绿色工厂评价指标.csv"), source="第三方评价机构")
    ctx.import_file("green_requirements", _write(req, folder / "绿色工厂基本要求.csv"), source="生态环境 / 应急管理")
    if titles is not None and len(titles):
        ctx.import_file("titles", _write(titles, folder / "绿色工厂称号.csv"), source="经信")
    for year in years:
        m = _methodology(year)
        eng = connect(settings, "duckdb")
        try:
            cap_inputs = runs.registry.input_batches(eng, capabilities.get("greenfactory").inputs)
            reuse = None
            for r in reversed(runs.list_runs(settings, "greenfactory", year)):
                if r.methodology_hash == m.content_hash() and r.input_batches == cap_inputs and r.engine == "duckdb":
                    reuse = r.run_id
                    break
            run_id = reuse or runs.execute(settings, eng, "greenfactory", year, m).run_id
        finally:
            eng.close()
        publish(settings, run_id, user=ctx.actor)
        run = runs.get(settings, run_id)
        stars = run.counts.get("stars", {})
        ctx.say(f"星级绿色工厂 {year} 年：运行 {run_id}（{m.ref}），{run.counts.get('firms', 0):,} 家参评，"
                + "，".join(f"{k}星 {v:,}" for k, v in sorted(stars.items())) + "，已发布")
