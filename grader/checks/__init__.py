"""Check kinds, registered by importing their modules."""

from grader.checks import compile, fit, model  # noqa: F401  (imported to register the kinds)
from grader.checks.registry import CheckKind, Outcome, get_kind, known_kinds

__all__ = ["CheckKind", "Outcome", "get_kind", "known_kinds"]
