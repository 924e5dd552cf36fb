"""Server paths out of anything a person reads: tracebacks and logs name files by where the server keeps them.

`/work/main/.venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py` tells a student (or a teacher
reading a run log) nothing useful and tells anyone where the service lives; `<site-packages>/keras/...` keeps
what matters. The prefixes are computed from the running interpreter and this package, never written down, so
the same code scrubs a developer's checkout, a container and a CI runner alike.
"""

from __future__ import annotations

import re
import site
import sys
import sysconfig
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import grader

SITE_PACKAGES = "<site-packages>"
PYTHON = "<python>"
VENV = "<venv>"
GRADER = "<grader>"
CHECKOUT = "<checkout>"
HOME = "~"


@dataclass(frozen=True)
class Prefix:
    """A server directory and the neutral name shown instead."""

    path: str
    label: str


def _forms(path: str | Path) -> set[str]:
    """A directory as given and resolved (symlinks differ between what tracebacks print and what sys says)."""
    given = str(path).rstrip("/")
    try:
        resolved = str(Path(path).resolve()).rstrip("/")
    except OSError:
        resolved = given
    # Too short to be a specific directory: "/" or "/usr" would mangle unrelated paths such as /usr/bin.
    return {form for form in (given, resolved) if form.count("/") >= 2}


def _site_dirs() -> list[str]:
    """Every site-packages directory this interpreter may load from."""
    found = [sysconfig.get_path(name) for name in ("purelib", "platlib")]
    found += getattr(site, "getsitepackages", list)()
    user = getattr(site, "getusersitepackages", lambda: "")()
    return [d for d in (*found, user) if d]


@cache
def server_prefixes() -> tuple[Prefix, ...]:
    """The directories to hide, most specific first (site-packages sits inside the virtualenv and checkout)."""
    package = Path(grader.__file__).parent
    labelled: list[tuple[list[str], str]] = [
        (_site_dirs(), SITE_PACKAGES),
        ([sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")], PYTHON),
        ([sys.prefix] if sys.prefix != sys.base_prefix else [], VENV),
        ([str(package)], GRADER),
        ([str(package.parent)], CHECKOUT),
        ([str(Path.home())], HOME),
    ]
    chosen: dict[str, str] = {}
    for paths, label in labelled:
        for path in paths:
            for form in _forms(path):
                chosen.setdefault(form, label)
    # Longest first, so that the regex alternation prefers the most specific directory.
    return tuple(Prefix(path=p, label=chosen[p]) for p in sorted(chosen, key=len, reverse=True))


@cache
def _pattern() -> re.Pattern[str]:
    """One regex matching any prefix as a whole path component (not inside /tmp/x/work/main or /work/mainly)."""
    alternatives = "|".join(re.escape(p.path) for p in server_prefixes())
    return re.compile(rf"(?<![\w.~-])(?:{alternatives})(?![\w.-])")


def scrub_paths(text: str) -> str:
    """`text` with the server's directories replaced by short neutral names (`<site-packages>/keras/...`)."""
    if not text or not server_prefixes():
        return text
    labels = {p.path: p.label for p in server_prefixes()}
    return _pattern().sub(lambda match: labels[match.group(0)], text)
