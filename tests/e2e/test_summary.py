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
    readable,
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
    """Northwind rates trust 2, Acme 5; vision is lukewarm; one client raises a deal breaker,
    the other an unspoken difference; each side sees the consultants' role its own way."""
    client = user.startswith("U0CLIENT")
    if question_id.startswith("pc.trust."):
        return "2" if client else "5"
    if question_id.startswith("pc.vision."):
        return "3"
    if question_id == "pc.goals.deal_breakers":
        return {CLIENT_1: "deal_breaker", CLIENT_2: "unspoken"}.get(user, "none")
    if question_id in ("pc.along.common_history", "pc.actions.next_steps"):
        return "yes"
    if question_id == "pc.consultants.role":
        return {CLIENT_1: "expert", CLIENT_2: "pair_of_hands"}.get(user, "collaborator")
    if question_id == "pc.consultants.responsiveness":
        return "3" if client else "5"
    return "5"


def northwind(h: Harness) -> None:
    """The client's people are in their own workspace, Northwind, shared by Slack Connect."""
    h.fake.add_team("T0NORTH", "Northwind")
    for person in (CLIENT_1, CLIENT_2, CLIENT_3):
        h.fake.add_user(person, team_id="T0NORTH")


def channel_posts(h: Harness) -> str:
    """Everything posted to the shared channel, and the chart's description."""
    posted = [
        readable(c) for c in h.fake.calls_to("chat.postMessage") if c.args["channel"] == CHANNEL
    ]
    described = [c.args.get("alt_txt", "") for c in h.fake.calls_to("files.getUploadURLExternal")]
    return "\n".join([*posted, *described])


