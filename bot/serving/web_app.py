"""The HTTP front door: POST /slack/events for everything Slack sends, GET /healthz.

Every request is checked by bot/serving/front_door.py (type, size, signature, shape) before
anything else happens; refusals are a 4xx with a short phrase, never a traceback. Answer
clicks, the one request that arrives in bursts, take a fast lane: stored durably (clicks
arriving together share one short transaction, bot/background/answer_writer.py), answered
200 once committed, confirmed to the person in the background (Bolt's default runner would
add its ~10 ms acknowledgement polling to each). Everything else goes to Bolt.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.services import Services
from bot.serving.front_door import Rejected, read_delivery
from bot.serving.metrics import SLACK_KIND, count_slack_requests, metrics_endpoint
from bot.usecases.deliveries import first_delivery
from handlers import errors
from handlers.actions import is_answer_click, take_answer_click

log = logging.getLogger("partnercheck.web")


def build_web_app(bolt: AsyncApp, services: Services) -> web.Application:
    secret = services.settings.slack_signing_secret or ""

    async def slack_events(request: web.Request) -> web.Response:
        if not secret:
            return web.Response(status=503, text="SLACK_SIGNING_SECRET is not set")
        try:
            delivery = await read_delivery(request, signing_secret=secret)
            request[SLACK_KIND] = delivery.kind
        except Rejected as refusal:
            log.warning("Refused a request to /slack/events: %s", refusal.reason)
            return web.Response(status=refusal.status, text=refusal.reason)
        if is_answer_click(delivery.payload):
            await take_answer_click(services, delivery.payload, delivery_key=delivery.key)
            return web.Response(status=200)
        try:
            if delivery.key and not await first_delivery(services, delivery.key):
                log.info("Ignored a replayed %s delivery", delivery.kind)
                return web.Response(status=200)
        except Exception as error:
            # storage is down: the listener will meet it too and tell the person to retry
            errors.message_for(error)
        bolt_request = AsyncBoltRequest(
            body=delivery.body, query=request.query_string, headers=dict(delivery.headers)
        )
        try:
            bolt_response = await bolt.async_dispatch(bolt_request)
        except Exception as error:  # Bolt's own machinery, not a listener (those reach on_error)
            log.error("Bolt could not handle a %s: %s", delivery.kind, type(error).__name__)
            return web.Response(status=200)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        healthy = await services.db.ping()  # the answer rests on the database alone
        return web.json_response(
            {
                "ok": healthy,
                "database": "ok" if healthy else "unreachable",
                "slack": services.slack.state,
            },
            status=200 if healthy else 503,
        )

    app = web.Application(middlewares=[count_slack_requests])
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint(services))
    return app
