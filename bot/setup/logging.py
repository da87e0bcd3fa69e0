"""Logging for every `chatcart` command: the level, text or one JSON object per line, quiet libraries and a
quiet access log."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries that narrate routine work at INFO. transitions logs every state callback (16 lines through one
# short order, interleaved with `chatcart chat`); httpx logs each request with its URL, and a Telegram URL
# holds the bot token. They speak from WARNING up, or at every level once CHATCART_LOG_LEVEL=DEBUG.
QUIET_LIBRARIES = ("transitions", "httpx", "httpcore", "alembic")

# Answered often and on a timer: the web chat page polls for replies every few seconds, and load balancers
# and Prometheus call the operations endpoints. Their successful answers would drown the access log.
QUIET_PATHS = frozenset({"/chat/api/messages", "/healthz", "/readyz", "/metrics"})

ACCESS_LOGGER = "uvicorn.access"

# Attributes every record has, and uvicorn's `color_message` (its message again, with terminal colours).
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


class QuietPolls(logging.Filter):
    """Drops uvicorn's access line for a successful GET of one of `QUIET_PATHS`; failures are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        access = _access_fields(record)
        if access is None:
            return True
        path = str(access["path"]).partition("?")[0]
        status = access["status"]
        answered = isinstance(status, int) and status < 400
        return not (access["method"] == "GET" and path in QUIET_PATHS and answered)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the fields passed as `extra`, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= _access_fields(record) or {}
        entry |= {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS and not k.startswith("_")}
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record arrives (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "INFO", fmt: LogFormat = "text") -> None:
    """Send every record at `level` and above to stderr, as text or JSON; calling it again replaces it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    # On the handler too: a library logger that set its own lower level must not get past the operator's.
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelNamesMapping()[level]
    quiet = logging.NOTSET if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(quiet)
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, QuietPolls) for f in access.filters):
        access.addFilter(QuietPolls())


def _access_fields(record: logging.LogRecord) -> dict[str, object] | None:
    """uvicorn's access line as fields: `'%s - "%s %s HTTP/%s" %d'` with (client, method, path, version,
    status)."""
    args = record.args
    if record.name != ACCESS_LOGGER or not isinstance(args, tuple) or len(args) != 5:
        return None
    client, method, path, _version, status = args
    return {"client": client, "method": method, "path": path, "status": status}
