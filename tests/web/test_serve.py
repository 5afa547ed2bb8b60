"""``zhizao serve`` with its defaults: workers sized for the machine, the access log in a file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from serving import zhizao_serve

from zhizao.web.cli import default_workers, log_config


def test_default_workers_follow_the_cpus_this_process_may_use() -> None:
    assert default_workers() == max(1, min(len(os.sched_getaffinity(0)), 8))


def test_access_log_goes_to_a_file_handler(tmp_path: Path) -> None:
    cfg = log_config(tmp_path / "logs" / "access.log")
    assert cfg["handlers"]["access"]["class"] == "logging.handlers.WatchedFileHandler"
    assert (tmp_path / "logs").is_dir()
    assert log_config(None)["handlers"]["access"]["class"] == "logging.StreamHandler"


def test_default_serve_writes_the_access_log_to_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with zhizao_serve(home, stop_timeout=20):
        log = home / "logs" / "access.log"
        deadline = time.monotonic() + 10
        while not (log.exists() and "GET /healthz" in log.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline
            time.sleep(0.2)
