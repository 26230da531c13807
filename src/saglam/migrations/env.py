"""Alembic environment: the URL comes from the caller's config, the metadata from every domain."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from saglam.core.config import parse_database_url
from saglam.core.db import make_engine
from saglam.migrations.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = parse_database_url(config.get_main_option("sqlalchemy.url") or "")
    engine = make_engine(url, pool_size=1, foreign_keys=False)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
