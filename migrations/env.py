"""Alembic environment: run migrations against the URL handed over by `grader.db.session`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from grader.db.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    """The URL given programmatically (preferred) or as `sqlalchemy.url` by a hand-made config."""
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: use grader.db.session.upgrade(url=...)")
    return str(url)


def _is_sqlite(url: str) -> bool:
    """Whether `url` points at SQLite, which needs batch mode to alter tables."""
    return make_url(url).get_backend_name() == "sqlite"


def run_migrations_offline() -> None:
    """Emit the SQL script instead of running it (`alembic upgrade --sql`)."""
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_is_sqlite(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Connect and migrate in one transaction."""
    url = _database_url()
    # A plain engine rather than grader.db.session.make_engine: SQLite batch migrations recreate tables,
    # which must not trip foreign-key enforcement halfway through.
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=_is_sqlite(url),
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
