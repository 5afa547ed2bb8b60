"""``zhizao backup FILE`` / ``zhizao restore FILE``: one consistent snapshot of a home.

A backup is a gzip'd tar holding

- ``warehouse.duckdb``: the warehouse, copied after a ``CHECKPOINT`` while this process holds its
  write lock (no other process can write it meanwhile, so the copy is one committed state);
- ``runs/<run_id>.parquet``: the result files of every run the copied registry lists;
- ``store.sqlite``: every row of the operational store (SQLite or PostgreSQL), read in one
  repeatable-read transaction through SQLAlchemy (no ``pg_dump`` needed) into an SQLite file of
  the same tables, with the Alembic revisions it was at;
- ``manifest.json``: what is inside: the runs and their result hashes, row counts per store table.

The audit log is append-only even here: a restore adds the backup's entries the store lacks,
removes none, and records the restore itself.

The store is read while the warehouse lock is held, so a run being published cannot fall between
the two. The service keeps running: its warehouse reads wait or answer "busy" for the seconds of
the copy.

Restore checks the archive (every run's Parquet file against its registered hash) before it
changes anything, sets the current warehouse and runs aside in ``<home>/before-restore-<time>/``
(with a copy of the current store), then puts the archive's in place and replaces the store's
rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from zhizao import __version__
from zhizao.engine import warehouse
from zhizao.settings import Settings
from zhizao.store import stamps

FORMAT = "zhizao-backup/1"
#: the database refuses to update or delete its rows (baseline migration)
APPEND_ONLY = "audit_log"


class BackupError(RuntimeError):
    pass


def _store_metadata() -> sa.MetaData:
    """The store's tables (core and rooms), as the migrations create them."""
    import importlib

    import zhizao.store.models  # noqa: F401  (registers the core tables)
    from zhizao import rooms
    from zhizao.store.base import Base

    for room in rooms.all_rooms():
        if room.models:
            importlib.import_module(room.models)
    return Base.metadata


