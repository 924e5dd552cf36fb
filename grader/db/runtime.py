"""The one wiring place of every entry point: the migrated database, its sessions, and the exercise catalog.

`grader grade`, `grader review`, `grader users`, `grader worker`, `grader serve` and the web factory each
open a `Runtime` from their settings instead of running migrate -> engine -> sessions -> catalog themselves.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from grader.core.specs.loader import Catalog, load_catalog
from grader.db.session import default_database_url, make_engine, make_session_factory, upgrade


class Runtime:
    """The database at `database_url` (migrated to the newest schema when opened) and the catalog."""

    def __init__(self, *, database_url: str | None = None, catalog: Catalog | None = None,
                 migrate: bool = True) -> None:
        """`database_url`: None for `GRADER_DATABASE_URL` or the SQLite default; `catalog`: None to load the
        shipped one when it is first needed; `migrate`: upgrade the schema before anything is read."""
        self.database_url = database_url or default_database_url()
        if migrate:
            upgrade(url=self.database_url)
        self.engine: Engine = make_engine(self.database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        if catalog is not None:
            self.catalog = catalog

    @cached_property
    def catalog(self) -> Catalog:
        """The exercise catalog (loaded on first use: review and account commands never need it)."""
        return load_catalog()

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
