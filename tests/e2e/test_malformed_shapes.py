"""Shapes that once made /slack/events answer 500 (issue 10): each is now a 400 with one log
line, or, where Slack really sends it, handled as usual."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.blocks import ids
from handlers.errors import UNEXPECTED
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, button, press, start_check
from tests.e2e.test_hostile_requests import assert_refused, headers_for, stored_answers
from tests.support import signing
from tests.support.harness import Harness


def form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def click_payload(h: Harness) -> dict[str, Any]:
    element = answer_button(h, "4")
    body = signing.block_action(
        action_id=element["action_id"], value=element["value"], user_id=LEAD, channel_id=CHANNEL
    )
    return json.loads(_payload_of(body))


def _payload_of(body: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(body)["payload"][0]


@pytest.fixture
async def live(harness: Harness) -> Harness:
    await start_check(harness)
    return harness


async def test_a_superscript_digit_timestamp_is_400_not_500(live: Harness) -> None:
    body = form(click_payload(live))
    for timestamp in ("²", "١٢٣٤٥٦٧٨٩٠"):  # str.isdigit() says yes to both; int() to neither
        headers = headers_for(body, **{"X-Slack-Request-Timestamp": timestamp})
        await assert_refused(live, body, headers, 400)


async def test_json_nested_a_hundred_thousand_deep_is_400(live: Harness) -> None:
    deep = '{"type": ' + "[" * 100_000 + "]" * 100_000 + "}"
    await assert_refused(live, deep, signing.signed_headers(deep), 400)
    nested = "payload=" + '{"type":"block_actions","user":' + "[" * 5000 + "]" * 5000 + "}"
    await assert_refused(live, nested, signing.signed_headers(nested), 400)
    # deep enough to pass json.loads, too deep for anything after it
    moderate = {"type": "block_actions", "user": {"id": LEAD}, "actions": [{}], "x": []}
    inner: list[Any] = moderate["x"]
    for _ in range(200):
        inner.append([])
        inner = inner[0]
    body = form(moderate)
    await assert_refused(live, body, signing.signed_headers(body), 400)


@pytest.mark.parametrize(
    "body",
    [
        '{"type": []}',
        '{"type": {}}',
        form({"type": {}}),
        form({"type": [], "user": {"id": LEAD}}),
    ],
)
async def test_an_unhashable_type_is_400(live: Harness, body: str) -> None:
    await assert_refused(live, body, signing.signed_headers(body), 400)


@pytest.mark.parametrize(
    ("field", "value"),
    [("team", "x"), ("channel", 5), ("enterprise", True), ("container", "x"), ("view", [])],
)
async def test_a_block_action_with_a_field_of_the_wrong_kind_is_400(
    live: Harness, field: str, value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    payload = click_payload(live)
    payload[field] = value
    body = form(payload)
    caplog.set_level(logging.INFO)
    await assert_refused(live, body, signing.signed_headers(body), 400)
    assert "Traceback" not in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.WARNING].__len__() == 1


@pytest.mark.parametrize("field", ["event", "view"])
async def test_a_null_where_bolt_reads_an_object_is_400(
    live: Harness, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt reads these as `body.get(field, {}).get(...)`: a null there was a traceback (found
    by `make bench ONLY=fuzz`)."""
    caplog.set_level(logging.INFO)
    payload = click_payload(live)
    payload[field] = None
    await assert_refused(live, form(payload), signing.signed_headers(form(payload)), 400)
    handshake = {**json.loads(signing.url_verification("c")), field: None}
    body = json.dumps(handshake)
    await assert_refused(live, body, signing.signed_headers(body), 400)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("tokens", ["x", ["U0LEAD"], {"bot": "x"}, {"oauth": 5}])
