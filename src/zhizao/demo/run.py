"""``zhizao demo``: build the demo city, import it, evaluate everything, publish, serve.

Idempotent: a second run finds the generated files (same seed, same bytes), whose imports are
recognised as duplicates; evaluations whose methodology and input batches are unchanged reuse
the earlier run; existing accounts are kept. Options come from the environment so that
``make demo`` stays one command: ``ZHIZAO_DEMO_FIRMS`` (default 5000), ``ZHIZAO_DEMO_SEED``,
``ZHIZAO_DEMO_SERVE`` (``0`` to stop after publishing), ``ZHIZAO_DEMO_HOST`` / ``ZHIZAO_DEMO_PORT``,
``ZHIZAO_DEMO_PASSWORD`` (the demo accounts' password).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from zhizao import capabilities
from zhizao.cliutil import err_console, fail, settings_from
from zhizao.settings import Settings

DEMO_PASSWORD = "zhizao-demo"
DEMO_DISTRICT = "330502"  # 吴兴区
#: the account the demo's bureau acts as when it publishes, runs a round or keeps a list: the demo
#: city's account (:func:`demo_accounts`), whose display name (市经信局) the pages show for each step
ACTOR = "city"
EVALUATED = ("carbon", "mujun")


def _say(msg: str) -> None:
    err_console.print(msg, highlight=False)


def generate_city(settings: Settings, firms: int, seed: int) -> tuple[Path, dict[str, Any]]:
    from zhizao.demo.generator import generate

    out = settings.home / "demo-input"
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        same = manifest.get("firms", firms) == firms and manifest.get("seed", seed) == seed
        if same and all((out / e["file"]).exists() for e in manifest["files"]):
            _say(f"演示城市数据已存在：{out}")
            return out, manifest
    t0 = time.perf_counter()
    manifest = generate(out, firms=firms, seed=seed)
    _say(f"已生成演示城市：{firms} 家企业，{len(manifest['files'])} 个部门文件（{time.perf_counter() - t0:.1f} 秒）")
    return out, manifest


def import_city(settings: Settings, folder: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    from zhizao.ingest import import_file

    results = []
    t = Table("数据表", "文件", "来源", "读入", "入库", "拒绝", "说明", title="导入部门数据")
    for entry in manifest["files"]:
        r = import_file(settings, entry["table"], folder / entry["file"], source=entry.get("source")).to_dict()
        results.append(r)
        note = f"与批次 {r['duplicate_of']} 内容相同，未重复导入" if r.get("duplicate_of") else ""
        t.add_row(entry["table"], entry["file"], entry.get("source") or "", str(r["rows_read"]),
                  str(r["rows_loaded"]), str(r["rows_rejected"]), note)
    err_console.print(t)
    return results


def _reusable_run(settings: Settings, method: str, year: int, mhash: str, batches: list[int]) -> str | None:
    from zhizao import runs

    for r in reversed(runs.list_runs(settings, method, year)):
        if r.methodology_hash == mhash and r.input_batches == batches and r.engine == "duckdb":
            return r.run_id
    return None


def evaluate_city(settings: Settings, years: list[int], methods: tuple[str, ...] = EVALUATED) -> list[dict[str, Any]]:
    """Evaluate and publish ``methods`` for ``years``; firms held by a method's publication gate
    are not published (the publication records them) and are listed for review."""
    from zhizao import runs
    from zhizao.engine import connect
    from zhizao.methodology import MethodologyError, find
    from zhizao.store.publish import publish

    done: list[dict[str, Any]] = []
    for method in methods:
        cap = capabilities.get(method)
        for year in years:
            try:
                m = find(None, method, year)
            except MethodologyError as exc:
                _say(f"[yellow]跳过[/] {cap.title} {year} 年：{exc}")
                continue
            if not m.applies_to(year) and m.valid_from > year:
                _say(f"[yellow]跳过[/] {cap.title} {year} 年：方法论 {m.ref} 自 {m.valid_from} 年起适用")
                continue
            round_ref = cap.extra.get("publish_round")
            if round_ref:
                done.append(_publish_by_round(settings, cap, year, round_ref))
                continue
            eng = connect(settings, "duckdb")  # read-write: the registry writes through the same database instance
            try:
                batches = runs.registry.input_batches(eng, tuple(runs.registry.run_inputs(eng, cap)))
                run_id = _reusable_run(settings, method, year, m.content_hash(), batches)
                if run_id is None:
                    notes_for = cap.extra.get("notes_for")
                    notes = notes_for(m, year) if callable(notes_for) else None
                    run_id = runs.execute(settings, eng, method, year, m, notes=notes).run_id
            finally:
                eng.close()
            run = runs.get(settings, run_id)
            held = runs.held(settings, run_id)
            # the gate: held firms (e.g. the planted unit mix-ups) are listed for review and left out
            # of the publication, which records them (as `zhizao publish --with-held` does)
            published = publish(settings, run_id, user=ACTOR, with_held=bool(held))
            done.append(run.summary() | {"published_rows": published["rows"], "held": published["held"]})
            _say(f"{cap.title} {year} 年：运行 {run_id}（{m.ref}），{run.counts.get('firms', 0)} 家企业，已发布")
            if held:
                _say(f"  [yellow]待核[/] {len(held)} 家未通过发布前核查，未发布（zhizao runs show {run_id} 查看）："
                     + "；".join(f"{h['name'] or h['credit_code']}：{h['reason']}" for h in held[:5])
                     + ("……" if len(held) > 5 else ""))
    return done


#: when the demo's bureau runs a year's round: in May of the following year (dated steps)
ROUND_START = (5, 6, 9)


def _publish_by_round(settings: Settings, cap: Any, year: int, round_ref: str) -> dict[str, Any]:
    """A method whose results are published through a round (亩均: freeze → land notice → score
    → results notice → publication), each step dated as the bureau would have taken it."""
    from zhizao import runs
    from zhizao.rooms import resolve

    month, day, hour = ROUND_START
    d = resolve(round_ref)(settings, year, ACTOR, start=dt.datetime(year + 1, month, day, hour))
    run = runs.get(settings, d["run_id"])
    if d.get("reused"):
        note = "，输入数据此后有变动，需走更正流程" if d.get("stale") else ""
        _say(f"{cap.title} {year} 年：已按流程正式发布（运行 {d['run_id']}）{note}")
    else:
        _say(f"{cap.title} {year} 年：数据冻结 → 用地面积公示 → 评价计算 → 结果公示 → {d['published_on']} 正式发布，"
             f"运行 {d['run_id']}（{run.methodology_name}@{run.methodology_version}），{run.counts.get('firms', 0)} 家企业")
    return run.summary() | {"published_rows": d.get("rows", run.counts.get("firms", 0)),
                            "workflow": d.get("steps", [])}


@dataclass(frozen=True)
class DemoContext:
    """What a room's demo hook (``Room.demo``) is handed: the built, imported and evaluated city.

    A hook writes its own department files under ``folder / room_name`` (deterministic for
    ``seed``), imports them with :func:`zhizao.ingest.import_file`, evaluates and publishes through
    the same functions the CLI uses, and runs its workflows the way a bureau would. It must be
    idempotent: a second ``zhizao demo`` reuses what is there."""

    settings: Settings
    folder: Path
    manifest: dict[str, Any]
    years: list[int]
    seed: int
    firms: int

    #: the account the bureau's steps are recorded under
    actor: str = ACTOR

    def say(self, msg: str) -> None:
        _say(msg)

    def import_file(self, table: str, path: Path, source: str | None = None) -> dict[str, Any]:
        from zhizao.ingest import import_file

        r: dict[str, Any] = import_file(self.settings, table, path, source=source).to_dict()
        note = f"（与批次 {r['duplicate_of']} 相同，未重复导入）" if r.get("duplicate_of") else ""
        _say(f"导入 {table}：读入 {r['rows_read']}，入库 {r['rows_loaded']}，拒绝 {r['rows_rejected']}{note}")
        return r


def run_room_demos(ctx: DemoContext) -> None:
    """Every room's part of the demo, in registry order."""
    from zhizao import rooms

    for room, hook in rooms.contributions("demo"):
        if room.name == "demo":
            continue
        _say(f"[bold]{room.title}[/]")
        hook(ctx)


