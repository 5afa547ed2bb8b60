"""``zhizao serve`` with its defaults: workers sized for the machine, the access log in a file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from serving import zhizao_serve

from zhizao.web.cli import default_workers, log_config


def test_default_workers_follow_the_cpus_this_process_may_use() -> None:
    assert default_workers() == max(1, min(len(os.sched_getaffinity(0)), 8))


def test_access_log_goes_to_a_file_written_off_the_event_loop(tmp_path: Path) -> None:
    import logging
    import logging.config

    cfg = log_config(tmp_path / "logs" / "access.log")
    assert cfg["handlers"]["access"]["()"] == "zhizao.web.cli.BackgroundFileHandler"
    assert (tmp_path / "logs").is_dir()
    assert log_config(None)["handlers"]["access"]["class"] == "logging.StreamHandler"
    # configured as uvicorn does: the line is formatted and written by the handler's own thread
    logging.config.dictConfig(cfg)
    handler = logging.getLogger("uvicorn.access").handlers[0]
    try:
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/healthz", "1.1", 200)
    finally:
        handler.close()  # writes what is queued, as at the process's exit
        logging.getLogger("uvicorn.access").removeHandler(handler)
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    assert '127.0.0.1:5 "GET /healthz HTTP/1.1" 200' in (tmp_path / "logs" / "access.log").read_text(encoding="utf-8")


def test_default_serve_writes_the_access_log_to_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with zhizao_serve(home, stop_timeout=20):
        log = home / "logs" / "access.log"
        deadline = time.monotonic() + 10
        while not (log.exists() and "GET /healthz" in log.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline
            time.sleep(0.2)
