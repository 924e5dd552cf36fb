"""Engines, sessions and schema migrations for the grading database (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.dml import UpdateBase

import grader

if TYPE_CHECKING:
    from alembic.config import Config

# The repository's migrations folder; found next to the package because it is not shipped inside it.
MIGRATIONS_DIR = Path(grader.__file__).resolve().parent.parent / "migrations"

# Several worker threads may wait on SQLite's single writer lock; a grading burst should not fail fast.
SQLITE_BUSY_TIMEOUT_S = 30.0
MIGRATION_LOCK_KEY = 0x6772616465720001  # PostgreSQL advisory lock id: "grader" + 1


def default_database_url() -> str:
    """`GRADER_DATABASE_URL` if set, else a SQLite file at `./instance/grader.sqlite3` (absolute path)."""
    url = os.environ.get("GRADER_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{(Path.cwd() / 'instance' / 'grader.sqlite3').resolve()}"



def _ensure_sqlite_parent(url: str) -> None:
    """Create the folder of a SQLite database file so that the first connection can create the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite ignores foreign keys unless asked on every new connection."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; for SQLite, enforce foreign keys and allow use from several threads."""
    _ensure_sqlite_parent(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
    )
    event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to `engine`.

    `expire_on_commit=False` lets callers keep reading the objects a store function returned after they
    commit (the CLI prints them, the web renders them) without another round trip.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def rows_changed(session: Session, statement: UpdateBase) -> int:
    """Execute an UPDATE or DELETE (without RETURNING) in `session`; how many rows it matched."""
    # SQLAlchemy types Session.execute as a plain Result, which has no rowcount, because an ORM statement in
    # general need not give a cursor result; an UPDATE or DELETE without RETURNING always does.
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code (there is no alembic.ini) targeting `url`."""
    # Alembic is imported here, not at the top: `grader grade` migrates while its sandboxes start, and
    # importing Alembic before them delayed their start (docs/speed.md).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not a main option, because ConfigParser would choke on '%' in passwords.
    config.attributes["database_url"] = url
    return config


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Hold the database's migration lock: the CLI, `grader serve` and several `grader worker`s often start
    together on one database, and two processes running the same migration at once fail ("table users
    already exists"). A SQLite file is locked with flock on a file beside it, PostgreSQL with an advisory
    lock; whoever waits then finds the schema up to date."""
    parsed = make_url(url)
    backend, database = parsed.get_backend_name(), parsed.database
    if backend == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        with open(f"{database}.migrations.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    elif backend == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        finally:
            engine.dispose()
    else:
        yield


def upgrade(*, url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision` (default: the newest), one process at a time."""
    from alembic import command

    _ensure_sqlite_parent(url)
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(*, url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` (`"base"` drops every table), one process at a time."""
    from alembic import command

    with migration_lock(url):
        command.downgrade(alembic_config(url), revision)