def write_review(settings: Settings, years: list[int]) -> list[Path]:
    """The five-year review of the demo city, as HTML, PDF and XLSX in ``<home>/reports``."""
    from zhizao.economy import write_review as write

    paths = write(settings, min(years), max(years), settings.home / "reports")
    _say(f"五年回顾报告：{', '.join(str(p) for p in paths)}")
    return paths


def _pick_firm(settings: Settings, year: int) -> str | None:
    """A firm of the demo district with a published carbon grade and 亩均 class for ``year``."""
    from sqlalchemy import select

    from zhizao.store.db import session_scope
    from zhizao.store.models import PublishedResult

    with session_scope(settings) as s:
        carbon = set(s.scalars(select(PublishedResult.credit_code).where(
            PublishedResult.method == "carbon", PublishedResult.year == year,
            PublishedResult.region_code == DEMO_DISTRICT, PublishedResult.outcome.is_not(None))))
        mujun = s.scalars(select(PublishedResult.credit_code).where(
            PublishedResult.method == "mujun", PublishedResult.year == year,
            PublishedResult.region_code == DEMO_DISTRICT).order_by(PublishedResult.credit_code))
        for code in mujun:
            if code in carbon:
                return str(code)
        return min(carbon) if carbon else None


def demo_accounts(settings: Settings, firm_code: str | None, password: str) -> list[dict[str, str]]:
    from zhizao.store.accounts import NewUser, add_user, get_user
    from zhizao.store.db import session_scope
    from zhizao.store.models import Consent

    wanted = [
        NewUser(ACTOR, "city", display_name="市经信局"),
        NewUser("district", "district", region_code=DEMO_DISTRICT, display_name="吴兴区经信局"),
        NewUser("bank", "bank", display_name="湖州绿色银行"),
        NewUser("auditor", "auditor", display_name="审计人员"),
    ]
    if firm_code:
        wanted.insert(2, NewUser("firm", "enterprise", credit_code=firm_code, display_name="演示企业"))
    out = []
    with session_scope(settings) as s:
        for u in wanted:
            if get_user(s, u.username) is None:
                add_user(s, u, password)
            out.append({"username": u.username, "role": u.role, "scope": u.region_code or u.credit_code or ""})
        bank = get_user(s, "bank")
        if firm_code and bank is not None and not any(c.credit_code == firm_code for c in bank_consents(s, bank.id)):
            today = dt.date.today()
            s.add(Consent(credit_code=firm_code, bank_user_id=bank.id, scope="carbon", valid_from=today,
                          valid_to=today.replace(year=today.year + 1), granted_by="firm"))
    return out


