"""pytest fixtures for the store and web tests (imported by their ``conftest.py`` files).

``store_settings`` runs a test once on SQLite and once on PostgreSQL (when
``ZHIZAO_TEST_PG_URL`` names a server, as ``scripts/test.sh`` arranges): a fresh database per
test session, a fresh schema per test, all dropped afterwards.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from world import World, build_world, pg_database, pg_schema

from zhizao.settings import Settings
from zhizao.store.accounts import configure_hasher
from zhizao.store.db import dispose, init_store
from zhizao.web.app import create_app
from zhizao.web.auth import AuthConfig

# Cheap hashes in tests: the cost parameters are stored in each hash, so verification is the real code path.
configure_hasher(time_cost=1, memory_kib=1024)


@pytest.fixture(scope="session")
def pg_db_url() -> Iterator[str | None]:
    base = os.environ.get("ZHIZAO_TEST_PG_URL")
    if not base:
        yield None
        return
    with pg_database(base) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    from zhizao.web.auth import clear_cache

    clear_cache()
    if request.param == "sqlite":
        s = settings
        init_store(s)
        yield s
        dispose(s.store_url)
        return
    db = request.getfixturevalue("pg_db_url")
    if db is None:
        pytest.skip("ZHIZAO_TEST_PG_URL 未设置（scripts/test.sh 会启动临时 PostgreSQL）")
    with pg_schema(db) as url:
        s = dataclasses.replace(settings, store_url=url)
        init_store(s)
        yield s
    clear_cache()


@pytest.fixture
def world(store_settings: Settings) -> World:
    return build_world(store_settings)


FAST_AUTH = AuthConfig(base_delay_s=0.001, max_delay_s=0.01, max_failures=3, lockout_minutes=15)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, auth_config=FAST_AUTH)) as c:
        yield c


