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

import re
import subprocess
import sys
import time
from pathlib import Path

from _serve import YEAR, grant, load_args, machine, service, stores, watch_load

ROOT = Path(__file__).resolve().parent


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


ENDPOINTS = (
    ("grade", "grade lookup `GET /api/carbon/{year}/{code}` (city bearer, rotating codes)"),
    ("bank", "bank's audited read `GET /api/carbon/{year}/{code}` (bank bearer, consenting firm)"),
    ("carbon_page", "`/carbon` list page (city session cookie)"),
    ("cockpit", "cockpit `/` (city session cookie)"),
    ("healthz", "baseline `GET /healthz` (no auth, no store)"),
)
TARGETS = {"grade": (3000, 50), "bank": (1000, None), "carbon_page": (200, 500), "cockpit": (200, 500)}


def measure(store: str, firms: int, duration: int) -> dict:
    with service("api_load", store, firms) as svc:
        firm = svc.codes[0]
        svc.add_user("bench", "--role", "city")
        svc.add_user("firm", "--role", "enterprise", "--credit-code", firm)
        svc.add_user("bank", "--role", "bank")
        print(f"[{store}] registered {svc.run_id} in {svc.register_s:.1f} s; published {svc.published_rows:,} rows "
              f"in {svc.publish_s:.1f} s", file=sys.stderr)
        base = svc.serve()
        city, bank = svc.login("bench"), svc.login("bank")
        grant(base, svc.login("firm"), "bank")
        home, codes = svc.home, svc.codes
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
            r = results[name] = watch_load(lambda name=name: run_wrk(urls[name], duration, scripts.get(name)))
            print(f"[{store}] {name}: {r['rps']:,.0f}/s p99 {r['p99']} ms non-2xx {r['non_2xx']} {r['socket_errors']} "
                  f"(load {r['load_before']:.1f} → {r['load_after']:.1f})", file=sys.stderr)
        return {"store": store, "run_id": svc.run_id, "rows": svc.published_rows, "publish_s": svc.publish_s,
                "results": results}


def met(name: str, r: dict) -> bool:
    rps, p99 = TARGETS[name]
    return bool(r["rps"] >= rps and (p99 is None or (r["p99"] or 1e9) < p99) and r["non_2xx"] == 0
                and not r["socket_errors"])


def main() -> None:
    args = load_args(50_000, 30, (__doc__ or "").splitlines()[0]).parse_args()
    from zhizao.web.cli import default_workers

    done = [measure(store, args.firms, args.duration) for store in stores(args)]
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
