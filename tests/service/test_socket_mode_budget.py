"""Socket Mode requests get the same 3-second promise as HTTP ones: each envelope is
acknowledged over the socket, and work still going after the budget is answered at once
("too slow") and finishes behind. A real slack_sdk Socket Mode client talks to a websocket on
127.0.0.1; the app is the real one (harness) with the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import WSMsgType, web
from prometheus_client import REGISTRY

from bot.blocks import ids
from bot.plumbing.budget import Budget
from bot.serving.slack_link import SocketModeRequests
from handlers.errors import TOO_SLOW
from tests.e2e.checkflow import CHANNEL, LEAD
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness

GUARD_SECONDS = 30  # a generous guard for the test, not a measure


class Socket:
    """A Socket Mode websocket: says hello, sends the envelopes it is given, keeps the acks."""

    def __init__(self) -> None:
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.to_send: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"ws://{host}:{port}/link"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))

        async def pump() -> None:
            while True:
                await ws.send_str(json.dumps(await self.to_send.get()))

        sender = asyncio.create_task(pump())
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
            elif message.type == WSMsgType.ERROR:
                break
        sender.cancel()
        return ws

    async def request(self, envelope_type: str, payload: dict[str, Any], n: int) -> dict[str, Any]:
        """Send one envelope; returns the app's acknowledgement of it."""
        envelope_id = f"env-{n}"
        await self.to_send.put(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        ack = await asyncio.wait_for(self.acks.get(), GUARD_SECONDS)
        assert ack["envelope_id"] == envelope_id
        return ack


@pytest.fixture
async def socket() -> AsyncIterator[Socket]:
    found = Socket()
    await found.start()
    try:
        yield found
    finally:
        await found.stop()


async def linked(
    database: tuple[str, str | None], fake_slack: FakeSlack, socket: Socket, budget: Budget
) -> tuple[Harness, SocketModeRequests]:
    url, schema = database
    h = await make_harness(url, fake_slack, schema=schema, budget=budget, SLACK_APP_TOKEN="xapp-1")
    handler = SocketModeRequests(h.bolt, h.services)
    handler.client.wss_uri = socket.url
    handler.client.auto_reconnect_enabled = False
    await asyncio.wait_for(handler.client.connect(), GUARD_SECONDS)
    return h, handler


def refused_clicks() -> float:
    labels = {"kind": "block_actions", "status": "404"}
    return REGISTRY.get_sample_value("partnercheck_requests_total", labels) or 0.0


def click(action_id: str, value: str) -> dict[str, Any]:
    body = signing.block_action(action_id=action_id, value=value, user_id=LEAD)
    return json.loads(dict(parse_qsl(body))["payload"])


def command(text: str) -> dict[str, Any]:
    return dict(parse_qsl(signing.slash_command(text, user_id=LEAD, channel_id=CHANNEL)))


async def test_a_socket_mode_command_is_acknowledged_with_its_answer(
    database: tuple[str, str | None], fake_slack: FakeSlack, socket: Socket
) -> None:
    h, handler = await linked(database, fake_slack, socket, Budget())
    try:
        ack = await socket.request("slash_commands", command("help"), 1)
        assert "/partnership check" in json.dumps(ack.get("payload") or {}) + json.dumps(
            [c.args for c in fake_slack.calls_to("chat.postEphemeral")]
        )
        assert TOO_SLOW not in json.dumps(ack)
        # an action no listener knows is still acknowledged, or Slack would send it again
        refused_before = refused_clicks()
        ack = await socket.request("interactive", click("no_such_action", "1"), 2)
        assert not ack.get("payload")
        # counted in the request metrics as HTTP would have answered it
        assert refused_clicks() == refused_before + 1
    finally:
        await handler.client.close()
        await h.stop()


async def test_socket_mode_work_past_the_budget_is_answered_at_once_and_finishes_behind(
    database: tuple[str, str | None], fake_slack: FakeSlack, socket: Socket
) -> None:
    # a budget of 0 s: every request is "still working" when the budget ends
    h, handler = await linked(
        database, fake_slack, socket, Budget(answer_seconds=60, dispatch_seconds=0)
    )
    try:
        ack = await socket.request("slash_commands", command("help"), 1)
        assert ack["payload"] == {"response_type": "ephemeral", "text": TOO_SLOW}

        # a click whose listener reads the database (a check that doesn't exist)
        ack = await socket.request("interactive", click(ids.ADD_COMMENT, "999:0"), 2)
        assert not ack.get("payload")  # answered empty; the person is told in Slack
        await h.settle()
        told = [c.args for c in fake_slack.calls_to("chat.postEphemeral")]
        assert any(a.get("text") == TOO_SLOW and a.get("user") == LEAD for a in told), told
    finally:
        await handler.client.close()
        await h.stop()
