"""Runs: immutable, hashed, diffable results of a method on an input snapshot."""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.runs.gate import GateError, held, release, releases
    from zhizao.runs.registry import (
        Run,
        RunError,
        execute,
        execute_kept,
        get,
        leave_log,
        list_runs,
        register,
        result_hash,
        results,
    )

__getattr__, __dir__ = exports(__name__, {
    **dict.fromkeys(("GateError", "held", "release", "releases"), "zhizao.runs.gate"),
    **dict.fromkeys(("Run", "RunError", "execute", "execute_kept", "get", "leave_log", "list_runs", "register", "result_hash", "results"),
                    "zhizao.runs.registry"),
})

# ``zhizao.runs.diff`` is the submodule (``from zhizao.runs.diff import diff`` for the function)
__all__ = ["GateError", "Run", "RunError", "execute", "execute_kept", "get", "held", "leave_log", "list_runs",
           "register", "release", "releases", "result_hash", "results"]