async def test_summary_says_what_the_answers_say_naming_both_organisations(
    harness: Harness,
) -> None:
    h = harness
    northwind(h)
    await start_check(h, client=[CLIENT_1, CLIENT_2], name="Acme <!here> & Co")
    prefilled = h.fake.last("views.update").args["view"]  # the workspaces' names, editable
    org_inputs = {
        block["block_id"]: block["element"].get("initial_value")
        for block in prefilled["blocks"]
        if block["block_id"] in (ids.OUR_ORG_BLOCK, ids.CLIENT_ORG_BLOCK)
    }
    assert org_inputs == {ids.OUR_ORG_BLOCK: "Acme", ids.CLIENT_ORG_BLOCK: "Northwind"}
    await comment(h, CLIENT_2, PING)
    reply = await add_next_step(
        h, user=CLIENT_2, text="Send the <!channel> roadmap", owner=CLIENT_1, due="2026-12-15"
    )
    assert reply.text in ("", "{}"), reply.text
    await add_next_step(h, user=LEAD, text="Book the joint workshop", owner=LEAD, due=None)
    await answer_every_question(h, [LEAD, OURS_2, CLIENT_1, CLIENT_2], scripted)
    await close(h)

    headline, details = summary_calls(h)
    head = readable(headline)
    assert "2 of 5 needs ticked" in headline.args["text"]  # five needs; value is not one
    assert "deal breaker" in headline.args["text"].lower()
    assert "Acme &lt;!here&gt; &amp; Co" in head and "<!here>" not in blocks_text(headline)
    assert (
        "*Value &amp; predictability (not one of the five needs)*: Acme *5.0* · Northwind *5.0*"
    ) in head
    assert "*The consultants' responsiveness*: Acme *5.0* · Northwind *3.0*" in head
    assert (
        "*Role the consultants played*: Acme: 2 × Collaborator · "
        "Northwind: 1 × Expert, 1 × Pair of hands"
    ) in head
    assert "2 answered at Acme, 2 at Northwind." in head
    assert "1 warning sign in the answers." in head

    blocks = details.args["blocks"]
    assert "Deal breakers raised" in blocks[0]["text"]["text"]
    assert "<@U0CLIENT1> (Northwind)" in blocks[0]["text"]["text"]
    thread = readable(details)
    assert (
        "1 at Northwind answered “Possibly: there is one we have not talked about yet”"
    ) in thread
    assert thread.count("First time measured") == 1
    trust = section_about(details, "Trust")
    assert "Acme *5.0* (2 answered) · Northwind *2.0* (2 answered)" in trust
    assert "3.0 points apart" in trust
    assert ":white_large_square:" in trust
    for ticked in ("Getting along", "Practical actions"):
        section = section_about(details, ticked)
        assert section.startswith(":white_check_mark:"), section
        assert "points apart" not in section
    value = section_about(details, "Value & predictability")
    assert value.startswith(":small_blue_diamond:") and "not one of the five needs" in value
    assert section_about(details, "Vision & alignment").startswith(":white_large_square:")
    assert section_about(details, "Shared goals & values").startswith(":no_entry:")
    assert (
        "Acme: 2 × No, none that we know of · Northwind: 1 × Possibly: there is one we have "
        "not talked about yet, 1 × Yes, this one would be a deal breaker for us"
    ) in thread

    everything = blocks_text(details)
    assert "Send the &lt;!channel&gt; roadmap — <@U0CLIENT1>, due Tue 15 Dec 2026" in everything
    assert "Book the joint workshop — <@U0LEAD>" in everything
    assert "&lt;!channel&gt; please look &lt;@U123&gt;" in everything
    assert "<!channel>" not in everything and "<@U123>" not in everything
    assert "<@U0CLIENT2>: " in everything  # attributed check: comments carry names

    [reserve] = h.fake.calls_to("files.getUploadURLExternal")
    assert "Trust: Acme 5.0, Northwind 2.0" in reserve.args["alt_txt"]
    assert "Getting along (ticked): Acme 5.0, Northwind 5.0" in reserve.args["alt_txt"]
    shown = channel_posts(h).lower()
    assert "client side" not in shown and "our side" not in shown
    [complete] = h.fake.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == CHANNEL
    assert complete.args["thread_ts"] == headline.response["ts"]
    assert complete.ok
    [png] = h.fake.uploads.values()
    assert png.startswith(PNG_MAGIC)
    picture = Image.open(io.BytesIO(png))
    picture.load()  # decodes every row: a broken PNG fails here
    assert picture.size == (1280, 1000)  # twice the resolution, for Slack's preview
    colours = {colour for _, colour in picture.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert {getrgb(OUR_COLOUR), getrgb(CLIENT_COLOUR)} <= colours  # both sides are drawn

    data = await export_partnership(h.db(), CHANNEL)
    assert (data["partnership"]["our_org_name"], data["partnership"]["client_org_name"]) == (
        "Acme",
        "Northwind",
    )
    [check] = data["checks"]
    assert {(a["side"], a["organisation"]) for a in check["answers"]} == {
        ("ours", "Acme"),
        ("client", "Northwind"),
    }
    assert check["status"] == "summarised"
    trust_row = next(d for d in check["summary"]["dimensions"] if d["key"] == "trust")
    assert trust_row["divergent"] is True and trust_row["ticked"] is False
    assert check["summary"]["ticked"] == 2 and check["summary"]["needs"] == 5
    h.assert_payloads_valid()


def later(question_id: str, user: str) -> str:
    """A month on: Acme trusts more, Northwind less; the rest as before."""
    if question_id == "pc.trust.level":
        return "2" if user.startswith("U0CLIENT") else "5"
    if question_id == "pc.trust.openness":
        return "2" if user.startswith("U0CLIENT") else "3"
    return scripted(question_id, user)


async def test_trends_are_per_side_and_first_time_is_said_once(harness: Harness) -> None:
    h = harness
    northwind(h)
    await start_check(h, client=[CLIENT_1, CLIENT_2])
    await answer_every_question(h, [LEAD, OURS_2, CLIENT_1, CLIENT_2], later)
    await close(h)
    first = readable(summary_calls(h)[1])
    assert first.count("First time measured") == 1
    assert "↗" not in first and "↘" not in first and "(was" not in first

    h.clock.advance(timedelta(days=30))
    await start_check(h, client=[CLIENT_1, CLIENT_2], view_id="V0SECOND")
    await answer_every_question(h, [LEAD, OURS_2, CLIENT_1, CLIENT_2], scripted)
    await close(h)
    headline, details = summary_calls(h)
    trust = section_about(details, "Trust")
    # averaged over both sides Trust stayed at 3.5: per side, opposite moves show
    assert "Acme *5.0* (2 answered) ↗ (was 4.0) · Northwind *2.0* (2 answered) → (was 2.0)" in (
        trust
    )
    assert "First time measured" not in readable(details)
    assert "Role the consultants played" in readable(headline)
    assert "_(last time" not in readable(headline)  # the same picks as last time
    h.assert_payloads_valid()


async def test_a_failed_upload_leaves_the_text_summary_standing(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1])
    h.fake.error_next("files.completeUploadExternal", "not_in_channel")
    await close(h)
    headline, details = summary_calls(h)
    assert "0 answered at Acme, 0 at Client." in blocks_text(headline)  # nobody named them
    assert details.args["blocks"]
    shown = [c.args["text"] for c in h.fake.calls_to("chat.postEphemeral")]
    assert all(text.startswith("You lead this check") for text in shown)  # no error note
    data = await export_partnership(h.db(), CHANNEL)
    assert data["checks"][0]["summary"]["check_id"] == data["checks"][0]["id"]
    h.assert_payloads_valid()


