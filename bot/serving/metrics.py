"""GET /metrics (Prometheus text format) and the middleware that counts /slack/events.

The metrics themselves are defined in bot/plumbing/metrics.py; this module measures requests
and, at each scrape, reads the outbox's state from the database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.db import outbox
from bot.plumbing.metrics import (
    ACK_SECONDS,
    OUTBOX_DUE,
    OUTBOX_OLDEST_DUE_SECONDS,
    REQUESTS,
)
from bot.services import Services

SLACK_KIND = web.RequestKey("slack_kind", str)  # what kind of request /slack/events got
SLACK_EVENTS = "/slack/events"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def count_slack_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != SLACK_EVENTS:
        return await handler(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as refusal:
        status = refusal.status
        raise
    finally:
        count_request(request.get(SLACK_KIND, "rejected"), status, time.perf_counter() - started)


def count_request(kind: str, status: int, seconds: float) -> None:
    """One request Slack sent, over HTTP or Socket Mode: its kind, status and time to answer."""
    REQUESTS.labels(kind, str(status)).inc()
    ACK_SECONDS.labels(kind).observe(seconds)


def metrics_endpoint(services: Services) -> Handler:
    async def metrics(_request: web.Request) -> web.Response:
        now = services.clock.now()
        try:
            async with services.db.reading() as session:
                due, oldest = await outbox.due_now(session=session, now=now)
        except Exception:  # counted in partnercheck_database_errors; the rest still answers
            pass
        else:
            OUTBOX_DUE.set(due)
            if oldest is not None and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=now.tzinfo)
            OUTBOX_OLDEST_DUE_SECONDS.set((now - oldest).total_seconds() if oldest else 0)
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics
