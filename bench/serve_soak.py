"""Benchmark: a 100-user mixed soak of default ``zhizao serve`` — every role reading, uploads through
the API and objections, for ``--duration`` seconds (10 minutes by default).

Setup (not timed), per store: as ``serve_load.py`` (``_serve.service``): a synthetic carbon run of
``--firms`` firms published, the same firms imported into the warehouse, the accounts (city, a
district, a firm, a bank, an auditor) and the firm's consent to the bank; ten small department
files (20 firms each) to upload.

Measured: default ``zhizao serve`` (workers = CPUs, access log to a file, the import worker
beside it) under

- **readers**: ``wrk -t2 -c<connections - 4>`` running a weighted mix of reads by role (one Lua
  request pool, see ``MIX``): grade lookups by the city (rotating firms), a district (its own
  firms), the firm (itself), the bank (its consenting firm: consent check and audit entry) and
  the auditor (audited); the auditor's list ``/api/carbon/{year}?limit=50``; the ``/carbon`` list
  page and the cockpit ``/`` of the city and the district;
- **writers**, beside them, 4 users in Python: two upload a department file through
  ``POST /api/imports/enterprises`` every ``--upload-every`` seconds (each queued, answered 202,
  then imported by the import worker: the warehouse changes during the soak), two file an
  objection ``POST /api/objections`` every ``--objection-every`` seconds (201).

Recorded: requests, requests/s, p50/p95/p99 of the readers (wrk's histogram) and of the writers
(their own timings), **errors** (socket errors and timeouts, any status other than 2xx; for
the uploads also the import jobs that did not end ``done``), the server's memory at the end,
the machine's 1-minute load before and after (the bench waits, 60 s at a time, for a load below
``--quiet-load``; the load is recorded either way).

Run: ``python bench/serve_soak.py [--duration 600] [--store sqlite|postgres|both] [--record]``
(``--record`` rewrites ``bench/results/serve_soak.md``).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from _serve import YEAR, grant, load_args, machine, service, stores, watch_load
from serve_load import enterprises_csv, tree_rss_mb, wait_idle, wait_quiet

ROOT = Path(__file__).resolve().parent

#: the readers' mix: (kind, weight in 100)
MIX = (
    ("grade_city", 30), ("grade_district", 15), ("grade_firm", 10), ("grade_bank", 15), ("grade_auditor", 5),
    ("list_auditor", 5), ("page_carbon_city", 5), ("page_carbon_district", 5), ("cockpit_city", 5),
    ("cockpit_district", 5),
)

READERS_LUA = """
local grade_city = {%(grade_city)s}
local grade_district = {%(grade_district)s}
local tokens = {%(tokens)s}
local firm, year = "%(firm)s", %(year)d
local mix = {%(mix)s}
local think_ms = %(think_ms)d
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

local function api(who, path)
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[who]})
end

local function page(who, path)
  return wrk.format("GET", path, {["Cookie"] = "zhizao_session=" .. tokens[who]})
end

