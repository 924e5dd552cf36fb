"""Helpers for teacher page tests: the gradebook's cells as text, and row counts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from sqlalchemy import func, select


class _Cells(HTMLParser):
    """The gradebook table: student id -> {exercise id or "total": cell text}, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._student: str | None = None
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a student row, or a score/total cell of one."""
        found = dict(attrs)
        if tag == "tr" and found.get("data-student"):
            self._student = found["data-student"]
            self.rows[self._student] = {}
        elif tag == "td" and self._student is not None:
            self._key = found.get("data-exercise") or ("total" if found.get("class") == "total" else None)
            if self._key:
                self.rows[self._student][self._key] = ""

    def handle_endtag(self, tag: str) -> None:
        """Leave the cell or row."""
        if tag == "td":
            self._key = None
        elif tag == "tr":
            self._student = None

    def handle_data(self, data: str) -> None:
        """Text inside a tracked cell."""
        if self._student is not None and self._key is not None:
            self.rows[self._student][self._key] += data


def cells(client: Any, url: str = "/teacher/gradebook") -> dict[str, dict[str, str]]:
    """The gradebook page's cells, whitespace collapsed."""
    page = client.get(url)
    assert page.status_code == 200
    parser = _Cells()
    parser.feed(page.get_data(as_text=True))
    return {s: {k: " ".join(v.split()) for k, v in row.items()} for s, row in parser.rows.items()}


def count_rows(app: Any, model: Any) -> int:
    """Rows of `model` stored."""
    with app.extensions["grader"].sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
