"""What the server benchmarks (``api_load.py``, ``serve_load.py``) share: a fresh home with a
synthetic carbon run published, on SQLite or on a throw-away PostgreSQL cluster started the way
``scripts/test.sh`` starts one; accounts, default ``zhizao serve`` started and stopped, logins and a
consent; their command-line options; and the machine as their results files state it. Not a
benchmark itself (``run_all.sh`` skips ``_*`` files)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import cpu_model, mem_total_kb

ROOT = Path(__file__).resolve().parent
YEAR = 2024
PASSWORD = "bench-password-123"


def zhizao(home: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    exe = Path(sys.executable).with_name("zhizao")
    cmd = [str(exe) if exe.exists() else "zhizao", "--home", str(home), *args]
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False, env=env)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr}")
    return r.stdout


def synthetic_run(home: Path, firms: int, store_url: str | None = None) -> tuple[str, list[str]]:
    """Register a carbon run of ``firms`` synthetic firms (vectorised with numpy/Arrow)."""
    import numpy as np
    import pyarrow as pa

    from zhizao import runs
    from zhizao.codes.credit_code import ALPHABET, WEIGHTS
    from zhizao.methodology import find
    from zhizao.settings import load_settings

    rng = np.random.default_rng(7)
    idx = np.arange(firms)
    # 17 characters: authority 9, type 1, region, then a base-31 serial; check character computed vectorised
    regions = np.array(["330102", "330105", "330106", "330108", "330109", "330110"])
    region = regions[idx % len(regions)]
    digits = np.stack([(idx // 31**k) % 31 for k in range(8)][::-1], axis=1)
    alpha = np.array(list(ALPHABET))
    body = np.array(["91" + r + "M" for r in region])
    serial = np.array(["".join(row) for row in alpha[digits]])
    first17 = np.char.add(body, serial)
    table31 = np.zeros(256, dtype=np.int64)
    table31[[ord(c) for c in ALPHABET]] = np.arange(31)
    values = table31[np.frombuffer("".join(first17.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 17)]
    check = alpha[(31 - (values @ np.array(WEIGHTS)) % 31) % 31]
    codes = np.char.add(first17, check)
    grade = rng.integers(1, 6, firms)
    va = rng.uniform(100, 50_000, firms).round(2)
    intensity = rng.uniform(0.05, 3.0, firms).round(4)
    bench = rng.uniform(0.5, 1.5, firms).round(4)
    colours = np.array(["深绿", "绿", "黄", "橙", "红"])
    levels = np.array(["领先", "先进", "平均", "落后", "严重落后"])
    table = pa.table({
        "credit_code": codes, "name": np.char.add("基准测试企业", idx.astype(str)), "region_code": region,
        "industry_code": np.where(idx % 2 == 0, "3311", "2611"), "year": np.full(firms, YEAR),
        "emissions_t": (va * intensity).round(2), "value_added": va, "intensity": intensity,
        "benchmark_intensity": bench, "k_value": (intensity / bench).round(4), "level": levels[grade - 1],
        "grade": grade, "colour": colours[grade - 1], "neutrality_rate": rng.uniform(0, 0.2, firms).round(4),
        "status": np.full(firms, "graded"), "reason": pa.nulls(firms, pa.string()),
    })
    settings = load_settings(home).ensure()
    if store_url:
        import dataclasses

        settings = dataclasses.replace(settings, store_url=store_url)
    run = runs.register(settings, "carbon", YEAR, find(None, "carbon", YEAR), "duckdb", [], table, 0.0,
                        {"firms": firms}, ["基准测试用合成数据"])
    return run.run_id, codes.tolist()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def wait_up(url: str, timeout: float = 900.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not come up at {url}")


def login(base: str, username: str = "bench") -> str:
    req = urllib.request.Request(f"{base}/api/auth/login", method="POST",
                                 data=json.dumps({"username": username, "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return str(json.loads(r.read())["token"])


def grant(base: str, firm_token: str, bank: str) -> None:
    body = {"bank_username": bank, "valid_from": f"{YEAR}-01-01", "valid_to": f"{YEAR + 4}-12-31"}
    req = urllib.request.Request(f"{base}/api/consents", method="POST", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {firm_token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201


def machine() -> str:
    return (f"{os.cpu_count()} CPU ({cpu_model()}), {mem_total_kb() // 1024 // 1024} GiB RAM, "
            f"{platform.system()} {platform.release()}")


class PgCluster:
    """A throw-away PostgreSQL cluster on 127.0.0.1, as scripts/test.sh starts one."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                              if x.isdigit()])
        if not bins:
            raise SystemExit("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
        self.bin = bins[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="zhizao-bench-pg."))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def start(self) -> str:
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run([*self._as_postgres(), str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "zhizao",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
        log = open(self.dir / "log", "wb")
        self.proc = subprocess.Popen([*self._as_postgres(), str(self.bin / "postgres"), "-D", str(self.dir / "data"),
                                      "-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.dir),
                                      "-c", "max_connections=200"], stdout=log, stderr=log)
        for _ in range(100):
            if subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]).returncode == 0:
                break
            time.sleep(0.2)
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "zhizao", "bench"],
                       check=True)
        return f"postgresql+psycopg://zhizao@127.0.0.1:{self.port}/bench"

    def stop(self) -> None:
        if self.proc is not None:
            # pg_ctl stops the postgres process itself (a signal to `runuser` did not reach it: the
            # cluster outlived the bench)
            subprocess.run([*self._as_postgres(), str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "stop",
                            "-m", "fast", "-w"], capture_output=True, check=False)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Service:
    """A benchmark's home with its published synthetic run (:func:`service`), and the server once
    :meth:`serve` started it."""

    store: str
    home: Path
    env: dict[str, str]
    run_id: str
    codes: list[str]
    register_s: float
    published_rows: int
    publish_s: float
    base: str = ""
    server: subprocess.Popen[str] | None = None

    def zhizao(self, *args: str) -> str:
        return zhizao(self.home, *args, env=self.env)

    def add_user(self, name: str, *args: str) -> None:
        """``zhizao users add NAME ARGS…`` with the benchmark's password."""
        zhizao(self.home, "users", "add", name, *args, "--json", stdin=PASSWORD + "\n", env=self.env)

    def serve(self) -> str:
        """Start default ``zhizao serve`` on a free port of 127.0.0.1 and wait until it answers;
        returns its base URL."""
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        # the server's own log in a file: an unread pipe fills up and stalls the server
        log = open(self.home / "server.log", "w")
        self.server = subprocess.Popen([str(Path(sys.executable).with_name("zhizao")), "--home", str(self.home),
                                        "serve", "--host", "127.0.0.1", "--port", str(port)],
                                       env=self.env, stdout=log, stderr=log, text=True)
        wait_up(f"{self.base}/healthz")
        return self.base

    def login(self, username: str) -> str:
        return login(self.base, username)

    def stop(self) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None


