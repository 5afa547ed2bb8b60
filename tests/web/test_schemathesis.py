"""Property-based API fuzzing over ``/openapi.json``: whatever the input, no server error.

Bounded: a few generated examples per operation, authenticated as the city (the widest role),
over the small populated city on SQLite.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from world import build_world

from zhizao.store.db import init_store
from zhizao.web.app import create_app
from zhizao.web.auth import AuthConfig

EXAMPLES_PER_OPERATION = 4


def test_no_operation_answers_a_server_error(settings):
    init_store(settings)
    world = build_world(settings)
    app = create_app(settings, auth_config=AuthConfig(base_delay_s=0.001, max_delay_s=0.01, max_failures=1000))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {world.tokens['city']}"}
    failures: list[tuple[str, str, int, str]] = []
    labels = []
    seen: list[int] = []
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path == "/api/auth/logout":
            continue  # would revoke the token the other operations use

        @hsettings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            seen.append(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code, response.text[:300]))

        run()
        labels.append(op.label)
    assert len(labels) >= 25, labels
    assert failures == []
    # the fuzzing reached real answers, not only validation errors
    assert seen.count(200) >= 10 and any(400 <= c < 500 for c in seen)
