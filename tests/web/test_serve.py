"""``zhizao serve`` with its defaults: workers sized for the machine, the access log in a file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from zhizao.web.cli import default_workers, log_config


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_default_workers_follow_the_cpus_this_process_may_use() -> None:
    assert default_workers() == max(1, min(len(os.sched_getaffinity(0)), 8))


def test_access_log_goes_to_a_file_handler(tmp_path: Path) -> None:
    cfg = log_config(tmp_path / "logs" / "access.log")
    assert cfg["handlers"]["access"]["class"] == "logging.handlers.WatchedFileHandler"
    assert (tmp_path / "logs").is_dir()
    assert log_config(None)["handlers"]["access"]["class"] == "logging.StreamHandler"


def test_default_serve_writes_the_access_log_to_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ZHIZAO_STORE_URL"}
    server = subprocess.Popen([sys.executable, "-m", "zhizao", "--home", str(home), "serve", "--port", str(port),
                               "--workers", "1"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.3)
        log = home / "logs" / "access.log"
        deadline = time.monotonic() + 10
        while not (log.exists() and "GET /healthz" in log.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
