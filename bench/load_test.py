"""Load test of the scaled-out service, on loopback only: gunicorn web + Celery workers + PostgreSQL + Redis.

Simulated students (threads) post distinct submissions of lab-add-hidden-16 through the JSON API (right,
wrong and failing answers, scripts and notebooks, about one in ten hostile: bench/load_submissions.py) while a
teacher reloads the gradebook; the script then waits until every accepted submission is graded and reads
the database: submit-to-result latency per kind, gradings per minute, lost and duplicated results, and
whether every hostile submission was contained (finished below full marks, with every honest right answer
still at full marks).

    .venv/bin/python bench/load_test.py                 # 50 students, 400 submissions, 2 workers
    .venv/bin/python bench/load_test.py --submissions 40 --students 10   # a quicker run

Each student sends at most 10 (the lab's attempt limit): keep submissions <= 10 x students.
The last line reads `accepted=N graded=N lost=0 duplicated=0 distinct=N hostile=H contained=H`.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_report import report  # noqa: E402
from bench.load_submissions import Planned, plan  # noqa: E402
from grader.course.accounts import create_user, new_api_token  # noqa: E402
from grader.db.models import Grading  # noqa: E402
from grader.db.session import make_engine, make_session_factory, upgrade  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("GRADER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_fd(path: Path) -> int:
    """A file descriptor for a child's output (the child keeps it; this process closes nothing early)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)


def wait_for(url: str, timeout: float = 120) -> None:
    """Wait until `url` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s")


def api(base: str, token: str, method: str, path: str, body: dict[str, object] | None = None) -> tuple[int, dict]:
    """One JSON API call; returns (status, body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def teacher_opener(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """A cookie-keeping opener logged in as the teacher through the real login form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=form).read()
    return opener


def main() -> None:
    """Run the load test and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2, help="`grader worker` processes (one grading each)")
    parser.add_argument("--web-processes", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--wait-minutes", type=float, default=60, help="give up waiting for results after this")
    args = parser.parse_args()

    name = f"grader_load_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    broker_db = 13
    broker_url = f"redis://127.0.0.1:6379/{broker_db}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GRADER_DATABASE_URL": database_url, "GRADER_BROKER_URL": broker_url,
           "GRADER_SECRET_KEY": secrets.token_hex(16), "GRADER_RATE_LIMIT": f"{args.submissions}/60",
           "GRADER_LOG_FORMAT": "json"}
    procs: list[subprocess.Popen[bytes]] = []
    logs = Path("/tmp") / name
    logs.mkdir()
    try:
        subprocess.run([str(BIN / "celery"), "-b", broker_url, "purge", "-f"], check=False, capture_output=True)
        upgrade(url=database_url)
        sessions = make_session_factory(make_engine(database_url))
        tokens: list[str] = []
        with sessions() as session:
            create_user(session, username="profe", password="load-test-pw", role="teacher")
            for i in range(args.students):
                user = create_user(session, username=f"s{i:03d}", password="load-test-pw", role="student")
                tokens.append(new_api_token(session, user=user))
            session.commit()
        # Course deadlines are in 2027 and each student sends <= 10 (the attempt limit) by default.
        procs.append(subprocess.Popen([str(BIN / "gunicorn"), "-w", str(args.web_processes), "-b",
                                       f"127.0.0.1:{port}", "--chdir", str(ROOT), "wsgi:app"], env=env,
                                      stdout=log_fd(logs / "web.log"), stderr=subprocess.STDOUT))
        for i in range(args.workers):
            procs.append(subprocess.Popen([str(BIN / "grader"), "worker", "--concurrency", "1"], env=env,
                                          stdout=log_fd(logs / f"worker{i}.log"), stderr=subprocess.STDOUT))
        wait_for(f"{base}/healthz", timeout=180)
        teacher = teacher_opener(base, "profe", "load-test-pw")

        planned = plan(args.submissions)
        accepted: dict[int, Planned] = {}
        refused: list[int] = []
        merged = 0
        lock = threading.Lock()
        page_times: list[float] = []
        posting = threading.Event()
        posting.set()

        def student(index: int) -> None:
            nonlocal merged
            token = tokens[index % len(tokens)]
            for n in range(index, len(planned), args.students):
                status, body = api(base, token, "POST", "/api/v1/submissions", {
                    "exercise": "lab-add-hidden-16", "filename": planned[n].filename, "source": planned[n].source})
                with lock:
                    if status == 202:
                        accepted[body["id"]] = planned[n]
                    elif status == 200 and body.get("duplicate"):
                        merged += 1  # every planned submission is distinct bytes: this must not happen
                    else:
                        refused.append(status)

        def gradebook() -> None:
            while posting.is_set():
                started = time.monotonic()
                teacher.open(f"{base}/teacher/gradebook").read()
                page_times.append(time.monotonic() - started)
                time.sleep(0.2)

        started = time.monotonic()
        watcher = threading.Thread(target=gradebook, daemon=True)
        watcher.start()
        with ThreadPoolExecutor(max_workers=args.students) as pool:
            list(pool.map(student, range(args.students)))
        posted_s = time.monotonic() - started
        # Keep measuring the gradebook while the workers grade, until everything is graded.
        deadline = time.monotonic() + args.wait_minutes * 60
        while time.monotonic() < deadline:
            with sessions() as session:
                unfinished = session.scalar(select(func.count(Grading.id)).where(
                    Grading.status.in_(("queued", "running")))) or 0
            if not unfinished:
                break
            time.sleep(1)
        elapsed = time.monotonic() - started
        posting.clear()
        watcher.join()
        print(f"students={args.students} submissions planned={len(planned)} web processes={args.web_processes} "
              f"celery workers={args.workers} database=PostgreSQL broker=Redis")
        print(f"posting took {posted_s:.1f} s; all graded after {elapsed:.1f} s")
        print(f"refused by the API: {len(refused)} {sorted(set(refused))}; merged as a repeat: {merged}")
        with sessions() as session:
            ok = report(session, accepted, elapsed=elapsed, page_times=page_times)
        print(f"logs: {logs}")
        print(ok.line())
        if not ok.clean():
            raise SystemExit(1)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
