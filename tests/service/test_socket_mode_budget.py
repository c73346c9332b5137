"""Socket Mode requests get the same 3-second promise as HTTP ones: each envelope is
acknowledged over the socket, and work still going after the budget is answered at once
("too slow") and finishes behind. The app's Socket Mode client (the real slack_sdk one) opens its
connection through the fake Slack's apps.connections.open and websocket on 127.0.0.1; the app is
the real one (harness)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

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


async def linked(
    database: tuple[str, str | None], fake_slack: FakeSlack, budget: Budget
) -> tuple[Harness, SocketModeRequests]:
    """The harness's app connected over Socket Mode: apps.connections.open, then the websocket."""
    url, schema = database
    h = await make_harness(url, fake_slack, schema=schema, budget=budget, SLACK_APP_TOKEN="xapp-1")
    handler = SocketModeRequests(h.bolt, h.services)
    handler.client.auto_reconnect_enabled = False
    await asyncio.wait_for(handler.client.connect(), GUARD_SECONDS)
    assert fake_slack.delivered("apps.connections.open")
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
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> None:
    h, handler = await linked(database, fake_slack, Budget())
    try:
        ack = await fake_slack.socket_request("slash_commands", command("help"))
        assert "/partnership check" in json.dumps(ack.get("payload") or {}) + json.dumps(
            [c.args for c in fake_slack.calls_to("chat.postEphemeral")]
        )
        assert TOO_SLOW not in json.dumps(ack)
        # an action no listener knows is still acknowledged, or Slack would send it again
        refused_before = refused_clicks()
        ack = await fake_slack.socket_request("interactive", click("no_such_action", "1"))
        assert not ack.get("payload")
        # counted in the request metrics as HTTP would have answered it
        assert refused_clicks() == refused_before + 1
    finally:
        await handler.client.close()
        await h.stop()


async def test_socket_mode_work_past_the_budget_is_answered_at_once_and_finishes_behind(
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> None:
    # a budget of 0 s: every request is "still working" when the budget ends
    h, handler = await linked(database, fake_slack, Budget(answer_seconds=60, dispatch_seconds=0))
    try:
        ack = await fake_slack.socket_request("slash_commands", command("help"))
        assert ack["payload"] == {"response_type": "ephemeral", "text": TOO_SLOW}

        # a click whose listener reads the database (a check that doesn't exist)
        ack = await fake_slack.socket_request("interactive", click(ids.ADD_COMMENT, "999:0"))
        assert not ack.get("payload")  # answered empty; the person is told in Slack
        await h.settle()
        told = [c.args for c in fake_slack.calls_to("chat.postEphemeral")]
        assert any(a.get("text") == TOO_SLOW and a.get("user") == LEAD for a in told), told
    finally:
        await handler.client.close()
        await h.stop()
