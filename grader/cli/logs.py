"""Logging set-up for the long-running commands: plain text for people, JSON lines for log collectors.

Grading log lines carry `submission_id`, `grading_id`, `exercise` and `student` as fields (passed with
`extra=`), so one submission's path through web, queue and worker can be followed in the JSON output.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

# Fields that log calls attach with `extra=` and that the JSON formatter copies out.
CONTEXT_FIELDS = ("submission_id", "grading_id", "exercise", "student", "status", "score", "claim")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the context fields that are set."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as a JSON line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry |= {field: getattr(record, field) for field in CONTEXT_FIELDS if hasattr(record, field)}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(*, json_lines: bool | None = None) -> None:
    """Log INFO and up to stderr; JSON lines when asked or when GRADER_LOG_FORMAT=json."""
    if json_lines is None:
        json_lines = os.environ.get("GRADER_LOG_FORMAT", "").lower() == "json"
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
