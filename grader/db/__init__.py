"""The grading database: ORM models, engines and migrations, and the store functions callers use."""

from grader.db.models import (
    FINISHED_STATUSES,
    GRADING_STATUSES,
    Base,
    Exercise,
    ExerciseVersion,
    Grading,
    GradingStatus,
    Override,
    Student,
    Submission,
)
from grader.db.review import (
    FinalScore,
    PendingReview,
    add_override,
    final_score,
    override_history,
    pending_reviews,
)
from grader.db.session import (
    DEFAULT_DATABASE_URL,
    downgrade,
    make_engine,
    make_session_factory,
    upgrade,
)
from grader.db.store import (
    find_reusable_grading,
    get_or_create_exercise_version,
    get_or_create_student,
    grading_result,
    record_submission,
    save_grading,
    source_hash,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "FINISHED_STATUSES",
    "GRADING_STATUSES",
    "Base",
    "Exercise",
    "ExerciseVersion",
    "FinalScore",
    "Grading",
    "GradingStatus",
    "Override",
    "PendingReview",
    "Student",
    "Submission",
    "add_override",
    "downgrade",
    "final_score",
    "find_reusable_grading",
    "get_or_create_exercise_version",
    "get_or_create_student",
    "grading_result",
    "make_engine",
    "make_session_factory",
    "override_history",
    "pending_reviews",
    "record_submission",
    "save_grading",
    "source_hash",
    "upgrade",
]
