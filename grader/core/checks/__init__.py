"""Check kinds, registered by importing their modules."""

from grader.core.checks import compile, fit, model  # noqa: F401  (imported to register the kinds)
from grader.core.checks.registry import CheckKind, Outcome, get_kind

__all__ = ["CheckKind", "Outcome", "get_kind"]
