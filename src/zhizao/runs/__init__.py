"""Runs: immutable, hashed, diffable results of a method on an input snapshot."""

from zhizao.runs.diff import diff
from zhizao.runs.registry import Run, RunError, execute, get, list_runs, register, result_hash, results

__all__ = ["Run", "RunError", "diff", "execute", "get", "list_runs", "register", "result_hash", "results"]
