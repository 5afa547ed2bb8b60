"""The app factory mounts every router; ``zhizao serve`` starts uvicorn on loopback over an
up-to-date store and answers."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from zhizao.web.app import API_ROUTERS, PAGE_ROUTERS, _import_router, create_app


def test_every_router_module_exists_and_is_mounted(settings):
    app = create_app(settings)  # strict by default: a missing router module would raise
    paths = set(app.openapi()["paths"])
    assert {"/api/auth/login", "/api/enterprises/{credit_code}", "/api/carbon/{year}/{credit_code}",
            "/api/mujun/{year}/{credit_code}", "/api/runs/{run_id}/publish", "/api/imports/{table}",
            "/api/objections", "/api/consents", "/api/audit", "/api/me"} <= paths
    assert all(_import_router(name, strict=True) is not None for name in API_ROUTERS + PAGE_ROUTERS)


def test_a_missing_router_is_an_error_when_strict():
    with pytest.raises(ModuleNotFoundError):
        _import_router("zhizao.web.api_nonexistent", strict=True)
    assert _import_router("zhizao.web.api_nonexistent", strict=False) is None


def test_validation_errors_are_chinese_json(client, world):
    r = client.get("/api/carbon/1800", headers=world.auth("city"))
    assert r.status_code == 422 and r.json()["detail"] == "请求参数不正确"


def test_serve_starts_on_loopback_initialises_the_store_and_stops_by_pid(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "ZHIZAO_STORE_URL"}
    exe = Path(sys.executable).with_name("zhizao")
    proc = subprocess.Popen([str(exe), "--home", str(home), "serve", "--port", str(port), "--no-access-log"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert json.loads(r.read())["status"] == "ok"
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert (home / "store.sqlite").exists() and (home / "secret_key").stat().st_mode & 0o077 == 0
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/me", timeout=5)
        assert e.value.code == 401
        # an idle connection outlives uvicorn's own 5 s keep-alive: a pausing client reuses it
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        sock = conn.sock
        time.sleep(6)
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200 and conn.sock is sock
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_objects_made_by_an_import_while_serving_are_frozen_out_of_the_collector(settings, monkeypatch):
    """A request that imports modules (a page's first visit) leaves their objects frozen, so
    later full collections do not walk them on some other request's time."""
    import gc
    import sys
    import types

    import zhizao.web.app as web_app
    from zhizao.web.app import FreezeWhenWarm, app_from_env

    monkeypatch.setenv("ZHIZAO_HOME", str(settings.home))
    started: list[str] = []  # the server's checkpoint thread is tested in tests/store/test_db.py
    monkeypatch.setattr(web_app, "checkpoint_in_background", started.append)
    # the server's warm-up thread is tested below (its imports would race this test's count)
    monkeypatch.setattr(web_app, "warm_up", started.append)
    assert any(m.cls is FreezeWhenWarm for m in app_from_env().user_middleware)
    assert started[0] == settings.store_url

    async def imports_a_module(scope, receive, send):  # type: ignore[no-untyped-def]
        mod = types.ModuleType("zhizao_test_lazily_imported")
        mod.table = [{"n": i} for i in range(5_000)]  # type: ignore[attr-defined]
        sys.modules[mod.__name__] = mod

    async def reads(scope, receive, send):  # type: ignore[no-untyped-def]
        return None

    def run_now(coro) -> None:  # type: ignore[no-untyped-def]
        # not asyncio.run: a browser test before this one (Playwright's sync API) may have left
        # this thread marked as running an event loop; these apps never wait, so one step ends them
        with pytest.raises(StopIteration):
            coro.send(None)

    gc.unfreeze()
    try:
        quiet = FreezeWhenWarm(reads)
        run_now(quiet({"type": "http"}, None, None))
        assert gc.get_freeze_count() == 0  # nothing imported: nothing done
        warm = FreezeWhenWarm(imports_a_module)
        run_now(warm({"type": "http"}, None, None))
        assert gc.get_freeze_count() > 5_000
    finally:
        sys.modules.pop("zhizao_test_lazily_imported", None)
        gc.unfreeze()


def test_a_web_process_reads_the_published_results_before_its_first_visit(tmp_path) -> None:
    """The served app warms itself up off the request: the published runs' results are read and
    verified once, so a profile's first visit costs what its second does."""
    import sys

    from served import served_city

    from zhizao.runs import registry
    from zhizao.settings import load_settings
    from zhizao.web.app import WARM_MODULES, warm_up

    s = served_city(load_settings(tmp_path / "home").ensure())
    with registry._VERIFIED_LOCK:
        registry._VERIFIED.clear()
    from zhizao.web.templating import templates

    templates.env.cache.clear()
    done = warm_up(s)
    assert done == {"modules": len(WARM_MODULES), "templates": done["templates"], "runs": 1}
    assert all(m in sys.modules for m in WARM_MODULES)
    # every page template compiled (all but the review's report, which has an environment of its own)
    assert done["templates"] == len(templates.env.list_templates()) - 1 == len(templates.env.cache)
    assert [k for k in registry._VERIFIED if k[0].endswith(".parquet")]
