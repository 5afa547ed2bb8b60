"""Benchmark: the server under load by role — grade lookups, firm profiles and list pages — over
default ``zhizao serve``, the store on SQLite and on PostgreSQL.

Setup (not timed), per store: a fresh home under ``bench/data/serve_load/<store>``; a synthetic
carbon run of ``--firms`` firms published with ``zhizao publish`` (``_serve.service``, as ``api_load.py``);
the same firms imported into the warehouse with ``zhizao import enterprises`` (so profiles read
it); accounts made with ``zhizao users add`` (city, a district, a firm, a bank, an auditor); the
firm grants the bank a consent. ``--store postgres`` starts a throw-away PostgreSQL cluster on
127.0.0.1 (as ``scripts/test.sh`` does) and stops it afterwards.

Measured, per store: default ``zhizao serve`` (workers = CPUs, access log to a file, the import
worker beside), then ``wrk -t2 -c<connections> -d<duration>s`` on each endpoint in turn:

- grade lookups ``GET /api/carbon/{year}/{code}`` by the city (rotating codes), a district (its
  own firms) and the bank (its consenting firm: a consent check and an audit entry per read);
- firm profiles ``GET /api/enterprises/{code}`` by the city, a district (its own firms; another
  district's firms, answered 404 before any profile work; firms that do not exist, 404) and the
  firm itself;
- list pages: the ``/carbon`` page for the city and the district, the JSON list
  ``GET /api/carbon/{year}`` by the auditor (audited), the cockpit ``/``.

Recorded per endpoint: requests/s, p50/p95/p99 latency (wrk's own histogram, through its Lua
``done`` hook), the count of unexpected answers (socket errors, and any status other than the
expected 200 or 404), the server's resident memory (all its processes, after the endpoint) and
the machine's 1-minute load before and after. The machine is shared: ``--quiet-load 2`` waits
(60 s at a time, ``--quiet-tries`` times) for the load to fall below 2 before measuring, and the
load is recorded either way.

Run: ``python bench/serve_load.py [--firms 20000] [--duration 10] [--store both] [--record]``
(``--record`` rewrites ``bench/results/serve_load.md``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _serve import YEAR, grant, load_args, machine, service, stores, watch_load

ROOT = Path(__file__).resolve().parent

DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("PCT %d %d %d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

ROTATE_LUA = """
local paths = {%s}
local n = #paths
local i = 0
wrk.headers["%s"] = "%s"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% n) + 1])
end
"""

#: (name, label, expected status)
ENDPOINTS = (
    ("grade_city", "grade lookup, city (rotating firms)", 200),
    ("grade_district", "grade lookup, district (its own firms)", 200),
    ("grade_bank", "grade lookup, bank (consenting firm; consent check + audit entry)", 200),
    ("page_carbon_city", "`/carbon` list page, city", 200),
    ("page_carbon_district", "`/carbon` list page, district", 200),
    ("list_auditor", "`GET /api/carbon/{year}?limit=50`, auditor (audited)", 200),
    ("cockpit", "cockpit `/`, city", 200),
    # last: a profile reads the warehouse on every request (many DuckDB threads), which leaves the
    # machine's load high for minutes and would weigh on whatever came after it
    ("profile_city", "firm profile `GET /api/enterprises/{code}`, city (rotating firms)", 200),
    ("profile_district", "firm profile, district (its own firms)", 200),
    ("profile_forbidden", "firm profile, district asking for other districts' firms (404 before any profile work)",
     404),
    ("profile_missing", "firm profile, district asking for firms that do not exist (404)", 404),
    ("profile_firm", "firm profile, the firm itself", 200),
)


def enterprises_csv(path: Path, codes: list[str]) -> Path:
    """The synthetic firms as a contract ``enterprises`` file (region from the code, as generated)."""
    lines = ["统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期"]
    lines += [f"{c},基准测试企业{i},{c[2:8]},{'3311' if i % 2 == 0 else '2611'},2010-01-01" for i, c in enumerate(codes)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants (from /proc), in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def wrk(url: str, script: Path, duration: int, connections: int) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    pct = re.search(r"PCT (\d+) (\d+) (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50": int(pct.group(1)) / 1000 if pct else None, "p95": int(pct.group(2)) / 1000 if pct else None,
            "p99": int(pct.group(3)) / 1000 if pct else None, "requests": total,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0, "raw": out,
            "command": " ".join([*cmd[:-2], "-s", script.name, "URL"])}


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
            cpu[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    total = 0.0
    for p, c in cpu.items():
        q = p
        while q and q != pid:
            q = parents.get(q, 0)
        total += c if q == pid else 0.0
    return total


def wait_idle(pid: int, limit_s: float = 300.0) -> float:
    """Wait until the server (and its import worker) use less than a tenth of a core for 3 s: the
    import of the setup queues the work prepared off the request (the economy review), and
    measuring while it runs would measure it too. Returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        before = tree_cpu_s(pid)
        time.sleep(3)
        if tree_cpu_s(pid) - before < 0.3:
            break
    return time.monotonic() - start


