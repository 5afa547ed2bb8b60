"""Alembic environment of the operational store.

Run programmatically by :func:`zhizao.store.db.init_store` (which hands over a connection in
``config.attributes["connection"]``) or by the ``alembic`` command with ``sqlalchemy.url`` set.
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import create_engine, pool

import zhizao.store.models  # noqa: F401  (registers the core tables on Base.metadata)

# Rooms that keep tables in the store declare them on the same Base (``Room.models``); import them
# so that autogenerate and compare see the whole schema.
from zhizao import rooms
from zhizao.store.base import Base

for _room in rooms.all_rooms():
    if _room.models:
        importlib.import_module(_room.models)

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
