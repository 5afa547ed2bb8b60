"""The demo city: a seeded, realistic Huzhou-like prefecture written as CONTRACT.md files.

``generate(out_dir, firms=5000, seed=20211, years=range(2020, 2025), dirt=True)`` writes one
file per contract table, as the departments would hand them over (different encodings,
header styles, units and formats), and ``manifest.json``: every file with its table, source
department, format, row count and the dirt injected (expected rejects by code and row).

Everything is drawn from one ``numpy.random.Generator`` in a fixed order and written with
explicit formats, so a seed gives byte-identical files. All tables are built column-wise
(numpy/pandas); the only Python loop over rows is the XLSX writer, which has no bulk API.

Realism (see ``profiles``): lognormal firm sizes with about a quarter above scale (revenue
≥ 2000万), nominal growth around 8 % a year with faster high-tech segments, value added
20–35 % of output, tax 2–6 % of revenue, above-scale tax per mu around 25 万元, energy mixes
by segment (cement burns coal, textiles use gas and steam) with firm-level spread so that
carbon grades 1–5 and the levels 低/中/高碳 all occur.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zhizao.codes import industries
from zhizao.demo import profiles
from zhizao.demo.identity import credit_codes

_BRAND = list("鑫达恒泰华宏盛金利源丰祥瑞兴隆通博佳美天新永海宇森林晨嘉诚远安顺明光正益振创绿康润德宝信和富荣昌鼎立凯威力欣汇航峰腾飞龙星")
_SPRING_FESTIVAL = {2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
                    2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17"}
#: PV yield in Huzhou, kWh per kW installed by month (about 1,100 h a year)
_PV_MONTH = np.array([60, 65, 85, 100, 110, 95, 120, 125, 100, 90, 75, 65], dtype=float)


# ------------------------------------------------------------------ helpers
# ------------------------------------------------------------------ the city
def _choose(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One category per row of a (n, k) probability matrix."""
    c = p.cumsum(axis=1)
    c /= c[:, -1:]
    u = rng.random(len(p))[:, None]
    return (u > c).sum(axis=1)


