"""A click group whose subcommands are imported when they are run, not when `grader` starts.

`grader grade` starts its sandboxes only once the command line is loaded; the web server's, the LTI tool's and
the workers' modules (Flask, cryptography, requests, Celery's glue) cost it about 0.2 s of CPU before the
first sandbox could start, for commands it never runs (docs/speed.md).
"""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    """A group with some subcommands named by "module:attribute", imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand's name, the lazy ones included, sorted as click lists them."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand `cmd_name`, importing its module the first time it is asked for."""
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)
