"""Where the cold batch's CPU goes: `grader grade` on the lab's 20 samples, watched from /proc.

Run from the repo root:  .venv/bin/python bench/cpu_budget.py [--runs 3]

Every 10 ms it reads the CPU time of the command and of every process below it (the sandboxes' processes are
in other PID namespaces, but the host's /proc sees them), and prints, per run: the wall-clock, the machine's
idle CPU over the run (how much of its cores the batch left unused), and the CPU seconds of each part:
the command itself, each sandboxed process's start-up (the zygotes' and the evaluators' template's imports)
and what their forks did (the students' job children, the evaluators' requests). A batch whose idle CPU is
small is bound by CPU: only cutting CPU makes it faster. Polling costs about 0.1 CPU-s a run; a process
that lives under 10 ms is missed (its parent's time does not include it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HZ = os.sysconf("SC_CLK_TCK")
FORKED_AFTER_CPU_S = 0.5  # a parent that spent this much importing is a zygote or a template: its children are jobs


@dataclass
class Seen:
    """One process: its parent, command line and last CPU time read."""

    ppid: int
    cmdline: str
    cpu_s: float = 0.0


def _processes() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds, command line) for every process readable now."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / HZ, cmdline)
    return found


def _idle_s() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return (int(fields[3]) + int(fields[4])) / HZ


def _kind(cmdline: str) -> str:
    if "evaluator.process" in cmdline:
        return "evaluator"
    if "zygote.py" in cmdline:
        return "student sandbox"
    return "command" if "grader" in cmdline and " grade " in cmdline else "other"


def watch(command: list[str]) -> tuple[float, float, dict[str, float]]:
    """Run `command`; return (wall seconds, idle CPU seconds of the machine, CPU seconds per part)."""
    idle0, started = _idle_s(), time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    seen: dict[int, Seen] = {proc.pid: Seen(os.getpid(), "grader grade ")}
    while proc.poll() is None:
        for pid, (ppid, cpu_s, cmdline) in _processes().items():
            if pid in seen or ppid in seen:
                seen.setdefault(pid, Seen(ppid, cmdline)).cpu_s = cpu_s
        time.sleep(0.01)
    wall, idle = time.monotonic() - started, _idle_s() - idle0
    parts: dict[str, float] = defaultdict(float)
    for process in seen.values():
        kind = _kind(process.cmdline)
        parent = seen.get(process.ppid)
        forked = parent is not None and _kind(parent.cmdline) == kind and parent.cpu_s >= FORKED_AFTER_CPU_S
        if kind in ("evaluator", "student sandbox"):
            kind += ": forked jobs" if forked else ": start-up (imports)"
        parts[kind] += process.cpu_s
    return wall, idle, dict(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    grader = str(Path(sys.executable).parent / "grader")
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            wall, idle, parts = watch([grader, "grade", "lab-add-hidden-16", "exercises/samples/lab-add-hidden-16",
                                       "--workers", str(args.workers), "--db", f"sqlite:///{tmp}/b.sqlite3",
                                       "--format", "json"])
        cores = os.cpu_count() or 1
        print(f"run {run}: wall {wall:.2f} s, CPU {sum(parts.values()):.2f} s, machine idle {idle:.2f} of "
              f"{cores * wall:.2f} CPU-s")
        for part, cpu_s in sorted(parts.items(), key=lambda item: -item[1]):
            print(f"  {cpu_s:6.2f} s  {part}")


if __name__ == "__main__":
    main()
