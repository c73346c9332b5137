"""Every request is acknowledged as soon as its listener calls ack(), whatever it does next.

With the production runner (process_before_response=False), a listener that acknowledged and
then refused within Bolt's 10 ms polling interval used to lose its acknowledgement: Slack got
"unhandled request" 404 after 3 seconds (*Skip* by someone else, *Next question* by a non-lead,
the meeting menu on an idle app).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.plumbing.errors import UserError
from bot.serving.bolt_app import build_app
from bot.serving.web_app import build_web_app
from tests.support import signing
from tests.support.harness import Harness


async def test_a_refusal_right_after_ack_still_answers_200(harness: Harness) -> None:
    bolt = build_app(harness.services)  # the production runner: ack first, work after

    @bolt.action("test.refuse_at_once")
    async def refuse_at_once(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        raise UserError("Only the person who was asked can skip this.")

    client = TestClient(TestServer(build_web_app(bolt, harness.services)))
    await client.start_server()
    try:
        for _ in range(3):
            body = signing.block_action(action_id="test.refuse_at_once", value="1")
            response = await client.post(
                "/slack/events", data=body.encode(), headers=signing.signed_headers(body)
            )
            assert response.status == 200, await response.text()
    finally:
        await client.close()
    await harness.services.background.drain()
