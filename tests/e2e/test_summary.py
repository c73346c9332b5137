"""The summary posted when a check closes, through the front door with the fake Slack."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from PIL.ImageColor import getrgb

from bot.blocks import ids
from bot.slack.chart import CLIENT_COLOUR, OUR_COLOUR
from bot.usecases.export import export_partnership
from tests.e2e.checkflow import CHANNEL, CHANNEL_MEMBERS, LEAD, button, press, start_check
from tests.e2e.summaryflow import (
    add_next_step,
    answer_every_question,
    blocks_text,
    close,
    comment,
    section_about,
    summary_calls,
)
from tests.support.blockkit import check_message
from tests.support.harness import Harness

OURS_2 = "U0OURS2"
CLIENT_1, CLIENT_2, CLIENT_3 = "U0CLIENT1", "U0CLIENT2", "U0CLIENT3"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PING = "<!channel> please look <@U123>"


def scripted(question_id: str, user: str) -> str:
    """Client side rates trust 2, ours 5; vision is lukewarm; one client raises a deal breaker."""
    client = user.startswith("U0CLIENT")
    if question_id.startswith("pc.trust."):
        return "2" if client else "5"
    if question_id.startswith("pc.vision."):
        return "3"
    if question_id == "pc.goals.deal_breakers":
        return "deal_breaker" if user == CLIENT_1 else "none"
    if question_id in ("pc.along.common_history", "pc.actions.next_steps"):
        return "yes"
    return "5"


async def test_summary_compares_both_sides_and_posts_the_chart(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1, CLIENT_2], name="Acme <!here> & Co")
    await comment(h, CLIENT_2, PING)
    reply = await add_next_step(
        h, user=CLIENT_2, text="Send the <!channel> roadmap", owner=CLIENT_1, due="2026-12-15"
    )
    assert reply.text in ("", "{}"), reply.text
    await add_next_step(h, user=LEAD, text="Book the joint workshop", owner=LEAD, due=None)
    await answer_every_question(h, [LEAD, OURS_2, CLIENT_1, CLIENT_2], scripted)
    await close(h)

    headline, details = summary_calls(h)
    assert "3 of 6 needs ticked" in headline.args["text"]
    assert "deal breaker" in headline.args["text"].lower()
    assert "Acme &lt;!here&gt; &amp; Co" in blocks_text(headline)
    assert "<!here>" not in blocks_text(headline)

    blocks = details.args["blocks"]
    assert "Deal breakers raised" in blocks[0]["text"]["text"]
    assert "<@U0CLIENT1> (client side)" in blocks[0]["text"]["text"]
    trust = section_about(details, "Trust")
    assert "Our side *5.0* (2 answered)" in trust
    assert "Client side *2.0* (2 answered)" in trust
    assert "3.0 points apart" in trust
    assert ":white_large_square:" in trust
    for ticked in ("Getting along", "Practical actions", "Value & predictability"):
        section = section_about(details, ticked)
        assert section.startswith(":white_check_mark:"), section
        assert "points apart" not in section
    assert section_about(details, "Vision & alignment").startswith(":white_large_square:")
    assert section_about(details, "Shared goals & values").startswith(":no_entry:")
    assert "first time measured" in trust

    everything = blocks_text(details)
    assert "Send the &lt;!channel&gt; roadmap — <@U0CLIENT1>, due Tue 15 Dec 2026" in everything
    assert "Book the joint workshop — <@U0LEAD>" in everything
    assert "&lt;!channel&gt; please look &lt;@U123&gt;" in everything
    assert "<!channel>" not in everything and "<@U123>" not in everything
    assert "<@U0CLIENT2>: " in everything  # attributed check: comments carry names

    [reserve] = h.fake.calls_to("files.getUploadURLExternal")
    assert "Trust: our side 5.0, client side 2.0" in reserve.args["alt_txt"]
    [complete] = h.fake.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == CHANNEL
    assert complete.args["thread_ts"] == headline.response["ts"]
    assert complete.ok
    [png] = h.fake.uploads.values()
    assert png.startswith(PNG_MAGIC)
    picture = Image.open(io.BytesIO(png))
    picture.load()  # decodes every row: a broken PNG fails here
    assert picture.size == (640, 500)
    colours = {colour for _, colour in picture.convert("RGB").getcolors(maxcolors=1 << 16)}
    assert {getrgb(OUR_COLOUR), getrgb(CLIENT_COLOUR)} <= colours  # both sides are drawn

    data = await export_partnership(h.db(), CHANNEL)
    [check] = data["checks"]
    assert check["status"] == "summarised"
    trust_row = next(d for d in check["summary"]["dimensions"] if d["key"] == "trust")
    assert trust_row["divergent"] is True and trust_row["ticked"] is False
    assert check["summary"]["ticked"] == 3
    h.assert_payloads_valid()


async def test_a_failed_upload_leaves_the_text_summary_standing(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1])
    h.fake.error_next("files.completeUploadExternal", "not_in_channel")
    await close(h)
    headline, details = summary_calls(h)
    assert "0 answered on our side" in blocks_text(headline)
    assert details.args["blocks"]
    assert not h.fake.calls_to("chat.postEphemeral")  # nobody is told anything went wrong
    data = await export_partnership(h.db(), CHANNEL)
    assert data["checks"][0]["summary"]["check_id"] == data["checks"][0]["id"]
    h.assert_payloads_valid()


@pytest.mark.parametrize("client_count", [1, 2, 3])
async def test_anonymous_summary_withholds_a_side_of_fewer_than_two(
    harness: Harness, client_count: int
) -> None:
    h = harness
    clients = [CLIENT_1, CLIENT_2, CLIENT_3][:client_count]
    await start_check(h, client=clients, privacy="anonymous")
    await comment(h, clients[0], "Only I would say this")
    await answer_every_question(h, [LEAD, OURS_2, *clients], scripted)
    await close(h)

    headline, details = summary_calls(h)
    shown = blocks_text(headline) + blocks_text(details)
    for person in (LEAD, OURS_2, *clients):
        assert f"<@{person}>" not in shown, person  # no names at all
    trust = section_about(details, "Trust")
    assert "Our side *5.0* (2 answered)" in trust
    stored = (await export_partnership(h.db(), CHANNEL))["checks"][0]["summary"]
    client_means = [d["client"]["mean"] for d in stored["dimensions"]]
    alt_text = h.fake.last("files.getUploadURLExternal").args["alt_txt"]
    if client_count == 1:
        assert "Client side _withheld_ (1 answered)" in trust
        assert "figures are withheld" in trust
        assert ":grey_question:" in trust
        assert client_means == [None] * len(client_means)
        assert "client side 2.0" not in alt_text and "client side not shown" in alt_text
        assert "someone: Only I would say this" in shown  # not even the side is named
        assert "raised by 1 person" in shown
    else:
        assert f"Client side *2.0* ({client_count} answered)" in trust
        assert "withheld" not in trust
        assert all(mean is not None for mean in client_means)
        assert "someone on client side: Only I would say this" in shown
    h.assert_payloads_valid()


async def test_next_steps_carry_forward_to_the_next_check(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1])
    await add_next_step(h, user=LEAD, text="Draft the pilot plan", owner=CLIENT_1, due=None)
    await add_next_step(h, user=CLIENT_1, text="Introduce us to finance", owner=CLIENT_1, due=None)
    note = h.fake.last("chat.postMessage")
    assert ":pushpin: <@U0CLIENT1> added a next step" in blocks_text(note)
    await close(h)

    h.clock.advance(timedelta(days=30))
    await start_check(h, client=[CLIENT_1], view_id="V0SECOND")
    [carried] = [
        c
        for c in h.fake.calls_to("chat.postMessage")
        if "Next steps from earlier checks" in blocks_text(c)
    ]
    marks = [b["accessory"] for b in carried.args["blocks"] if b.get("accessory", {}).get("value")]
    assert len(marks) == 2
    reply = await h.click(
        ids.MARK_STEP_DONE,
        marks[0]["value"],
        user_id=CLIENT_1,
        channel_id=CHANNEL,
        message_ts=carried.response["ts"],
    )
    assert reply.status == 200
    refreshed = h.fake.last("chat.update")
    assert refreshed.args["ts"] == carried.response["ts"]
    assert "~Draft the pilot plan — <@U0CLIENT1>~ · done" in blocks_text(refreshed)
    assert "Last marked done by <@U0CLIENT1>" in blocks_text(refreshed)
    await h.click(ids.MARK_STEP_DONE, marks[0]["value"], user_id=OURS_2, channel_id=CHANNEL)
    assert "already marked" in h.fake.last("chat.postEphemeral").args["text"]

    await close(h)
    _, details = summary_calls(h)
    everything = blocks_text(details)
    assert "Carried forward from earlier checks" in everything
    assert ":white_check_mark: done: Draft the pilot plan" in everything
    assert ":hourglass: still open: Introduce us to finance" in everything
    h.assert_payloads_valid()


async def test_next_step_form_says_what_to_fix(harness: Harness) -> None:
    h = harness
    await start_check(h)
    reply = await add_next_step(h, user=LEAD, text="  ", owner=None, due="2020-01-01")
    errors = reply.json()["errors"]
    assert set(errors) == {ids.STEP_TEXT_BLOCK, ids.STEP_OWNER_BLOCK, ids.STEP_DUE_BLOCK}
    assert "either side" in errors[ids.STEP_OWNER_BLOCK]
    h.assert_payloads_valid()


async def test_summary_and_history_commands(harness: Harness) -> None:
    h = harness
    h.fake.set_channel_members(CHANNEL, CHANNEL_MEMBERS)
    for command in ("summary", "history"):
        reply = (await h.command(command, channel_id=CHANNEL)).json()
        assert reply["response_type"] == "ephemeral"
        assert "`/partnership check`" in reply["text"]

    await start_check(h, client=[CLIENT_1])
    reply = (await h.command("summary", channel_id=CHANNEL)).json()
    assert "No check of this partnership has a summary yet" in reply["text"]
    await answer_every_question(h, [LEAD, CLIENT_1], scripted)
    await close(h)

    reply = (await h.command("summary", user_id=OURS_2, channel_id=CHANNEL)).json()
    assert reply["response_type"] == "ephemeral"
    check_message(reply["blocks"], reply["text"])
    share = reply["blocks"][-1]["elements"][0]
    assert share["action_id"] == ids.SHARE_SUMMARY
    posted_before = len(h.fake.calls_to("chat.postMessage"))
    await press(h, share, user=OURS_2)
    headline, details = summary_calls(h)
    assert len(h.fake.calls_to("chat.postMessage")) == posted_before + 2
    assert "Shared again by <@U0OURS2>" in blocks_text(headline)
    assert details.args["thread_ts"] == headline.response["ts"]

    reply = (await h.command("history", channel_id=CHANNEL)).json()
    check_message(reply["blocks"], reply["text"])
    assert "3 of 6 ticked" in json.dumps(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    h.assert_payloads_valid()


async def test_a_closed_check_has_no_add_next_step(harness: Harness) -> None:
    h = harness
    await start_check(h)
    element = button(h, ids.ADD_NEXT_STEP)
    await close(h)
    await press(h, element, user=OURS_2)
    assert "closed" in h.fake.last("chat.postEphemeral").args["text"]
