"""`grader users ...` and `grader roster ...`: accounts of the web service, from the command line."""

from __future__ import annotations

import click


@click.group()
def users() -> None:
    """Create teacher accounts and API tokens."""


@click.group()
def roster() -> None:
    """Import the class roster (CSV: student_id, name, email)."""
