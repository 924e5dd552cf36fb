"""Shared fixtures. Database fixtures: a SQLite file per test and a real PostgreSQL database per session."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

POSTGRES_ADMIN_URL = os.environ.get(
    "GRADER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a SQLite file that does not exist yet, private to this test."""
    return f"sqlite:///{tmp_path / 'grader.sqlite3'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session, dropped at the end.

    An unreachable server fails the tests on purpose: PostgreSQL is a supported backend, and skipping
    would let it rot unnoticed.
    """
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"grader_test_{secrets.token_hex(6)}"
    unreachable: OperationalError | None = None
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        unreachable = exc
    if unreachable is not None:
        # Failing outside the except block keeps the report to this one message, without the chain.
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is required for these tests but {POSTGRES_ADMIN_URL} is not reachable: "
            f"{unreachable.orig}. Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) "
            "or point GRADER_TEST_POSTGRES_URL at a server.",
            pytrace=False,
        )
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    """Empty the shared session database so that the next test starts from nothing, like SQLite does."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision once per session. Running the migrations costs about a
    second per test on a loaded machine, and some 550 tests start from a migrated database: they start from
    a copy of this one instead (test_migrations.py still migrates empty databases itself)."""
    from grader.db.session import upgrade

    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    upgrade(url=f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> Iterator[str]:
    """The name of a PostgreSQL database migrated once per session, the template `migrated` copies."""
    from grader.db.session import upgrade

    template = f"{make_url(postgres_url).database}_migrated"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{template}"'))
        upgrade(url=make_url(postgres_url).set(database=template).render_as_string(hide_password=False))
        yield template
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        admin.dispose()


def migrated(request: pytest.FixtureRequest, url: str) -> str:
    """Make the (not yet used) database at `url` a copy of the session's migrated one; returns `url`. What a
    fresh migration leaves, rows included, for a fraction of its cost."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), str(parsed.database))
        return url
    template = request.getfixturevalue("migrated_postgres")
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # FORCE: a connection a previous test left open does not block it
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    url: str = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    yield url


@pytest.fixture
def sessions(request: pytest.FixtureRequest, db_url: str) -> Iterator[object]:
    """A session factory on a freshly migrated database, once on SQLite and once on PostgreSQL."""
    from grader.db.session import make_engine, make_session_factory

    engine = make_engine(migrated(request, db_url))
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def session(sessions: Any) -> Iterator[object]:
    """One session from `sessions`, closed at the end."""
    with sessions() as opened:
        yield opened


@pytest.fixture(scope="session")
def grader_nodb() -> Iterator[object]:
    """One Grader (evaluator processes started once) for the whole session, storing nothing."""
    from grader.engine.grader import Grader

    with Grader(workers=2) as grader:
        yield grader


# --- Web service fixtures (Flask's tutorial layout: app, client, runner) -------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest) -> Iterator[object]:
    """The web app, once on a private SQLite file and once on PostgreSQL; CSRF on; no grading threads
    (tests drain the queue themselves)."""
    from grader.web import create_app
    from tests.web_helpers import course_open_now

    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("postgres_url")
    flask_app = create_app({"TESTING": True, "DATABASE_URL": migrated(request, url), "SECRET_KEY": "test-secret"})
    course_open_now(flask_app)
    yield flask_app
    flask_app.extensions["grader"].engine.dispose()


@pytest.fixture
def client(app: object) -> object:
    """A test client of `app`."""
    return app.test_client()  # type: ignore[attr-defined]


@pytest.fixture
def runner(app: object) -> object:
    """A CLI runner bound to `app`."""
    return app.test_cli_runner()  # type: ignore[attr-defined]


@pytest.fixture
def accounts(app: object) -> dict[str, tuple[str, str]]:
    """A teacher and two students (ana, beto) in `app`'s database: name -> (username, password)."""
    from tests.web_helpers import make_accounts

    return make_accounts(app)


@pytest.fixture
def teacher(app: Any, client: Any, accounts: dict[str, tuple[str, str]]) -> Any:
    """The test client logged in as teacher `profe`, course dates fixed."""
    from tests.test_gradebook import fixed_course
    from tests.web_helpers import login

    fixed_course(app)
    assert login(client, "profe").status_code == 302
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, one per test module (see tests/browser_support.py)."""
    from tests.browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies, downloads accepted) and page."""
    context = browser.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def course_app(request: pytest.FixtureRequest, db_url: str) -> Iterator[Any]:
    """The app on SQLite and on PostgreSQL, with fixed course dates (tests never depend on today's date; the
    dates and the data helpers are in tests/test_gradebook.py, shared by the gradebook and decision tests)."""
    from grader.web import create_app
    from tests.test_gradebook import fixed_course

    app = create_app({"TESTING": True, "DATABASE_URL": migrated(request, db_url), "SECRET_KEY": "test-secret"})
    fixed_course(app)
    yield app
    app.extensions["grader"].engine.dispose()
