"""Grading speed: the fresh-process way against warm sandboxed workers, latency, and worker memory.

Run from the repo root:  .venv/bin/python bench/grading_speed.py   (or: make bench)

Prints, on the same 20 lab-add-hidden-16 submissions (exercises/samples/lab-add-hidden-16, right and
wrong): (a) one fresh `python` per submission (import TF, run the code and the checks in-process, one
after another), (b) `grader grade ... --workers 2` (sandboxed, warm workers, start-up included), their
ratio, (d) the same command on an exam-sized folder (the 20 samples x10 under distinct names) against (a)'s
per-submission cost, and (c) the same folder through two `grader worker`s that are already running; then the warm
single-submission latency p50/p95 for lab-add-hidden-16, dnn-linear-unit and wine-early-stopping; then
the RSS of a warm worker and an evaluator after 50 and after N gradings (N = --memory-jobs, 500 by default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.engine.grader import Grader

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLES = REPO / "exercises" / "samples" / "lab-add-hidden-16"
SOLUTIONS = REPO / "exercises" / "solutions"
EXAM_COPIES = 10  # teachers grade exams of about 200 students at once


def fresh_process_way(files: list[Path]) -> float:
    """Seconds to grade `files` one fresh interpreter at a time (each in its own scratch directory, as a
    notebook runner would: what the student's code writes, such as a saved plot, stays out of the repo)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    for path in files:
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run([sys.executable, str(REPO / "bench" / "fresh_process_grade.py"), "lab-add-hidden-16",
                            str(path)], check=True, capture_output=True, cwd=scratch, env=env)
    return time.monotonic() - started


def warm_batch(workers: int, folder: Path = SAMPLES) -> float:
    """Seconds for `grader grade` on `folder` with a fresh database, start-up included."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        subprocess.run([str(BIN / "grader"), "grade", "lab-add-hidden-16", str(folder), "--workers", str(workers),
                        "--db", f"sqlite:///{tmp}/bench.sqlite3", "--format", "json"],
                       check=True, capture_output=True, cwd=REPO)
        return time.monotonic() - started


def exam_batch(files: list[Path], copies: int, workers: int) -> float:
    """Seconds for `grader grade` on an exam-sized folder: every sample `copies` times, each copy under its
    own student name (so nothing is reused), repeating architectures in the samples' proportions."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "exam"
        folder.mkdir()
        for i in range(copies):
            for path in files:
                (folder / f"{path.stem}-{i:02d}{path.suffix}").write_bytes(path.read_bytes())
        return warm_batch(workers, folder)


def running_pool_batch(workers: int) -> float | None:
    """Seconds for `grader grade --broker-url` on the sample folder while `workers` warm `grader worker`
    processes are already up (the service's steady state); None when Redis is not reachable."""
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return None
    broker = "redis://127.0.0.1:6379/12"
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/pool.sqlite3"
        subprocess.run([str(BIN / "celery"), "-b", broker, "purge", "-f"], capture_output=True, check=False)
        procs = [subprocess.Popen([str(BIN / "grader"), "worker", "--broker-url", broker, "--database-url", db,
                                   "--concurrency", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        try:
            warm_up = Path(tmp) / "warm-up"
            warm_up.mkdir()
            for i in range(workers):  # one grading per worker so every process has imported and traced once
                (warm_up / f"w{i}.py").write_bytes((SOLUTIONS / "lab-add-hidden-16" / "solution.py").read_bytes())
            subprocess.run([str(BIN / "grader"), "grade", "lab-add-hidden-16", str(warm_up), "--db", db,
                            "--broker-url", broker, "--format", "json"], check=True, capture_output=True, cwd=REPO)
            started = time.monotonic()
            subprocess.run([str(BIN / "grader"), "grade", "lab-add-hidden-16", str(SAMPLES), "--db", db,
                            "--broker-url", broker, "--format", "json"], check=True, capture_output=True, cwd=REPO)
            return time.monotonic() - started
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-jobs", type=int, default=500)
    args = parser.parse_args()
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".py", ".ipynb"})
    print(f"submissions: {len(files)} of lab-add-hidden-16 ({SAMPLES.relative_to(REPO)})")

    fresh = fresh_process_way(files)
    print(f"(a) fresh process per submission: {fresh:7.1f} s  ({fresh / len(files):.2f} s each)")
    warm = warm_batch(2)
    print(f"(b) grader grade --workers 2:     {warm:7.1f} s  ({warm / len(files):.2f} s each, start-up included)")
    print(f"ratio (a)/(b): {fresh / warm:.1f}x")
    exam = exam_batch(files, EXAM_COPIES, 2)
    count = EXAM_COPIES * len(files)
    print(f"(d) grader grade --workers 2 on an exam of {count} (the {len(files)} x{EXAM_COPIES}, one name each): "
          f"{exam:.1f} s ({exam / count:.2f} s each); (a) at its measured {fresh / len(files):.2f} s each would take "
          f"{fresh / len(files) * count:.0f} s: ratio {fresh / len(files) * count / exam:.1f}x "
          f"((a) extrapolated: its runs are independent fresh processes)")
    pool = running_pool_batch(2)
    if pool is None:
        print("(c) skipped: no Redis on 127.0.0.1:6379 for the running-pool measurement")
    else:
        print(f"(c) grader grade via 2 running `grader worker`s (warm pool already up): {pool:7.1f} s  "
              f"({pool / len(files):.2f} s each); ratio (a)/(c): {fresh / pool:.1f}x")

    from grader.course.figures.feedback import feedback_figures
    from grader.engine.grader import Grader

    with Grader(workers=1) as grader:
        for exercise, examples in (("lab-add-hidden-16", files),
                                   ("dnn-linear-unit", [SOLUTIONS / "dnn-linear-unit" / "solution.py"] * 10),
                                   ("wine-early-stopping", [SOLUTIONS / "wine-early-stopping" / "solution.py"] * 5)):
            spec = grader.catalog.get(exercise)
            grader.grade_bytes(spec=spec, filename=examples[0].name, data=examples[0].read_bytes(), student="w")
            latencies, drawing = [], []
            for path in examples:
                started = time.monotonic()
                result = grader.grade_bytes(spec=spec, filename=path.name, data=path.read_bytes(), student="s")
                latencies.append(time.monotonic() - started)
                # The feedback's drawings are made when a page is shown, off the grading path: their cost per
                # submission (network, arithmetic, curves, diagnosis) is measured here on real results.
                started = time.perf_counter()
                feedback_figures(result, spec, lang="es", show_answers=True)
                drawing.append(time.perf_counter() - started)
            print(f"warm latency {exercise:<20} p50 {percentile(latencies, 0.5):.2f} s  "
                  f"p95 {percentile(latencies, 0.95):.2f} s  (n={len(latencies)}); drawing the feedback "
                  f"p50 {1000 * percentile(drawing, 0.5):.1f} ms, max {1000 * max(drawing):.1f} ms")

        if args.memory_jobs < 50:  # the memory figures compare after 50 and after N gradings
            print(f"worker memory: not measured (--memory-jobs {args.memory_jobs}; it takes at least 50)")
        else:
            memory_report(grader, files, args.memory_jobs)
    from hardening_cost import report as hardening_report

    hardening_report()  # what the seccomp filter and the report boundary cost (issue 26)
    print(json.dumps({"fresh_s": round(fresh, 1), "warm_s": round(warm, 1), "ratio": round(fresh / warm, 1),
                      "exam_s": round(exam, 1),
                      "running_pool_s": round(pool, 1) if pool else None}))


def memory_report(grader: Grader, files: list[Path], jobs: int) -> None:
    """RSS of one warm worker and one evaluator after 50 and after `jobs` gradings, and their peaks (a leak
    shows as growth between the two; workers are recycled after a set number of jobs)."""
    from grader.engine.sandbox.procs import tree_rss_mb

    spec = grader.catalog.get("lab-add-hidden-16")
    worker, evaluator = grader.warm.workers[0], grader.evaluators.processes[0]
    rss: dict[int, tuple[float, float]] = {}
    peak_worker = peak_eval = 0.0
    for i in range(1, jobs + 1):
        path = files[i % len(files)]
        grader.grade_bytes(spec=spec, filename=path.name, data=path.read_bytes(), student=f"m{i}")
        w = tree_rss_mb(worker.pid) if worker.pid else 0.0
        e = tree_rss_mb(evaluator.pid) if evaluator.pid else 0.0
        peak_worker, peak_eval = max(peak_worker, w), max(peak_eval, e)
        if i in (50, jobs):
            rss[i] = (w, e)
    first, last = rss.get(50, (0, 0)), rss.get(jobs, (0, 0))
    print(f"RSS after 50 gradings:  worker {first[0]:.0f} MB, evaluator {first[1]:.0f} MB")
    print(f"RSS after {jobs} gradings: worker {last[0]:.0f} MB, evaluator {last[1]:.0f} MB "
          f"(change {100 * (last[0] / first[0] - 1) if first[0] else 0:+.0f}% / "
          f"{100 * (last[1] / first[1] - 1) if first[1] else 0:+.0f}%)")
    print(f"peak RSS per worker: sandboxed worker {peak_worker:.0f} MB, evaluator {peak_eval:.0f} MB "
          f"(workers recycled every {worker.recycle_after} / {evaluator.recycle_after} jobs)")


if __name__ == "__main__":
    main()
