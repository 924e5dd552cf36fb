"""The Alembic migrations build exactly the schema the ORM models describe, and undo it cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from grader.db.models import Base
from grader.db.session import downgrade, make_engine, upgrade

APP_TABLES = {"students", "exercises", "exercise_versions", "submissions", "gradings", "overrides", "users",
              "login_attempts", "regrades"}


def _tables(url: str) -> set[str]:
    """Names of the tables present in the database at `url`."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(db_url: str) -> None:
    """head -> base -> head works from an empty database and leaves only Alembic's bookkeeping at base."""
    upgrade(url=db_url)
    assert _tables(db_url) >= APP_TABLES

    downgrade(url=db_url, revision="base")
    assert _tables(db_url) - {"alembic_version"} == set()

    upgrade(url=db_url)
    assert _tables(db_url) >= APP_TABLES


def test_schema_after_upgrade_matches_models(db_url: str) -> None:
    """Autogenerate finds nothing to change: models and migrations agree, on every backend."""
    upgrade(url=db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