def build_firms(rng: np.random.Generator, n: int, last_year: int, first_year: int) -> pd.DataFrame:
    segs = profiles.SEGMENTS
    shares = np.array([profiles.SEGMENT_SHARES[s.key] for s in segs])
    seg = rng.choice(len(segs), size=n, p=shares / shares.sum())
    dshare = np.array([v[1] for v in profiles.DISTRICTS.values()])
    dweights = np.array([s.district_weights for s in segs]) * dshare
    district = _choose(rng, dweights[seg])
    dcodes = np.array(profiles.DISTRICT_CODES)
    region = dcodes[district]
    # class within the segment
    cls = np.empty(n, dtype=object)
    u = rng.random(n)
    for k, s in enumerate(segs):  # 19 segments, not rows
        m = seg == k
        w = np.array([x[1] for x in s.classes], float)
        cum = np.cumsum(w / w.sum())
        cls[m] = np.array([x[0] for x in s.classes])[np.minimum((u[m][:, None] > cum).sum(axis=1), len(w) - 1)]
    # founding dates: ages lognormal around 10 years; ~6 % founded during the period
    age_days = np.exp(rng.normal(np.log(10.5), 0.65, n)) * 365.25
    end = np.datetime64(f"{last_year}-12-31")
    founded = (end - np.minimum(age_days, 45 * 365.25).astype("timedelta64[D]")).astype("datetime64[D]")
    late = rng.random(n) < 0.06
    start = np.datetime64(f"{first_year}-01-01")
    span = int((end - start).astype(int))
    founded[late] = start + rng.integers(0, span - 200, late.sum()).astype("timedelta64[D]")
    codes = credit_codes(rng, region, founded)
    # size: log revenue (万元) of a full year at the start of the period
    shift = np.array([s.size_shift for s in segs])[seg]
    log_rev = rng.normal(6.8 + shift, 1.12) - np.where(founded >= start, 0.9, 0.0)
    growth = rng.normal(np.array([s.growth for s in segs])[seg] - 0.015, 0.05)
    # names: place + brand + trade word + legal form, unique by construction
    places = np.array(["湖州", "浙江", "吴兴", "南浔", "德清", "长兴", "安吉"])
    home = np.array([2, 3, 4, 5, 6])[district]
    place = places[np.where(rng.random(n) < 0.55, home, rng.integers(0, 2, n))]
    word = np.array([s.words[int(i) % len(s.words)] for s, i in
                     zip([segs[k] for k in seg], rng.integers(0, 6, n), strict=True)])
    group = pd.Series(place).str.cat(pd.Series(word), sep="|")
    rank = group.groupby(group).cumcount().to_numpy()
    perm = rng.permutation(len(_BRAND) ** 2)
    b = perm[rank % len(perm)]
    brand = np.char.add(np.array(_BRAND)[b // len(_BRAND)], np.array(_BRAND)[b % len(_BRAND)])
    form = np.where(log_rev > np.log(50000) - rng.random(n), "股份有限公司", "有限公司")
    name = np.char.add(np.char.add(np.char.add(place.astype(str), brand), word.astype(str)), form)
    # township: 织里 dominates clothing and textiles in 吴兴
    towns = np.empty(n, dtype=object)
    tpick = rng.random(n)
    for j, (_code, (_, _, tlist, _)) in enumerate(profiles.DISTRICTS.items()):
        m = district == j
        towns[m] = np.array(tlist)[(tpick[m] * len(tlist)).astype(int)]
    zhili = (district == 0) & np.isin(np.array([segs[k].key for k in seg]), ["clothing", "textiles"]) & \
        (rng.random(n) < 0.75)
    towns[zhili] = "织里镇"
    parks = np.array([v[3] for v in profiles.DISTRICTS.values()])[district]
    park = np.where(rng.random(n) < 0.4, parks, "")
    order = np.argsort(codes, kind="stable")
    df = pd.DataFrame({
        "credit_code": codes, "name": name, "region_code": region, "industry_code": cls.astype(str),
        "founded_on": founded, "township": towns.astype(str), "park": park,
        "seg": seg, "log_rev": log_rev, "growth": growth,
    })
    return df.iloc[order].reset_index(drop=True)


def build_annual(rng: np.random.Generator, firms: pd.DataFrame, years: list[int]) -> tuple[pd.DataFrame, np.ndarray]:
    n, ny = len(firms), len(years)
    segs = profiles.SEGMENTS
    seg = firms["seg"].to_numpy()
    shock = rng.normal(0.0, 0.07, (n, ny))
    year_effect = np.array([{2020: -0.04, 2021: 0.05, 2022: -0.01, 2023: 0.0, 2024: 0.01}.get(y, 0.0) for y in years])
    steps = firms["growth"].to_numpy()[:, None] + shock + year_effect
    steps[:, 0] = 0.0
    log_rev = firms["log_rev"].to_numpy()[:, None] + np.cumsum(steps, axis=1)
    founded = firms["founded_on"].to_numpy().astype("datetime64[D]")
    fy = founded.astype("datetime64[Y]").astype(int) + 1970
    fm = founded.astype("datetime64[M]").astype(int) % 12 + 1
    yr = np.array(years)
    active = fy[:, None] <= yr[None, :]
    frac = np.where(fy[:, None] == yr[None, :], (13 - fm[:, None]) / 12.0, 1.0)
    idx_f, idx_y = np.nonzero(active)
    rev = np.exp(log_rev[idx_f, idx_y]) * frac[idx_f, idx_y]
    s_va = np.array([s.va_ratio for s in segs])[seg[idx_f]]
    firm_va = np.exp(rng.normal(0, 0.13, n))
    va_ratio = np.clip(s_va * firm_va[idx_f] * np.exp(rng.normal(0, 0.05, len(idx_f))), 0.08, 0.55)
    output = rev * rng.uniform(0.97, 1.06, len(idx_f))
    va = output * va_ratio
    # a few loss-making years with non-positive value added (no carbon grade, reason stated)
    neg = rng.choice(len(va), size=min(6, len(va)), replace=False)
    va[neg] = -np.abs(va[neg]) * rng.uniform(0.02, 0.2, len(neg))
    lp = 80 * np.exp(rng.normal(0, 0.28, n))
    employees = np.maximum(3, np.round(rev / lp[idx_f] * np.exp(rng.normal(0, 0.05, len(idx_f)))))
    rd_rate = np.array([s.rd for s in segs])[seg] * np.exp(rng.normal(0, 0.45, n))
    rd = rev * rd_rate[idx_f] * np.exp(rng.normal(0, 0.1, len(idx_f)))
    rd[(rev < 2000) & (rng.random(len(idx_f)) < 0.25)] = 0.0
    assets = rev * np.exp(rng.normal(0.05, 0.3, n))[idx_f]
    liab = assets * np.clip(rng.normal(0.52, 0.14, n), 0.1, 0.95)[idx_f]
    tax_rate = 0.036 * np.exp(rng.normal(0, 0.3, n))[idx_f] * np.exp(rng.normal(0, 0.12, len(idx_f)))
    tax = rev * np.clip(tax_rate, 0.012, 0.075)
    refund = rng.choice(len(tax), size=min(2, len(tax)), replace=False)
    tax[refund] = -tax[refund] * 0.2  # VAT refunds exceeding payments: legal negatives
    annual = pd.DataFrame({
        "fi": idx_f, "year": yr[idx_y], "revenue": rev, "gross_output": output, "value_added": va,
        "employees": employees.astype(int), "rd_expense": rd, "total_assets": assets, "total_liabilities": liab,
        "tax_paid": tax, "frac": frac[idx_f, idx_y], "first_month": np.where(fy[idx_f] == yr[idx_y], fm[idx_f], 1),
    })
    annual["above_scale"] = annual["revenue"] >= 2000
    # month shares: the city's seasonal pattern, firm noise, nothing before the founding month
    ms = np.array(profiles.MONTH_WEIGHTS)[None, :] * np.exp(rng.normal(0, 0.07, (len(annual), 12)))
    ms[np.arange(12)[None, :] + 1 < annual["first_month"].to_numpy()[:, None]] = 0.0
    ms /= ms.sum(axis=1, keepdims=True)
    return annual, ms


def build_flags(rng: np.random.Generator, firms: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """The statistics bureau's own category flags: given for some above-scale firm-years only."""
    flags = industries.industry_flags().to_pandas().set_index("industry_code")
    ind = firms["industry_code"].to_numpy()[annual["fi"].to_numpy()]
    f = flags.loc[ind]
    given = annual["above_scale"].to_numpy() & (rng.random(len(annual)) < 0.15)
    rd_share = annual["rd_expense"].to_numpy() / np.maximum(annual["revenue"].to_numpy(), 1e-9)
    out = pd.DataFrame(index=annual.index)
    # 高新技术产业 is the provincial list, wider than the national high-tech manufacturing one
    out["high_tech"] = f["high_tech"].to_numpy() | (rd_share > 0.045)
    out["strategic_emerging"] = f["strategic_emerging"].to_numpy() | (
        (rd_share > 0.04) & np.isin(ind, ["3841", "3843", "3091", "2652", "3240", "2761", "2720", "3825"]))
    out["equipment"] = f["equipment"].to_numpy()
    out["digital_core"] = f["digital_core"].to_numpy()
    for c in out.columns:
        out[c] = np.where(given, np.where(out[c].to_numpy(), "是", "否"), "")
    return out


def price_indices(rng: np.random.Generator, years: list[int]) -> pd.DataFrame:
    divs = [f"{d}" for d in range(13, 44)]
    rows_y = np.repeat(years, len(divs))
    rows_d = np.tile(divs, len(years))
    base = np.array([profiles.PPI_BASE.get(y, 100.0) for y in rows_y])
    amp = np.array([profiles.PPI_AMPLITUDE.get(d, 0.7) for d in rows_d])
    idx = 100 + (base - 100) * amp + rng.normal(0, 0.8, len(rows_y))
    return pd.DataFrame({"year": rows_y, "division": rows_d, "index": np.round(idx, 1)})


def build_energy(rng: np.random.Generator, firms: pd.DataFrame, annual: pd.DataFrame, ms: np.ndarray,
                 years: list[int]) -> pd.DataFrame:
    """Monthly energy by firm and type in canonical units (kWh, t, m³, GJ)."""
    segs = profiles.SEGMENTS
    n = len(firms)
    seg = firms["seg"].to_numpy()
    coef = {t: np.array([getattr(s, t) for s in segs])[seg] for t in ("kwh", "coal", "gas", "heat", "diesel")}
    uses = {
        "kwh": np.ones(n, bool),
        "coal": (coef["coal"] > 0) & (rng.random(n) < 0.85),
        "gas": np.where(coef["gas"] >= 3, rng.random(n) < 0.75, rng.random(n) < 0.08),
        "heat": (coef["heat"] > 0) & (rng.random(n) < 0.85),
        "diesel": (coef["diesel"] > 0) & (rng.random(n) < 0.5),
    }
    coef["gas"] = np.maximum(coef["gas"], 1.0)
    mult = {t: np.exp(rng.normal(0, 0.5, n)) for t in coef}
    types = {"kwh": "electricity", "coal": "raw_coal", "gas": "natural_gas", "heat": "heat", "diesel": "diesel"}
    fi = annual["fi"].to_numpy()
    yr = annual["year"].to_numpy()
    trend = 0.985 ** (yr - years[0])
    out = annual["gross_output"].to_numpy()[:, None] * ms  # (firm-year, 12)
    parts = []
    for t, etype in types.items():
        rows = np.flatnonzero(uses[t][fi])
        q = out[rows] * (coef[t][fi[rows]] * mult[t][fi[rows]] * trend[rows])[:, None]
        q = q * np.exp(rng.normal(0, 0.06, q.shape))
        fy_idx = np.repeat(rows, 12)
        month = np.tile(np.arange(1, 13), len(rows))
        qq = q.ravel()
        keep = qq > 0
        parts.append(pd.DataFrame({"ai": fy_idx[keep], "fi": fi[fy_idx[keep]], "year": yr[fy_idx[keep]],
                                   "month": month[keep], "energy_type": etype, "quantity": qq[keep]}))
    e = pd.concat(parts, ignore_index=True)
    order = {"electricity": 0, "raw_coal": 1, "natural_gas": 2, "heat": 3, "diesel": 4}
    e["_t"] = e["energy_type"].map(order)
    return e.sort_values(["fi", "year", "month", "_t"], kind="stable").drop(columns="_t").reset_index(drop=True)


def build_power_daily(rng: np.random.Generator, firms: pd.DataFrame, annual: pd.DataFrame,
                      energy: pd.DataFrame, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Daily electricity of above-scale firms over the last two years.

    Each month's total is spread over its days (weekends and the Spring Festival lower);
    a stoppage (sharp drop over one to three weeks) lowers the days and hence the month, so the
    monthly electricity is rewritten from the days for those firms; missing days are meter
    gaps (rows absent) and leave the month alone. Returns (daily rows, changed months, info)."""
    last2 = years[-2:]
    above = annual[(annual["year"] == years[-1]) & annual["above_scale"]]["fi"].to_numpy()
    elec = energy[(energy["energy_type"] == "electricity") & energy["year"].isin(last2) & energy["fi"].isin(above)]
    days = pd.date_range(f"{last2[0]}-01-01", f"{last2[-1]}-12-31", freq="D")
    day64 = days.values.astype("datetime64[D]")
    dw = np.where(days.dayofweek == 6, 0.72, np.where(days.dayofweek == 5, 0.86, 1.0))
    for y in last2:
        sf = np.datetime64(_SPRING_FESTIVAL.get(y, f"{y}-02-01"))
        near = np.abs((day64 - sf).astype(int))
        dw = np.where(near <= 3, 0.15, np.where(near <= 10, 0.5, dw))
    ym = (days.year * 100 + days.month).to_numpy()
    starts = np.flatnonzero(np.r_[True, ym[1:] != ym[:-1]])
    counts = np.diff(np.r_[starts, len(ym)])
    months = ym[starts]
    firm_ids = np.sort(elec["fi"].unique())
    nf, nd = len(firm_ids), len(days)
    pivot = elec.assign(ym=elec["year"] * 100 + elec["month"]).pivot_table(
        index="fi", columns="ym", values="quantity", aggfunc="sum", fill_value=0.0)
    mtot = pivot.reindex(index=firm_ids, columns=months, fill_value=0.0).to_numpy()
    w = dw[None, :] * np.exp(rng.normal(0, 0.09, (nf, nd)))
    share = w / np.repeat(np.add.reduceat(w, starts, axis=1), counts, axis=1)
    daily = np.repeat(mtot, counts, axis=1) * share
    stoppages = []
    stop_idx = rng.choice(nf, size=min(8, nf), replace=False) if nf else np.array([], int)
    for j in stop_idx:  # eight events, not rows
        s0 = int(rng.integers(30, nd - 40))
        length = int(rng.integers(8, 25))
        daily[j, s0:s0 + length] *= 0.04
        stoppages.append({"credit_code": firms["credit_code"].iat[firm_ids[j]],
                          "from": str(day64[s0]), "to": str(day64[s0 + length - 1])})
    new_month = np.add.reduceat(daily, starts, axis=1)
    changed = pd.DataFrame({
        "fi": np.repeat(firm_ids[stop_idx], len(months)),
        "year": np.tile(months // 100, len(stop_idx)), "month": np.tile(months % 100, len(stop_idx)),
        "q_new": new_month[stop_idx].ravel(),
    })
    pdaily = pd.DataFrame({"fi": np.repeat(firm_ids, nd), "date": np.tile(day64, nf),
                           "kwh": np.round(daily.ravel(), 1)})
    keep = pdaily["kwh"].to_numpy() > 0
    missing = []
    fi_arr, dates = pdaily["fi"].to_numpy(), pdaily["date"].to_numpy()
    miss_idx = rng.choice(np.setdiff1d(np.arange(nf), stop_idx), size=min(12, max(nf - len(stop_idx), 0)),
                          replace=False) if nf else np.array([], int)
    for j in miss_idx:  # twelve meter gaps
        s0 = int(rng.integers(0, nd - 10))
        length = int(rng.integers(1, 8))
        m = (fi_arr == firm_ids[j]) & (dates >= day64[s0]) & (dates <= day64[s0 + length - 1]) & keep
        keep &= ~m
        missing.append({"credit_code": firms["credit_code"].iat[firm_ids[j]], "from": str(day64[s0]),
                        "to": str(day64[s0 + length - 1]), "days": int(m.sum())})
    info = {"firms": int(nf), "days": int(nd), "stoppages": stoppages, "missing_days": missing}
    return pdaily[keep].reset_index(drop=True), changed, info


def build_land(rng: np.random.Generator, firms: pd.DataFrame, annual: pd.DataFrame,
               years: list[int]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parcels by firm and year (canonical: area in 亩, tenure owned/leased).

    Area follows tax so that above-scale tax per mu lands around 25 万元; about 12 % of firms
    are lessees without land of their own, about 2 % have no land record, and some pairs of
    small firms share one parcel (both list it, with the parcel's whole area)."""
    n = len(firms)
    by_firm = annual.groupby("fi").agg(tax=("tax_paid", "mean"), above=("above_scale", "max"),
                                       first=("year", "min"))
    tax = np.full(n, 0.5)
    above = np.zeros(n, bool)
    first = np.full(n, years[-1] + 1)
    tax[by_firm.index] = np.maximum(by_firm["tax"].to_numpy(), 0.5)
    above[by_firm.index] = by_firm["above"].to_numpy()
    first[by_firm.index] = by_firm["first"].to_numpy()
    tpm = np.where(above, 25 * np.exp(0.12) * np.exp(rng.normal(0, 0.5, n)), 8 * np.exp(rng.normal(0, 0.6, n)))
    area = np.clip(tax / tpm, 0.3, 1500)
    u = rng.random(n)
    lessee = np.where(above, u < 0.04, u < 0.15)
    no_land = (~lessee) & (rng.random(n) < 0.02)
    owned = ~lessee & ~no_land
    nparcels = np.where(owned, 1 + (rng.random(n) < 0.2) + (rng.random(n) < 0.05), 0)
    nparcels = np.where(lessee, 1, nparcels)
    fi = np.repeat(np.arange(n), nparcels)
    k = np.concatenate([np.arange(c) for c in nparcels]) if len(fi) else np.zeros(0, int)
    split = rng.gamma(3.0, 1.0, len(fi))
    tot = np.bincount(fi, weights=split, minlength=n)
    parcel_area = np.round(area[fi] * split / tot[fi], 2)
    parcel_area = np.maximum(parcel_area, 0.1)
    region = firms["region_code"].to_numpy()[fi]
    town = rng.integers(1, 20, len(fi))
    village = rng.integers(1, 30, len(fi))
    seq = pd.Series(region).groupby(region).cumcount().to_numpy() + 1
    parcel_id = np.char.add(np.char.add(np.char.add(region.astype(str), np.char.zfill(town.astype(str), 3)),
                                        np.char.zfill(village.astype(str), 3)),
                            np.char.add(np.where(lessee[fi], "ZL", "GB"), np.char.zfill(seq.astype(str), 5)))
    tenure = np.where(lessee[fi], "leased", "owned")
    # shared parcels: pairs of small single-parcel owners in the same district
    cand = rng.permutation(np.flatnonzero(owned & ~above & (nparcels == 1)))[:120]
    cand = cand[np.argsort(firms["region_code"].to_numpy()[cand], kind="stable")]
    first_row = np.full(n, -1)
    first_row[fi[k == 0]] = np.flatnonzero(k == 0)
    shared: list[dict[str, Any]] = []
    for a, b in zip(cand[0::2], cand[1::2], strict=False):  # at most 60 pairs
        if firms["region_code"].iat[a] != firms["region_code"].iat[b] or len(shared) >= 30:
            continue
        ra, rb = first_row[a], first_row[b]
        parcel_id[rb] = parcel_id[ra]
        parcel_area[rb] = parcel_area[ra]
        shared.append({"parcel_id": str(parcel_id[ra]),
                       "credit_codes": [firms["credit_code"].iat[a], firms["credit_code"].iat[b]]})
    # a third parcel bought in the second-last year by a few growing firms
    since = np.where((k == 2) & (rng.random(len(fi)) < 0.5), years[max(len(years) - 2, 0)], years[0])
    rows = []
    for y in years:
        m = (first[fi] <= y) & (since <= y)
        rows.append(pd.DataFrame({"fi": fi[m], "year": y, "parcel_id": parcel_id[m], "area_mu": parcel_area[m],
                                  "tenure": tenure[m]}))
    land = pd.concat(rows, ignore_index=True)
    info = {"lessees": int(lessee.sum()), "firms_without_land": int(no_land.sum()), "shared_parcels": shared}
    return land, info


def build_zero_carbon(rng: np.random.Generator, firms: pd.DataFrame, annual: pd.DataFrame, energy: pd.DataFrame,
                      land: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """PV self-use, green power, green certificates (kWh) and carbon sinks (t CO2) by month."""
    n = len(firms)
    elec = energy[energy["energy_type"] == "electricity"]
    owned_area = land[(land["tenure"] == "owned") & (land["year"] == years[-1])].groupby("fi")["area_mu"].sum()
    area = np.zeros(n)
    area[owned_area.index] = owned_area.to_numpy()
    above_last = np.zeros(n, bool)
    al = annual[annual["year"] == years[-1]]
    above_last[al["fi"].to_numpy()] = al["above_scale"].to_numpy()
    pv = (area > 0) & (rng.random(n) < np.where(above_last, 0.22, 0.04))
    pv_from = rng.integers(years[0] - 2, years[-1] + 1, n)
    kw = area * 666.7 * rng.uniform(0.3, 0.6, n) * 0.12
    self_use = rng.uniform(0.55, 0.9, n)
    gp = above_last & (rng.random(n) < 0.07)
    gp_from = max(years[0], 2022)
    gp_share = rng.uniform(0.08, 0.3, n)
    cert = above_last & ~gp & (rng.random(n) < 0.015)
    seg_keys = np.array([s.key for s in profiles.SEGMENTS])[firms["seg"].to_numpy()]
    sink_cand = np.flatnonzero((firms["region_code"].to_numpy() == "330523") & np.isin(seg_keys, ["bamboo_wood", "furniture"]))
    sink = np.zeros(n, bool)
    sink[rng.choice(sink_cand, size=min(4, len(sink_cand)), replace=False)] = True
    sink_t = rng.uniform(200, 1500, n)
    e_fi, e_y, e_m, e_q = (elec[c].to_numpy() for c in ("fi", "year", "month", "quantity"))
    parts = []
    m = pv[e_fi] & (pv_from[e_fi] <= e_y)
    q = np.minimum(kw[e_fi] * _PV_MONTH[e_m - 1] * self_use[e_fi], 0.6 * e_q)
    parts.append(pd.DataFrame({"fi": e_fi[m], "year": e_y[m], "month": e_m[m], "kind": "pv_self_use",
                               "quantity": np.round(q[m], 0)}))
    m = gp[e_fi] & (e_y >= gp_from)
    parts.append(pd.DataFrame({"fi": e_fi[m], "year": e_y[m], "month": e_m[m], "kind": "green_power",
                               "quantity": np.round(e_q[m] * gp_share[e_fi[m]], 0)}))
    yearly = elec.groupby(["fi", "year"])["quantity"].sum().reset_index()
    m = cert[yearly["fi"].to_numpy()] & (yearly["year"].to_numpy() >= max(years[0], 2023))
    parts.append(pd.DataFrame({"fi": yearly["fi"].to_numpy()[m], "year": yearly["year"].to_numpy()[m], "month": 12,
                               "kind": "green_certificate",
                               "quantity": np.round(yearly["quantity"].to_numpy()[m] * 0.1, -3)}))
    sf = np.flatnonzero(sink)
    parts.append(pd.DataFrame({"fi": np.repeat(sf, len(years)), "year": np.tile(years, len(sf)), "month": 12,
                               "kind": "sink", "quantity": np.round(np.repeat(sink_t[sf], len(years)), 1)}))
    z = pd.concat(parts, ignore_index=True)
    active = pd.MultiIndex.from_arrays([annual["fi"].to_numpy(), annual["year"].to_numpy()])
    z = z[(z["quantity"] > 0).to_numpy() & pd.MultiIndex.from_arrays([z["fi"], z["year"]]).isin(active)]
    return z.sort_values(["fi", "year", "month", "kind"], kind="stable").reset_index(drop=True)


def build_emissions(rng: np.random.Generator, firms: pd.DataFrame, annual: pd.DataFrame,
                    years: list[int]) -> pd.DataFrame:
    """Main pollutants (t) of firms under discharge permits: above-scale ones and some others."""
    segs = profiles.SEGMENTS
    n = len(firms)
    permit = rng.random(n) < 0.3
    fi = annual["fi"].to_numpy()
    report = annual["above_scale"].to_numpy() | permit[fi]
    seg = firms["seg"].to_numpy()[fi]
    out = annual["gross_output"].to_numpy()
    trend = 0.96 ** (annual["year"].to_numpy() - years[0])
    firm_mult = np.exp(rng.normal(0, 0.5, (n, 4)))
    parts = []
    for j, (code, attr) in enumerate((("cod", "cod"), ("ammonia_nitrogen", "nh3"), ("so2", "so2"), ("nox", "nox"))):
        coef = np.array([getattr(s, attr) for s in segs])[seg]
        q = np.round(out * coef * firm_mult[fi, j] * trend, 4)
        m = report & (q >= 0.0005)
        parts.append(pd.DataFrame({"fi": fi[m], "year": annual["year"].to_numpy()[m], "pollutant": code,
                                   "quantity": q[m], "_j": j}))
    e = pd.concat(parts, ignore_index=True)
    return e.sort_values(["fi", "year", "_j"], kind="stable").drop(columns="_j").reset_index(drop=True)


def generate(out_dir: str | Path, firms: int = 5000, seed: int = 20211, years: Iterable[int] = range(2020, 2025),
             dirt: bool = True) -> dict[str, Any]:
    """Write the demo city's department files to ``out_dir`` and return the manifest."""
    from zhizao.demo import writers

    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("至少需要一个年度")
    if firms < 50:
        raise ValueError("企业数至少为 50")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    f = build_firms(rng, firms, years[-1], years[0])
    annual, ms = build_annual(rng, f, years)
    flags = build_flags(rng, f, annual)
    energy = build_energy(rng, f, annual, ms, years)
    pdaily, changed, pinfo = build_power_daily(rng, f, annual, energy, years)
    if len(changed):
        changed["energy_type"] = "electricity"
        m = energy.merge(changed, how="left", on=["fi", "year", "month", "energy_type"])["q_new"].to_numpy()
        hit = ~np.isnan(m)
        energy.loc[hit, "quantity"] = m[hit]
    land, land_info = build_land(rng, f, annual, years)
    zero = build_zero_carbon(rng, f, annual, energy, land, years)
    emissions = build_emissions(rng, f, annual, years)
    prices = price_indices(rng, years)
    frames = {"annual": annual, "month_share": ms, "flags": flags, "energy": energy, "power_daily": pdaily,
              "price_indices": prices, "land": land, "zero_carbon": zero, "emissions": emissions}
    manifest = writers.write_all(out, rng, f, frames, years, dirt)
    manifest["power_daily"] = pinfo
    manifest["land"] = land_info
    manifest |= {"generator": "zhizao.demo.generator", "seed": seed, "firms": firms, "years": years, "dirt": dirt}
    manifest["summary"] = summary(f, annual)
    manifest["files_sha256"] = {e["file"]: _sha256(out / e["file"]) for e in manifest["files"]}
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    (out / "manifest.json").write_text(text + "\n", encoding="utf-8")
    return manifest


def summary(f: pd.DataFrame, annual: pd.DataFrame) -> dict[str, Any]:
    by_year = annual.groupby("year").agg(firms=("fi", "size"), above=("above_scale", "sum"),
                                         revenue=("revenue", "sum"), va=("value_added", "sum"))
    return {
        "firms_by_district": {k: int(v) for k, v in f["region_code"].value_counts().sort_index().items()},
        "by_year": {int(y): {"firms": int(r.firms), "above_scale": int(r.above),
                             "above_scale_share": round(float(r.above / r.firms), 3),
                             "revenue_wan_yuan": round(float(r.revenue), 1)}
                    for y, r in by_year.iterrows()},
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
