"""Which modules a batch's warm zygotes import ahead of its jobs.

Keras imports scikit-learn and matplotlib at start-up only for optional extras (its scikit-learn wrappers
and its image-gallery plots): about 1 s of a zygote's 3 s start. A zygote given a preload list defers those
extras to first use and imports only the listed modules (grader/engine/sandbox/zygote.py). A student whose code
imports a module that was not preloaded pays for that import in their own child (0.5-0.8 s), so a module
is preloaded when more of the batch's submissions import it than there will be zygote starts.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterable

from grader.core.sources import SubmissionError, load_source

# The libraries Keras' extras would load: the only ones worth deciding about (and the only names a
# submission can put on a zygote's command line).
PRELOADABLE = ("sklearn", "matplotlib")
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\Z", re.ASCII)


def imported_modules(code: str) -> set[str]:
    """Names under PRELOADABLE that `code` imports anywhere, written out (`from a import b` gives `a` and
    `a.b`, since b may be a submodule); empty when the code does not parse (it will fail on its own)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return {name for name in names if name.split(".")[0] in PRELOADABLE and _DOTTED.match(name)}


def choose_preload(codes: Iterable[str], *, zygote_starts: int) -> tuple[str, ...]:
    """The modules that more than `zygote_starts` of `codes` import, without those another chosen name
    already imports (`a.b` imports `a`)."""
    counts = Counter(name for code in codes for name in imported_modules(code))
    chosen = {name for name, count in counts.items() if count > zygote_starts}
    return tuple(sorted(name for name in chosen if not any(other.startswith(name + ".") for other in chosen)))


def batch_preload(files: Iterable[tuple[str, Callable[[], bytes]]], *, zygote_starts: int) -> tuple[str, ...]:
    """`choose_preload` over a batch's submission files, each a (file name, read) pair: `read` gives its bytes
    the way grading will read them (the CLI's reader follows no link). Files that cannot be read or
    converted are left out here, and reported when they are graded."""
    codes = []
    for filename, read in files:
        try:
            codes.append(load_source(filename=filename, data=read()).code)
        except (OSError, SubmissionError, ValueError):
            continue
    return choose_preload(codes, zygote_starts=zygote_starts)
