"""Attempts and the gradebook: every submission with its newest grading and final score, in bulk queries.

The student's pages and the teacher's gradebook, exports and analytics read the same `attempts()` rows, so
a score is computed one way everywhere: automatic points, then the teacher's overrides, then the late
penalty of the course (a teacher's override of the total is final and is not penalised again).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from grader.core.i18n import Text
from grader.core.specs.loader import Catalog
from grader.course.course import Course
from grader.course.settings import load_rules
from grader.db.models import FINISHED_STATUSES, Exercise, Grading, Student, Submission
from grader.db.offerings import roster_ids, scope
from grader.db.review import BulkFinal, final_scores

Policy = Literal["best", "last"]
POLICIES: tuple[Policy, ...] = ("best", "last")
SortKey = Literal["name", "id", "total"]
SORT_KEYS: tuple[SortKey, ...] = ("name", "id", "total")
PER_PAGE = 50


@dataclass(frozen=True)
class Attempt:
    """One submission and where its newest grading stands."""

    submission_id: int
    grading_id: int | None
    student_id: int
    exercise: str
    filename: str
    received_at: datetime
    status: str  # queued, running, graded, error
    automatic: float
    final: float
    max_score: float
    late: bool
    overridden: bool
    # False when the grader refused the file before running it or failed itself (see GradeResult.judged).
    judged: bool = True
    # Checks of the newest grading waiting for a teacher: suggested points without a decision in force,
    # plus decisions gone stale (their check vanished or its maximum changed in a regrade).
    pending_review: int = 0
    # Why a judged attempt still cannot count ("" when it can): "released", received after the teacher
    # released the feedback (the answers were out); "time_limit", after the student's exam time ran out.
    void: str = ""

    @property
    def counts(self) -> bool:
        """True when this attempt may be the one that counts: finished, judged on its merits, not void."""
        return self.finished and self.judged and not self.void

    @property
    def finished(self) -> bool:
        """True once the grading has a result (graded or error)."""
        return self.status in FINISHED_STATUSES

    @property
    def uses_attempt(self) -> bool:
        """True unless the grader refused the file before running it or failed: a try still waiting counts,
        so nobody gets more tries than allowed by submitting faster than the workers grade."""
        return not self.finished or self.judged


def _filtered(query: Select[Any], offering_id: int, student_ids: list[int] | None, exercises: list[str] | None
              ) -> Select[Any]:
    """`query` (which joins submissions and exercises) restricted to one offering, these students and exercises."""
    query = query.where(Submission.offering_id == offering_id)
    if student_ids is not None:
        query = query.where(Submission.student_id.in_(student_ids))
    if exercises is not None:
        query = query.where(Exercise.slug.in_(exercises))
    return query


def attempts(session: Session, *, course: Course, student_ids: Iterable[int] | None = None,
             exercises: Iterable[str] | None = None) -> list[Attempt]:
    """Every submission (filtered by students and exercises) with its newest grading, oldest first.

    Only the submissions of the course's offering (`course.offering_id`, None: the default one). Eight queries
    in all: submissions with their newest grading, the decisions of their submissions and the stored checks of
    the finished ones (see `final_scores`), then the rules they are judged by (`load_rules`).
    """
    offering = scope(session, course.offering_id)
    ids = list(student_ids) if student_ids is not None else None
    slugs = list(exercises) if exercises is not None else None
    newest = (select(Grading.id.label("gid"), Grading.submission_id.label("sid"),
                     func.row_number().over(partition_by=Grading.submission_id,
                                            order_by=Grading.id.desc()).label("rank"))
              .subquery())
    query = (select(Submission.id, newest.c.gid, Submission.student_id, Exercise.slug, Submission.filename,
                    Submission.received_at, Grading.status, Grading.score, Grading.max_score, Grading.judged)
             .join(Submission.exercise)
             .join(newest, (newest.c.sid == Submission.id) & (newest.c.rank == 1), isouter=True)
             .join(Grading, Grading.id == newest.c.gid, isouter=True)
             .order_by(Submission.received_at, Submission.id))
    rows = session.execute(_filtered(query, offering, ids, slugs)).all()
    scores = {r[1]: r[7] for r in rows if r[6] in FINISHED_STATUSES}
    finished_ids = _filtered(select(Grading.id)
                             .join(newest, (newest.c.gid == Grading.id) & (newest.c.rank == 1))
                             .join(Submission, Submission.id == Grading.submission_id)
                             .join(Submission.exercise)
                             .where(Grading.status.in_(FINISHED_STATUSES)), offering, ids, slugs)
    finals = final_scores(session, scores=scores, grading_ids=finished_ids, with_pending=True) if scores else {}
    rules = load_rules(session, course=course, exercises={r[3] for r in rows}, student_ids=ids) if rows else None
    out = []
    for sid, gid, student_id, slug, filename, received_at, status, score, max_score, judged in rows:
        # Judged by the settings (and this student's extension) in force when it arrived.
        assignment = rules.assignment(slug, at=received_at, student_id=student_id) if rules else None
        late = assignment.is_late(received_at) if assignment is not None else False
        bulk = finals.get(gid) if gid is not None else None
        bulk = bulk or BulkFinal(score or 0.0, False, False)
        final = bulk.final
        if late and assignment is not None and not bulk.total_override:
            final = round(final * assignment.late_factor(received_at), 4)
        out.append(Attempt(submission_id=sid, grading_id=gid, student_id=student_id, exercise=slug,
                           filename=filename, received_at=received_at, status=status or "queued",
                           automatic=score or 0.0, final=final, max_score=max_score or 0.0, late=late,
                           overridden=bulk.overridden, judged=judged if judged is not None else True,
                           pending_review=bulk.pending_review,
                           void=rules.void(slug, student_id, received_at) if rules else ""))
    return out


def pick(tries: list[Attempt], policy: Policy) -> Attempt | None:
    """The attempt that counts: the best final score, or the last finished attempt; None if none finished.

    A try that cannot count (not judged, or void: see `Attempt.counts`) is never picked, so it shows as
    empty ("–") in every listing and export, never as a 0."""
    finished = [a for a in tries if a.counts]
    if not finished:
        return None
    if policy == "last":
        return finished[-1]
    # Ties go to the earlier attempt: the student reached that score first.
    return max(finished, key=lambda a: (a.final, -a.submission_id))


@dataclass(frozen=True)
class StudentInfo:
    """A student as the gradebook and exports show them (plain values: templates trigger no lazy loads)."""

    id: int
    external_id: str
    name: str
    email: str
    section: str

    @property
    def display(self) -> str:
        """The name, or the id for a student the roster never named."""
        return self.name or self.external_id


@dataclass(frozen=True)
class Column:
    """One assigned exercise, in course order."""

    exercise: str
    title: Text
    max_score: float


@dataclass(frozen=True)
class Cell:
    """One student's standing on one exercise: the attempt that counts, how many tries, anything pending."""

    counted: Attempt | None
    tries: int
    pending: bool
    # Linked when no attempt counts yet (all still queued); None without any submission.
    newest_submission_id: int | None


