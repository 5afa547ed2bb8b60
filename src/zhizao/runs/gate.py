"""The publication gate of a run: its held firms, their release, and what publishing may do.

A method whose rows carry ``status = 'held'`` (the carbon method's consistency checks, see
``zhizao.carbon.method.gate``) keeps those firms out of grading and benchmarks. A person looks
at each one and either corrects the data by import (the next run no longer holds it) or
releases it with a reason: the release is kept in the warehouse table ``gate_releases`` (so
every later run of the same method and year honours it and says so in its notes), written to
the audit log, and a new run is registered at once with the old one as its parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow.compute as pc

from zhizao import capabilities
from zhizao.engine import warehouse
from zhizao.runs.registry import Run, RunError, get, results
from zhizao.settings import Settings

RELEASES_DDL = """
CREATE TABLE IF NOT EXISTS gate_releases (
    method VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    credit_code VARCHAR NOT NULL,
    held_check VARCHAR,
    reason VARCHAR NOT NULL,
    released_by VARCHAR,
    released_at TIMESTAMP NOT NULL,
    from_run_id VARCHAR NOT NULL,
    PRIMARY KEY (method, year, credit_code)
)
"""

HELD = "held"


class GateError(ValueError):
    pass


@dataclass(frozen=True)
class Release:
    method: str
    year: int
    credit_code: str
    held_check: str | None
    reason: str
    released_by: str | None
    released_at: str
    from_run_id: str

    def note(self) -> str:
        """The sentence a run records for this release (Chinese)."""
        who = f"，{self.released_by}" if self.released_by else ""
        return f"已放行待核企业 {self.credit_code}（{self.reason}{who}，{self.released_at[:10]}）"


def ensure_releases(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RELEASES_DDL)


def releases(settings: Settings, method: str, year: int) -> list[Release]:
    """The releases in force for (method, year), oldest first. A read-only connection: the runs
    pages call this, and a writable open would make every other server process answer "busy"."""
    if not settings.warehouse_path.exists():
        return []
    con = warehouse.connect(settings.warehouse_path, read_only=True, wait_s=30.0)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'gate_releases'").fetchone()[0]:  # type: ignore[index]
            return []
        rows = con.execute("SELECT method, year, credit_code, held_check, reason, released_by, released_at, "
                           "from_run_id FROM gate_releases WHERE method = ? AND year = ? "
                           "ORDER BY released_at, credit_code", [method, year]).fetchall()
    finally:
        con.close()
    return [Release(r[0], int(r[1]), r[2], r[3], r[4], r[5], r[6].isoformat(sep=" ", timespec="seconds"), r[7])
            for r in rows]


def held(settings: Settings, run_id: str) -> list[dict[str, Any]]:
    """The held firms of a run: ``credit_code, name, region_code, industry_code, check, reason``."""
    table = results(settings, run_id)
    if "status" not in table.column_names:
        return []
    t = table.filter(pc.equal(table["status"], HELD))
    cols = [c for c in ("credit_code", "name", "region_code", "industry_code", "held_check", "reason")
            if c in t.column_names]
    rows = t.select(cols).sort_by("credit_code").to_pylist()
    return [{"credit_code": r["credit_code"], "name": r.get("name"), "region_code": r.get("region_code"),
             "industry_code": r.get("industry_code"), "check": r.get("held_check"), "reason": r.get("reason")}
            for r in rows]


def held_count(run: Run) -> int:
    status = run.counts.get("status") or {}
    return int(status.get(HELD, 0)) if isinstance(status, dict) else 0


def release(settings: Settings, run_id: str, credit_codes: list[str], reason: str, user: Any = None) -> Run:
    """Release held firms of ``run_id`` with ``reason``: recorded, audited, and re-run (a new run
    whose parent is ``run_id``, on the DuckDB warehouse with the same methodology)."""
    from zhizao import runs
    from zhizao.engine import connect
    from zhizao.store import audit
    from zhizao.store.db import init_store, session_scope

    reason = reason.strip()
    if not reason:
        raise GateError("放行须说明理由")
    run = get(settings, run_id)
    cap = capabilities.get(run.method)
    if not cap.extra.get("gate"):
        raise GateError(f"{cap.title}没有发布前核查，无企业可放行")
    by_code = {h["credit_code"]: h for h in held(settings, run_id)}
    unknown = [c for c in credit_codes if c not in by_code]
    if unknown:
        raise GateError(f"运行 {run_id} 中以下企业不是待核状态: {', '.join(unknown)}")
    who = getattr(user, "username", user)
    role = getattr(user, "role", None)
    now = datetime.now(UTC).replace(tzinfo=None)
    con = warehouse.connect(settings.warehouse_path, wait_s=30.0)
    try:
        ensure_releases(con)
        for c in credit_codes:
            con.execute("INSERT OR REPLACE INTO gate_releases VALUES (?,?,?,?,?,?,?,?)",
                        [run.method, run.year, c, by_code[c]["check"], reason, who, now, run_id])
    finally:
        con.close()
    init_store(settings)
    with session_scope(settings) as s:
        for c in credit_codes:
            audit.record(s, "gate.release", username=who, role=role, target=run_id,
                         detail={"credit_code": c, "check": by_code[c]["check"], "reason": reason,
                                 "method": run.method, "year": run.year})
    m = cap.methodology_model.model_validate(run.methodology)
    eng = connect(settings, "duckdb")
    try:
        new = runs.execute(settings, eng, run.method, run.year, m, parent_run_id=run_id)
    finally:
        eng.close()
    if new.result_rows == 0 and run.result_rows:
        raise RunError(f"重新计算 {run_id} 没有结果")
    return new