@pytest.mark.parametrize("client_count", [1, 2, 3])
async def test_anonymous_summary_withholds_a_side_of_fewer_than_two(
    harness: Harness, client_count: int
) -> None:
    h = harness
    clients = [CLIENT_1, CLIENT_2, CLIENT_3][:client_count]
    northwind(h)
    await start_check(h, client=clients, privacy="anonymous")
    await comment(h, clients[0], "Only I would say this")
    await answer_every_question(h, [LEAD, OURS_2, *clients], scripted)
    await close(h)

    headline, details = summary_calls(h)
    shown = blocks_text(headline) + blocks_text(details)
    for person in (LEAD, OURS_2, *clients):
        assert f"<@{person}>" not in shown, person  # no names at all
    trust = section_about(details, "Trust")
    assert "Acme *5.0* (2 answered)" in trust
    stored = (await export_partnership(h.db(), CHANNEL))["checks"][0]["summary"]
    client_means = [d["client"]["mean"] for d in stored["dimensions"]]
    alt_text = h.fake.last("files.getUploadURLExternal").args["alt_txt"]
    if client_count == 1:
        assert "Northwind _withheld_ (1 answered)" in trust
        assert "Northwind: figures withheld" in trust
        assert ":grey_question:" in trust
        assert client_means == [None] * len(client_means)
        assert "Northwind 2.0" not in alt_text and "Northwind not shown" in alt_text
        assert "someone: Only I would say this" in shown  # not even the side is named
        assert "raised by 1 person" in shown
    else:
        assert f"Northwind *2.0* ({client_count} answered)" in trust
        assert "withheld" not in trust
        assert all(mean is not None for mean in client_means)
        assert "someone at Northwind: Only I would say this" in shown
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
    assert "2 of 5 ticked" in json.dumps(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    h.assert_payloads_valid()


async def test_a_closed_check_has_no_add_next_step(harness: Harness) -> None:
    h = harness
    await start_check(h)
    element = button(h, ids.ADD_NEXT_STEP)
    await close(h)
    await press(h, element, user=OURS_2)
    assert "closed" in h.fake.last("chat.postEphemeral").args["text"]


async def test_a_form_sent_before_its_proposals_arrived_still_names_the_client(
    harness: Harness,
) -> None:
    """The lead may press Start before the form's update (the channel's client people and
    the workspaces' names) reaches them: the client is then named by the channel's members
    from another workspace."""
    h = harness
    northwind(h)
    await start_check(h, client=[], our_org=None, client_org=None)
    from_northwind = {CLIENT_1: "T0NORTH", CLIENT_2: "T0NORTH"}
    await answer_every_question(
        h, [LEAD, OURS_2, CLIENT_1, CLIENT_2], scripted, teams=from_northwind
    )
    await close(h)
    headline, _ = summary_calls(h)
    assert "2 answered at Acme, 2 at Northwind." in readable(headline)


async def test_names_typed_in_the_start_form_are_used_everywhere_and_kept(
    harness: Harness,
) -> None:
    """The workspaces' names are only a proposal: what the lead types names each side in the
    check's messages, its counts, the summary, the chart and the export, and is proposed
    again next time."""
    h = harness
    northwind(h)
    names = {"our_org": "Acme Consulting", "client_org": "Northwind Foods"}
    await start_check(h, client=[CLIENT_1, CLIENT_2], **names)
    await answer_every_question(h, [LEAD, OURS_2, CLIENT_1, CLIENT_2], scripted)
    await close(h)

    counts = "\n".join(readable(c) for c in h.fake.calls_to("chat.update"))
    assert "Answered so far: 2 at Acme Consulting · 2 at Northwind Foods." in counts
    assert "2 people answered at Acme Consulting and 2 people at Northwind Foods" in (
        channel_posts(h)
    )
    headline, details = summary_calls(h)
    assert "2 answered at Acme Consulting, 2 at Northwind Foods." in readable(headline)
    trust = section_about(details, "Trust")
    assert "Acme Consulting *5.0* (2 answered) · Northwind Foods *2.0* (2 answered)" in trust
    alt_text = h.fake.last("files.getUploadURLExternal").args["alt_txt"]
    assert "Trust: Acme Consulting 5.0, Northwind Foods 2.0" in alt_text
    data = await export_partnership(h.db(), CHANNEL)
    assert {a["organisation"] for a in data["checks"][0]["answers"]} == set(names.values())

    h.clock.advance(timedelta(days=30))
    await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    proposed = h.fake.last("views.update").args["view"]
    org_inputs = {
        block["block_id"]: block["element"].get("initial_value")
        for block in proposed["blocks"]
        if block["block_id"] in (ids.OUR_ORG_BLOCK, ids.CLIENT_ORG_BLOCK)
    }
    assert org_inputs == {
        ids.OUR_ORG_BLOCK: "Acme Consulting",
        ids.CLIENT_ORG_BLOCK: "Northwind Foods",
    }