@dataclass(frozen=True)
class GradebookRow:
    """A student and their cells, one per column."""

    student: StudentInfo
    cells: tuple[Cell, ...]

    @property
    def total(self) -> float:
        """Sum of the counted final scores; an exercise without one adds nothing."""
        return round(sum(c.counted.final for c in self.cells if c.counted is not None), 4)


@dataclass(frozen=True)
class GradebookFilters:
    """Which students the teacher asked for, and in which order."""

    search: str = ""
    section: str = ""
    sort: SortKey = "name"
    descending: bool = False


@dataclass(frozen=True)
class Gradebook:
    """Students x exercises under one policy: the rows of one page (or all of them), and where that page is."""

    columns: tuple[Column, ...]
    rows: tuple[GradebookRow, ...]
    policy: Policy
    matched: int
    page: int
    pages: int

    @property
    def max_total(self) -> float:
        """The most a student can score in the course."""
        return round(sum(c.max_score for c in self.columns), 4)


def columns(course: Course, catalog: Catalog) -> list[Column]:
    """The course's exercises in order, with title and maximum from the catalog."""
    out = []
    for assignment in course.assignments:
        spec = catalog.specs.get(assignment.exercise)
        title = spec.title if spec is not None else Text(es=assignment.exercise, en=assignment.exercise)
        out.append(Column(exercise=assignment.exercise, title=title,
                          max_score=spec.max_score if spec is not None else 0.0))
    return out


