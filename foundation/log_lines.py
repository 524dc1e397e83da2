"""How the API and the workers write their logs: JSON lines or text, each line with its request.

`HANCHANG_LOG_FORMAT=json` writes one JSON object per line (`time`, `level`, `logger`,
`message`, `request_id`, `route`, and for the access line `method`, `status` and
`duration_ms`; `job_id` in a worker's job; `exception` when there is one), for a log collector to read.
`HANCHANG_LOG_FORMAT=text` writes one line a person reads in a terminal. JSON is the
default in production, text in development (`make run` interleaves the API's and the
workers' lines in one terminal).

A line written while serving a request carries that request's id and route: the request
observer (foundation/request_trail.py) puts the request in a context variable, and a
filter on the handler copies it onto every record, whichever logger wrote it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from foundation.settings_values import SettingsError

LogFormat = Literal["json", "text"]
LOG_FORMATS: tuple[LogFormat, ...] = ("json", "text")


class RequestInContext:
    """The request a task is serving: its id, and its ASGI scope (the route is known only
    once routing has run, so it is read from the scope when a line is written)."""

    __slots__ = ("request_id", "scope")

    def __init__(self, request_id: str, scope: Mapping[str, Any]) -> None:
        self.request_id = request_id
        self.scope = scope

    @property
    def route(self) -> str | None:
        route = self.scope.get("path_template")
        return str(route) if route else None


CURRENT_REQUEST: ContextVar[RequestInContext | None] = ContextVar("hanchang_request", default=None)
# The arq job a worker's task is running (server/job_registry.py sets it as a job starts).
CURRENT_JOB: ContextVar[str | None] = ContextVar("hanchang_job", default=None)


def current_request_id() -> str | None:
    request = CURRENT_REQUEST.get()
    return request.request_id if request is not None else None


class RequestContextFilter(logging.Filter):
    """Copies the current request's id and route (or job's id) onto each record (never
    drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = CURRENT_REQUEST.get()
        if not hasattr(record, "request_id"):
            record.request_id = request.request_id if request is not None else None
        if not hasattr(record, "route"):
            record.route = request.route if request is not None else None
        if not hasattr(record, "job_id"):
            record.job_id = CURRENT_JOB.get()
        return True


# Fields a record may carry (`extra=`) that a JSON line writes, in this order.
_OPTIONAL_FIELDS = ("method", "status", "duration_ms", "job_id")


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line; newlines inside messages and tracebacks stay escaped."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "route": getattr(record, "route", None),
        }
        for name in _OPTIONAL_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A line for a person: time, level, logger, the request's (or job's) id if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        about = getattr(record, "request_id", None) or getattr(record, "job_id", None)
        record.request = f" [{about}]" if about else ""
        return super().format(record)


def log_format_of(env: Mapping[str, str]) -> LogFormat:
    """`HANCHANG_LOG_FORMAT`, else json in production and text elsewhere."""
    raw = env.get("HANCHANG_LOG_FORMAT", "").strip().lower()
    if not raw:
        return "json" if env.get("HANCHANG_ENV", "").strip() == "production" else "text"
    for known in LOG_FORMATS:
        if raw == known:
            return known
    raise SettingsError("HANCHANG_LOG_FORMAT", f"must be one of {', '.join(LOG_FORMATS)}")


def log_handler(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """The handler every process logs through: to `stream` (stderr), in `log_format`."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonLinesFormatter() if log_format == "json" else TextFormatter())
    return handler


def configure_logging(log_format: LogFormat, level: int = logging.INFO) -> None:
    """Send every logger's lines (ours, uvicorn's, arq's) through one handler on the root."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(log_handler(log_format))
    root.setLevel(level)