function init(args)
  counts = {}
  i = 0
  math.randomseed(os.time() * 100 + (seed or 0))
  pool = {}
  local kinds = {}
  for _, kw in ipairs(mix) do
    for _ = 1, kw[2] do table.insert(kinds, kw[1]) end
  end
  -- 4000 prepared requests per thread, the kinds interleaved (a stride coprime to 100)
  for n = 0, 3999 do
    local kind = kinds[((n * 37) %% #kinds) + 1]
    local r
    if kind == "grade_city" then r = api("city", "/api/carbon/" .. year .. "/" .. grade_city[(n %% #grade_city) + 1])
    elseif kind == "grade_district" then
      r = api("district", "/api/carbon/" .. year .. "/" .. grade_district[(n %% #grade_district) + 1])
    elseif kind == "grade_firm" then r = api("firm", "/api/carbon/" .. year .. "/" .. firm)
    elseif kind == "grade_bank" then r = api("bank", "/api/carbon/" .. year .. "/" .. firm)
    elseif kind == "grade_auditor" then
      r = api("auditor", "/api/carbon/" .. year .. "/" .. grade_city[(n %% #grade_city) + 1])
    elseif kind == "list_auditor" then r = api("auditor", "/api/carbon/" .. year .. "?limit=50")
    elseif kind == "page_carbon_city" then r = page("city", "/carbon")
    elseif kind == "page_carbon_district" then r = page("district", "/carbon")
    elseif kind == "cockpit_city" then r = page("city", "/")
    else r = page("district", "/") end
    table.insert(pool, r)
  end
end

function request()
  i = i + 1
  return pool[(i %% #pool) + 1]
end

-- a user's thinking time before each request: exponential with mean think_ms (0: none, saturation);
-- wrk times each request from its sending, so the wait is not in the latencies
function delay()
  if think_ms <= 0 then return 0 end
  return math.floor(-math.log(1 - math.random()) * think_ms)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

done = function(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do all[k] = (all[k] or 0) + v end
  end
  for k, v in pairs(all) do io.write(string.format("STATUS %%d %%d\\n", k, v)) end
  io.write(string.format("PCT %%d %%d %%d %%d\\n", latency:percentile(50), latency:percentile(95),
                         latency:percentile(99), latency.max))
end
"""


def readers(base: str, script: Path, duration: int, connections: int) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(script), base + "/"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    statuses = {int(a): int(b) for a, b in re.findall(r"STATUS (\d+) (\d+)", out)}
    pct = re.search(r"PCT (\d+) (\d+) (\d+) (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    socket_errors = sum(int(x) for x in sock.groups()) if sock else 0
    if socket_errors:
        print(out, file=sys.stderr)
    return {"requests": total, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "statuses": statuses, "socket_errors": socket_errors,
            "errors": socket_errors + sum(n for s, n in statuses.items() if not 200 <= s < 300),
            "p50": int(pct.group(1)) / 1000 if pct else None, "p95": int(pct.group(2)) / 1000 if pct else None,
            "p99": int(pct.group(3)) / 1000 if pct else None, "max": int(pct.group(4)) / 1000 if pct else None,
            "raw": out}


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 "Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Writer(threading.Thread):
    """One user posting every ``every`` seconds until ``stop``; keeps each answer's time and status."""

    def __init__(self, name: str, every: float, send, stop: threading.Event, offset: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__(name=name, daemon=True)
        self.every, self.send, self.stop, self.offset = every, send, stop, offset
        self.times: list[float] = []
        self.statuses: list[int] = []
        self.answers: list[dict] = []

    def run(self) -> None:
        if self.stop.wait(self.offset):
            return
        n = 0
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                status, body = self.send(n)
            except urllib.error.HTTPError as exc:
                status, body = exc.code, {}
            except OSError:
                status, body = 0, {}
            self.times.append(time.perf_counter() - t0)
            self.statuses.append(status)
            self.answers.append(body)
            n += 1
            self.stop.wait(max(0.0, self.every - (time.perf_counter() - t0)))


def post(base: str, path: str, token: str, body: bytes, ctype: str) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, method="POST", data=body,
                                 headers={"Content-Type": ctype, "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read() or b"{}")


def get_json(base: str, path: str, token: str) -> dict:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def measure(store: str, firms: int, duration: int, connections: int, upload_every: float, objection_every: float,
            quiet: float, tries: int, think_ms: int) -> dict:
    with service("serve_soak", store, firms) as svc:
        home, codes = svc.home, svc.codes
        svc.zhizao("import", "enterprises", str(enterprises_csv(home / "enterprises.csv", codes)), "--json")
        own = [c for c in codes if c[2:8] == "330102"]
        firm = own[0]
        for name, args in (("city", ["--role", "city"]), ("district", ["--role", "district", "--region", "330102"]),
                           ("firm", ["--role", "enterprise", "--credit-code", firm]), ("bank", ["--role", "bank"]),
                           ("auditor", ["--role", "auditor"])):
            svc.add_user(name, *args)
        files = []
        for k in range(10):  # department files of 20 firms each (the names changed: a real import each time)
            lines = ["统一社会信用代码,企业名称,行政区划代码,行业代码,成立日期"]
            lines += [f"{c},基准测试企业{k}-{j},{c[2:8]},3311,2010-01-01" for j, c in enumerate(codes[k * 20:(k + 1) * 20])]
            files.append(("\n".join(lines) + "\n").encode("utf-8"))
        base = svc.serve()
        tokens = {u: svc.login(u) for u in ("city", "district", "firm", "bank", "auditor")}
        grant(base, tokens["firm"], "bank")
        sample = codes[:: max(1, len(codes) // 2000)][:2000]
        script = home / "readers.lua"
        script.write_text(READERS_LUA % {
            "grade_city": ",".join(f'"{c}"' for c in sample), "grade_district": ",".join(f'"{c}"' for c in own[:2000]),
            "tokens": ",".join(f'{u} = "{t}"' for u, t in tokens.items()), "firm": firm, "year": YEAR,
            "mix": ",".join(f'{{"{k}", {w}}}' for k, w in MIX), "think_ms": think_ms})
        readers(base, script, 5, 16)  # warm every worker's memos and pools
        assert svc.server is not None
        idle_s = wait_idle(svc.server.pid)  # the setup's import queued the pages' preparation
        print(f"[{store}] the server was idle after {idle_s:.0f} s", file=sys.stderr)
        load_start = wait_quiet(quiet, tries)
        stop = threading.Event()

        def upload(n: int) -> tuple[int, dict]:
            body, ctype = multipart({"source": "基准测试"}, "file", f"enterprises-{n}.csv", files[n % len(files)])
            return post(base, "/api/imports/enterprises", tokens["city"], body, ctype)

        def objection(n: int) -> tuple[int, dict]:
            body = urllib.parse.urlencode({"method": "carbon", "year": YEAR, "subject": f"对碳效等级的异议 {n}",
                                           "content": "本企业认为外购电力数据有误，请核查。"}).encode()
            return post(base, "/api/objections", tokens["firm"], body, "application/x-www-form-urlencoded")

        writers = [Writer("upload-1", upload_every, upload, stop, 1.0),
                   Writer("upload-2", upload_every, upload, stop, 1.0 + upload_every / 2),
                   Writer("objection-1", objection_every, objection, stop, 0.5),
                   Writer("objection-2", objection_every, objection, stop, 0.5 + objection_every / 2)]
        for w in writers:
            w.start()
        r = watch_load(lambda: readers(base, script, duration, connections - len(writers)))
        stop.set()
        for w in writers:
            w.join()
        assert svc.server is not None
        rss = tree_rss_mb(svc.server.pid)
        # the uploads' imports: wait (up to 5 minutes) for the queue to drain, then count the outcomes
        job_ids = [a["job_id"] for w in writers[:2] for a in w.answers if "job_id" in a]
        deadline = time.monotonic() + 300
        outcome: dict[str, int] = {}
        while True:
            jobs = {j["job_id"]: j["status"] for j in get_json(base, "/api/imports/jobs?limit=200", tokens["city"])["jobs"]}
            states = [jobs.get(i, "older") for i in job_ids[-200:]]
            if all(s not in ("queued", "running") for s in states) or time.monotonic() > deadline:
                break
            time.sleep(2)
        for s in states:
            outcome[s] = outcome.get(s, 0) + 1
        up_t = [t for w in writers[:2] for t in w.times]
        ob_t = [t for w in writers[2:] for t in w.times]
        up_s = [s for w in writers[:2] for s in w.statuses]
        ob_s = [s for w in writers[2:] for s in w.statuses]
        result = {"store": store, "firms": firms, "duration": duration, "connections": connections, "think_ms": think_ms,
                  "load_start": load_start, "readers": r, "rss_mb": rss,
                  "uploads": {"n": len(up_t), "errors": sum(1 for s in up_s if s != 202), "p50": pct(up_t, 50),
                              "p95": pct(up_t, 95), "p99": pct(up_t, 99), "jobs": outcome,
                              "job_errors": sum(n for s, n in outcome.items() if s not in ("done", "older"))},
                  "objections": {"n": len(ob_t), "errors": sum(1 for s in ob_s if s != 201), "p50": pct(ob_t, 50),
                                 "p95": pct(ob_t, 95), "p99": pct(ob_t, 99)}}
        print(f"[{store}] readers {r['rps']:,.0f}/s p50 {r['p50']} p95 {r['p95']} p99 {r['p99']} ms, errors "
              f"{r['errors']} {r['statuses']}; uploads {result['uploads']}; objections {result['objections']} "
              f"(load {r['load_before']:.1f} → {r['load_after']:.1f})", file=sys.stderr)
        return result


def fmt_ms(v: float | None) -> str:
    return "–" if v is None else f"{v:,.1f}"


def main() -> None:
    ap = load_args(20_000, 600, (__doc__ or "").splitlines()[0])
    ap.set_defaults(store="sqlite")
    ap.add_argument("--connections", type=int, default=100)
    ap.add_argument("--upload-every", type=float, default=60.0)
    ap.add_argument("--objection-every", type=float, default=3.0)
    ap.add_argument("--quiet-load", type=float, default=2.0)
    ap.add_argument("--quiet-tries", type=int, default=5)
    ap.add_argument("--think-ms", type=int, default=1000,
                    help="each reader's mean thinking time before a request (exponential); 0: no thinking, the "
                         "server saturated (recorded apart, in serve_soak_saturated.md)")
    args = ap.parse_args()
    done = [measure(s, args.firms, args.duration, args.connections, args.upload_every, args.objection_every,
                    args.quiet_load, args.quiet_tries, args.think_ms) for s in stores(args)]
    if not args.record:
        return
    from zhizao.web.cli import default_workers

    cmd = (f"python bench/serve_soak.py --firms {args.firms} --duration {args.duration} --connections "
           f"{args.connections} --upload-every {args.upload_every:g} --objection-every {args.objection_every:g} "
           f"--think-ms {args.think_ms} --store {args.store} --record")
    mix = ", ".join(f"{k} {w} %" for k, w in MIX)
    thinking = (f"each reader waits a thinking time before every request, exponential with a mean of "
                f"{args.think_ms:,} ms (about {(args.connections - 4) * 1000 / args.think_ms:,.0f} reads/s offered), "
                "as people at their desks or a bank's system do; the latencies exclude the wait"
                if args.think_ms > 0 else
                "no thinking time: every connection sends its next request as soon as the last is answered, so the "
                "server is saturated and a request's latency is mostly its wait behind the others (the stress case; "
                "the users' case, with thinking time, is in serve_soak.md)")
    lines = [
        "# A 100-user mixed soak: every role reading, uploads and objections"
        + ("" if args.think_ms > 0 else " (saturated: no thinking time)"),
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {machine()}; wrk and the writers run on the same cores as the server",
        f"- server: default `zhizao serve` ({default_workers()} workers = CPUs, access log to a file, the import "
        "worker beside it) on 127.0.0.1",
        f"- data: {args.firms:,} published carbon rows (a synthetic run) and the same firms in the warehouse; one "
        "firm consented to one bank",
        f"- users: {args.connections} connections for {args.duration} s: {args.connections - 4} readers "
        f"(`wrk -t2 -c{args.connections - 4}`, the mix {mix}), 2 uploading a 20-firm department file every "
        f"{args.upload_every:g} s each (imported by the import worker while the soak runs), 2 filing an objection "
        f"every {args.objection_every:g} s each",
        f"- pace: {thinking}",
        f"- command: `{cmd}`",
        "- machine load (1 min) when the soak began: " + ", ".join(f"{d['store']} {d['load_start']:.1f}" for d in done)
        + f" (the bench waits up to {args.quiet_tries} × 60 s for a load below {args.quiet_load:g}; the load "
        "during the soak includes the soak's own client processes)",
        "- errors: socket errors and timeouts and any status other than 2xx (201 for objections, 202 for uploads); "
        "for uploads also the import jobs that did not end `done`",
        "",
        "| store | who | requests | requests/s | p50 ms | p95 ms | p99 ms | errors | load before → after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in done:
        r, u, o = d["readers"], d["uploads"], d["objections"]
        lines.append(f"| {d['store']} | readers (all roles) | {r['requests']:,} | {r['rps']:,.0f} | {fmt_ms(r['p50'])} | "
                     f"{fmt_ms(r['p95'])} | {fmt_ms(r['p99'])} | {r['errors']} | "
                     f"{r['load_before']:.1f} → {r['load_after']:.1f} |")
        lines.append(f"| {d['store']} | uploads `POST /api/imports/enterprises` | {u['n']:,} | "
                     f"{u['n'] / d['duration']:.2f} | {fmt_ms(u['p50'])} | {fmt_ms(u['p95'])} | {fmt_ms(u['p99'])} | "
                     f"{u['errors']} answered, {u['job_errors']} imports | |")
        lines.append(f"| {d['store']} | objections `POST /api/objections` | {o['n']:,} | {o['n'] / d['duration']:.2f} | "
                     f"{fmt_ms(o['p50'])} | {fmt_ms(o['p95'])} | {fmt_ms(o['p99'])} | {o['errors']} | |")
    lines.append("")
    for d in done:
        r = d["readers"]
        lines.append(f"- {d['store']}: readers' statuses {json.dumps(r['statuses'])}, socket errors "
                     f"{r['socket_errors']}, slowest answer {fmt_ms(r['max'])} ms; import jobs "
                     f"{json.dumps(d['uploads']['jobs'], ensure_ascii=False)}; server RSS at the end "
                     f"{d['rss_mb']:,.0f} MB")
    lines.append("")
    out = ROOT / "results" / ("serve_soak.md" if args.think_ms > 0 else "serve_soak_saturated.md")
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
