"""What the bureau publishes from a 亩均 evaluation: the county lists (one sheet per track), the
land-area notice (用地面积公示) and the class change report between two years."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from zhizao.reports.xlsx import Sheet, write_workbook

STATUS_TITLES = {"graded": "已评价", "exempt": "不定等级", "insufficient_data": "数据不全", "not_evaluated": "不参评"}
CLASS_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}


def _tracks(methodology: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Tracks of a run's methodology (its stored JSON) with their indicators' titles and units."""
    inds = methodology.get("indicators", {})
    out = []
    for tr in methodology.get("tracks", []):
        out.append({
            "id": tr["id"], "title": tr["title"],
            "indicators": [(ti["id"], inds.get(ti["id"], {}).get("title", ti["id"]),
                            inds.get(ti["id"], {}).get("unit", "")) for ti in tr["indicators"]],
        })
    return out


def _region_name(code: Any) -> str:
    from zhizao.codes import regions

    try:
        return (regions.name(str(code)) or str(code)) if code else ""
    except Exception:  # a retired or unknown code stays as written
        return str(code)


def rank_order(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """The published order of a 亩均 list: by district, then the method's rank (unranked last)."""
    return (r.get("region_code") or "", r.get("rank") is None, r.get("rank") or 0, r["credit_code"])


def county_sheets(rows: list[dict[str, Any]], methodology: Mapping[str, Any], year: int,
                  title: str = "") -> list[Sheet]:
    """One sheet per track, its rows in the order given (``rank_order`` for the published lists,
    a sorted page's order for its export); then a summary of classes by track and region."""
    sheets: list[Sheet] = []
    for tr in _tracks(methodology):
        trows = [r for r in rows if r.get("track") == tr["id"]]
        cols: list[tuple[str, str, str | None]] = [
            ("region_code", "行政区划代码", None), ("region_name", "区县", None), ("rank", "排名", "0"),
            ("class", "分类", None),
            ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None),
            ("land_mu", "用地面积（亩）", "0.00"),
        ]
        flat = []
        for r in trows:
            f = {k: v for k, v in r.items() if not isinstance(v, dict)}
            f["status"] = STATUS_TITLES.get(str(r.get("status")), r.get("status"))
            f["region_name"] = _region_name(r.get("region_code"))
            for i, _, _ in tr["indicators"]:
                f[f"ind.{i}"] = (r.get("indicators") or {}).get(i)
                f[f"pts.{i}"] = (r.get("indicator_scores") or {}).get(i)
            flat.append(f)
        for i, t, unit in tr["indicators"]:
            # a share without a unit (R&D 经费占比) reads as a percentage
            cols.append((f"ind.{i}", f"{t}（{unit}）" if unit else f"{t}（%）", "#,##0.0000" if unit else "0.00%"))
        for i, t, _ in tr["indicators"]:
            cols.append((f"pts.{i}", f"{t}得分", "0.00"))
        cols += [("adjustment", "加减分", "0.00"), ("score", "综合得分", "0.00"), ("status", "评价状态", None),
                 ("reason", "说明", None)]
        sheets.append(Sheet(tr["title"], cols, flat, title=f"{year} 年度工业企业亩均效益综合评价结果（{tr['title']}）",
                            notes=[title] if title else []))
    summary: Counter[tuple[str, str, str]] = Counter()
    for r in rows:
        summary[(str(r.get("track")), r.get("region_code") or "", str(r.get("class") or "未分类"))] += 1
    titles = {t["id"]: t["title"] for t in _tracks(methodology)}
    labels = sorted({k[2] for k in summary}, key=lambda c: (CLASS_ORDER.get(c, 9), c))
    keys = sorted({(k[0], k[1]) for k in summary})
    srows = []
    for tr_id, region in keys:
        row: dict[str, Any] = {"track": titles.get(tr_id, tr_id), "region_code": region}
        for lab in labels:
            row[f"c.{lab}"] = summary.get((tr_id, region, lab), 0)
        row["total"] = sum(summary.get((tr_id, region, lab), 0) for lab in labels)
        srows.append(row)
    scols: list[tuple[str, str, str | None]] = [("track", "评价赛道", None), ("region_code", "行政区划代码", None)]
    scols += [(f"c.{lab}", f"{lab} 类", "0") for lab in labels] + [("total", "合计", "0")]
    sheets.append(Sheet("分类汇总", scols, srows, title=f"{year} 年度亩均效益分类汇总"))
    return sheets


def write_county_lists(path: Path, rows: list[dict[str, Any]], methodology: Mapping[str, Any], year: int,
                       title: str = "") -> Path:
    return write_workbook(path, county_sheets(rows, methodology, year, title))


# ---------------------------------------------------------------- land-area notice


def land_notice(inputs: Mapping[str, ibis.Table], year: int) -> ibis.Table:
    """用地面积公示: per firm, its parcels of the year, total / owned / leased area, and the other
    firms it shares a parcel with (they are evaluated together)."""
    land = inputs["land"]
    land = land.filter(land.year == year)
    holders = land.group_by("parcel_id").agg(holders=land.credit_code.nunique())
    j = land.join(holders, "parcel_id")
    per = j.group_by("credit_code").agg(
        parcels=j.parcel_id.nunique(),
        parcel_ids=j.parcel_id.group_concat("、", order_by=j.parcel_id),
        land_mu=j.area_mu.sum(),
        owned_mu=ibis.cases((j.tenure == "owned", j.area_mu), else_=0.0).sum(),
        leased_mu=ibis.cases((j.tenure == "leased", j.area_mu), else_=0.0).sum(),
        shared_parcels=ibis.cases((j.holders > 1, 1), else_=0).sum(),
    )
    ent = inputs["enterprises"].select("credit_code", "name", "region_code", "industry_code")
    out = per.join(ent, "credit_code")
    return out.select("region_code", "credit_code", "name", "industry_code", "parcels", "parcel_ids", "land_mu",
                      "owned_mu", "leased_mu", "shared_parcels").order_by(["region_code", "credit_code"])


