"""`grader`: the command line, a thin shell over the batch, course and engine layers."""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path

import click

from grader.batch.broker import BrokerGrader
from grader.batch.discover import discover, read_submission
from grader.batch.grading import GradedSubmission, grade_batch
from grader.batch.local import LocalGrader
from grader.cli.common import open_grader
from grader.cli.lazy import LazyGroup
from grader.cli.offering_option import OFFERING_OPTION, resolve_offering
from grader.core.i18n import Lang, format_score
from grader.core.questions.answers import is_answer_file
from grader.core.richtext import plain
from grader.core.safetext import csv_text
from grader.core.specs.loader import Catalog, SpecError, load_catalog
from grader.core.specs.models import ExerciseSpec
from grader.course.handback import HandbackRow, write_feedback_dir
from grader.course.public import public_view
from grader.db.runtime import Runtime
from grader.db.session import default_database_url, upgrade
from grader.engine.grader import default_workers
from grader.engine.sandbox.preload import batch_preload
from grader.queue.celery import broker_url_from_env

FORMATS = click.Choice(["json", "csv", "table"])
UNSAFE_OPTION = click.option(
    "--unsafe-no-sandbox", is_flag=True,
    help="Run student code WITHOUT bubblewrap (trusted development machines only; warns on every run).")


COLD_OPTION = click.option(
    "--cold", is_flag=True, help="Start a fresh sandboxed process per submission instead of warm workers.")


LANGS = click.Choice(["es", "en"])


def _catalog(exercises_dir: Path | None = None, *, quiet: bool = False) -> Catalog:
    """The catalog; invalid specs are reported on stderr (and stay ungradeable) unless `quiet`."""
    catalog = load_catalog(exercises_dir) if exercises_dir else load_catalog()
    if not quiet:
        for error in catalog.errors.values():
            click.echo(f"warning: {error}", err=True)
    return catalog


def _spec_or_exit(catalog: Catalog, exercise_id: str) -> ExerciseSpec:
    try:
        return catalog.get(exercise_id)
    except KeyError as exc:
        raise click.UsageError(exc.args[0]) from None
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None


# The other layers' commands, imported only when run (grader/cli/lazy.py).
LAZY_COMMANDS = {"review": "grader.cli.review:review", "users": "grader.cli.accounts:users",
                 "roster": "grader.cli.accounts:roster", "serve": "grader.cli.serve:serve",
                 "worker": "grader.cli.worker:worker", "lti": "grader.cli.lti:lti",
                 "similarity": "grader.cli.similarity:similarity",
                 "similarity-jobs": "grader.cli.similarity:similarity_jobs",
                 "offerings": "grader.cli.offerings:offerings"}


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS)
@click.version_option(package_name="grader")
def main() -> None:
    """Califica ejercicios y exámenes de Keras / Grades Keras exercises and quizzes."""


NOTE_LABEL = {"es": "nota", "en": "note"}


def _table(rows: list[GradedSubmission], lang: Lang) -> str:
    """One line per student, then one indented line per note of theirs ('  nota: Tu código lanzó ...'), its
    line breaks folded so that every note stays on one line."""
    lines = [f"{'student':<20} {'status':<7} {'score':>11}  details"]
    for row in rows:
        res = row.result
        if res.status == "error":
            detail = plain(res.error.get(lang)) if res.error else ""
        else:
            detail = ", ".join(res.failed_check_ids()) or "ok"
            if row.reused:
                detail += " (reused)"
        score = f"{format_score(res.score, lang):>5}/{format_score(res.max_score, lang):<5}"
        lines.append(f"{row.student:<20} {res.status:<7} {score}  {detail}")
        lines += [f"{'':<20} {NOTE_LABEL[lang]}: {' '.join(plain(note).split())}" for note in res.note_texts(lang)]
    return "\n".join(lines)