def _fold(text: str) -> str:
    """`text` without accents or case, so "jose" finds "José" and Álvaro sorts among the A's."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _natural(text: str) -> list[Any]:
    """Sort key that orders embedded numbers by value ("a2" before "a10")."""
    return [(0, int(part), "") if part.isdecimal() else (1, 0, part) for part in re.split(r"(\d+)", _fold(text))]


def sections(session: Session, *, offering_id: int | None = None) -> list[str]:
    """Every section in use on the roster of `offering_id` (None: the default offering), sorted."""
    found = session.scalars(select(Student.section).where(Student.section.is_not(None),
                                                          Student.id.in_(roster_ids(scope(session, offering_id))))
                            .distinct())
    return sorted((s for s in found if s), key=_natural)


def students(session: Session, filters: GradebookFilters = GradebookFilters(), *,
             offering_id: int | None = None) -> list[StudentInfo]:
    """The students on `offering_id`'s roster (None: the default offering) matching `filters`, by name or id
    (one query; a sort by total is applied later)."""
    # A student the teacher dropped leaves every listing (their work stays stored).
    query = (select(Student.id, Student.external_id, Student.name, Student.email, Student.section)
             .where(Student.dropped_at.is_(None), Student.id.in_(roster_ids(scope(session, offering_id)))))
    if filters.section:
        query = query.where(Student.section == filters.section)
    found = [StudentInfo(id=i, external_id=ext, name=name or "", email=email or "", section=section or "")
             for i, ext, name, email, section in session.execute(query)]
    # Searched and sorted here rather than in SQL: accent-insensitive matching works the same on every backend.
    needle = _fold(filters.search.strip())
    if needle:
        found = [s for s in found if any(needle in _fold(v) for v in (s.name, s.external_id, s.email))]
    if filters.sort == "id":
        found.sort(key=lambda s: _natural(s.external_id), reverse=filters.descending)
    else:
        found.sort(key=lambda s: (_natural(s.display), _natural(s.external_id)),
                   reverse=filters.descending and filters.sort == "name")
    return found


def _rows(session: Session, course: Course, cols: list[Column], people: list[StudentInfo], policy: Policy,
          everyone: bool) -> list[GradebookRow]:
    """Gradebook rows of `people` from one `attempts` call (`everyone`: no student filter needed)."""
    found = attempts(session, course=course, student_ids=None if everyone else [p.id for p in people],
                     exercises=[c.exercise for c in cols])
    by_cell: dict[tuple[int, str], list[Attempt]] = {}
    for attempt in found:
        by_cell.setdefault((attempt.student_id, attempt.exercise), []).append(attempt)
    rows = []
    for person in people:
        cells = []
        for col in cols:
            tries = by_cell.get((person.id, col.exercise), [])
            cells.append(Cell(counted=pick(tries, policy), tries=len(tries),
                              pending=any(not a.finished for a in tries),
                              newest_submission_id=tries[-1].submission_id if tries else None))
        rows.append(GradebookRow(student=person, cells=tuple(cells)))
    return rows


def build_gradebook(session: Session, *, course: Course, catalog: Catalog, policy: Policy,
                    filters: GradebookFilters = GradebookFilters(), page: int | None = None,
                    per_page: int = PER_PAGE) -> Gradebook:
    """The gradebook of the students matching `filters`: page `page` of `per_page` rows, or every row if None.

    Nine queries whatever the number of students and exercises (students, then `attempts`). Sorting by name
    or id pages the students first and reads only that page's attempts; sorting by total needs everyone's.
    """
    cols = columns(course, catalog)
    people = students(session, filters, offering_id=course.offering_id)
    matched = len(people)
    pages = max(1, -(-matched // per_page)) if page is not None else 1
    current = min(max(page or 1, 1), pages)
    window = slice((current - 1) * per_page, current * per_page) if page is not None else slice(None)
    unfiltered = not filters.search.strip() and not filters.section
    if filters.sort == "total":
        rows = _rows(session, course, cols, people, policy, everyone=unfiltered)
        # Stable sort: equal totals keep the name order.
        rows.sort(key=lambda r: r.total, reverse=filters.descending)
        rows = rows[window]
    else:
        rows = _rows(session, course, cols, people[window], policy, everyone=unfiltered and page is None)
    return Gradebook(columns=tuple(cols), rows=tuple(rows), policy=policy, matched=matched, page=current,
                     pages=pages)
