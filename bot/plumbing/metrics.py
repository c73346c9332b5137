"""Every Prometheus metric the app exposes at GET /metrics (README: "Metrics").

Defined here, at the bottom floor, so the serving path, the background work and storage can
each count what they see without importing upwards. One process, one set: each copy of the app
is scraped on its own (label the scrape target per copy).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "partnercheck_requests",
    "Requests Slack sent (POST /slack/events, or Socket Mode envelopes), by kind (command, "
    "block_actions, view_submission, event_callback…, or rejected) and HTTP status (in "
    "Socket Mode, what HTTP would have answered).",
    ["kind", "status"],
)
ACK_SECONDS = Histogram(
    "partnercheck_ack_seconds",
    "Seconds from a request reaching the app (/slack/events or the socket) to its answer "
    "(Slack allows 3).",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
ANSWER_BATCH_SIZE = Histogram(
    "partnercheck_answer_batch_size",
    "Answer clicks stored per transaction by the answer writer (group commit).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
OUTBOX_DUE = Gauge(
    "partnercheck_outbox_due",
    "Scheduled messages due now and not yet sent (read from the database at each scrape).",
)
OUTBOX_OLDEST_DUE_SECONDS = Gauge(
    "partnercheck_outbox_oldest_due_seconds",
    "How long the oldest due, unsent scheduled message has been due (0 when none is).",
)
SLACK_SENDS = Counter(
    "partnercheck_slack_sends",
    "The dispatcher's chat.postMessage outcomes: sent, retried, rate_limited, failed.",
    ["outcome"],
)
DATABASE_ERRORS = Counter(
    "partnercheck_database_errors",
    "Errors the database driver raised (connections refused, timeouts, conflicts…).",
)
