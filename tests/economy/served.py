"""The mini city served to a city and a district user, with carbon 2021 evaluated and published
(the economy's pages then default to the span 2017–2021): what the prepared-figures and
prepared-review tests share."""

from __future__ import annotations

from fastapi.testclient import TestClient
from forms import logged_in
from minicity import MINI_CITY, build
from world import PASSWORD, add_user_fast

from zhizao.settings import Settings
from zhizao.store.accounts import hash_password
from zhizao.store.db import init_store, session_scope

WUXING, NANXUN = "330502", "330503"


def publish_carbon(settings: Settings) -> str:
    """Evaluate and publish carbon 2021 as ``zhizao evaluate`` and ``zhizao publish`` do."""
    from zhizao.engine import connect
    from zhizao.methodology.loader import find
    from zhizao.runs.registry import execute
    from zhizao.store.publish import publish

    eng = connect(settings, "duckdb")
    try:
        run = execute(settings, eng, "carbon", 2021, find(None, "carbon", 2021))
    finally:
        eng.close()
    publish(settings, run.run_id, user="tester", with_held=True)
    return run.run_id


def served_city(settings: Settings) -> Settings:
    """The mini city in ``settings``' home, its users (city1, wuxing1) and carbon 2021 published."""
    build(settings.warehouse_path, MINI_CITY)
    init_store(settings)
    pw = hash_password(PASSWORD)
    with session_scope(settings) as s:
        add_user_fast(s, "city1", "city", password_hash=pw)
        add_user_fast(s, "wuxing1", "district", password_hash=pw, region_code=WUXING)
    publish_carbon(settings)
    return settings


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return logged_in(app, username, PASSWORD)
