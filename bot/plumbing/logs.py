"""Keep request bodies, message texts and SQL parameters out of every log line.

The libraries we use log whole payloads at DEBUG (slack_bolt logs the body it answers with,
slack_sdk every Web API argument and response, aiosqlite every statement with its
parameters). Those loggers get an explicit level, so even a DEBUG root logger never sees them.
"""

from __future__ import annotations

import logging

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
