"""``zhizao results``: a run's rows as JSON, CSV or XLSX, in the CONTRACT.md row fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from zhizao import capabilities
from zhizao.reports.csvout import write_csv
from zhizao.reports.xlsx import Sheet, write_workbook
from zhizao.runs.registry import Run


def document(run: Run, table: pa.Table) -> dict[str, Any]:
    cap = capabilities.get(run.method)
    return {
        "run_id": run.run_id,
        "method": run.method,
        "year": run.year,
        "methodology": {
            "name": run.methodology_name,
            "version": run.methodology_version,
            "hash": run.methodology_hash,
            "values": run.methodology,
        },
        "engine": run.engine,
        "input_batches": run.input_batches,
        "result_hash": run.result_hash,
        "notes": run.notes,
        "rows": capabilities.rows(cap, table, run.methodology),
    }


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                out[f"{k}.{k2}"] = v2
        else:
            out[k] = v
    return out


def export_results(run: Run, table: pa.Table, fmt: str, out: Path | None) -> dict[str, Any]:
    doc = document(run, table)
    if fmt == "json":
        if out is not None:
            Path(out).write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        return doc
    if out is None:
        raise ValueError(f"--format {fmt} 需要 --out 指定输出文件")
    rows = [_flatten(r) for r in doc["rows"]]
    fields: list[str] = []
    for r in rows:
        for k in r:
            if k not in fields:
                fields.append(k)
    headers: dict[str, str] = capabilities.get(run.method).extra.get("headers", {})
    if fmt == "csv":
        write_csv(out, [headers.get(f, f) for f in fields],
                  (["" if r.get(f) is None else r.get(f) for f in fields] for r in rows))
        return doc
    if fmt == "xlsx":
        cols = [(f, headers.get(f, f), None) for f in fields]
        write_workbook(out, [Sheet("结果", cols, rows, title=f"{run.run_id} 评价结果",
                                   notes=[f"方法论 {run.methodology_name}@{run.methodology_version}，"
                                          f"引擎 {run.engine}，结果哈希 {run.result_hash[:16]}"])])
        return doc
    raise ValueError(f"不支持的格式: {fmt}（可选 json、csv、xlsx）")
