"""End to end: a real AsyncApp verifies our signed requests and talks to the fake."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from tests.support import signing
from tests.support.blockkit import check_call
from tests.support.fake_slack import FakeSlack


def make_app(client: AsyncWebClient) -> AsyncApp:
    # process_before_response: the handler finishes before async_dispatch returns (no waiting).
    app = AsyncApp(
        client=client, signing_secret=signing.SIGNING_SECRET, process_before_response=True
    )

    @app.command("/partnership")
    async def on_command(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    @app.action("approve")
    async def on_approve(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="approved", replace_original=False)

    return app


async def test_signed_slash_command_reaches_handler(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    app = make_app(client)
    body = signing.slash_command("hello there")
    resp = await app.async_dispatch(AsyncBoltRequest(body=body, headers=signing.sign(body)))
    assert resp.status == 200
    call = fake.last("chat.postMessage")
    assert call.args["channel"] == "C0SHARED"
    assert call.args["text"] == "hello there"
    check_call(call)
    assert fake.calls_to("auth.test"), "bolt verifies the token against the fake"


async def test_bad_signature_is_rejected(fake: FakeSlack, client: AsyncWebClient) -> None:
    app = make_app(client)
    body = signing.slash_command("hello")
    headers = signing.sign(body, secret="wrong-secret")
    resp = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    assert resp.status == 401
    assert fake.calls_to("chat.postMessage") == []


async def test_block_action_respond_goes_to_fake_response_url(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    app = make_app(client)
    body = signing.block_action(action_id="approve", response_url=fake.response_url("r2"))
    resp = await app.async_dispatch(AsyncBoltRequest(body=body, headers=signing.sign(body)))
    assert resp.status == 200
    assert fake.responses_by_key["r2"] == [{"text": "approved", "replace_original": False}]
