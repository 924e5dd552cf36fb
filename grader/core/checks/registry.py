"""The registry of check kinds, keyed by a spec check's `type`.

A kind is a pydantic model for its parameters and a pure function (params, evidence) -> Outcome.
Adding a kind means writing one decorated function in one module of this package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from grader.core.facts import Evidence
from grader.core.i18n import Text


class Params(BaseModel):
    """Base of every kind's parameters: unknown keys are spec errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class Outcome:
    """What a check decided: pass/fail, an explanation, and optional partial credit in [0, 1]."""

    passed: bool
    message: Text
    fraction: float | None = None
    needs_review: bool = False

    @property
    def credit(self) -> float:
        """The share of the check's points earned."""
        if self.fraction is not None:
            return min(1.0, max(0.0, self.fraction))
        return 1.0 if self.passed else 0.0


P = TypeVar("P", bound=Params)
CheckFn = Callable[[Any, Evidence], Outcome]


@dataclass(frozen=True)
class CheckKind:
    """A registered kind of check."""

    name: str
    params_model: type[Params]
    run: CheckFn


_REGISTRY: dict[str, CheckKind] = {}


def check_kind(name: str, params_model: type[P]) -> Callable[[Callable[[P, Evidence], Outcome]], CheckFn]:
    """Register the decorated function as the kind `name` with parameters validated by `params_model`."""

    def register(fn: Callable[[P, Evidence], Outcome]) -> CheckFn:
        """Record `fn` under `name`; a second kind with the same name is a programming error."""
        if name in _REGISTRY:
            raise ValueError(f"check kind {name!r} registered twice")
        _REGISTRY[name] = CheckKind(name=name, params_model=params_model, run=fn)
        return fn

    return register


def get_kind(name: str) -> CheckKind:
    """The kind registered as `name`; KeyError names the known kinds."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown check type {name!r}; known types: {', '.join(sorted(_REGISTRY))}") from None