def _print(rows: list[GradedSubmission], fmt: str, lang: Lang) -> None:
    if fmt == "table":
        click.echo(_table(rows, lang))
    elif fmt == "csv":
        records = [[row.student, row.exercise, row.path, row.result.status, row.result.score, row.result.max_score,
                    " ".join(row.result.failed_check_ids()), row.result.error.get(lang) if row.result.error else "",
                    "\n".join(row.result.note_texts(lang))] for row in rows]
        sys.stdout.write(csv_text([["student", "exercise", "path", "status", "score", "max_score", "failed_checks",
                                    "error", "notes"], *records]))


@main.command()
@click.argument("exercise_id")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="Output format.")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Parallel gradings [default: cores].")
@click.option("--db", "db_url", default=None, help="Database URL [default: GRADER_DATABASE_URL or SQLite].")
@click.option("--force", is_flag=True, help="Grade again even if this source was graded for this spec version.")
@click.option("--lang", type=LANGS, default="es", show_default=True, help="Language of messages.")
@click.option("--exercises-dir", type=click.Path(path_type=Path, file_okay=False), default=None, hidden=True)
@UNSAFE_OPTION
@COLD_OPTION
@click.option("--broker-url", default=broker_url_from_env, show_default="GRADER_BROKER_URL",
              help="Enqueue to Celery workers (`grader worker`) through this broker instead of grading here.")
@click.option("--feedback-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also write one self-contained HTML feedback page per student, and an index, into this folder.")
@click.option("--with-answers", is_flag=True, help="Include model answers in the feedback pages (not for exams "
              "still open).")
@OFFERING_OPTION
def grade(exercise_id: str, paths: tuple[Path, ...], fmt: str, workers: int | None, db_url: str | None,
          force: bool, lang: Lang, exercises_dir: Path | None, unsafe_no_sandbox: bool, cold: bool,
          broker_url: str | None, feedback_dir: Path | None, with_answers: bool, offering: str | None) -> None:
    """Grade EXERCISE_ID submissions in PATHS (files, folders of files, folders of student folders), stored in
    the course offering (the default one unless --offering)."""
    catalog = _catalog(exercises_dir, quiet=True)
    _spec_or_exit(catalog, exercise_id)
    try:
        found = discover(list(paths))
    except (FileNotFoundError, PermissionError) as exc:
        raise click.UsageError(str(exc)) from None
    if not found:
        raise click.UsageError(f"no .py or .ipynb submissions found in: {', '.join(map(str, paths))}")
    total, done = len(found), 0

    def progress(row: GradedSubmission) -> None:
        """One progress line on stderr per finished submission (and its JSON line, when asked)."""
        nonlocal done
        done += 1
        res = row.result
        what = f"{res.score:g}/{res.max_score:g}" if res.status == "graded" else "error"
        click.echo(f"[{done}/{total}] {row.student}: {what} ({res.duration_s:.1f} s)", err=True)
        if fmt == "json":  # one line per submission as soon as it is done: a crash later loses nothing
            click.echo(json.dumps(row.to_public(lang), ensure_ascii=False))

    database_url = db_url or default_database_url()
    grading: LocalGrader | BrokerGrader
    if broker_url:
        grading = BrokerGrader(database_url=database_url, broker_url=broker_url, catalog=catalog)
    else:
        workers = workers or default_workers()
        # Answer files (quizzes) and unreadable finds need no sandbox worker.
        code_files = [item for item in found if item.problem is None and not is_answer_file(item.path.name)]
        start = min(workers, len(code_files))
        readers = [(item.path.name, partial(read_submission, item)) for item in code_files]  # no link followed
        engine = open_grader(workers=workers, catalog=catalog, unsafe=unsafe_no_sandbox, cold=cold, start=start,
                             preload=batch_preload(readers, zygote_starts=start))
        try:  # the engine's workers start first: their imports overlap the database migration
            grading = LocalGrader(engine, Runtime(database_url=database_url, catalog=catalog))
        except BaseException:
            engine.close()  # the processes started above must not outlive a failed start
            raise
    with grading:
        if grading.runtime is not None:
            grading.offering_id = resolve_offering(grading.runtime.sessions, offering)
        rows = grade_batch(grading, exercise_id=exercise_id, found=found, force=force, on_done=progress)
    if fmt != "json":
        _print(rows, fmt, lang)
    if feedback_dir is not None:
        written = write_feedback_dir(rows=[HandbackRow(student=row.student, result=row.result) for row in rows],
                                     spec=catalog.get(exercise_id), directory=feedback_dir, lang=lang,
                                     with_answers=with_answers)
        click.echo(f"feedback: {len(written) - 1} page(s) and index.html in {feedback_dir}", err=True)