def _copy_store(src_url: str, dst_path: Path) -> dict[str, int]:
    """Every row of the store at ``src_url`` into a new SQLite file, as one snapshot: SQLite's
    backup API for an SQLite store, a repeatable-read transaction for PostgreSQL."""
    from zhizao.store.db import engine_for

    meta = _store_metadata()
    url = sa.engine.make_url(src_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        src_con = sqlite3.connect(url.database or ":memory:")
        dst_con = sqlite3.connect(dst_path)
        try:
            src_con.backup(dst_con)
        finally:
            dst_con.close()
            src_con.close()
        dst = sa.create_engine(f"sqlite:///{dst_path}")
        try:
            with dst.connect() as dc:
                present = set(sa.inspect(dc).get_table_names())
                return {t.name: int(dc.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
                        if t.name in present else 0 for t in meta.sorted_tables}
        finally:
            dst.dispose()
    src = engine_for(src_url)
    dst = sa.create_engine(f"sqlite:///{dst_path}")
    counts: dict[str, int] = {}
    try:
        dst_meta = sa.MetaData()
        for t in meta.sorted_tables:
            t.to_metadata(dst_meta)
        version = sa.Table("alembic_version", dst_meta, sa.Column("version_num", sa.String(64), primary_key=True))
        dst_meta.create_all(dst)
        with src.connect().execution_options(isolation_level="REPEATABLE READ") as sc, sc.begin(), \
                dst.begin() as dc:
            present = set(sa.inspect(sc).get_table_names())
            for t in meta.sorted_tables:
                if t.name not in present:
                    counts[t.name] = 0
                    continue
                rows = [dict(r._mapping) for r in sc.execute(sa.select(t))]
                if rows:
                    dc.execute(dst_meta.tables[t.name].insert(), rows)
                counts[t.name] = len(rows)
            if "alembic_version" in present:
                versions = [r[0] for r in sc.exec_driver_sql("SELECT version_num FROM alembic_version")]
                if versions:
                    dc.execute(version.insert(), [{"version_num": v} for v in versions])
    finally:
        dst.dispose()
    return counts


def _load_store(src_path: Path, dst_url: str) -> dict[str, int]:
    """Replace every row of the store at ``dst_url`` by those of the SQLite copy (one transaction)."""
    from zhizao.store.db import engine_for

    meta = _store_metadata()
    src = sa.create_engine(f"sqlite:///{src_path}")
    dst = engine_for(dst_url)
    counts: dict[str, int] = {}
    try:
        with src.connect() as sc, dst.begin() as dc:
            have = set(sa.inspect(sc).get_table_names())
            for t in reversed(meta.sorted_tables):
                if t.name != APPEND_ONLY:
                    dc.execute(t.delete())
            for t in meta.sorted_tables:
                if t.name not in have:
                    continue
                cols = {c["name"] for c in sa.inspect(sc).get_columns(t.name)}
                # read through the table's own types (SQLite keeps times as text), only the
                # columns the copy has (a backup of an older schema lacks the newer ones)
                rows = [dict(r._mapping) for r in sc.execute(sa.select(*[c for c in t.columns if c.name in cols]))]
                if t.name == APPEND_ONLY:  # the audit log is never rewritten: the backup's missing entries are added
                    known = set(dc.execute(sa.select(t.c.id)).scalars())
                    rows = [r for r in rows if r["id"] not in known]
                if rows:
                    dc.execute(t.insert(), rows)
                counts[t.name] = len(rows)
            if dc.dialect.name == "postgresql":
                # serial columns continue after the restored ids
                for t in meta.sorted_tables:
                    for c in t.primary_key.columns:
                        if isinstance(c.type, sa.Integer) and len(t.primary_key.columns) == 1:
                            seq = dc.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                             {"t": t.name, "c": c.name}).scalar()
                            if seq:
                                dc.execute(sa.text(f"SELECT setval('{seq}', coalesce((SELECT max(\"{c.name}\") "
                                                   f"FROM \"{t.name}\"), 0) + 1, false)"))
    finally:
        src.dispose()
    return counts


def _fmt_size(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MB"


def _checkpoint(con: Any, wait_s: float) -> None:
    """CHECKPOINT, waiting (up to ``wait_s``) for this process's other write transactions on the
    same database instance to finish; never FORCE (that would abort them)."""
    import duckdb

    deadline = time.perf_counter() + max(wait_s, 5.0)
    while True:
        try:
            con.execute("CHECKPOINT")
            return
        except duckdb.TransactionException as exc:
            if time.perf_counter() >= deadline:
                raise BackupError(f"数据仓库有未结束的写入事务，无法生成一致的备份，请稍后重试：{exc}") from None
            time.sleep(0.1)


def backup(settings: Settings, out: Path, wait_s: float = 60.0) -> dict[str, Any]:
    """Write a consistent snapshot of ``settings``' home to ``out`` (a .tar.gz); returns the manifest."""
    from zhizao.store.db import init_store

    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    init_store(settings)  # a store at the newest revision, even if the service never started
    with tempfile.TemporaryDirectory(prefix="backup-", dir=settings.home) as tmp_name:
        tmp = Path(tmp_name)
        runs: list[dict[str, Any]] = []
        try:
            con = warehouse.connect(settings.warehouse_path, wait_s=wait_s)
        except warehouse.WarehouseBusy as exc:
            raise BackupError(str(exc)) from None
        locked_at = time.perf_counter()
        try:
            _checkpoint(con, wait_s)
            shutil.copy2(settings.warehouse_path, tmp / "warehouse.duckdb")
            has_runs = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
                                   ).fetchone()
            if has_runs and has_runs[0]:
                for run_id, h, n in con.execute("SELECT run_id, result_hash, result_rows FROM runs ORDER BY run_id"
                                                ).fetchall():
                    runs.append({"run_id": run_id, "result_hash": h, "rows": int(n)})
            (tmp / "runs").mkdir()
            for r in runs:
                src = settings.runs_dir / f"{r['run_id']}.parquet"
                if not src.exists():
                    raise BackupError(f"运行 {r['run_id']} 的结果文件缺失：{src}")
                shutil.copy2(src, tmp / "runs" / src.name)
            counts = _copy_store(settings.store_url, tmp / "store.sqlite")
        finally:
            con.close()
        lock_s = time.perf_counter() - locked_at
        manifest = {
            "format": FORMAT,
            "zhizao": __version__,
            "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
            "home": str(settings.home),
            "store": settings.store_url.split("://")[0].split("+")[0],
            "runs": runs,
            "store_rows": counts,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        part = out.with_name(out.name + ".part")
        with tarfile.open(part, "w:gz", compresslevel=1) as tar:
            for name in ("manifest.json", "warehouse.duckdb", "store.sqlite", "runs"):
                tar.add(tmp / name, arcname=name)
        os.replace(part, out)
    return manifest | {"file": str(out), "size": _fmt_size(out.stat().st_size),
                       "warehouse_locked_s": round(lock_s, 2), "elapsed_s": round(time.perf_counter() - started, 2)}


def _safe_extract(tar: tarfile.TarFile, dest: Path) -> None:
    for m in tar.getmembers():
        if not (m.isfile() or m.isdir()):
            raise BackupError(f"备份文件含不允许的成员：{m.name}")
    tar.extractall(dest, filter="data")


def _check(tmp: Path) -> dict[str, Any]:
    """The archive's manifest, after checking every run's results against its registered hash."""
    from zhizao.runs.registry import result_hash

    try:
        manifest: dict[str, Any] = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError("备份文件缺少清单 manifest.json，或不是智造备份") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    for name in ("warehouse.duckdb", "store.sqlite"):
        if not (tmp / name).is_file():
            raise BackupError(f"备份文件不完整：缺少 {name}")
    import pyarrow.parquet as pq

    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    try:
        registered = dict(con.execute("SELECT run_id, result_hash FROM runs").fetchall()) if con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'").fetchone()[0] else {}  # type: ignore[index]
    finally:
        con.close()
    for run_id, h in registered.items():
        path = tmp / "runs" / f"{run_id}.parquet"
        if not path.is_file():
            raise BackupError(f"备份文件不完整：缺少运行 {run_id} 的结果")
        if result_hash(pq.read_table(path)) != h:
            raise BackupError(f"备份中运行 {run_id} 的结果与登记的哈希不符")
    manifest["verified_runs"] = len(registered)
    return manifest


def restore(settings: Settings, archive: Path, wait_s: float = 60.0) -> dict[str, Any]:
    """Replace the home's warehouse, runs and store by the archive's (the current ones set aside)."""
    from zhizao.store.db import dispose, init_store

    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"备份文件不存在：{archive}")
    settings.ensure()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.home) as tmp_name:
        tmp = Path(tmp_name)
        try:
            with tarfile.open(archive, "r:*") as tar:
                _safe_extract(tar, tmp)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"无法读取备份文件：{archive.name}（{exc}）") from None
        manifest = _check(tmp)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = settings.home / f"before-restore-{stamp}"
        aside.mkdir()
        # nobody may hold the warehouse while it is swapped: take its lock, then swap
        try:
            con = warehouse.connect(settings.warehouse_path, wait_s=wait_s)
        except warehouse.WarehouseBusy as exc:
            raise BackupError(str(exc)) from None
        try:
            _checkpoint(con, wait_s)
        finally:
            con.close()
        init_store(settings)
        _copy_store(settings.store_url, aside / "store.sqlite")
        for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
            if (settings.home / name).exists():
                os.replace(settings.home / name, aside / name)
        if settings.runs_dir.exists():
            os.replace(settings.runs_dir, aside / "runs")
        os.replace(tmp / "warehouse.duckdb", settings.warehouse_path)
        os.replace(tmp / "runs", settings.runs_dir)
        counts = _load_store(tmp / "store.sqlite", settings.store_url)
        # every serving process drops what it kept of the old store (publications, consents)
        stamps.bump(settings.store_url, stamps.KINDS)
        dispose(settings.store_url)
        init_store(settings)  # a backup of an older schema is brought up to this version
        from zhizao.store import audit
        from zhizao.store.db import session_scope

        with session_scope(settings) as s:
            audit.record(s, "restore", username="cli", target=archive.name,
                         detail={"created_at": manifest.get("created_at"), "runs": manifest["verified_runs"],
                                 "set_aside": aside.name})
    return {"file": str(archive), "created_at": manifest.get("created_at"), "verified_runs": manifest["verified_runs"],
            "runs": manifest.get("runs", []), "store_rows": counts, "set_aside": str(aside),
            "elapsed_s": round(time.perf_counter() - started, 2)}


