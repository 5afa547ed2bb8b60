"""Benchmark: the service under load, as deployed: default ``zhizao serve``, store on SQLite and on PostgreSQL.

Setup (not timed): a fresh home under ``bench/data/api_load``; a synthetic carbon run of
``--firms`` firms (CONTRACT.md row fields, grades drawn at random) registered in the runs
registry and published with ``zhizao publish``; accounts made with ``zhizao users add`` (a city
user, a firm, a bank); the firm grants the bank a consent through ``POST /api/consents``.
With ``--store postgres`` (or ``both``) a throw-away PostgreSQL cluster is started on
127.0.0.1 the way ``scripts/test.sh`` starts one, and stopped by its PID afterwards.

Measured, per store: ``zhizao serve`` with its defaults (workers = CPUs, access log to a file),
then ``wrk -t2 -c64 -d<duration>s --latency`` on each of

- the grade lookup ``GET /api/carbon/{year}/{code}`` (city bearer token, rotating codes);
- the bank's audited read of the consenting firm's grade (every request writes an audit entry);
- the ``/carbon`` list page and the cockpit ``/`` (session cookie of the city user);
- baseline ``GET /healthz`` (no authentication, no store: the framework's ceiling here).

The load average is recorded before and after each endpoint: the machine is shared.

Targets (issue 16): grade lookup ≥ 3,000 requests/s with p99 < 50 ms; the bank's audited read
≥ 1,000 requests/s; ``/carbon`` and the cockpit ≥ 200 requests/s with p99 < 500 ms; no errors.

Run: ``python bench/api_load.py [--firms 50000] [--duration 30] [--store both] [--record]``
(``--record`` rewrites ``bench/results/api_load.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
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


HEADER_LUA = """
wrk.headers["%s"] = "%s"
"""


LUA = """
local codes = {%s}
local n = #codes
local i = 0
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  i = i + 1
  return wrk.format("GET", "/api/carbon/%d/" .. codes[(i %% n) + 1])
end
"""


def run_wrk(url: str, duration: int, script: Path | None, connections: int = 64, threads: int = 2) -> dict:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out) | {"raw": out, "command": " ".join(cmd)}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not m:
        raise ValueError(text)
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = {p: _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": pct.get("50"), "p75": pct.get("75"), "p90": pct.get("90"), "p99": pct.get("99"),
            "requests": total, "non_2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sock.group(1).strip() if sock else ""}


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} CPU ({cpu}), {int(mem) // 1024 // 1024} GiB RAM, {platform.system()} {platform.release()}"


class PgCluster:
    """A throw-away PostgreSQL cluster on 127.0.0.1, as scripts/test.sh starts one."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                              if x.isdigit()])
        if not bins:
            raise SystemExit("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
        self.bin = bins[-1]
        self.dir = Path(tempfile_dir())
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


def tempfile_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="zhizao-bench-pg.")


ENDPOINTS = (
    ("grade", "grade lookup `GET /api/carbon/{year}/{code}` (city bearer, rotating codes)"),
    ("bank", "bank's audited read `GET /api/carbon/{year}/{code}` (bank bearer, consenting firm)"),
    ("carbon_page", "`/carbon` list page (city session cookie)"),
    ("cockpit", "cockpit `/` (city session cookie)"),
    ("healthz", "baseline `GET /healthz` (no auth, no store)"),
)
TARGETS = {"grade": (3000, 50), "bank": (1000, None), "carbon_page": (200, 500), "cockpit": (200, 500)}


