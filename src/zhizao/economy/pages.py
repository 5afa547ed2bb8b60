"""经济运行 pages: indicator trends, structure shares, per-mu efficiency, district comparison
and the five-year review report.

Figures come from :mod:`zhizao.economy.figures` (the same numbers as ``zhizao indicators``).
A district user sees its own district.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from zhizao.economy.figures import page_rows
from zhizao.store import publish
from zhizao.web import fmt
from zhizao.web.deps import PageUser, SessionDep, SettingsDep, audit
from zhizao.web.templating import render
from zhizao.web.ui import (
    PageError,
    audit_page_read,
    bar_option,
    forbid,
    is_city_region,
    line_option,
    query_string,
    region_name,
    region_scope,
    value_axis,
)

router = APIRouter(include_in_schema=False)

READERS = ("city", "district", "auditor")
KPI_IDS = ("above_scale_count", "value_added", "value_added_growth", "value_added_cagr", "tax_per_mu",
           "value_added_per_mu", "energy_per_value_added", "co2_per_value_added")
SHARE_IDS = ("share_strategic_emerging", "share_high_tech", "share_equipment", "share_digital_core")
DISTRICT_IDS = ("above_scale_count", "value_added", "value_added_growth", "rank_value_added_growth", "tax_per_mu",
                "rank_tax_per_mu", "value_added_per_mu", "rank_value_added_per_mu", "energy_per_value_added")


def default_span(session: Any, y_from: int | None, y_to: int | None,
                 notes: list[tuple[str, str]] | None = None) -> tuple[int, int]:
    """The span asked for, else the five years ending at the latest published evaluation year.
    Years given the wrong way round are swapped (with a note in ``notes``), not refused."""
    years = publish.published_years(session, "carbon") + publish.published_years(session, "mujun")
    end = y_to or (max(years) if years else dt.date.today().year - 1)
    start = y_from or end - 4
    if start > end:
        if notes is None:
            raise PageError(status_code=400, detail=f"起止年度有误：{start} 晚于 {end}")
        notes.append(("info", f"起始年度晚于截止年度，已按 {end}–{start} 年显示。"))
        start, end = end, start
    if end - start > 20:
        raise PageError(status_code=400, detail="年度跨度不能超过 20 年")
    return start, end


def _text(indicator_id: str, value: Any) -> str:
    """The figure as ``zhizao indicators`` and the review print it (same decimals)."""
    from zhizao.economy import catalogue

    try:
        return catalogue.formatted(indicator_id, value)
    except KeyError:
        return fmt.num(value)


def _shown(indicator_id: str, value: Any, unit: str) -> tuple[str, str]:
    """(text, unit) on the page: an amount of 1 亿元 and more in 亿元, else as printed."""
    if unit == "万元" and isinstance(value, int | float) and abs(value) >= fmt.YI:
        return fmt.money_parts(value)
    return _text(indicator_id, value), unit


def _status(indicator_id: str, value: Any) -> str:
    from zhizao.economy import catalogue

    try:
        return catalogue.get(indicator_id).status(value) or ""
    except (KeyError, ValueError, TypeError):
        return ""


@router.get("/economy", response_class=HTMLResponse)
def economy_page(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                 y_from: int | None = None, y_to: int | None = None, region: str = "") -> Response:
    from zhizao.economy import wording

    forbid(user, *READERS)
    notes: list[tuple[str, str]] = []
    start, end = default_span(session, y_from, y_to, notes)
    fixed = region_scope(user)
    # a district user's figures only; the city sees the city and may pick a district
    rows = page_rows(settings, start, end, fixed)  # prepared in the background (economy/prepared.py)
    if rows.note:
        notes.append(("info", rows.note))
    regions = sorted({r["region"] for r in rows if not is_city_region(r["region"])})
    city_code = next((r["region"] for r in rows if is_city_region(r["region"])), None)
    region = fixed or (region if region in regions else "") or city_code or ""
    mine = [r for r in rows if r["region"] == region]
    series: dict[str, dict[int, Any]] = defaultdict(dict)
    meta: dict[str, dict[str, Any]] = {}
    for r in mine:
        series[r["id"]][int(r["year"])] = r["value"]
        meta[r["id"]] = r
    years = list(range(start, end + 1))
    year_labels = [f"{y}年" for y in years]  # every chart's axis says 年 (a bare 2018 read as a number)

    def vals(iid: str) -> list[Any]:
        return [series.get(iid, {}).get(y) for y in years]

    kpis = []
    for iid in KPI_IDS:
        if end in series.get(iid, {}):
            m = meta[iid]
            text, unit = _shown(iid, series[iid][end], m["unit"])
            kpis.append({"id": iid, "label": f"{end}年 {m['name']}" if iid != "value_added_cagr" else m["name"],
                         "value": series[iid][end], "text": text, "unit": unit, "basis": m["basis"],
                         "status": _status(iid, series[iid][end])})
    charts: dict[str, Any] = {}
    if series.get("value_added"):
        # 亿元 with one decimal once the figures reach it (an official chart, no 9-digit 万元 axis)
        va_unit, va = wording.chart_series("万元", vals("value_added"))
        charts["va"] = line_option("规上工业增加值（现价）", year_labels, {"工业增加值": va}, va_unit)
    if series.get("value_added_growth"):
        charts["growth"] = bar_option("规上工业增加值增速（可比价）", year_labels, vals("value_added_growth"), "%")
    if any(series.get(i) for i in SHARE_IDS):
        charts["shares"] = line_option("产业结构：占规上工业增加值比重", year_labels,
                                       {meta[i]["name"].replace("增加值占规上工业比重", ""): vals(i) for i in SHARE_IDS if i in meta}, "%")
    if series.get("tax_per_mu") or series.get("value_added_per_mu"):
        # 亩均税收 (~18) and 亩均增加值 (~118): each on its own axis, or the smaller reads as flat
        per_mu = line_option("亩均效益（万元/亩）", year_labels, {"亩均税收": vals("tax_per_mu"),
                                                         "亩均工业增加值": vals("value_added_per_mu")})
        per_mu["yAxis"] = [value_axis("亩均税收", position="left"), value_axis("亩均增加值", position="right")]
        per_mu["series"][1]["yAxisIndex"] = 1
        per_mu["grid"]["top"] = 56
        charts["per_mu"] = per_mu
    if series.get("energy_per_value_added"):
        charts["energy"] = line_option("单位工业增加值能耗与排放", year_labels, {
            "能耗(吨标准煤/万元)": vals("energy_per_value_added"),
            "二氧化碳(吨/万元)": vals("co2_per_value_added")})
    districts = []
    if not fixed:
        by_region: dict[str, dict[str, Any]] = defaultdict(dict)
        units = {r["id"]: r["unit"] for r in rows}
        for r in rows:
            if int(r["year"]) == end and not is_city_region(r["region"]):
                by_region[r["region"]][r["id"]] = r["value"]
        districts = [{"code": k, "name": region_name(k), "values": {i: " ".join(_shown(i, x, units.get(i, ""))).strip()
                                                                    for i, x in v.items()}}
                     for k, v in sorted(by_region.items())]
    spans = [r for r in mine if r["id"].endswith(("_cagr", "_change_pp", "_change"))]
    audit_page_read(session, user, "page.economy", f"economy:{start}-{end}:{region}", request)
    table = [r | {"status": _status(r["id"], r["value"]), **dict(zip(("text", "unit"), _shown(r["id"], r["value"], r["unit"]),
                                                                       strict=True))} for r in mine]
    spans = [r | {"text": _text(r["id"], r["value"])} for r in spans]
    return render(request, "economy/index.html", {
        "breadcrumbs": [("经济运行", None)], "start": start, "end": end, "region": region,
        "region_label": region_name(region) if region and not is_city_region(region) else "全市",
        "regions": [(k, region_name(k)) for k in regions], "fixed_region": fixed is not None,
        "kpis": kpis, "charts": charts, "districts": districts, "district_ids": DISTRICT_IDS,
        "names": {r["id"]: r["name"] for r in rows}, "spans": spans, "table": table,
        # the report buttons take the district shown (a city user may have picked one)
        "review_params": query_string(y_from=start, y_to=end,
                                      region=region if not fixed and region and not is_city_region(region) else None),
        "flashes": notes,
    }, user=user)


# ----------------------------------------------------------------------------- the review report

FORMAT_LABELS = {"html": "网页", "pdf": "PDF", "xlsx": "Excel"}
REVIEW_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _review_target(user: Any, session: Any, y_from: int | None, y_to: int | None, format: str,
                   region: str) -> tuple[int, int, str | None, str]:
    """(start, end, region or None for the city, the report's URL) of a request; a district
    user's own district whatever it asks; the city and auditors the district they chose."""
    forbid(user, *READERS)
    if format not in ("html", *REVIEW_TYPES):
        raise PageError(status_code=400, detail=f"不支持的格式：{format}（可选 html、pdf、xlsx）")
    start, end = default_span(session, y_from, y_to)
    if end <= start:
        raise PageError(status_code=404, detail=f"回眸报告需要至少两个年度：{start}–{end}")
    fixed = region_scope(user)
    chosen = fixed or (region if re.fullmatch(r"\d{6}", region or "") and not is_city_region(region) else None)
    here = "/economy/review?" + query_string(y_from=start, y_to=end, format=format, region=None if fixed else chosen)
    return start, end, chosen, here


def _prepared_or_job(settings: Any, user: Any, start: int, end: int, chosen: str | None, format: str,
                     retry: bool = False) -> tuple[Any, dict[str, Any] | None]:
    """The stored review if current, else its job (queued now unless it exists: one per review
    and data state; a finished job whose file is gone, or a failure tried again, gets a new one)."""
    from zhizao.economy import prepared
    from zhizao.ingest import jobs

    digest = prepared.state_digest(settings)
    found = prepared.current(settings, start, end, chosen, format, digest)
    if found is not None:
        return found, None
    who = getattr(user, "username", None)
    job = prepared.request(settings, start, end, chosen, format, who, digest=digest)
    if job["status"] == "done" or (job["status"] == "failed" and retry):
        found = prepared.current(settings, start, end, chosen, format, digest)
        if found is not None:
            return found, None
        jobs.release(settings, job["job_id"])
        job = prepared.request(settings, start, end, chosen, format, who, digest=digest)
    return None, job


@router.get("/economy/review/status")
def review_status(user: PageUser, session: SessionDep, settings: SettingsDep, y_from: int | None = None,
                  y_to: int | None = None, format: str = "html", region: str = "") -> dict[str, Any]:
    """How the review's preparation goes (the progress page polls it; no report delivered)."""
    start, end, chosen, _ = _review_target(user, session, y_from, y_to, format, region)
    _found, job = _prepared_or_job(settings, user, start, end, chosen, format)
    if job is None:
        return {"ready": True, "failed": False}
    return {"ready": False, "failed": job["status"] == "failed", "status_label": job["status_label"],
            "stage_label": job["stage_label"] or "等待开始",
            "elapsed": "—" if job["elapsed_s"] is None else f"{fmt.num(job['elapsed_s'], 1)} 秒",
            "step": 3 if job["stage"] == "render" else 2 if job["status"] == "running" else 1}


@router.get("/economy/review")
def review_report(request: Request, user: PageUser, session: SessionDep, settings: SettingsDep,
                  y_from: int | None = None, y_to: int | None = None, format: str = "html",
                  region: str = "", wait: int = 0, retry: int = 0) -> Response:
    """The five-year review (回眸报告) of the city, or of the district for a district user.

    Served from the file prepared for the current data state (:mod:`zhizao.economy.prepared`);
    when there is none yet, its job is queued (one per review and state) and the page says
    正在生成报告… and follows the job (``/economy/review/status``) until the report is there
    (``wait=1``: reloaded by that page; a PDF or XLSX then gets a page that starts the
    download). Each report delivered is one audit entry, as before."""
    from zhizao.economy import prepared

    start, end, chosen, here = _review_target(user, session, y_from, y_to, format, region)
    found, job = _prepared_or_job(settings, user, start, end, chosen, format, bool(retry))
    crumbs = [("经济运行", "/economy"), ("回眸报告", None)]
    if found is None:
        assert job is not None
        failed = job["status"] == "failed"
        # the progress page is an ordinary page (200) that follows the job
        status = (404 if (job.get("result") or {}).get("refused") else 500) if failed else 200
        return render(request, "economy/review_wait.html", {
            "breadcrumbs": crumbs, "job": job, "start": start, "end": end, "format_label": FORMAT_LABELS[format],
            "refresh_url": here + "&wait=1", "retry_url": here + "&retry=1",
            "status_url": here.replace("/economy/review?", "/economy/review/status?", 1),
            "region_label": region_name(chosen) if chosen else "全市", "failed": failed, "ready_url": None,
        }, user=user, status_code=status)
    path, meta = found
    if wait and format != "html":  # reloaded by the progress page: a page that starts the download
        return render(request, "economy/review_wait.html", {
            "breadcrumbs": crumbs, "job": None, "start": start, "end": end, "format_label": FORMAT_LABELS[format],
            "ready_url": here, "failed": False, "region_label": meta["region_name"],
            "file_name": prepared.file_name(meta["region_name"], start, end, format),
        }, user=user)
    audit(session, user, "export.review", f"review:{start}-{end}", request=request,
          detail={"format": format, "region": meta["region"]})
    if format == "html":
        return FileResponse(path, media_type="text/html; charset=utf-8")
    return FileResponse(path, media_type=REVIEW_TYPES[format],
                        filename=prepared.file_name(meta["region_name"], start, end, format))
