"""The HTTP front door: POST /slack/events for everything Slack sends, GET /healthz.

Every request is checked by bot/serving/front_door.py (type, size, signature, shape) before
anything else happens; refusals are a 4xx with a short phrase, never a traceback. Answer
clicks, the one request that arrives in bursts, take a fast lane: stored durably (clicks
arriving together share one short transaction, bot/background/answer_writer.py), answered
200 once committed, confirmed to the person in the background (Bolt's default runner would
add its ~10 ms acknowledgement polling to each). Everything else goes to Bolt.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import extract_enterprise_id, extract_team_id

from bot.plumbing.workspace import acting_for
from bot.services import Services
from bot.serving.front_door import Delivery, Rejected, read_delivery
from bot.serving.in_time import TOO_SLOW_COMMAND_ANSWER, within_budget
from bot.serving.metrics import SLACK_KIND, count_slack_requests, metrics_endpoint
from bot.usecases.deliveries import first_delivery
from bot.usecases.workspaces import workspace_for
from handlers import errors
from handlers.actions import is_answer_click, take_answer_click

log = logging.getLogger("partnercheck.web")
# an answer click's workspace (its token) is looked up within this, before its 2 s to be stored
WORKSPACE_LOOKUP_SECONDS = 0.5


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
        except Exception as error:  # a shape the checks did not foresee: still the client's fault
            log.warning("Refused a malformed request to /slack/events: %s", type(error).__name__)
            return web.Response(status=400, text="malformed request")
        if is_answer_click(delivery.payload):
            # the token of the workspace it came from (Bolt's middleware does that for the rest)
            try:  # bounded: the click's own write still needs most of the 3 seconds
                async with asyncio.timeout(WORKSPACE_LOOKUP_SECONDS):
                    workspace = await workspace_for(
                        services,
                        extract_team_id(delivery.payload),
                        extract_enterprise_id(delivery.payload),
                    )
            except Exception as error:  # storage is down: the click's own write will say so
                errors.message_for(error)
                workspace = None
            with acting_for(workspace):
                await take_answer_click(services, delivery.payload, delivery_key=delivery.key)
            return web.Response(status=200)
        answered = await within_budget(
            services,
            dispatch(delivery, request.query_string),
            kind=delivery.kind,
            payload=delivery.payload,
        )
        if answered is not None:
            return answered
        # storage (or Slack) too slow: answered now, the work finishes behind
        if delivery.kind == "command":
            return web.json_response(TOO_SLOW_COMMAND_ANSWER)
        return web.Response(status=200)

    async def dispatch(delivery: Delivery, query: str) -> web.Response:
        try:
            if delivery.key and not await first_delivery(services, delivery.key):
                log.info("Ignored a replayed %s delivery", delivery.kind)
                return web.Response(status=200)
        except Exception as error:
            # storage is down: the listener will meet it too and tell the person to retry
            errors.message_for(error)
        try:
            bolt_request = AsyncBoltRequest(
                body=delivery.body,
                query=query,
                headers=dict(delivery.headers),
                # Bolt logs through the context while parsing some shapes (two response_urls)
                context={"logger": bolt.logger},
            )
            bolt_response = await bolt.async_dispatch(bolt_request)
        except Exception as error:  # Bolt's own parsing and matching, not a listener's work
            # (listeners' errors reach handlers.errors.on_error): a shape we did not foresee
            log.warning("Refused a malformed %s: %s", delivery.kind, type(error).__name__)
            return web.Response(status=400, text="malformed payload")
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

    async def oauth(request: web.Request) -> web.Response:
        """GET /slack/install and /slack/oauth_redirect: Bolt's OAuth flow (OAuth mode)."""
        flow = bolt.oauth_flow
        if flow is None:
            return web.Response(status=404, text="this app runs with one bot token")
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    app = web.Application(middlewares=[count_slack_requests])
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/slack/install", oauth)
    app.router.add_get("/slack/oauth_redirect", oauth)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint(services))
    return app
