"""What a run of the carbon method records about the methodology it used (Chinese): the factors,
the population and the benchmark rule, with their sources. No Ibis: the registry reads these for
a run whose SQL was kept (:mod:`zhizao.runs.kept`), which never imports the method itself."""

from __future__ import annotations

from zhizao.carbon.methodology import _SCOPE_ZH, _VARIANT_ZH, CarbonMethodology

#: the tracks of the population and their Chinese names
TRACKS = {"above_scale": "规上", "below_scale": "规下"}


def notes_for(m: CarbonMethodology, year: int) -> list[str]:
    """What a run must record (Chinese): factor fallbacks (e.g. a year without published grid
    factors using the latest earlier year's), then every factor, the population and the benchmark used."""
    _, _, notes = m.grid_factor(year)
    out = list(notes)
    if m.electricity.scope != "national":
        for r in m.grid_regions.values():
            for p in r.provinces:
                out.extend(x for x in m.grid_factor(year, p)[2] if x not in out)
    return out + [x for x in factors_used(m, year) if x not in out]


def _cite(m: CarbonMethodology, key: str) -> str:
    return m.sources.get(key, key)


def factors_used(m: CarbonMethodology, year: int) -> list[str]:
    """Every factor, the population and the benchmark rule a run of ``year`` uses, with sources (Chinese)."""
    _, g, _ = m.grid_factor(year)
    out = [f"电网排放因子：{_SCOPE_ZH[g.scope]}{_VARIANT_ZH[g.variant]} {g.value} {g.unit}（{g.year} 年；{_cite(m, g.source)}）"]
    if m.electricity.scope != "national":
        for r in m.grid_regions.values():
            row = m.grid_factor(year, r.provinces[0])[1] if r.provinces else None
            if row is not None and row.scope != "national":
                out.append(f"电网排放因子（{r.name}，{_SCOPE_ZH[row.scope]}）：{row.value} {row.unit}（{row.year} 年；"
                           f"{_cite(m, row.source)}），适用于该区域各省企业")
    fuels = [(k, f) for k, f in m.energy.items() if f.co2 is not None and k != "heat"]
    by_src: dict[str, list[str]] = {}
    for _k, f in fuels:
        assert f.co2 is not None
        by_src.setdefault(f.co2.source, []).append(f"{f.name} {f.co2.value} {f.co2.unit}")
    for src, items in by_src.items():
        out.append(f"燃料排放因子：{'、'.join(items)}（{_cite(m, src)}）")
    heat = m.energy["heat"].co2
    if heat is not None:
        out.append(f"热力排放因子：{heat.value} {heat.unit}（{_cite(m, heat.source)}"
                   f"{'，默认值' if heat.default else ''}）")
    tracks = "、".join(f"{TRACKS[t]}企业" for t in m.population.tracks)
    out.append(f"评价范围：{tracks}{'（各自对标）' if len(m.population.tracks) > 1 else ''}"
               f"{'，当年底前成立' if m.population.existing_only else ''}（{_cite(m, m.population.source)}）")
    level = {"division": "行业大类", "group": "行业中类", "class": "行业小类"}[m.benchmark.level]
    if m.benchmark.origin == "imported":
        where = "方法论文件所列公布值" if m.benchmark.values else "导入的行业基准数据表"
        out.append(f"行业基准：按{level}，采用{where}")
    else:
        out.append(f"行业基准：按{level}，{computed_source(m)}")
    if m.gate:
        out.append("发布前核查：" + "；".join(c.name for c in m.gate))
    return out


def computed_source(m: CarbonMethodology) -> str:
    how = "各企业净排放之和 ÷ 增加值之和" if m.benchmark.statistic == "aggregate" else "各企业强度的平均值"
    return f"本地计算（同行业参评企业{how}）"
