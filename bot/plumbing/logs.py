"""Logging: LOG_LEVEL and LOG_FORMAT (text or json), and what never reaches a log line.

Request bodies, message texts and SQL parameters stay out of every log line:

The libraries we use log whole payloads at DEBUG (slack_bolt logs the body it answers with,
slack_sdk every Web API argument and response, aiosqlite every statement with its
parameters). Those loggers get an explicit level, so even a DEBUG root logger never sees them.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")
# APScheduler logs every run of every job at INFO (about 40 lines a minute here): DEBUG for us
SCHEDULER_LOGGERS = ("apscheduler.executors.default", "apscheduler.scheduler")

QUIET_LOGGERS = {
    "slack_bolt": logging.INFO,
    "partnercheck.bolt": logging.INFO,
    "slack_sdk": logging.INFO,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "sqlalchemy": logging.WARNING,
}


def keep_bodies_out_of_logs() -> None:
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def loggable(value: object, limit: int = 60) -> str:
    """`value` made safe for one log line: printable characters only (no ANSI escapes, no
    newlines), at most `limit` of them, with "…" when cut."""
    text = "".join(c if c.isprintable() else "?" for c in str(value)[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """One handler on stderr for the whole process, in plain text or one JSON object a line."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in SCHEDULER_LOGGERS:
        scheduler_log = logging.getLogger(name)
        if not any(isinstance(f, _DemoteInfo) for f in scheduler_log.filters):
            scheduler_log.addFilter(_DemoteInfo())
    bolt_log = logging.getLogger("partnercheck.bolt")
    if not any(isinstance(f, _DropTokenUnused) for f in bolt_log.filters):
        bolt_log.addFilter(_DropTokenUnused())


class _DemoteInfo(logging.Filter):
    """INFO records become DEBUG ones, shown only when the root logger shows DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class _DropTokenUnused(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment on its own and warns that the client we
    hand it (which carries that same token) wins: expected here, so not worth a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()
