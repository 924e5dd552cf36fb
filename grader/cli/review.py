"""`grader review`: teacher decisions on automatic results, a thin shell over grader.db.review."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from grader.cli.offering_option import OFFERING_OPTION, offering_id_or_exit
from grader.core.paths import scrub_paths
from grader.db.models import Grading, Override
from grader.db.review import (
    DecisionRefused,
    FinalScore,
    add_override,
    final_score,
    override_history,
    pending_reviews,
)
from grader.db.runtime import Runtime
from grader.db.store import grading_result

DB_OPTION = click.option(
    "--db", "db_url", default=None, help="Database URL [default: GRADER_DATABASE_URL or SQLite]."
)
REASON_OPTION = click.option("--reason", required=True, help="Why the points change (kept in the audit trail).")
TEACHER_OPTION = click.option("--teacher", required=True, help="Who decides (kept in the audit trail).")


class ReviewError(click.ClickException):
    """A refused request (unknown grading, bad check id, points out of range...): exit status 2, like bad usage."""

    exit_code = 2


@contextmanager
def _session(db_url: str | None) -> Iterator[Session]:
    """A session on the database at `db_url` (or the default), migrated to head first."""
    with Runtime(database_url=db_url) as runtime, runtime.sessions() as session:
        yield session


def _grading_or_exit(session: Session, grading_id: int) -> Grading:
    """The grading with this id, or a clear refusal."""
    grading = session.get(Grading, grading_id)
    if grading is None:
        raise ReviewError(f"no grading with id {grading_id}")
    return grading


def _one_line(text: str) -> str:
    """Collapse line breaks so that a multi-line message keeps the table one row per check."""
    return " ".join(text.split())


def _score_line(score: FinalScore) -> str:
    """`final: X/MAX (automatic: Y)`, the summary printed after every decision."""
    return f"final score: {score.final:g}/{score.max_score:g} (automatic: {score.automatic:g})"


def _record(
    db_url: str | None, grading_id: int, check_id: str | None, points: float, reason: str, teacher: str
) -> None:
    """Record one override, commit it, and print before -> after and the new final score."""
    with _session(db_url) as session:
        grading = _grading_or_exit(session, grading_id)
        try:
            override = add_override(
                session, grading=grading, check_id=check_id, points=points, reason=reason, teacher=teacher
            )
        except DecisionRefused as exc:
            # The command line speaks English; the Spanish text is what the web forms show.
            raise ReviewError(exc.message.en) from None
        session.commit()
        score = final_score(session, grading=grading)
    what = "total" if check_id is None else check_id
    click.echo(f"grading {grading_id}, {what}: {override.points_before:g} -> {override.points:g}")
    click.echo(_score_line(score))


@click.group()
def review() -> None:
    """Revisión docente / Teacher review: pending answers and manual overrides of automatic scores."""


@review.command("list")
@click.option("--exercise", "exercise_slug", default=None, help="Only this exercise id.")
@OFFERING_OPTION
@DB_OPTION
def list_pending(exercise_slug: str | None, offering: str | None, db_url: str | None) -> None:
    """Checks whose points are only suggested, in each student's newest grading, in the offering."""
    with _session(db_url) as session:
        rows = pending_reviews(session, exercise_slug=exercise_slug,
                               offering_id=offering_id_or_exit(session, offering))
    if not rows:
        click.echo("no pending reviews", err=True)
        return
    click.echo(f"{'grading':>7}  {'student':<20} {'exercise':<28} {'question':<20} {'suggested':>9}  message")
    for row in rows:
        points = f"{row.suggested_points:g}/{row.max_points:g}"
        click.echo(
            f"{row.grading_id:>7}  {row.student:<20} {row.exercise:<28} {row.check_id:<20} {points:>9}  "
            f"{_one_line(row.message.es)}"
        )


@review.command("set")
@click.argument("grading_id", type=int)
@click.argument("check_id")
@click.argument("points", type=float)
@REASON_OPTION
@TEACHER_OPTION
@DB_OPTION
def set_check(grading_id: int, check_id: str, points: float, reason: str, teacher: str, db_url: str | None) -> None:
    """Give POINTS to question/check CHECK_ID of grading GRADING_ID."""
    _record(db_url, grading_id, check_id, points, reason, teacher)


@review.command("total")
@click.argument("grading_id", type=int)
@click.argument("points", type=float)
@REASON_OPTION
@TEACHER_OPTION
@DB_OPTION
def set_total(grading_id: int, points: float, reason: str, teacher: str, db_url: str | None) -> None:
    """Replace the whole score of grading GRADING_ID with POINTS."""
    _record(db_url, grading_id, None, points, reason, teacher)


def _trail_line(override: Override, note: str) -> str:
    """One audit-trail entry: when, who, what, before -> after, why, on which grading, and `note`."""
    when = override.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    what = "total" if override.check_id is None else override.check_id
    return (
        f"  {when}  {override.teacher}  {what}: {override.points_before:g} -> {override.points:g}  "
        f"({_one_line(override.reason)})  [grading {override.grading_id}{note}]"
    )


def _notes(trail: list[Override], score: FinalScore, grading_id: int) -> list[str]:
    """For each trail entry: whether it is in force here, carried over from another grading, stale or replaced."""
    newest = {o.check_id: o.id for o in trail}
    stale = {d.check_id for d in score.stale}
    notes = []
    for override in trail:
        if newest[override.check_id] != override.id:
            notes.append(", replaced")
        elif override.check_id in stale:
            notes.append(", STALE: not applied (the check vanished or its maximum changed); decide again")
        elif override.grading_id != grading_id:
            notes.append(f", carried over from grading {override.grading_id}")
        else:
            notes.append("")
    return notes


@review.command("show")
@click.argument("grading_id", type=int)
@DB_OPTION
def show(grading_id: int, db_url: str | None) -> None:
    """Automatic vs final points per check of GRADING_ID, and who changed what, when and why."""
    with _session(db_url) as session:
        grading = _grading_or_exit(session, grading_id)
        try:
            result = grading_result(grading)
        except ValueError as exc:
            raise ReviewError(str(exc)) from None
        score = final_score(session, grading=grading)
        trail = override_history(session, grading=grading)
        student = grading.submission.student.external_id
        exercise = grading.submission.exercise.slug
    click.echo(f"grading {grading_id}: {student} / {exercise} ({grading.status})")
    click.echo(f"  {'question':<24} {'automatic':>10} {'final':>10}")
    for check in result.checks:
        final = score.overridden_checks.get(check.id, check.points)
        mark = " (pending review)" if check.id in score.pending_review else ""
        click.echo(
            f"  {check.id:<24} {f'{check.points:g}/{check.max_points:g}':>10} "
            f"{f'{final:g}/{check.max_points:g}':>10}{mark}"
        )
    total_mark = " (total override)" if score.total_override is not None else ""
    click.echo(
        f"  {'total':<24} {f'{score.automatic:g}/{score.max_score:g}':>10} "
        f"{f'{score.final:g}/{score.max_score:g}':>10}{total_mark}"
    )
    if grading.error:
        click.echo(f"error: {scrub_paths(grading.error)}")
    click.echo("history:" if trail else "history: no overrides")
    for override, note in zip(trail, _notes(trail, score, grading_id), strict=True):
        click.echo(_trail_line(override, note))