def bank_consents(session: Any, bank_id: int) -> list[Any]:
    from sqlalchemy import select

    from zhizao.store.models import Consent

    return list(session.scalars(select(Consent).where(Consent.bank_user_id == bank_id)))


def run_demo(ctx: typer.Context) -> None:
    from zhizao.store.db import init_store

    settings = settings_from(ctx).ensure()
    firms = int(os.environ.get("ZHIZAO_DEMO_FIRMS", "5000"))
    seed = int(os.environ.get("ZHIZAO_DEMO_SEED", "20211"))
    password = os.environ.get("ZHIZAO_DEMO_PASSWORD", DEMO_PASSWORD)
    t0 = time.perf_counter()
    try:
        init_store(settings)
    except Exception as exc:
        fail(f"无法初始化业务库：{exc}")
    folder, manifest = generate_city(settings, firms, seed)
    import_city(settings, folder, manifest)
    years = sorted({int(y) for y in manifest.get("years", [])}) or list(range(2020, 2025))
    evaluate_city(settings, years)
    run_room_demos(DemoContext(settings, folder, manifest, years, seed, firms))
    write_review(settings, years)
    firm = _pick_firm(settings, max(years))
    accounts = demo_accounts(settings, firm, password)
    # what each role's first pages read (its scope's), prepared now, and every preparation the
    # imports and publications above queued (the rooms' figures, the reviews) run before anyone
    # visits: no first visit computes it, whether or not the demo serves
    from zhizao import prepared
    from zhizao.engine.compiled import kept_in
    from zhizao.ingest import jobs

    _say("准备各页面的数据")
    with kept_in(settings.sql_cache_dir):  # as the worker does: the pages read the SQL it compiles
        prepared.refresh(settings, {}, lambda _stage: None)
    jobs.work(settings, once=True)
    t = Table("用户名", "角色", "范围", "密码", title="演示账号")
    from zhizao.web.templating import ROLE_NAMES

    for a in accounts:
        t.add_row(a["username"], ROLE_NAMES.get(a["role"], a["role"]), a["scope"], password)
    err_console.print(t)
    _say(f"演示城市就绪（{time.perf_counter() - t0:.0f} 秒），数据目录 {settings.home}")
    if os.environ.get("ZHIZAO_DEMO_SERVE", "1") == "0":
        return
    from zhizao.web.cli import serve

    serve(ctx, host=os.environ.get("ZHIZAO_DEMO_HOST", "127.0.0.1"),
          port=int(os.environ.get("ZHIZAO_DEMO_PORT", "8000")), workers=1, access_log=False)