# ---------------------------------------------------------------- orphans

#: an import's temporary folder untouched this long belongs to a killed import
STALE_IMPORT_S = 3600.0


def clean_orphans(settings: Settings, now: float | None = None) -> dict[str, int]:
    """Remove what killed processes leave behind: ``runs/*.parquet.tmp`` (when no process holds
    the warehouse, so no run is being registered), import/backup/restore temporary folders not
    touched for an hour, and empty upload folders."""
    now = time.time() if now is None else now
    removed = {"run_tmp": 0, "import_dirs": 0, "upload_dirs": 0}
    home = settings.home
    if not home.exists():
        return removed
    tmps = list(settings.runs_dir.glob("*.tmp")) if settings.runs_dir.exists() else []
    if tmps and settings.warehouse_path.exists():
        try:
            con = warehouse.connect(settings.warehouse_path, wait_s=0.0)
        except warehouse.WarehouseBusy:
            tmps = []  # a run may be registering right now: leave its file
        else:
            try:
                for p in tmps:
                    p.unlink(missing_ok=True)
                    removed["run_tmp"] += 1
            finally:
                con.close()
    for pattern in ("import-*", "backup-*", "restore-*"):
        for d in home.glob(pattern):
            if d.is_dir() and now - d.stat().st_mtime > STALE_IMPORT_S:
                shutil.rmtree(d, ignore_errors=True)
                removed["import_dirs"] += 1
    uploads = settings.uploads_dir
    if uploads.exists():
        for kind in uploads.iterdir():
            if not kind.is_dir():
                continue
            for d in kind.iterdir():
                if d.is_dir() and not any(d.iterdir()) and now - d.stat().st_mtime > 60:
                    d.rmdir()
                    removed["upload_dirs"] += 1
    return removed
