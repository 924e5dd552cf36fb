"""`grader serve`: the web service with its grading workers on one machine (SQLite by default)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click
from flask import Flask

from grader.cli.common import open_grader
from grader.cli.logs import configure_logging
from grader.course.demo import ensure_demo_accounts
from grader.db.session import default_database_url
from grader.engine.grader import default_workers
from grader.lti.scores import start_outbox_loop

if TYPE_CHECKING:
    from grader.web.state import WebState


@click.command()
@click.option("--host", default=lambda: os.environ.get("GRADER_HOST", "127.0.0.1"), show_default="127.0.0.1",
              help="Address to listen on (env GRADER_HOST).")
@click.option("--port", type=int, default=lambda: int(os.environ.get("GRADER_PORT", "5000")), show_default="5000",
              help="Port to listen on (env GRADER_PORT).")
@click.option("--workers", type=click.IntRange(min=1), default=default_workers, show_default="cores",
              help="Sandboxed grading workers in this process.")
@click.option("--database-url", default=default_database_url, show_default="instance/grader.sqlite3",
              help="SQLAlchemy URL (env GRADER_DATABASE_URL).")
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Create the demo teacher and students and print their new passwords.")
@click.option("--unsafe-no-sandbox", is_flag=True,
              help="Run student code WITHOUT bubblewrap (trusted development machines only).")
def serve(host: str, port: int, workers: int, database_url: str, demo: bool, unsafe_no_sandbox: bool) -> None:
    """Run the web service; student submissions are graded by warm sandboxed workers in this process."""
    from grader.web import create_app
    from grader.web.similarity_jobs import SimilarityJobs
    from grader.web.workers import attach_workers

    configure_logging()
    app = create_app({"DATABASE_URL": database_url})
    web = app.extensions["grader"]
    server = _listen(app, host, port)  # before the workers start: a busy port fails in a second, not ten
    _announce(web, database_url, demo)
    if web.lti is not None:  # scores waiting for the LMS go out from here (the outbox, see grader.lti.scores)
        start_outbox_loop(web.sessions, config=web.lti, course=web.course, catalog=web.catalog)
    SimilarityJobs(app).start()  # a daemon thread: it ends with the server
    if web.dispatcher is not None:
        # Several machines: Celery workers (`grader worker`) grade; this process only serves pages.
        click.echo("Calificación: workers de Celery (`grader worker`) / grading: Celery workers")
        click.echo(f"Sirviendo en http://{host}:{port}/  (Ctrl+C para parar)")
        server.run()
        return
    with open_grader(workers=workers, catalog=web.catalog, unsafe=unsafe_no_sandbox,
                     start=workers) as grader:
        pool = attach_workers(app, grade=grader.grade_bytes, threads=workers)
        click.echo(f"Sirviendo en http://{host}:{port}/  (Ctrl+C para parar)")
        try:
            server.run()
        finally:
            pool.stop()


def _listen(app: Flask, host: str, port: int) -> Any:
    """A waitress server bound to host:port, or a clear error when the address is taken."""
    import waitress

    try:
        return waitress.create_server(app, host=host, port=port, threads=8, ident="grader")
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror}): another program uses it? Choose another port "
            "with --port or GRADER_PORT.") from None


def _announce(web: WebState, database_url: str, demo: bool) -> None:
    """Print the course loaded and, with `demo`, the demo accounts' new passwords."""
    click.echo(f"Curso cargado: {len(web.course.assignments)} tareas, {len(web.catalog.specs)} ejercicios "
               f"({web.course.title.es}). Base de datos: {database_url}")
    if demo:
        with web.sessions() as session:
            logins = ensure_demo_accounts(session)
            session.commit()
        for login in logins:
            role = "profesor/teacher" if login.role == "teacher" else "estudiante/student"
            click.echo(f"  {role:<20} usuario: {login.username:<10} contraseña: {login.password}")
