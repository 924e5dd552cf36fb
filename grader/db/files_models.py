"""The data files handed in beside a submission (a zipped folder's CSV, NPY, TXT...), stored with it so that
every grading of it, a teacher's regrade included, gives the code the same files the student sent."""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grader.db.models import Base


class SubmissionFile(Base):
    """One data file of a submission, byte for byte, at its path relative to the student's folder."""

    __tablename__ = "submission_files"
    # Leading with submission_id, the unique constraint also serves "the files of this submission".
    __table_args__ = (UniqueConstraint("submission_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    path: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