def measure(store: str, firms: int, duration: int) -> dict:
    home = ROOT / "data" / "api_load" / store
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    cluster = PgCluster() if store == "postgres" else None
    env = os.environ.copy()
    env.pop("ZHIZAO_STORE_URL", None)
    server = None
    try:
        if cluster is not None:
            env["ZHIZAO_STORE_URL"] = cluster.start()
        t0 = time.perf_counter()
        run_id, codes = synthetic_run(home, firms, env.get("ZHIZAO_STORE_URL"))
        t_run = time.perf_counter() - t0
        t0 = time.perf_counter()
        pub = json.loads(zhizao(home, "publish", run_id, "--json", env=env))
        t_pub = time.perf_counter() - t0
        firm = codes[0]
        zhizao(home, "users", "add", "bench", "--role", "city", "--json", stdin=PASSWORD + "\n", env=env)
        zhizao(home, "users", "add", "firm", "--role", "enterprise", "--credit-code", firm, "--json",
               stdin=PASSWORD + "\n", env=env)
        zhizao(home, "users", "add", "bank", "--role", "bank", "--json", stdin=PASSWORD + "\n", env=env)
        print(f"[{store}] registered {run_id} in {t_run:.1f} s; published {pub['rows']:,} rows in {t_pub:.1f} s",
              file=sys.stderr)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        exe = Path(sys.executable).with_name("zhizao")
        # the server's own log in a file: an unread pipe fills up and stalls the server
        server_log = open(home / "server.log", "w")
        server = subprocess.Popen([str(exe), "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=server_log, stderr=server_log, text=True)
        wait_up(f"{base}/healthz")
        city, bank = login(base), login(base, "bank")
        grant(base, login(base, "firm"), "bank")
        sample = codes[:: max(1, len(codes) // 5000)][:5000]
        scripts = {}
        scripts["grade"] = home / "grade.lua"
        scripts["grade"].write_text(LUA % (",".join(f'"{c}"' for c in sample), city, YEAR))
        scripts["bank"] = home / "bank.lua"
        scripts["bank"].write_text(HEADER_LUA % ("Authorization", f"Bearer {bank}"))
        scripts["carbon_page"] = scripts["cockpit"] = home / "cookie.lua"
        scripts["cockpit"].write_text(HEADER_LUA % ("Cookie", f"zhizao_session={city}"))
        urls = {"grade": base + "/", "bank": f"{base}/api/carbon/{YEAR}/{firm}", "carbon_page": base + "/carbon",
                "cockpit": base + "/", "healthz": base + "/healthz"}
        for name in ("grade", "bank", "carbon_page", "cockpit"):  # warm every worker's caches and pools
            warm = run_wrk(urls[name], 5, scripts[name])
            if warm["requests"] == 0:
                print(warm["raw"], file=sys.stderr)
        results = {}
        for name, _label in ENDPOINTS:
            before = os.getloadavg()[0]
            r = run_wrk(urls[name], duration, scripts.get(name))
            results[name] = r | {"load_before": before, "load_after": os.getloadavg()[0]}
            print(f"[{store}] {name}: {r['rps']:,.0f}/s p99 {r['p99']} ms non-2xx {r['non_2xx']} {r['socket_errors']} "
                  f"(load {before:.1f} → {os.getloadavg()[0]:.1f})", file=sys.stderr)
        return {"store": store, "run_id": run_id, "rows": pub["rows"], "publish_s": t_pub, "results": results}
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if cluster is not None:
            cluster.stop()


def met(name: str, r: dict) -> bool:
    rps, p99 = TARGETS[name]
    return bool(r["rps"] >= rps and (p99 is None or (r["p99"] or 1e9) < p99) and r["non_2xx"] == 0
                and not r["socket_errors"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=50_000)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package `wrk`: apt-get install wrk)")
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a killed bench still stops its server and cluster
    from zhizao.web.cli import default_workers

    done = [measure(store, args.firms, args.duration) for store in stores]
    if args.record:
        today = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        cmd = f"python bench/api_load.py --firms {args.firms} --duration {args.duration} --store {args.store} --record"
        lines = [
            "# API load: default `zhizao serve`, store on SQLite and on PostgreSQL",
            "",
            f"- date: {today}",
            f"- machine: {machine()}; wrk runs on the same cores as the server",
            f"- server: `zhizao serve` with its defaults ({default_workers()} workers = CPUs, access log to "
            "`<home>/logs/access.log`) on 127.0.0.1",
            f"- data: {args.firms:,} published carbon rows (a synthetic run); one firm consented to one bank",
            f"- load: `wrk -t2 -c64 -d{args.duration}s --latency --timeout 5s` per endpoint, one after another",
            f"- command: `{cmd}`",
            "- the machine is shared by several engineers' jobs: the load average (1 min) before and after each "
            "endpoint is in the table; with a load far above the 2 cores the figures measure the machine as much "
            "as the service",
            "",
            "| store | endpoint | requests/s | p50 ms | p90 ms | p99 ms | requests | non-2xx | load before → after | target |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for d in done:
            for name, label in ENDPOINTS:
                r = d["results"][name]
                target = "" if name not in TARGETS else ("met" if met(name, r) else "NOT met")
                lines.append(f"| {d['store']} | {label} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p90']:.1f} | "
                             f"{r['p99']:.1f} | {r['requests']:,} | {r['non_2xx']} | "
                             f"{r['load_before']:.1f} → {r['load_after']:.1f} | {target} |")
        lines += ["", "Targets (issue 16): grade lookup ≥ 3,000 requests/s with p99 < 50 ms; the bank's audited "
                  "read ≥ 1,000 requests/s; `/carbon` and the cockpit ≥ 200 requests/s with p99 < 500 ms; no errors.",
                  ""]
        for d in done:
            lines += [f"Publishing {d['rows']:,} rows into the {d['store']} store took {d['publish_s']:.1f} s.", ""]
        for d in done:
            lines += [f"wrk output, {d['store']}, grade lookup:", "", "```", d["results"]["grade"]["raw"].strip(), "```", ""]
        out = ROOT / "results" / "api_load.md"
        out.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