def write_land_notice(path: Path, table: pa.Table, year: int, window: str = "") -> Path:
    rows = table.to_pylist()
    cols = [("region_code", "行政区划代码", None), ("credit_code", "统一社会信用代码", None), ("name", "企业名称", None),
            ("industry_code", "行业代码", None), ("parcels", "宗地数", "0"), ("parcel_ids", "宗地编号", None),
            ("land_mu", "用地面积（亩）", "0.00"), ("owned_mu", "其中自有（亩）", "0.00"),
            ("leased_mu", "其中租赁（亩）", "0.00"), ("shared_parcels", "与其他企业共用宗地数", "0")]
    notes = ["与其他企业共用宗地的企业合并评价、共享评价结果。如有异议，请在公示期内提交书面材料。"]
    if window:
        notes.insert(0, window)
    return write_workbook(path, [Sheet("用地面积公示", cols, rows, title=f"{year} 年度工业企业亩均效益评价用地面积公示",
                                       notes=notes)])


# ---------------------------------------------------------------- class changes


def class_changes(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]) -> dict[str, Any]:
    """Firms' classes in two years: a transition matrix and the firms that moved.

    A move is ``up`` (better class, A best), ``down``, ``same``; firms in only one year are
    ``new`` or ``gone``.
    """
    a = {r["credit_code"]: r for r in rows_a}
    b = {r["credit_code"]: r for r in rows_b}
    matrix: Counter[tuple[str, str]] = Counter()
    moves: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for code in sorted(a.keys() | b.keys()):
        ra, rb = a.get(code), b.get(code)
        ca = ra.get("class") if ra else None
        cb = rb.get("class") if rb else None
        if ra is None:
            kind = "new"
        elif rb is None:
            kind = "gone"
        elif ca is None or cb is None or ca == cb:
            kind = "same" if ca == cb else "changed"
        else:
            kind = "up" if CLASS_ORDER.get(cb, 9) < CLASS_ORDER.get(ca, 9) else "down"
        counts[kind] += 1
        matrix[(str(ca or "—"), str(cb or "—"))] += 1
        if kind != "same":
            src = rb or ra or {}
            moves.append({
                "credit_code": code, "name": src.get("name"), "region_code": src.get("region_code"),
                "track_before": ra.get("track") if ra else None, "track_after": rb.get("track") if rb else None,
                "class_before": ca, "class_after": cb,
                "score_before": ra.get("score") if ra else None, "score_after": rb.get("score") if rb else None,
                "rank_before": ra.get("rank") if ra else None, "rank_after": rb.get("rank") if rb else None,
                "change": kind,
            })
    return {
        "counts": dict(sorted(counts.items())),
        "matrix": [{"from": f, "to": t, "firms": n} for (f, t), n in sorted(matrix.items())],
        "moves": moves,
    }


CHANGE_TITLES = {"up": "上升", "down": "下降", "same": "不变", "new": "新增", "gone": "退出", "changed": "变化"}


def write_class_changes(path: Path, report: dict[str, Any], year_a: int, year_b: int) -> Path:
    labels = sorted({m["from"] for m in report["matrix"]} | {m["to"] for m in report["matrix"]},
                    key=lambda c: (CLASS_ORDER.get(c, 9), c))
    cell = {(m["from"], m["to"]): m["firms"] for m in report["matrix"]}
    mrows = [{"from": f, **{f"to.{t}": cell.get((f, t), 0) for t in labels}} for f in labels]
    mcols = [("from", f"{year_a} 年分类 \\ {year_b} 年分类", None)] + [(f"to.{t}", t, "0") for t in labels]
    moves = [dict(m, change=CHANGE_TITLES.get(m["change"], m["change"])) for m in report["moves"]]
    cols = [("credit_code", "统一社会信用代码", None), ("name", "企业名称", None), ("region_code", "行政区划代码", None),
            ("class_before", f"{year_a} 年分类", None), ("class_after", f"{year_b} 年分类", None),
            ("change", "变化", None), ("score_before", f"{year_a} 年得分", "0.00"),
            ("score_after", f"{year_b} 年得分", "0.00"), ("rank_before", f"{year_a} 年排名", "0"),
            ("rank_after", f"{year_b} 年排名", "0"), ("track_before", f"{year_a} 年赛道", None),
            ("track_after", f"{year_b} 年赛道", None)]
    return write_workbook(path, [
        Sheet("分类变化矩阵", mcols, mrows, title=f"亩均效益分类变化（{year_a} → {year_b}）",
              notes=[", ".join(f"{CHANGE_TITLES.get(k, k)} {v} 家" for k, v in report["counts"].items())]),
        Sheet("分类变动企业", cols, moves, title=f"分类变动企业（{year_a} → {year_b}）"),
    ])
