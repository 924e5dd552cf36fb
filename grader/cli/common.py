"""Helpers shared by the CLI's command modules."""

from __future__ import annotations

import click

from grader.core.specs.loader import Catalog
from grader.engine.grader import Grader
from grader.engine.sandbox.isolation import UNSAFE_WARNING, SandboxUnavailable


def open_grader(*, workers: int | None, catalog: Catalog, unsafe: bool,
                cold: bool = False, start: int = 0, preload: tuple[str, ...] | None = None) -> Grader:
    """A Grader (with `start` workers launched at once and `preload`, see `Grader`), or a clear refusal when
    student code cannot be sandboxed here."""
    try:
        grader = Grader(workers=workers, catalog=catalog, unsafe_no_sandbox=unsafe,
                        warm=not cold, start=start, preload=preload)
    except SandboxUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if unsafe:
        click.echo(UNSAFE_WARNING, err=True)
    click.echo(grader.isolation.describe(), err=True)
    return grader
