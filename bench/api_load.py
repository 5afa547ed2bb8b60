"""Benchmark: the hot API endpoint ``GET /api/carbon/{year}/{credit_code}`` under load.

Setup (not timed): a fresh home under ``bench/data/api_load``; a synthetic carbon run of
``--firms`` firms (CONTRACT.md row fields, grades drawn at random) registered in the runs
registry and published with ``zhizao publish``; a city account made with ``zhizao users add``
(password on standard input) and a bearer token from ``POST /api/auth/login``.

Measured: ``zhizao serve`` on 127.0.0.1 (``--workers``, ``--no-access-log``), then ``wrk``
(2 threads, 64 connections, ``--duration`` seconds, ``--latency``, ``--rounds`` rounds alternating with the baseline) with a Lua script sending
the bearer header and rotating through the published credit codes. Baseline in the same run,
same server: ``GET /healthz``, a FastAPI route with no authentication and no store access (the
framework's own ceiling on this machine). The server is stopped by its PID afterwards.

Targets (issue 5): at least 1,000 requests/s and p99 under 50 ms with 64 connections.

Run: ``python bench/api_load.py [--firms 50000] [--duration 15] [--rounds 3] [--workers 2] [--record]``
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


def zhizao(home: Path, *args: str, stdin: str | None = None) -> str:
    exe = Path(sys.executable).with_name("zhizao")
    cmd = [str(exe) if exe.exists() else "zhizao", "--home", str(home), *args]
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr}")
    return r.stdout


def synthetic_run(home: Path, firms: int) -> tuple[str, list[str]]:
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
    run = runs.register(settings, "carbon", YEAR, find(None, "carbon", YEAR), "duckdb", [], table, 0.0,
                        {"firms": firms}, ["基准测试用合成数据"])
    return run.run_id, codes.tolist()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def wait_up(url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not come up at {url}")


def login(base: str) -> str:
    req = urllib.request.Request(f"{base}/api/auth/login", method="POST",
                                 data=json.dumps({"username": "bench", "password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return str(json.loads(r.read())["token"])


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=50_000)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="alternating hot/baseline rounds (the machine is shared)")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package `wrk`)")

    home = ROOT / "data" / "api_load"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    t0 = time.perf_counter()
    run_id, codes = synthetic_run(home, args.firms)
    t_run = time.perf_counter() - t0
    t0 = time.perf_counter()
    pub = json.loads(zhizao(home, "publish", run_id, "--json"))
    t_pub = time.perf_counter() - t0
    zhizao(home, "users", "add", "bench", "--role", "city", "--json", stdin=PASSWORD + "\n")
    print(f"registered {run_id} in {t_run:.1f} s; published {pub['rows']:,} rows in {t_pub:.1f} s", file=sys.stderr)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("zhizao")
    env = os.environ.copy()
    env.pop("ZHIZAO_STORE_URL", None)
    server = subprocess.Popen([str(exe), "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(args.workers), "--no-access-log"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_up(f"{base}/healthz")
        token = login(base)
        sample = codes[:: max(1, len(codes) // 5000)][:5000]
        script = home / "rotate.lua"
        script.write_text(LUA % (",".join(f'"{c}"' for c in sample), token, YEAR))
        # warm up each worker's token cache and connection pool
        run_wrk(base + "/", 2, script)
        load_before = os.getloadavg()
        hots, bases = [], []
        for _ in range(args.rounds):
            hots.append(run_wrk(base + "/", args.duration, script))
            bases.append(run_wrk(base + "/healthz", args.duration, None))
        load_after = os.getloadavg()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    def met(r: dict) -> bool:
        return bool(r["rps"] >= 1000 and (r["p99"] or 1e9) < 50 and r["non_2xx"] == 0 and not r["socket_errors"])

    # the median round by throughput stands for the run; every round is listed
    order = sorted(range(args.rounds), key=lambda i: hots[i]["rps"])
    hot, base_line = hots[order[len(order) // 2]], bases[order[len(order) // 2]]
    ok = met(hot)
    rows = []
    for i in range(args.rounds):
        rows.append((f"round {i + 1}: `GET /api/carbon/{{year}}/{{code}}` (bearer, rotating codes)", hots[i]))
        rows.append((f"round {i + 1}: baseline `GET /healthz` (no auth, no store)", bases[i]))
    for i in range(args.rounds):
        print(f"round {i + 1}: hot {hots[i]['rps']:.0f}/s p99 {hots[i]['p99']} ms; "
              f"baseline {bases[i]['rps']:.0f}/s p99 {bases[i]['p99']} ms", file=sys.stderr)
    if args.record:
        today = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        cmd = (f"python bench/api_load.py --firms {args.firms} --duration {args.duration} --workers {args.workers} "
               f"--rounds {args.rounds} --record")
        lines = [
            "# API load: `GET /api/carbon/{year}/{credit_code}`",
            "",
            f"- date: {today}",
            f"- machine: {machine()}",
            f"- load average before / after the measured runs: {load_before[0]:.1f} / {load_after[0]:.1f} "
            "(the machine is shared; wrk runs on the same 2 cores as the server)",
            f"- store: SQLite (WAL) with {pub['rows']:,} published carbon rows ({run_id}); "
            f"publishing took {t_pub:.1f} s",
            f"- server: `zhizao serve --workers {args.workers} --no-access-log` (uvicorn) on 127.0.0.1",
            f"- load: `wrk -t2 -c64 -d{args.duration}s --latency`, Lua script rotating {len(sample):,} codes "
            f"with the bearer header; {args.rounds} rounds alternating with the baseline",
            f"- command: `{cmd}`",
            "",
            "| endpoint | requests/s | p50 ms | p90 ms | p99 ms | requests | non-2xx |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for label, r in rows:
            lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | "
                         f"{r['requests']:,} | {r['non_2xx']} |")
        lines += [
            "",
            f"Target (≥ 1,000 requests/s and p99 < 50 ms, no errors) in the median round: "
            f"**{'met' if ok else 'NOT met'}**; rounds meeting it: {sum(met(r) for r in hots)} of {args.rounds}. "
            f"In the median round the hot endpoint runs at {hot['rps'] / base_line['rps']:.0%} of the "
            "framework-only baseline.",
            "",
            f"Throughput ≥ 1,000/s in {sum(r['rps'] >= 1000 for r in hots)} of {args.rounds} rounds; "
            f"p99 < 50 ms in {sum((r['p99'] or 1e9) < 50 for r in hots)} of {args.rounds}. For comparison the "
            f"baseline route, which does no work at all, had p99 between {min(b['p99'] for b in bases):.0f} and "
            f"{max(b['p99'] for b in bases):.0f} ms in the same rounds: with a load average above the core count, "
            "tail latency measures the other jobs on the machine as much as the server.",
            "",
            "wrk output of the median round's hot endpoint:",
            "",
            "```",
            hot["raw"].strip(),
            "```",
            "",
        ]
        out = ROOT / "results" / "api_load.md"
        out.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
