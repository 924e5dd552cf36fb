"""Routes declared in a module and added to a blueprint by the package that owns it.

A view module decorates its functions with `routes.get(...)` and imports nothing from the package whose
blueprint will serve them; the package imports its view modules and calls `register(bp)` (grader/web/teacher).
Endpoint names are the functions' names, as with `Blueprint.route`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

View = Callable[..., Any]


class Routes:
    """The routes of one view module, in declaration order, until they are registered on a blueprint."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, View, dict[str, Any]]] = []

    def route(self, rule: str, **options: Any) -> Callable[[View], View]:
        """Like `Blueprint.route`: declare `rule` for the decorated view."""
        def declare(view: View) -> View:
            self.rules.append((rule, view, options))
            return view
        return declare

    def get(self, rule: str, **options: Any) -> Callable[[View], View]:
        """A GET route."""
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[View], View]:
        """A POST route."""
        return self.route(rule, methods=["POST"], **options)

    def register(self, bp: Blueprint) -> None:
        """Add every declared route to `bp`."""
        for rule, view, options in self.rules:
            bp.add_url_rule(rule, options.pop("endpoint", None), view, **options)
