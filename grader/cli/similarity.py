"""`grader similarity`: flagged pairs of hand-ins, a thin shell over grader.batch.similarity."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from grader.batch.similarity import SimilarityReport, similarity_report
from grader.core.similarity import DEFAULT_THRESHOLD, PairFlag
from grader.core.specs.loader import SpecError, load_catalog
from grader.course.course import load_course
from grader.course.similarity import queue_after_deadlines, run_next
from grader.db.offerings import offering_ids
from grader.db.runtime import Runtime
from grader.db.session import default_database_url


def pair_record(flag: PairFlag) -> dict[str, object]:
    """The JSON object of one flagged pair: {"a", "b", "score", "evidence": [{"kind", "detail"}]}."""
    return {"a": flag.a, "b": flag.b, "score": flag.score,
            "evidence": [{"kind": item.kind, "detail": item.detail} for item in flag.evidence]}


def _table(report: SimilarityReport) -> str:
    lines = [f"{'a':<20} {'b':<20} {'score':>5} {'code':>5}  evidence"]
    for flag in report.flags:
        kinds = ", ".join(item.kind for item in flag.evidence)
        lines.append(f"{flag.a:<20} {flag.b:<20} {flag.score:>5.2f} {flag.code_similarity:>5.2f}  {kinds}")
        lines += [f"    {item.kind}: {item.detail}" for item in flag.evidence]
    return "\n".join(lines)


@click.command()
@click.argument("exercise_id")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
              help="json: one object per flagged pair per line.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD, show_default=True,
              help="Flag pairs scoring at least this (0-1).")
@click.option("--exercises-dir", type=click.Path(path_type=Path, file_okay=False), default=None, hidden=True)
def similarity(exercise_id: str, paths: tuple[Path, ...], fmt: str, threshold: float,
               exercises_dir: Path | None) -> None:
    """Flag EXERCISE_ID hand-ins in PATHS that were probably copied, with the evidence. Nothing is run, no
    score changes: the flags are for the teacher to look at."""
    catalog = load_catalog(exercises_dir) if exercises_dir else load_catalog()
    try:
        catalog.get(exercise_id)
    except KeyError as exc:
        raise click.UsageError(exc.args[0]) from None
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        report = similarity_report(catalog=catalog, exercise_id=exercise_id, paths=list(paths), threshold=threshold)
    except (FileNotFoundError, PermissionError) as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        for flag in report.flags:
            click.echo(json.dumps(pair_record(flag), ensure_ascii=False))
    else:
        click.echo(_table(report))
    for item in report.skipped:
        click.echo(f"skipped {item.student}: {item.why.en}", err=True)
    click.echo(f"{report.exercise}: compared {report.compared} hand-ins ({report.pairs} pairs), flagged "
               f"{len(report.flags)} at threshold {report.threshold:g}; {len(report.skipped)} skipped", err=True)


@click.command("similarity-jobs")
@click.option("--database-url", default=default_database_url, show_default="GRADER_DATABASE_URL",
              help="The course's database.")
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep going, looking again every this many seconds (default: once, then exit).")
def similarity_jobs(database_url: str, every: float | None) -> None:
    """Do the queued similarity runs of the web's "compare now", and queue one for every assignment whose
    submissions closed. `grader serve` does this by itself; run this where gunicorn serves the web (cron, or
    with --every)."""
    runtime = Runtime(database_url=database_url)
    course = load_course(catalog=runtime.catalog)
    while True:
        with runtime.sessions() as session:
            queued = [run for offering in offering_ids(session)  # each offering's own hand-ins
                      for run in queue_after_deadlines(session, course=course.in_offering(offering))]
            session.commit()
        click.echo(f"queued after deadlines: {len(queued)}", err=True)
        while (run := run_next(runtime.sessions, catalog=runtime.catalog)) is not None:
            click.echo(f"run {run.run_id} ({run.exercise}): {run.status}, {run.compared} compared, "
                       f"{run.flagged} flagged" + (f"; {run.error}" if run.error else ""), err=True)
        if every is None:
            return
        time.sleep(every)