@main.group()
def exercises() -> None:
    """List, show and validate the exercise catalog."""


@exercises.command("list")
@click.option("--lang", type=LANGS, default="es", show_default=True)
def list_exercises(lang: Lang) -> None:
    """One line per exercise: id, points, title."""
    for spec in _catalog().specs.values():
        click.echo(f"{spec.id:<28} {spec.max_score:>4g} pts  {spec.title.get(lang)}")


@exercises.command("show")
@click.argument("exercise_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=LANGS, default="es", show_default=True)
@click.option("--student", default=None, help="Show this student's variant (prompts and option order).")
def show(exercise_id: str, fmt: str, lang: Lang, student: str | None) -> None:
    """Show one exercise's statement, starter code, checks and questions (never the answers)."""
    spec = _spec_or_exit(_catalog(quiet=True), exercise_id)
    view = public_view(spec, lang, student)
    if fmt == "json":
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    click.echo(f"{view['id']}: {view['title']} ({view['max_score']:g} pts)\n[{view['source']}]\n")
    click.echo(view["statement"])
    if view["starter_code"]:
        click.echo("Starter:\n" + view["starter_code"])
    for check in view["checks"]:
        click.echo(f"  - {check['id']} ({check['points']:g} pts)")
    for q in view["questions"]:
        click.echo(f"\n[{q['id']}] ({q['points']:g} pts) {q['prompt']}")
        for option in q.get("options", []):
            click.echo(f"   {option['label']}) {option['text']}")


@exercises.command("validate")
@click.option("--only", multiple=True, help="Validate only these exercise ids.")
@click.option("--workers", type=click.IntRange(1, 64), default=None)
@UNSAFE_OPTION
@COLD_OPTION
def validate(only: tuple[str, ...], workers: int | None, unsafe_no_sandbox: bool, cold: bool) -> None:
    """Grade every reference solution (must be 100%) and known-wrong example (must fail the named checks)."""
    from grader.batch.validate import validate_catalog

    catalog = _catalog()
    unknown = [i for i in only if i not in catalog.specs and i not in catalog.errors]
    if unknown:
        raise click.UsageError(f"unknown exercise ids: {', '.join(unknown)}")
    with open_grader(workers=workers, catalog=catalog, unsafe=unsafe_no_sandbox,
                     cold=cold) as grader:
        verdicts = validate_catalog(grader=grader, only=list(only) or None)
    for v in verdicts:
        mark = "ok  " if v.ok else "FAIL"
        click.echo(f"{mark} {v.exercise:<28} {v.file:<50} {v.score:g}/{v.max_score:g}  {v.detail}")
    bad = [v for v in verdicts if not v.ok]
    broken = [e for i, e in catalog.errors.items() if not only or i in only]
    click.echo(f"{len(verdicts) - len(bad)} ok, {len(bad)} failed, {len(broken)} invalid specs", err=True)
    if bad or broken:
        sys.exit(1)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--db", "db_url", default=None, help="Database URL [default: GRADER_DATABASE_URL or SQLite].")
def db_upgrade(db_url: str | None) -> None:
    """Apply every Alembic migration."""
    url = db_url or default_database_url()
    upgrade(url=url)
    click.echo(f"database at head: {url}")