@contextmanager
def service(bench: str, store: str, firms: int) -> Iterator[Service]:
    """A fresh home ``bench/data/<bench>/<store>`` (on a throw-away PostgreSQL cluster when
    ``store`` is ``postgres``) with a synthetic carbon run of ``firms`` firms registered and
    published (both timed); on leaving, the server (if started) and the cluster are stopped."""
    home = ROOT / "data" / bench / store
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    cluster = PgCluster() if store == "postgres" else None
    env = os.environ.copy()
    env.pop("ZHIZAO_STORE_URL", None)
    svc = None
    try:
        if cluster is not None:
            env["ZHIZAO_STORE_URL"] = cluster.start()
        t0 = time.perf_counter()
        run_id, codes = synthetic_run(home, firms, env.get("ZHIZAO_STORE_URL"))
        t_run = time.perf_counter() - t0
        t0 = time.perf_counter()
        pub = json.loads(zhizao(home, "publish", run_id, "--json", env=env))
        svc = Service(store, home, env, run_id, codes, t_run, pub["rows"], time.perf_counter() - t0)
        yield svc
    finally:
        if svc is not None:
            svc.stop()
        if cluster is not None:
            cluster.stop()


def load_args(firms: int, duration: int, description: str) -> argparse.ArgumentParser:
    """The options both server benchmarks take: ``--firms``, ``--duration`` (s per endpoint),
    ``--store sqlite|postgres|both``, ``--record``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--firms", type=int, default=firms)
    ap.add_argument("--duration", type=int, default=duration)
    ap.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--record", action="store_true")
    return ap


def stores(a: argparse.Namespace) -> tuple[str, ...]:
    """The stores to measure, once wrk is known to be there; from now on a SIGTERM ends the
    benchmark through its ``finally`` blocks, so that it still stops its server and cluster."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package `wrk`: apt-get install wrk)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    return ("sqlite", "postgres") if a.store == "both" else (a.store,)


def watch_load(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``'s result with the machine's 1-minute load average before and after it."""
    before = os.getloadavg()[0]
    r = run()
    return r | {"load_before": before, "load_after": os.getloadavg()[0]}
