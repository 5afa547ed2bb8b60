"""A pytest plugin for ``bench/test_run.py``: when each test phase of each xdist worker started and
stopped, written as JSON lines to ``$ZHIZAO_TEST_TIMELINE`` by the controlling process (the
workers write nothing). Loaded with ``-p _timeline`` (``bench/`` on ``PYTHONPATH``)."""

from __future__ import annotations

import json
import os
from typing import Any


def pytest_runtest_logreport(report: Any) -> None:
    path = os.environ.get("ZHIZAO_TEST_TIMELINE")
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    node = getattr(report, "node", None)
    worker = getattr(getattr(node, "gateway", None), "id", "main")
    row = {"worker": worker, "test": report.nodeid, "phase": report.when,
           "start": getattr(report, "start", None), "stop": getattr(report, "stop", None)}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