async def test_a_tokens_revoked_event_with_tokens_of_the_wrong_kind_is_400(
    live: Harness, tokens: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = signing.event_callback({"type": "tokens_revoked", "tokens": tokens}, event_id="Ev0T")
    await assert_refused(live, body, signing.signed_headers(body), 400)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


LONG_ID = "U" + "X" * 32  # Slack's ids are short; the columns holding them take 32


def _long_ids(live: Harness) -> list[str]:
    click = click_payload(live)
    clicks = []
    for path in (("user", "id"), ("user", "team_id"), ("team", "id"), ("channel", "id")):
        changed = json.loads(json.dumps(click))
        changed[path[0]][path[1]] = LONG_ID
        clicks.append(form(changed))
    step = signing.view_submission(
        callback_id=ids.NEXT_STEP_VIEW,
        values={
            ids.STEP_TEXT_BLOCK: {ids.STEP_TEXT_INPUT: signing.plain_input("Send the plan")},
            ids.STEP_OWNER_BLOCK: {ids.STEP_OWNER_INPUT: signing.users_select(LONG_ID)},
        },
        private_metadata="1",
        user_id=LEAD,
    )
    commands = [
        signing.slash_command("settings", user_id=LONG_ID, channel_id=CHANNEL),
        signing.slash_command("summary", user_id=LEAD, channel_id=LONG_ID),
        signing.slash_command("summary", user_id=LEAD, channel_id=CHANNEL, team_id=LONG_ID),
    ]
    return [*clicks, step, *commands]


async def test_an_id_longer_than_any_slack_id_is_400(
    live: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """On PostgreSQL it reached a VARCHAR(32) column: "value too long", logged as the database
    being unavailable (found by `make bench ONLY=fuzz`)."""
    caplog.set_level(logging.INFO)
    for body in _long_ids(live):
        await assert_refused(live, body, signing.signed_headers(body), 400)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("action_id", [ids.ADD_COMMENT, ids.WRITE_ANSWER, ids.ANSWER_NOW])
async def test_a_button_without_a_trigger_id_is_not_an_unexpected_error(
    live: Harness, action_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    payload = click_payload(live)
    del payload["trigger_id"]
    payload["actions"][0].update(
        action_id=action_id, value="1:0" if action_id != ids.ANSWER_NOW else "1"
    )
    reply = await live.post(form(payload))
    assert reply.status == 200, reply.text
    await live.settle()
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert live.fake.last("chat.postEphemeral").args["text"] != UNEXPECTED


@pytest.mark.parametrize("values", [{ids.COMMENT_BLOCK: None}, {ids.COMMENT_BLOCK: {"x": None}}])
async def test_a_form_with_a_null_block_is_400(live: Harness, values: dict[str, Any]) -> None:
    body = signing.view_submission(callback_id=ids.COMMENT_VIEW, values={}, private_metadata="1:0")
    payload = json.loads(_payload_of(body))
    payload["view"]["state"]["values"] = values
    await assert_refused(live, form(payload), signing.signed_headers(form(payload)), 400)


async def test_a_view_submission_with_two_response_urls_is_handled(live: Harness) -> None:
    values = {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("two urls")}}
    body = signing.view_submission(
        callback_id=ids.COMMENT_VIEW, values=values, private_metadata="1:0", user_id=LEAD
    )
    payload = json.loads(_payload_of(body))
    payload["response_urls"] = [
        {"block_id": "b1", "action_id": "a1", "channel_id": CHANNEL, "response_url": "https://x/1"},
        {"block_id": "b2", "action_id": "a2", "channel_id": CHANNEL, "response_url": "https://x/2"},
    ]
    reply = await live.post(form(payload))
    assert reply.status == 200, reply.text
    assert await stored_answers(live) == [(LEAD, None, "two urls")]


@pytest.mark.parametrize("number", [str(2**64), str(2**63), str(2**31), "9" * 40, "²", "٣"])
async def test_an_id_too_large_for_the_database_is_an_out_of_date_button(
    live: Harness, number: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    for action_id, value in (
        (f"{ids.ANSWER}:4", f"{number}:0:4"),
        (ids.CLOSE_CHECK, number),
        (ids.SKIP_NUDGE, number),
        (ids.MEETING_MENU, f"cancel:{number}"),
        (ids.SHARE_SUMMARY, number),
    ):
        reply = await live.click(action_id, value, user_id=LEAD, channel_id=CHANNEL)
        assert reply.status == 200, reply.text
        told = live.fake.last("chat.postEphemeral").args["text"]
        assert "out of date" in told, (action_id, told)
        assert told != UNEXPECTED
    assert caplog.records == []


async def test_an_unknown_action_is_one_short_clean_log_line(
    live: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    weird = "pc.nothing\x1b[31mRED\x1b[0m\n" + "x" * 5000
    reply = await live.click(weird, "1", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 404
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, lines
    assert "Unhandled request" in lines[0]
    assert "\x1b" not in caplog.text and "RED" in lines[0]
    assert len(lines[0]) < 200


async def test_a_nul_character_in_what_a_person_wrote_is_never_a_database_failure(
    live: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL refuses text holding NUL; Slack never sends one, so it is refused (400)
    before anything is stored, on both backends alike."""
    caplog.set_level(logging.ERROR)
    await press(live, button(live, ids.ADD_COMMENT), user=LEAD)
    opened = live.fake.last("views.open").args["view"]
    reply = await live.submit(
        ids.COMMENT_VIEW,
        {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("before\x00after")}},
        private_metadata=opened["private_metadata"],
        user_id=LEAD,
    )
    assert reply.status == 400, reply.text
    reply = await live.command("schedule weekly\x00", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 400, reply.text
    assert caplog.records == []
