"""``zhizao backup`` / ``zhizao restore``: the restore drill reproduces every run's hash.

The drill: a home with a store (accounts, published results), a warehouse (a carbon city) and
runs; a backup taken while another thread keeps reading, as the service would; then the home
is changed (a new run, a deleted account) and restored in place, and restored into a fresh home
too. Both must hold exactly the backed-up runs, verified against their hashes, and evaluating
the same year again on the restored warehouse must give the same result hash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from carbon_city import random_city
from city import load_warehouse
from sqlalchemy import delete, select, update
from typer.testing import CliRunner
from world import build_world

from zhizao import runs
from zhizao.backup.snapshot import BackupError, backup, clean_orphans, restore
from zhizao.cli import app
from zhizao.settings import Settings, load_settings
from zhizao.store.db import dispose, session_scope
from zhizao.store.models import PublishedResult, User


def _cli(settings: Settings, *args: str) -> dict:  # type: ignore[type-arg]
    env = {"ZHIZAO_STORE_URL": settings.store_url}
    r = CliRunner().invoke(app, ["--home", str(settings.home), *args, "--json"], env=env)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _evaluate(settings: Settings) -> dict:  # type: ignore[type-arg]
    return _cli(settings, "evaluate", "carbon", "--year", "2022")


def _state(settings: Settings) -> tuple[dict[str, str], set[str], int]:
    hashes = {r.run_id: r.result_hash for r in runs.list_runs(settings)}
    for run_id in hashes:
        runs.results(settings, run_id)  # raises unless the file matches the registered hash
    with session_scope(settings) as s:
        users = {(u, a) for u, a in s.execute(select(User.username, User.active))}
        published = len(s.scalars(select(PublishedResult.id)).all())
    return hashes, users, published


@pytest.fixture
def home(store_settings: Settings) -> Settings:
    build_world(store_settings)
    load_warehouse(store_settings, random_city(40, seed=3, year=2022).tables())
    run = _evaluate(store_settings)
    # the random city has firms the publication gate holds: publish the others, the held ones recorded
    _cli(store_settings, "publish", run["run_id"], "--with-held")
    return store_settings


def test_restore_drill_reproduces_every_run_hash(home: Settings, tmp_path: Path) -> None:
    before = _state(home)
    assert len(before[0]) == 1 and ("dist_a", True) in before[1] and before[2] > 0
    # the service keeps reading while the backup runs
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                runs.list_runs(home)
                with session_scope(home) as s:
                    s.scalars(select(User.username)).all()
            except Exception as exc:
                errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    try:
        doc = backup(home, tmp_path / "zhizao.tar.gz")
    finally:
        stop.set()
        t.join()
    assert errors == []
    assert [r["run_id"] for r in doc["runs"]] == list(before[0])
    assert doc["store_rows"]["users"] == len(before[1])

    # the home moves on: a second run, an account disabled, the published results withdrawn
    _evaluate(home)
    with session_scope(home) as s:
        s.execute(update(User).where(User.username == "auditor").values(active=False))
        s.execute(delete(PublishedResult))
    assert len(_state(home)[0]) == 2

    restored = restore(home, tmp_path / "zhizao.tar.gz")
    assert restored["verified_runs"] == 1
    assert _state(home) == before
    assert (Path(restored["set_aside"]) / "runs").is_dir()  # the replaced data is kept aside
    # evaluating the same year on the restored warehouse gives the recorded hash again
    again = runs.get(home, _evaluate(home)["run_id"])
    assert again.result_hash == next(iter(before[0].values()))

    # and into a fresh home, through the command line, with its own SQLite store
    fresh = load_settings(tmp_path / "fresh").ensure()
    r = CliRunner().invoke(app, ["--home", str(fresh.home), "restore", str(tmp_path / "zhizao.tar.gz"), "--json"],
                           env={"ZHIZAO_STORE_URL": fresh.store_url})
    assert r.exit_code == 0, r.output
    assert _state(fresh) == before
    dispose(fresh.store_url)


def test_a_tampered_backup_is_refused_and_nothing_changes(home: Settings, tmp_path: Path) -> None:
    import tarfile

    archive = tmp_path / "b.tar.gz"
    backup(home, archive)
    work = tmp_path / "x"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    parquet = next((work / "runs").glob("*.parquet"))
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    pq.write_table(table.slice(1), parquet)  # one firm's row dropped
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for p in work.iterdir():
            tar.add(p, arcname=p.name)
    before = _state(home)
    with pytest.raises(BackupError, match="哈希不符"):
        restore(home, bad)
    assert _state(home) == before
    assert not list(home.home.glob("before-restore-*"))


def test_orphans_of_killed_processes_are_cleaned(settings: Settings) -> None:
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    import duckdb

    duckdb.connect(str(settings.warehouse_path)).close()
    tmp = settings.runs_dir / "carbon-2022-3.parquet.tmp"
    tmp.write_bytes(b"PAR1")
    kept_run = settings.runs_dir / "carbon-2022-1.parquet"
    kept_run.write_bytes(b"PAR1")
    old_import = settings.home / "import-abc123"
    old_import.mkdir()
    (old_import / "transcoded.csv").write_text("x")
    young_import = settings.home / "import-def456"
    young_import.mkdir()
    os.utime(old_import, (time.time() - 7200, time.time() - 7200))
    empty_upload = settings.uploads_dir / "imports" / "0123abcd"
    empty_upload.mkdir(parents=True)
    os.utime(empty_upload, (time.time() - 600, time.time() - 600))

    # while another process holds the warehouse a run may be registering: its .tmp stays
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(30)", str(settings.warehouse_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        assert clean_orphans(settings) == {"run_tmp": 0, "import_dirs": 1, "upload_dirs": 1}
        assert tmp.exists()
    finally:
        holder.kill()
        holder.wait()
    assert clean_orphans(settings) == {"run_tmp": 1, "import_dirs": 0, "upload_dirs": 0}
    assert not tmp.exists() and kept_run.exists() and young_import.exists() and not old_import.exists()


def test_backup_refuses_when_the_warehouse_stays_busy(settings: Settings, tmp_path: Path) -> None:
    import duckdb

    duckdb.connect(str(settings.warehouse_path)).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(30)", str(settings.warehouse_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(BackupError, match="占用"):
            backup(settings, tmp_path / "b.tar.gz", wait_s=0.5)
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "b.tar.gz").exists()