def wait_quiet(limit: float, tries: int) -> float:
    """Wait (60 s at a time, at most ``tries`` times) for the 1-minute load to fall below ``limit``."""
    for _ in range(tries):
        load = os.getloadavg()[0]
        if load < limit:
            return load
        print(f"load {load:.1f} ≥ {limit}: waiting 60 s", file=sys.stderr)
        time.sleep(60)
    return os.getloadavg()[0]


def measure(store: str, firms: int, duration: int, connections: int, quiet: float, tries: int,
            only: frozenset[str] = frozenset()) -> dict:
    with service("serve_load", store, firms) as svc:
        home, codes = svc.home, svc.codes
        svc.zhizao("import", "enterprises", str(enterprises_csv(home / "enterprises.csv", codes)), "--json")
        own = [c for c in codes if c[2:8] == "330102"]
        others = [c for c in codes if c[2:8] != "330102"]
        firm = own[0]
        for name, args in (("city", ["--role", "city"]), ("district", ["--role", "district", "--region", "330102"]),
                           ("firm", ["--role", "enterprise", "--credit-code", firm]), ("bank", ["--role", "bank"]),
                           ("auditor", ["--role", "auditor"])):
            svc.add_user(name, *args)
        base = svc.serve()
        tokens = {u: svc.login(u) for u in ("city", "district", "firm", "bank", "auditor")}
        grant(base, tokens["firm"], "bank")
        sample = codes[:: max(1, len(codes) // 2000)][:2000]
        missing = [c[:-1] + ("0" if c[-1] != "0" else "1") for c in own[:500]]  # a wrong check character: no firm
        paths = {
            "grade_city": [f"/api/carbon/{YEAR}/{c}" for c in sample],
            "grade_district": [f"/api/carbon/{YEAR}/{c}" for c in own[:2000]],
            "grade_bank": [f"/api/carbon/{YEAR}/{firm}"],
            "profile_city": [f"/api/enterprises/{c}" for c in sample],
            "profile_district": [f"/api/enterprises/{c}" for c in own[:2000]],
            "profile_forbidden": [f"/api/enterprises/{c}" for c in others[:2000]],
            "profile_missing": [f"/api/enterprises/{c}" for c in missing],
            "profile_firm": [f"/api/enterprises/{firm}"],
            "page_carbon_city": ["/carbon"], "page_carbon_district": ["/carbon"],
            "list_auditor": [f"/api/carbon/{YEAR}?limit=50"], "cockpit": ["/"],
        }
        who = {"grade_city": "city", "grade_district": "district", "grade_bank": "bank", "profile_city": "city",
               "profile_district": "district", "profile_forbidden": "district", "profile_missing": "district",
               "profile_firm": "firm", "page_carbon_city": "city", "page_carbon_district": "district",
               "list_auditor": "auditor", "cockpit": "city"}
        scripts = {}
        for name, ps in paths.items():
            header, value = (("Cookie", f"zhizao_session={tokens[who[name]]}") if name.startswith(("page", "cockpit"))
                             else ("Authorization", f"Bearer {tokens[who[name]]}"))
            scripts[name] = home / f"{name}.lua"
            scripts[name].write_text(ROTATE_LUA % (",".join(f'"{p}"' for p in ps), header, value) + DONE_LUA)
        for name in paths:  # warm every worker's caches and pools
            wrk(base + "/", scripts[name], 2, 8)
        assert svc.server is not None
        idle_s = wait_idle(svc.server.pid)
        print(f"[{store}] the server was idle after {idle_s:.0f} s", file=sys.stderr)
        load_start = wait_quiet(quiet, tries)
        results = {}
        for name, _label, expected in ENDPOINTS:
            if only and name not in only:
                continue
            r = watch_load(lambda name=name: wrk(base + "/", scripts[name], duration, connections))
            assert svc.server is not None
            unexpected = r["socket_errors"] + (r["non_2xx"] if expected == 200 else r["requests"] - r["non_2xx"])
            results[name] = r | {"unexpected": unexpected, "rss_mb": tree_rss_mb(svc.server.pid)}
            print(f"[{store}] {name}: {r['rps']:,.0f}/s p50 {r['p50']} p95 {r['p95']} p99 {r['p99']} ms, "
                  f"unexpected {unexpected}, rss {results[name]['rss_mb']:.0f} MB "
                  f"(load {r['load_before']:.1f} → {r['load_after']:.1f})", file=sys.stderr)
        return {"store": store, "firms": firms, "results": results, "load_start": load_start}


def main() -> None:
    ap = load_args(20_000, 10, (__doc__ or "").splitlines()[0])
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--quiet-load", type=float, default=2.0)
    ap.add_argument("--quiet-tries", type=int, default=5)
    ap.add_argument("--only", default="", help="measure only these endpoints (comma-separated names), e.g. grade_city")
    args = ap.parse_args()
    only = frozenset(n for n in args.only.split(",") if n)
    if only and args.record:
        ap.error("--record measures every endpoint: leave out --only")
    done = [measure(s, args.firms, args.duration, args.connections, args.quiet_load, args.quiet_tries, only)
            for s in stores(args)]
    if not args.record:
        return
    from zhizao.web.cli import default_workers

    cmd = (f"python bench/serve_load.py --firms {args.firms} --duration {args.duration} --connections "
           f"{args.connections} --store {args.store} --record")
    lines = [
        "# The server under load by role: grade lookups, firm profiles, list pages",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {machine()}; wrk runs on the same cores as the server",
        f"- server: default `zhizao serve` ({default_workers()} workers = CPUs, access log to a file, the import "
        "worker beside it) on 127.0.0.1",
        f"- data: {args.firms:,} published carbon rows (a synthetic run) and the same firms in the warehouse; one "
        "firm consented to one bank",
        f"- load: `wrk -t2 -c{args.connections} -d{args.duration}s --timeout 10s` per endpoint, one after another, "
        "after a 2 s warm-up of each",
        f"- command: `{cmd}`",
        "- machine load (1 min) when measuring began: "
        + ", ".join(f"{d['store']} {d['load_start']:.1f}" for d in done)
        + f" (the bench waits until the server is idle — the setup's import queues the economy review's "
        f"preparation — then up to {args.quiet_tries} × 60 s for a load below {args.quiet_load:g}; "
        "the load during a run is the server's and wrk's own: both share the 2 cores)",
        "- unexpected: socket errors and timeouts, and any status other than the one expected (200; 404 for the "
        "out-of-scope and missing firms)",
        "",
        "| store | endpoint | requests/s | p50 ms | p95 ms | p99 ms | requests | unexpected | server RSS MB | "
        "load before → after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in done:
        for name, label, _ in ENDPOINTS:
            r = d["results"][name]
            lines.append(f"| {d['store']} | {label} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                         f"{r['p99']:.1f} | {r['requests']:,} | {r['unexpected']} | {r['rss_mb']:,.0f} | "
                         f"{r['load_before']:.1f} → {r['load_after']:.1f} |")
    lines += ["", "Issue 16's targets (a grade lookup ≥ 3,000 requests/s with p99 < 50 ms; a bank's audited read "
              "≥ 1,000 requests/s; `/carbon` and the cockpit ≥ 200 requests/s with p99 < 500 ms):", ""]
    targets = (("grade_city", 3000, 50), ("grade_district", 3000, 50), ("grade_bank", 1000, None),
               ("page_carbon_city", 200, 500), ("page_carbon_district", 200, 500), ("cockpit", 200, 500))
    for d in done:
        r = d["results"]
        met = [f"{name} {'met' if r[name]['rps'] >= rps and (p99 is None or r[name]['p99'] < p99) else 'NOT met'}"
               for name, rps, p99 in targets]
        lines.append(f"- {d['store']}: " + ", ".join(met))
    lines += ["", "The scope before the profile (issue 16: an out-of-scope firm's 404 took 5× a missing firm's, "
              "its profile being computed first), median latency:", ""]
    for d in done:
        r = d["results"]
        lines.append(f"- {d['store']}: other district's firm {r['profile_forbidden']['p50']:.1f} ms, missing firm "
                     f"{r['profile_missing']['p50']:.1f} ms, own firm (the profile read) "
                     f"{r['profile_district']['p50']:.1f} ms")
    lines.append("")
    out = ROOT / "results" / "serve_load.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
