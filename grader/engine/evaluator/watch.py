"""Waiting for an evaluator's reply under a time limit and a memory budget (grader/engine/evaluator/pool.py).

The budget is on resident memory, read from /proc for the evaluator's whole process tree every
WATCH_INTERVAL_S while no reply has come: a reply that comes sooner costs no reading at all.
"""

from __future__ import annotations

import os
import selectors
import time
from collections.abc import Callable
from typing import IO

from grader.engine.sandbox.procs import tree_rss_mb

WATCH_INTERVAL_S = 0.1


class Watch:
    """The memory watchdog of one request. `pid()` gives the evaluator's host pid; it is called at the first
    reading only, since most requests end before one."""

    def __init__(self, pid: Callable[[], int | None], budget_mb: float) -> None:
        self.pid, self.budget_mb = pid, budget_mb
        self._pid: list[int | None] = []

    def rss_mb(self) -> float:
        """The evaluator's resident memory now; 0 when the request was too short to be read at all."""
        return tree_rss_mb(self._pid[0]) if self._pid and self._pid[0] is not None else 0.0

    def over_budget(self) -> bool:
        """True when the evaluator is over its budget."""
        if not self._pid:
            self._pid.append(self.pid())
        return self.rss_mb() > self.budget_mb


def read_line(stream: IO[bytes], timeout_s: float,
              over_budget: Callable[[], bool] | None = None) -> tuple[bytes | None, str | None]:
    """One reply line and None; or None and why there is none: "timeout" after `timeout_s`, "memory" when
    `over_budget()` (checked every WATCH_INTERVAL_S while waiting) says so, "gone" when the evaluator ended."""
    deadline = time.monotonic() + timeout_s
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while not buf.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, "timeout"
            if not sel.select(min(remaining, WATCH_INTERVAL_S)):
                if over_budget is not None and over_budget():
                    return None, "memory"
                continue
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                return None, "gone"
            buf += chunk
    return buf, None
