"""Hostile and broken requests to POST /slack/events: each gets the right 4xx (never a 5xx or
a traceback) and changes nothing that is stored or sent to Slack."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.models import Answer, SeenDelivery
from bot.serving.front_door import MAX_BODY_BYTES
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, start_check
from tests.support import signing
from tests.support.harness import Harness

SECRET_WORDS = "my candid view of the client: sloppy-widgets-42"


async def stored_answers(h: Harness) -> list[tuple[str, str | None, str | None]]:
    async with h.db().unit_of_work() as session:
        rows = await session.execute(
            select(Answer.user_id, Answer.value, Answer.comment).order_by(Answer.id)
        )
        return [tuple(row) for row in rows.all()]


def click_body(h: Harness, value: str = "4", user: str = LEAD) -> str:
    element = answer_button(h, value)
    return signing.block_action(
        action_id=element["action_id"], value=element["value"], user_id=user, channel_id=CHANNEL
    )


async def assert_refused(h: Harness, body: str | bytes, headers: dict[str, str], status: int):
    before = (await stored_answers(h), len(h.fake.calls))
    data = body.encode() if isinstance(body, str) else body
    assert h.client is not None
    response = await h.client.post("/slack/events", data=data, headers=headers)
    text = await response.text()
    await h.settle()
    assert response.status == status, text
    assert "Traceback" not in text and "File " not in text
    assert (await stored_answers(h), len(h.fake.calls)) == before


def headers_for(body: str, **overrides: str) -> dict[str, str]:
    return {**signing.signed_headers(body), **overrides}


@pytest.fixture
async def live(harness: Harness) -> Harness:
    await start_check(harness)
    return harness


async def test_unsigned_requests_are_refused_401(live: Harness) -> None:
    body = click_body(live)
    await assert_refused(live, body, {"Content-Type": signing.FORM_CONTENT_TYPE}, 401)
    # malformed JSON without a signature: still 401, the body is never parsed
    broken = "payload=%7Bnot-json"
    await assert_refused(live, broken, {"Content-Type": signing.FORM_CONTENT_TYPE}, 401)


async def test_bad_signature_is_refused_and_logged_without_the_body(
    live: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    values = {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input(SECRET_WORDS)}}
    body = signing.view_submission(
        callback_id=ids.COMMENT_VIEW, values=values, private_metadata="1:0"
    )
    forged = headers_for(body, **signing.sign(body, secret="not-the-secret"))
    await assert_refused(live, body, forged, 401)
    assert "bad signature" in caplog.text
    assert "sloppy-widgets" not in caplog.text


async def test_stale_and_future_timestamps_are_refused(live: Harness) -> None:
    body = click_body(live)
    for skew in (-301, 301):
        stale = signing.signed_headers(body, timestamp=int(time.time()) + skew)
        await assert_refused(live, body, stale, 401)


async def test_non_numeric_timestamp_is_400(live: Harness) -> None:
    body = click_body(live)
    headers = headers_for(body, **{"X-Slack-Request-Timestamp": "soon"})
    await assert_refused(live, body, headers, 400)
    headers = {"Content-Type": signing.FORM_CONTENT_TYPE, "X-Slack-Request-Timestamp": "1e9"}
    headers["X-Slack-Signature"] = "v0=00"
    await assert_refused(live, body, headers, 400)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=%7Bnot-json", signing.FORM_CONTENT_TYPE),
        ("payload=%5B1%2C2%5D", signing.FORM_CONTENT_TYPE),  # JSON, but not an object
        ('payload={"type":"block_actions"}', signing.FORM_CONTENT_TYPE),  # no user
        ('payload={"type":"block_actions","user":{"id":"U1"},"actions":"x"}', "x"),
        ('payload={"type":"frobnicate","user":{"id":"U1"}}', signing.FORM_CONTENT_TYPE),
        ('payload={"type":"view_submission","user":{"id":"U1"}}', signing.FORM_CONTENT_TYPE),
        ("command=%2Fpartnership&text=help", signing.FORM_CONTENT_TYPE),  # no user, channel
        ("a=1&&&=", signing.FORM_CONTENT_TYPE),
        ("{not json", signing.JSON_CONTENT_TYPE),
        ('{"type":"mystery"}', signing.JSON_CONTENT_TYPE),
        ('{"type":"event_callback","event":{}}', signing.JSON_CONTENT_TYPE),  # no event_id
        ("[]", signing.JSON_CONTENT_TYPE),
    ],
)
async def test_signed_but_malformed_bodies_are_400(
    live: Harness, body: str, content_type: str
) -> None:
    if content_type == "x":
        content_type = signing.FORM_CONTENT_TYPE
    headers = {"Content-Type": content_type, **signing.sign(body)}
    await assert_refused(live, body, headers, 400)


async def test_body_that_is_not_utf8_is_400(live: Harness) -> None:
    raw = b"payload=\xff\xfe"
    ts = str(int(time.time()))
    import hashlib
    import hmac

    digest = hmac.new(
        signing.SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256
    ).hexdigest()
    headers = {
        "Content-Type": signing.FORM_CONTENT_TYPE,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }
    await assert_refused(live, raw, headers, 400)


async def test_wrong_content_type_is_415(live: Harness) -> None:
    body = click_body(live)
    for content_type in ("text/plain", "multipart/form-data; boundary=x", ""):
        headers = headers_for(body, **{"Content-Type": content_type})
        await assert_refused(live, body, headers, 415)


async def test_oversized_bodies_are_413_whether_announced_or_not(live: Harness) -> None:
    body = "payload=" + "a" * MAX_BODY_BYTES
    await assert_refused(live, body, signing.signed_headers(body), 413)

    async def chunks() -> Any:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"b" * 65536

    assert live.client is not None
    response = await live.client.post(
        "/slack/events",
        data=chunks(),
        headers={"Content-Type": signing.FORM_CONTENT_TYPE, **signing.sign("x")},
    )
    assert response.status == 413


async def test_a_replayed_click_has_no_second_effect(live: Harness) -> None:
    first = click_body(live, "4")
    first_headers = signing.signed_headers(first)
    assert (await live.post(first, first_headers)).status == 200
    assert (await live.post(click_body(live, "2"))).status == 200
    confirmations = len(live.fake.calls_to("chat.postEphemeral"))
    # the very same delivery again (an attacker's replay within five minutes)
    assert (await live.post(first, first_headers)).status == 200
    assert await stored_answers(live) == [(LEAD, "2", None)]
    assert len(live.fake.calls_to("chat.postEphemeral")) == confirmations


async def test_a_replayed_slash_command_opens_one_form(harness: Harness) -> None:
    body = signing.slash_command("check", user_id=LEAD, channel_id=CHANNEL)
    headers = signing.signed_headers(body)
    for _ in range(2):
        assert (await harness.post(body, headers)).status == 200
    assert len(harness.fake.calls_to("views.open")) == 1


async def test_a_retried_event_is_handled_once(harness: Harness) -> None:
    event = {"type": "member_joined_channel", "user": "U0NEW", "channel": CHANNEL}
    first = signing.event_callback(event, event_id="Ev0RETRY")
    assert (await harness.post(first)).status in (200, 404)  # no listener: Bolt says 404
    retry = signing.event_callback(event, event_id="Ev0RETRY")
    headers = {**signing.signed_headers(retry), "X-Slack-Retry-Num": "1"}
    assert (await harness.post(retry, headers)).status == 200
    async with harness.db().unit_of_work() as session:
        keys = await session.scalar(
            select(func.count()).where(SeenDelivery.key == "event:Ev0RETRY")
        )
    assert keys == 1


async def test_url_verification_still_works(harness: Harness) -> None:
    reply = await harness.post(signing.url_verification("c-123"))
    assert reply.status == 200
    assert "c-123" in reply.text


async def test_healthz_is_untouched(harness: Harness) -> None:
    assert harness.client is not None
    response = await harness.client.get("/healthz")
    assert response.status == 200
    assert json.loads(await response.text())["database"] == "ok"
