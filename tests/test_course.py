"""The course configuration: validated against the catalog, with dates, attempts and the late policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.core.specs.loader import load_catalog
from grader.course.course import Assignment, CourseError, LatePolicy, load_course

OPENS = datetime(2026, 9, 1, tzinfo=UTC)
DUE = datetime(2026, 10, 1, tzinfo=UTC)


def _assignment(**extra: object) -> Assignment:
    """A lab-add-hidden-16 assignment open in September 2026."""
    return Assignment(exercise="lab-add-hidden-16", opens_at=OPENS, due_at=DUE, **extra)


def test_shipped_course_loads_and_assigns_every_exercise() -> None:
    """The course file validates and assigns exercises that exist, each once."""
    catalog = load_catalog()
    course = load_course(catalog=catalog)
    assigned = [a.exercise for a in course.assignments]
    assert len(assigned) == len(set(assigned))
    assert set(assigned) == set(catalog.specs)


def test_unknown_exercise_and_bad_dates_are_refused_with_the_file_name(tmp_path: Path) -> None:
    """A typo in an exercise id or a deadline before the opening names the file and the problem."""
    bad = tmp_path / "course.yaml"
    bad.write_text("title: {es: a, en: b}\nassignments:\n  - exercise: no-such\n"
                   "    opens_at: 2026-09-01T00:00:00Z\n    due_at: 2026-10-01T00:00:00Z\n")
    with pytest.raises(CourseError, match=r"course.yaml: unknown exercises no-such"):
        load_course(bad, catalog=load_catalog())
    bad.write_text("title: {es: a, en: b}\nassignments:\n  - exercise: lab-add-hidden-16\n"
                   "    opens_at: 2026-10-01T00:00:00Z\n    due_at: 2026-09-01T00:00:00Z\n")
    with pytest.raises(CourseError, match="due_at must be after opens_at"):
        load_course(bad, catalog=load_catalog())


def test_refusals_before_opening_after_closing_and_without_attempts() -> None:
    """Each refusal says which rule applies; inside the window with attempts left nothing is refused."""
    assignment = _assignment(max_attempts=2, late=LatePolicy(until=DUE + timedelta(days=3), penalty=0.25))
    assert "abre el 2026-09-01" in assignment.refusal(now=OPENS - timedelta(seconds=1), attempts_used=0).es
    assert assignment.refusal(now=DUE + timedelta(days=1), attempts_used=1) is None  # late but accepted
    assert "cerró" in assignment.refusal(now=DUE + timedelta(days=4), attempts_used=0).es
    assert "2 intentos" in assignment.refusal(now=OPENS + timedelta(days=1), attempts_used=2).es


def test_late_factor_applies_after_the_deadline_only() -> None:
    """On time: 1; late: 1 - penalty; without a late policy nothing late is accepted at all."""
    assignment = _assignment(late=LatePolicy(until=DUE + timedelta(days=3), penalty=0.25))
    assert assignment.late_factor(DUE) == 1.0
    assert assignment.late_factor(DUE + timedelta(seconds=1)) == 0.75
    strict = _assignment()
    assert strict.refusal(now=DUE + timedelta(seconds=1), attempts_used=0) is not None


def test_naive_times_are_read_as_utc() -> None:
    """A date written without a zone in YAML means UTC, never the server's local time."""
    assignment = Assignment(exercise="x", opens_at=datetime(2026, 9, 1), due_at=datetime(2026, 10, 1))
    assert assignment.opens_at.tzinfo is UTC


def test_rate_limit_from_the_environment_syntax() -> None:
    """GRADER_RATE_LIMIT=COUNT/SECONDS; anything else is refused with the expected form."""
    from grader.course.intake import parse_rate_limit

    limit = parse_rate_limit("30/120")
    assert (limit.count, limit.window) == (30, timedelta(seconds=120))
    for bad in ("5", "five/60", "0/60", "5/0"):
        with pytest.raises(ValueError, match="COUNT"):
            parse_rate_limit(bad)
