"""Investment figures of the projects (METHODS.md §4): large projects started and completed (≥ 1亿,
≥ 3亿) per year and cumulative, industrial / manufacturing / 技改 investment and its growth (from
``project_investment``), firms newly above scale that came from projects, and 标准地 projects
accepted at completion. Ibis expressions; one row per (region, year, indicator)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from zhizao.projects.methodology import ProjectsMethodology

#: id → (Chinese name, unit, basis)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "projects_started_100m": ("亿元以上项目开工数", "个", "计划总投资≥1亿元、实际开工日期在当年的项目"),
    "projects_started_300m": ("3亿元以上项目开工数", "个", "计划总投资≥3亿元、实际开工日期在当年的项目"),
    "projects_completed_100m": ("亿元以上项目竣工数", "个", "计划总投资≥1亿元、实际竣工日期在当年的项目"),
    "projects_completed_300m": ("3亿元以上项目竣工数", "个", "计划总投资≥3亿元、实际竣工日期在当年的项目"),
    "projects_started_100m_cum": ("亿元以上项目累计开工数", "个", "自有记录的第一年起累计"),
    "projects_started_300m_cum": ("3亿元以上项目累计开工数", "个", "自有记录的第一年起累计"),
    "projects_completed_100m_cum": ("亿元以上项目累计竣工数", "个", "自有记录的第一年起累计"),
    "projects_completed_300m_cum": ("3亿元以上项目累计竣工数", "个", "自有记录的第一年起累计"),
    "industrial_investment": ("工业项目完成投资", "万元", "项目月度完成投资之和（当年各月）"),
    "manufacturing_investment": ("制造业项目完成投资", "万元", "行业代码属制造业（13–43大类）的项目"),
    "upgrade_investment": ("技改项目完成投资", "万元", "项目类型为技改的项目"),
    "industrial_investment_growth": ("工业项目完成投资增速", "%", "与上年同口径相比"),
    "manufacturing_investment_growth": ("制造业项目完成投资增速", "%", "与上年同口径相比"),
    "upgrade_investment_growth": ("技改项目完成投资增速", "%", "与上年同口径相比"),
    "firms_above_scale_from_projects": ("项目新增规上企业数", "家", "当年完成“上规”节点的项目投资企业（去重）"),
    "standard_land_completed": ("标准地项目竣工验收数", "个", "标准地项目当年竣工（验收）"),
    "standard_land_investment_share": ("标准地项目竣工时投资完成率", "%",
                                       "当年竣工的标准地项目截至竣工月累计完成投资 / 计划总投资"),
}


def _region_key(t: ir.Table, city: bool) -> ir.Value:
    return t.region_code.substr(0, 4).concat("00") if city else t.region_code


def yearly(projects: ir.Table, milestones: ir.Table, investment: ir.Table, meth: ProjectsMethodology,
           y_from: int, y_to: int, city: bool) -> ir.Table:
    """``region, year, id, value`` for every figure of :data:`CATALOGUE` (growth and cumulative
    figures need the earlier years, so everything before ``y_to`` is read)."""
    lo, hi = (int(t.value) for t in meth.large_thresholds[:2])
    p = projects.mutate(region=_region_key(projects, city),
                        manufacturing=projects.industry_code.substr(0, 2).cast("int64").between(13, 43))
    m = milestones.filter(milestones.actual_on.notnull() & milestones.milestone.isin(["started", "completed",
                                                                                       "above_scale"]))
    pm = p.select(pid="project_id", region="region", total="total_investment", credit_code="credit_code",
                  standard_land="standard_land")
    m = m.join(pm, m.project_id == pm.pid).mutate(year=m.actual_on.year())
    counts = []
    for ms, word in (("started", "started"), ("completed", "completed")):
        x = m.filter(m.milestone == ms)
        for thr, tag in ((lo, "100m"), (hi, "300m")):
            y = x.filter(x.total >= thr).group_by(["region", "year"]).aggregate(value=ibis._.count().cast("float64"))
            counts.append(y.mutate(id=ibis.literal(f"projects_{word}_{tag}")))
    above = m.filter(m.milestone == "above_scale").group_by(["region", "year"]).aggregate(
        value=ibis._.credit_code.nunique().cast("float64")).mutate(id=ibis.literal("firms_above_scale_from_projects"))
    # 标准地 accepted at completion: count, and the investment done by the completion month
    sc = m.filter((m.milestone == "completed") & m.standard_land.fill_null(False))
    inv = investment.select(iid="project_id", month="month", invested="invested")
    sj = sc.left_join(inv, (sc.project_id == inv.iid) & (inv.month <= sc.actual_on))
    per = sj.group_by(["region", "year", "project_id", "total"]).aggregate(done=sj.invested.sum().fill_null(0))
    std = per.group_by(["region", "year"]).aggregate(n=per.count().cast("float64"), done=per.done.sum(),
                                                     total=per.total.sum())
    std_n = std.select("region", "year", value="n", id=ibis.literal("standard_land_completed"))
    std_s = std.select("region", "year", value=(std.done / std.total * 100),
                       id=ibis.literal("standard_land_investment_share"))
    # investment by year
    pi = p.select(pid="project_id", region="region", manufacturing="manufacturing", kind="kind")
    iv = investment.join(pi, investment.project_id == pi.pid).mutate(year=investment.month.year())
    by_year = iv.group_by(["region", "year"]).aggregate(
        industrial_investment=iv.invested.sum(),
        manufacturing_investment=iv.invested.sum(where=iv.manufacturing),
        upgrade_investment=iv.invested.sum(where=iv.kind == "upgrade"))
    w = ibis.window(group_by="region", order_by="year")
    sums = []
    for k in ("industrial_investment", "manufacturing_investment", "upgrade_investment"):
        prev = by_year[k].lag().over(w)
        prev_year = by_year.year.lag().over(w)
        g = by_year.select("region", "year", value=by_year[k].fill_null(0), id=ibis.literal(k))
        gr = by_year.select("region", "year", id=ibis.literal(f"{k}_growth"),
                            value=ibis.ifelse((prev_year == by_year.year - 1) & (prev > 0),
                                              (by_year[k].fill_null(0) / prev - 1) * 100, ibis.null("float64")))
        sums += [g, gr.filter(gr.value.notnull())]
    annual = ibis.union(*counts, above, std_n, std_s.filter(std_s.value.notnull()), *sums)
    # cumulative counts: every year up to y_to from the first year with any record
    cum_parts = []
    for c in counts:
        # each count row once per year of the span from its own year on (an array of the years
        # unnested, not an in-memory table: the expression then stands alone and is compiled once)
        j = c.mutate(y=ibis.range(y_from, y_to + 1).unnest())
        j = j.filter(j.year <= j.y)
        cum_parts.append(j.group_by(["region", "y", "id"]).aggregate(value=j.value.sum())
                         .select("region", year=ibis._.y.cast("int64"), id=ibis._.id.concat("_cum"),
                                 value=ibis._.value.cast("float64")))
    out = ibis.union(annual.select("region", year=annual.year.cast("int64"), id="id",
                                   value=annual.value.cast("float64")), *cum_parts)
    return out.filter((out.year >= y_from) & (out.year <= y_to))
