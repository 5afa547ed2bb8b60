"""The migrations create exactly what the models declare (core and rooms' tables)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import zhizao.mujun.models  # noqa: F401  (rooms' tables on the same metadata)
from zhizao import rooms
from zhizao.store.base import Base
from zhizao.store.db import engine_for, head_revision


def test_upgrade_head_matches_the_models(store_settings):
    for _room, _models in rooms.contributions("models"):  # every room's models on the metadata
        pass
    with engine_for(store_settings.store_url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert tuple(sorted(ctx.get_current_heads())) == head_revision()
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
