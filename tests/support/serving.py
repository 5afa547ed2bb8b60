"""``zhizao serve`` as a real process for tests: started on a free loopback port, waited for
until ``/healthz`` answers, stopped with SIGTERM (killed if it will not stop)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def zhizao_serve(home: str | Path, *args: str, env: Mapping[str, str] | None = None,
                 drop: tuple[str, ...] = ("ZHIZAO_STORE_URL",), start_timeout: float = 120,
                 stop_timeout: float = 30) -> Iterator[str]:
    """Yield the base URL of ``zhizao --home HOME serve --port P --workers 1 ARGS`` once it
    answers ``/healthz``. The server's output goes to ``HOME/serve.log``, shown if it dies while
    starting. ``drop`` names environment variables the server must not inherit; ``env`` adds some."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    environ.update(env or {})
    log_path = home / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "zhizao", "--home", str(home), "serve", "--port", str(port),
                                   "--workers", "1", *args], env=environ, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                        assert r.status == 200
                        break
                except OSError:
                    assert server.poll() is None, log_path.read_text(encoding="utf-8", errors="replace")
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.3)
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
