"""Runs: immutable, hashed, diffable results of a method on an input snapshot."""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.runs.diff import diff
    from zhizao.runs.registry import Run, RunError, execute, get, list_runs, register, result_hash, results

__getattr__, __dir__ = exports(__name__, {
    "diff": "zhizao.runs.diff",
    **dict.fromkeys(("Run", "RunError", "execute", "get", "list_runs", "register", "result_hash", "results"),
                    "zhizao.runs.registry"),
})

__all__ = ["Run", "RunError", "diff", "execute", "get", "list_runs", "register", "result_hash", "results"]
