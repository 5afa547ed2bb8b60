"""Prepared five-year reviews: built off the request path, stored in the home, read by the page.

A review of (span, region, format) is one file ``<home>/prepared/review/<y1>-<y2>-<region>/
<state>.<fmt>`` (region ``city`` for the city's) beside ``<state>.json`` (what the page needs
to serve it: the region's code and name, when it was built). ``<state>`` is a digest of the
data state it was built from — :func:`zhizao.caching.state`, the warehouse file and the latest
publication, the key every memo of the project uses — so a file is current exactly while
nothing was imported, evaluated or published since; then it is stale and never served.

Building is a job of the import worker's queue (:mod:`zhizao.ingest.jobs`, kind
``economy.review``, one job per review and data state, however many requests ask). Publishing
a run or importing data (``Room.on_data_change``) queues ``economy.review.prepare``, which
queues the default span (the page's) for the city and each district in every format, in the
background: the page finds them ready. The same job first prepares the figures the cockpit and
the economy page show for the default span (:data:`FIGURES`, stored by :mod:`zhizao.prepared`):
the economy's own indicator rows (the cockpit's tiles), then every room's (the economy page);
and the ten years' figures (:data:`YEARS_KEPT`) any other span within them is derived from.
The CLI (``zhizao report review``) still builds directly.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from zhizao import prepared as stored
from zhizao.caching import Memo
from zhizao.ingest.jobs import PRIORITY_BACKGROUND, PRIORITY_WAITING, JobKind, JobRefused

log = logging.getLogger("zhizao.economy.prepared")

FORMATS = ("html", "xlsx", "pdf")
KIND = "economy.review"
PREPARE = "economy.review.prepare"
STAGES = {"compute": "计算指标", "render": "排版生成文件"}

#: the span's indicators, computed once per data state in the worker (every region's review
#: of a span reads the same city-wide figures)
_VALUES = Memo(4)
#: a region's review, built once per data state in the worker and written in each format (the
#: other rooms' sections take seconds: the policies' alone 4–7 s on the demo city)
_REPORTS = Memo(32)


#: the prepared figures of a span (:mod:`zhizao.prepared`): key ``<y1>-<y2>/own`` (the economy's
#: own indicator rows, the cockpit's) and ``<y1>-<y2>/all`` (with every room's rows, the economy page's)
FIGURES = "economy"
#: the years whose figures are prepared (the default span's end and the years before it): the
#: figures of any span within them are derived from them on the request (:func:`zhizao.economy.
#: figures.page_rows`), in milliseconds; a span reaching outside is computed on its first visit
YEARS_KEPT = 10
#: keys of the kept years' figures: the economy's (:class:`zhizao.economy.indicators.Yearly`) and
#: the other rooms' rows (their rows of a year do not depend on the span asked for)
YEARS_ECONOMY, YEARS_ROOMS = "years-economy", "years-rooms"


def state_digest(settings: Any) -> str:
    """The data state (:func:`zhizao.caching.state`) as a short file-name-safe digest."""
    return stored.digest(settings)


def figures_key(y_from: int, y_to: int, which: str) -> str:
    return f"{y_from}-{y_to}-{which}"


def folder(settings: Any, y_from: int, y_to: int, region: str | None) -> Path:
    return Path(settings.home) / "prepared" / "review" / f"{y_from}-{y_to}-{region or 'city'}"


def key(y_from: int, y_to: int, region: str | None, fmt: str, digest: str) -> str:
    return f"{KIND}:{y_from}-{y_to}:{region or 'city'}:{fmt}@{digest}"


def file_name(region_name: str, y_from: int, y_to: int, fmt: str) -> str:
    """The Chinese file name a download gets (as the page always gave)."""
    return f"{region_name}{y_from}-{y_to}年工业经济回眸.{fmt}"


def current(settings: Any, y_from: int, y_to: int, region: str | None, fmt: str,
            digest: str | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The stored review (its file and what was recorded with it) if it was built from the
    current data state, else None."""
    digest = digest or state_digest(settings)
    base = folder(settings, y_from, y_to, region)
    path, meta = base / f"{digest}.{fmt}", base / f"{digest}.json"
    try:
        doc = json.loads(meta.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return (path, doc) if path.exists() else None


def request(settings: Any, y_from: int, y_to: int, region: str | None, fmt: str, who: str | None,
            priority: int = PRIORITY_WAITING, digest: str | None = None) -> dict[str, Any]:
    """The job that builds the review from the current data state (queued unless one exists:
    one job per review and state, also under parallel requests)."""
    from zhizao.ingest import jobs

    digest = digest or state_digest(settings)
    name = f"{y_from}-{y_to}年工业经济回眸.{fmt}"
    return jobs.submit_keyed(settings, KIND, key(y_from, y_to, region, fmt, digest), "review",
                             {"y_from": y_from, "y_to": y_to, "region": region, "format": fmt}, name, who, priority)


def default_span(session: Any) -> tuple[int, int]:
    """The five years ending at the latest published evaluation year (the page's default)."""
    from zhizao.store import publish

    years = publish.published_years(session, "carbon") + publish.published_years(session, "mujun")
    end = max(years) if years else dt.date.today().year - 1
    return end - 4, end


def kept_span(y_to: int) -> tuple[int, int]:
    """The years whose figures are prepared when ``y_to`` ends the default span."""
    return y_to - YEARS_KEPT + 1, y_to


def _yearly(settings: Any, y_from: int, y_to: int) -> Any:
    """The economy's yearly figures of the years (:class:`zhizao.economy.indicators.Yearly`),
    computed once per data state in this process."""
    from zhizao.economy import indicators

    def compute() -> Any:
        published = indicators.load_published(settings, range(y_from, y_to + 1))
        from zhizao.engine import connect

        eng = connect(settings, None, read_only=True)
        try:
            return indicators.yearly(eng, y_from, y_to, published)
        finally:
            eng.close()

    return _VALUES.get(settings, ("yearly", y_from, y_to), compute)


def read_yearly(settings: Any, digest: str | None = None) -> tuple[Any, Any] | None:
    """The prepared yearly figures (:class:`zhizao.economy.indicators.Yearly`, parsed once per
    file in this process) and how they were found (:class:`zhizao.prepared.Found`: ``current``
    or an earlier state's); None when never prepared here."""
    from zhizao.economy.indicators import Yearly

    found = stored.read(settings, FIGURES, YEARS_ECONOMY, digest)
    if found is None:
        return None
    return _PARSED.get(settings, ("yearly", found.built_at, found.current), lambda: Yearly.from_json(found.value)), found


def kept_yearly(settings: Any, digest: str | None = None) -> Any:
    """The prepared yearly figures if they are of the current data state, else None."""
    got = read_yearly(settings, digest)
    return got[0] if got is not None and got[1].current else None


#: the prepared yearly figures as parsed from their file
_PARSED = Memo(4)


def _values(settings: Any, y_from: int, y_to: int) -> Any:
    """The span's indicator values: derived from the prepared years' figures when they cover it."""
    from zhizao.economy.indicators import for_settings, span

    def compute() -> Any:
        kept = kept_yearly(settings)
        if kept is not None and kept.covers(y_from, y_to):
            return span(kept, y_from, y_to)
        return for_settings(settings, y_from, y_to)

    return _VALUES.get(settings, ("values", y_from, y_to), compute)


def _write_atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_and_store(settings: Any, y_from: int, y_to: int, region: str | None, fmt: str,
                    stage: Any = lambda _s: None) -> tuple[Path, dict[str, Any]]:
    """Build the review from the data as it is now and store it under the state it was built
    from (taken before reading anything: data that changes meanwhile makes the file stale, never
    wrongly current). Already stored for this state: nothing is built."""
    from zhizao.economy import review

    digest = state_digest(settings)
    found = current(settings, y_from, y_to, region, fmt, digest)
    if found is not None:
        return found
    stage("compute")
    try:
        rep = _REPORTS.get(settings, ("review", y_from, y_to, region),
                           lambda: review.build(settings, y_from, y_to, region, values=_values(settings, y_from, y_to)))
    except review.ReviewError as exc:
        raise JobRefused(str(exc)) from exc
    stage("render")
    base = folder(settings, y_from, y_to, region)
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"{digest}.{fmt}"
    _write_atomic(path, lambda tmp: review.write(rep, fmt, tmp))
    meta = {"region": rep.region, "region_name": rep.region_name, "y_from": y_from, "y_to": y_to,
            "state": digest, "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    meta_path = base / f"{digest}.json"
    if not meta_path.exists():
        _write_atomic(meta_path, lambda tmp: tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8"))
    if digest == state_digest(settings):  # still current: the files of earlier states go
        for old in base.iterdir():
            if old.name.startswith("."):  # a write in progress, or left by a killed worker
                if time.time() - old.stat().st_mtime > 600:
                    old.unlink(missing_ok=True)
            elif not old.name.startswith(digest):
                old.unlink(missing_ok=True)
    return path, meta


def run_review(settings: Any, params: dict[str, Any], stage: Any) -> dict[str, Any]:
    """The worker's side of a ``economy.review`` job."""
    path, meta = build_and_store(settings, int(params["y_from"]), int(params["y_to"]), params.get("region"),
                                 str(params["format"]), stage)
    return meta | {"path": str(path)}


def prepare_figures(settings: Any, y_from: int, y_to: int, digest: str) -> Any:
    """Store the figures the cockpit and the economy page read: the default span's (own rows
    first: the cockpit's are ready before the other rooms' indicators are counted), and the kept
    years' (:data:`YEARS_KEPT`), which every other span within them is derived from. Returns the
    default span's indicator values (the reviews' figures)."""
    from zhizao.economy import indicators
    from zhizao.economy.figures import room_rows

    def missing(key: str) -> bool:
        found = stored.read(settings, FIGURES, key, digest)
        return found is None or not found.current

    lo, hi = kept_span(y_to)
    yr = kept_yearly(settings, digest)  # prepared already (the worker's start on a current home)
    if yr is None or (yr.y_from, yr.y_to) != (lo, hi):
        yr = _yearly(settings, lo, hi)
        stored.store(settings, FIGURES, YEARS_ECONOMY, digest, yr.to_json())
    values = indicators.span(yr, y_from, y_to)  # (a review then derives its own: 7-56 ms)
    own = indicators.rows(values)
    if missing(figures_key(y_from, y_to, "own")):
        stored.store(settings, FIGURES, figures_key(y_from, y_to, "own"), digest, own)
    if missing(YEARS_ROOMS) or missing(figures_key(y_from, y_to, "all")):
        rooms = room_rows(settings, lo, hi)
        stored.store(settings, FIGURES, YEARS_ROOMS, digest, {"y_from": lo, "y_to": hi, "rows": rooms})
        stored.store(settings, FIGURES, figures_key(y_from, y_to, "all"), digest,
                     own + [r for r in rooms if y_from <= r["year"] <= y_to])
    return values


def run_prepare(settings: Any, params: dict[str, Any], stage: Any) -> dict[str, Any]:
    """The worker's side of ``economy.review.prepare``: queue the default span's review of the
    city and of each district in every format (in the background: a person's request goes
    first), HTML first. Nothing to report on (no statistics yet): nothing queued."""
    from zhizao.store.db import session_scope

    with session_scope(settings) as s:
        y_from, y_to = default_span(s)
    digest = state_digest(settings)
    stage("compute")
    try:
        values = prepare_figures(settings, y_from, y_to, digest)
    except Exception as exc:  # no warehouse or statistics yet: nothing to prepare
        log.info("review prepare %s-%s: %s", y_from, y_to, exc)
        return {"queued": 0}
    cities = sorted({v.region for v in values if v.region.endswith("00")})
    if len(cities) != 1:
        return {"queued": 0}
    districts = sorted({v.region for v in values if v.region[:4] == cities[0][:4] and v.region != cities[0]})
    queued = 0
    for fmt in FORMATS:
        for region in (None, *districts):
            if current(settings, y_from, y_to, region, fmt, digest) is None:
                request(settings, y_from, y_to, region, fmt, None, PRIORITY_BACKGROUND, digest)
                queued += 1
    return {"y_from": y_from, "y_to": y_to, "regions": len(districts) + 1, "queued": queued}


def on_data_change(settings: Any, event: dict[str, Any]) -> None:
    """A publication or an import: stored reviews are stale (their state is no longer the
    current one); queue the preparation of the default span (quick: one row in the store)."""
    from sqlalchemy.exc import SQLAlchemyError

    from zhizao.ingest import jobs

    try:
        if jobs.queued(settings, PREPARE):  # it reads the data state when it runs: one waiting is enough
            return
        jobs.submit_keyed(settings, PREPARE, f"{PREPARE}@{state_digest(settings)}", "review", {}, "",
                          None, PRIORITY_BACKGROUND)
    except SQLAlchemyError as exc:  # no store yet (a warehouse filled before the store exists)
        log.info("review prepare not queued: %s", exc)


def clear(settings: Any) -> None:
    """Forget every stored review (tests; a home restored from a backup)."""
    shutil.rmtree(Path(settings.home) / "prepared" / "review", ignore_errors=True)


JOBS = (
    JobKind(KIND, run_review, STAGES, running_label="生成中"),
    JobKind(PREPARE, run_prepare, {"compute": "计算指标"}, running_label="准备中"),
)
