"""The HTTP front door: POST /slack/events for everything Slack sends, GET /healthz."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.services import Services

MAX_BODY_BYTES = 256 * 1024


def build_web_app(bolt: AsyncApp, services: Services) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        healthy = await services.db.ping()
        return web.json_response(
            {"ok": healthy, "database": "ok" if healthy else "unreachable"},
            status=200 if healthy else 503,
        )

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app
