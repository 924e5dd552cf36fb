"""`grader serve`: the web service with its grading workers, on one machine."""

from __future__ import annotations

import click


@click.command()
def serve() -> None:
    """Run the web service."""
