"""The sandbox's Slack emulation: Slack's stricter answers and what a Slack client shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.page import next_working_morning
from bot.sandbox.slack_api import FakeSlack

MODAL = {
    "type": "modal",
    "callback_id": "cb",
    "title": {"type": "plain_text", "text": "Title"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "b",
            "label": {"type": "plain_text", "text": "Say"},
            "element": {"type": "plain_text_input", "action_id": "a"},
        }
    ],
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clock() -> Clock:
    return Clock()


@pytest.fixture
async def slack(clock: Clock) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(clock=clock) as fake:
        fake.strict()
        yield fake


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-sandbox", base_url=slack.base_url)


async def _error(call) -> str:
    with pytest.raises(SlackApiError) as refused:
        await call
    return str(refused.value.response["error"])


async def test_invalid_blocks_are_refused_as_slack_refuses_them(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    too_long = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    assert await _error(client.chat_postMessage(channel="C1", text="t", blocks=too_long)) == (
        "invalid_blocks"
    )
    unknown = [{"type": "carousel"}]
    assert await _error(client.chat_postMessage(channel="C1", text="t", blocks=unknown)) == (
        "invalid_blocks"
    )
    assert slack.messages.get("C1") is None  # nothing was posted
    bad_view = {**MODAL, "title": {"type": "plain_text", "text": "t" * 30}}
    trigger = slack.issue_trigger("U1")
    assert await _error(client.views_open(trigger_id=trigger, view=bad_view)) == (
        "invalid_arguments"
    )


async def test_trigger_ids_expire_work_once_and_must_be_issued(
    slack: FakeSlack, client: AsyncWebClient, clock: Clock
) -> None:
    assert await _error(client.views_open(trigger_id="1.2.made-up", view=MODAL)) == (
        "invalid_trigger_id"
    )
    late = slack.issue_trigger("U1")
    clock.now += 3.5
    assert await _error(client.views_open(trigger_id=late, view=MODAL)) == "expired_trigger_id"
    fresh = slack.issue_trigger("U1")
    await client.views_open(trigger_id=fresh, view=MODAL)
    assert await _error(client.views_open(trigger_id=fresh, view=MODAL)) == ("exchanged_trigger_id")


async def test_a_burst_in_one_channel_is_rate_limited_with_retry_after(
    slack: FakeSlack,
) -> None:
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(6):
            async with http.post(
                f"{slack.base_url}chat.postMessage",
                json={"channel": "C1", "text": "hi"},
                headers={"Authorization": "Bearer xoxb-sandbox"},
            ) as response:
                statuses.append((response.status, response.headers.get("Retry-After")))
    assert statuses[:5] == [(200, None)] * 5
    assert statuses[5] == (429, "1")


async def test_modal_stack_follows_open_push_update_and_response_actions(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    opened = (await client.views_open(trigger_id=slack.issue_trigger("U1"), view=MODAL))["view"]
    assert slack.modal_of("U1")["id"] == opened["id"]
    assert slack.modal_of("U2") is None
    pushed = (await client.views_push(trigger_id=slack.issue_trigger("U1"), view=MODAL))["view"]
    assert pushed["previous_view_id"] == opened["id"]
    assert slack.modal_stacks["U1"] == [opened["id"], pushed["id"]]
    assert await _error(client.views_update(view_id=pushed["id"], hash="stale", view=MODAL)) == (
        "hash_conflict"
    )
    slack.apply_response_action(
        "U1", pushed["id"], {"response_action": "errors", "errors": {"b": "No"}}
    )
    assert slack.modal_of("U1")["errors"] == {"b": "No"}
    renamed = {**MODAL, "title": {"type": "plain_text", "text": "Page 2"}}
    slack.apply_response_action("U1", pushed["id"], {"response_action": "update", "view": renamed})
    assert slack.modal_of("U1")["title"]["text"] == "Page 2"
    assert slack.modal_of("U1")["errors"] == {}
    slack.apply_response_action("U1", pushed["id"], {})  # a plain ack closes the top modal
    assert slack.modal_of("U1")["id"] == opened["id"]
    slack.apply_response_action("U1", opened["id"], {"response_action": "clear"})
    assert slack.modal_of("U1") is None


async def test_messages_change_with_updates_deletes_and_shared_files(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="first")
    await client.chat_update(channel="C1", ts=posted["ts"], text="second")
    assert [m["text"] for m in slack.messages["C1"]] == ["second"]
    reply = await client.chat_postMessage(channel="C1", text="in thread", thread_ts=posted["ts"])
    await client.chat_delete(channel="C1", ts=reply["ts"])
    assert len(slack.messages["C1"]) == 1
    await client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert [(e["user"], e["text"]) for e in slack.ephemerals] == [("U1", "psst")]

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    reserved = await client.files_getUploadURLExternal(filename="chart.png", length=len(png))
    async with aiohttp.ClientSession() as http:
        await http.post(reserved["upload_url"], data=png)
        await client.files_completeUploadExternal(
            files=[{"id": reserved["file_id"], "title": "Chart"}],
            channel_id="C1",
            thread_ts=posted["ts"],
        )
        shared = slack.messages["C1"][-1]
        assert shared["thread_ts"] == posted["ts"]
        (file,) = shared["files"]
        async with http.get(file["url_private"]) as served:
            assert served.content_type == "image/png"
            assert await served.read() == png


@pytest.mark.parametrize(
    ("now", "morning"),
    [
        ("2026-12-04T19:00:00+00:00", "2026-12-07T09:05:00+00:00"),  # Friday evening → Monday
        ("2026-12-01T07:00:00+00:00", "2026-12-01T09:05:00+00:00"),  # before work → today
        ("2026-12-01T10:00:00+00:00", "2026-12-02T09:05:00+00:00"),  # during work → tomorrow
    ],
)
def test_next_working_morning(now: str, morning: str) -> None:
    found = next_working_morning(datetime.fromisoformat(now), "Europe/London")
    assert found.astimezone(UTC) == datetime.fromisoformat(morning)
