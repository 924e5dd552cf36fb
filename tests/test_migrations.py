"""The Alembic migrations build exactly the schema the ORM models describe, and undo it cleanly."""

from __future__ import annotations

import subprocess
import sys
import time

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from grader.db.models import Base
from grader.db.session import downgrade, make_engine, upgrade

APP_TABLES = {"students", "exercises", "exercise_versions", "submissions", "gradings", "overrides", "users",
              "login_attempts", "regrades", "releases", "drafts", "similarity_runs", "similarity_flags",
              "similarity_notes"}


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


def test_processes_starting_together_on_a_fresh_database_all_migrate_it(db_url: str) -> None:
    """The CLI, `grader serve` and `grader worker`s often start at once on one database: every one of them
    must come up (one migrates, the others wait and find the schema current)."""
    start_at = time.time() + 3  # after every interpreter has imported alembic: the migrations really race
    script = ("import sys, time\n"
              "from grader.db.session import upgrade\n"
              "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
              "upgrade(url=sys.argv[1])\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, db_url, str(start_at)], stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    outcomes = [(proc.returncode, err[-400:]) for proc in procs for err in [proc.communicate(timeout=120)[1]]]
    assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    assert _tables(db_url) >= APP_TABLES
