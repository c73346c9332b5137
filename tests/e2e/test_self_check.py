"""`/partnership self-check` and `/partnership internal`: our side's check runs by DM, and its
summary reaches our side only (the lead's DM, the App Home, or the internal channel)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import Check, Partnership
from bot.usecases.checks import close_due_checks
from tests.e2e.checkflow import CHANNEL, LEAD, start_check
from tests.e2e.test_home import open_home
from tests.e2e.test_our_side_never_shared import (
    CLIENT,
    CLIENT_TEAM,
    GUEST,
    OURS2,
    answer_in_form,
    click,
    dm_button,
    dms_to,
    setup_people,
)
from tests.support.harness import Harness

INTERNAL = "C0INTERNAL"


async def started_partnership(h: Harness) -> None:
    """A partnership in the channel, from a closed partnership check naming the client."""
    setup_people(h)
    await start_check(h, client=[CLIENT])
    from tests.e2e.summaryflow import close

    await close(h)
    setup_people(h)  # start_check resets the channel's members


async def test_self_check_goes_by_dm_to_our_people_only(harness: Harness) -> None:
    h = harness
    await started_partnership(h)
    channel_posts = len([c for c in h.fake.calls if c.args.get("channel") == CHANNEL])
    reply = await h.command("self-check", user_id=LEAD, channel_id=CHANNEL)
    assert "privately" in reply.json()["text"]
    told = h.fake.last("chat.postEphemeral")
    assert told.args["user"] == LEAD and "to 2 people on our side" in told.args["text"]
    assert (
        f"<@{OURS2}>" in told.args["text"] and f"<@{LEAD}> by direct message" in (told.args["text"])
    )
    for user in (LEAD, OURS2):
        assert dm_button(h, user, ids.ANSWER_NOW)
    assert not dms_to(h, CLIENT) and not dms_to(h, GUEST) and not dms_to(h, "U0BOT")
    # only the lead's invitation can close it early
    assert ids.CLOSE_CHECK not in json.dumps(dms_to(h, OURS2)[-1].args)
    await click(h, dm_button(h, OURS2, ids.ANSWER_NOW), OURS2, channel="D" + OURS2)
    await answer_in_form(h, OURS2, ids.ASYNC_ANSWERS_VIEW)
    # a channel check can still run while the self-check is open
    await start_check(h, client=[CLIENT], view_id="V0SECOND")
    h.clock.advance(timedelta(days=3, minutes=1))
    assert await close_due_checks(h.services) == 1
    summary = [c for c in dms_to(h, LEAD) if "Our side only" in json.dumps(c.args)]
    assert summary, "the lead gets the summary by DM"
    thread = [c for c in h.fake.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    assert thread[-1].args["channel"] == summary[-1].args["channel"]
    # the only channel posts since were the second check's own
    since = [c for c in h.fake.calls if c.args.get("channel") == CHANNEL][channel_posts:]
    leaked = [
        c.args
        for c in since
        if c.method != "chat.postEphemeral" and "self-check" in json.dumps(c.args).lower()
    ]
    assert leaked == []
    # `/partnership summary` and history show the channel's checks, never the self-check
    reply = await h.command("history", user_id=LEAD, channel_id=CHANNEL)
    assert "Consultant self-check" not in reply.text


async def test_the_client_and_guests_are_refused_naming_who_can(harness: Harness) -> None:
    h = harness
    await started_partnership(h)
    for user in (CLIENT, GUEST):
        for command in ("self-check", "internal", f"internal <#{INTERNAL}>", "digest"):
            reply = await h.command(command, user_id=user, channel_id=CHANNEL)
            text = reply.json()["text"]
            assert "Only our side of the partnership" in text and f"<@{LEAD}>" in text, command
            assert "client side" not in text.lower()  # read in the shared channel
    async with h.db().unit_of_work() as session:
        assert (await session.scalar(select(Partnership))).internal_channel_id is None
        assert not (await session.scalars(select(Check).where(Check.ours_only))).all()
    assert not dms_to(h, LEAD)


async def test_self_check_summary_goes_to_the_internal_channel_and_the_home(
    harness: Harness,
) -> None:
    h = harness
    await started_partnership(h)
    h.fake.add_channel(INTERNAL, name="acme-team")
    h.fake.set_channel_members(INTERNAL, [LEAD, OURS2])
    await h.command("internal #acme-team", user_id=LEAD, channel_id=CHANNEL)
    assert f"<#{INTERNAL}>" in h.fake.last("chat.postEphemeral").args["text"]
    assert h.fake.last("chat.postMessage").args["channel"] == INTERNAL  # a welcome there
    reply = await h.command("internal", user_id=OURS2, channel_id=CHANNEL)
    assert f"<#{INTERNAL}>" in reply.json()["text"]

    await h.command("self-check 1", user_id=LEAD, channel_id=CHANNEL)
    await click(h, dm_button(h, LEAD, ids.ANSWER_NOW), LEAD, channel="D" + LEAD)
    form = h.fake.last("views.open").args["view"]
    assert form["title"]["text"] == "Consultant self-check"  # not "Partnership check"
    await answer_in_form(h, LEAD, ids.ASYNC_ANSWERS_VIEW)
    await click(h, dm_button(h, LEAD, ids.CLOSE_CHECK), LEAD, channel="D" + LEAD)
    headline = [
        c
        for c in h.fake.calls_to("chat.postMessage")
        if c.args["channel"] == INTERNAL and "Consultant self-check of" in json.dumps(c.args)
    ]
    assert len(headline) == 1
    assert not [c for c in dms_to(h, LEAD) if "Consultant self-check of" in json.dumps(c.args)]

    lead_home = json.dumps(await open_home(h, LEAD))
    assert "Our side only" in lead_home and "Latest self-check" in lead_home
    # the Home carries the self-check's own headline, not only its verdict
    for line in ("Most of our time", "Role we played", "Access, credibility", "Sustained or"):
        assert line in lead_home, line
    h.fake.add_user(CLIENT, team_id=CLIENT_TEAM)
    client_home = json.dumps(await open_home(h, CLIENT))
    assert "self-check" not in client_home.lower() and "Our side only" not in client_home

    # the internal channel is later shared with another organisation: the lead's DM instead
    def in_internal() -> int:
        return len(
            [c for c in h.fake.calls_to("chat.postMessage") if c.args["channel"] == INTERNAL]
        )

    before = in_internal()
    h.fake.add_channel(INTERNAL, name="acme-team", is_ext_shared=True)
    await h.command("self-check 1", user_id=LEAD, channel_id=CHANNEL)
    await click(h, dm_button(h, LEAD, ids.CLOSE_CHECK), LEAD, channel="D" + LEAD)
    summaries = [c for c in dms_to(h, LEAD) if "Consultant self-check of" in json.dumps(c.args)]
    assert len(summaries) == 1 and in_internal() == before

    reply = await h.command("internal off", user_id=LEAD, channel_id=CHANNEL)
    assert "direct message again" in reply.json()["text"]
    async with h.db().unit_of_work() as session:
        assert (await session.scalar(select(Partnership))).internal_channel_id is None


async def test_an_internal_channel_must_be_ours_and_reachable(harness: Harness) -> None:
    h = harness
    await started_partnership(h)
    h.fake.add_channel("C0CONNECT", name="acme-connect", is_ext_shared=True)
    h.fake.add_channel("C0NOTME", name="acme-quiet", is_member=False)
    h.fake.add_channel("C0GUESTS", name="acme-guests")
    h.fake.set_channel_members("C0GUESTS", [LEAD, GUEST])
    cases = {
        "<#C0CONNECT|acme-connect>": "shared with another organisation",
        "#acme-quiet": "invite me",
        "C0GUESTS": "guests or people from another workspace",
        f"<#{CHANNEL}>": "shared with the client",
        "#no-such-channel": "can't find the channel",
        "#<!channel>": "can't find the channel `#&lt;!channel&gt;`",
    }
    for typed, reason in cases.items():
        await h.command(f"internal {typed}", user_id=LEAD, channel_id=CHANNEL)
        assert reason in h.fake.last("chat.postEphemeral").args["text"], typed
    async with h.db().unit_of_work() as session:
        assert (await session.scalar(select(Partnership))).internal_channel_id is None
    posted = {c.args["channel"] for c in h.fake.calls_to("chat.postMessage")}
    assert not posted & {"C0CONNECT", "C0NOTME", "C0GUESTS"}

    # who is in it can't be checked just now: refused, never taken as "ours only"
    h.fake.add_channel("C0OURTEAM", name="acme-team")
    h.fake.set_channel_members("C0OURTEAM", [LEAD, OURS2])
    h.fake.error_next("conversations.members", "internal_error")
    await h.command("internal C0OURTEAM", user_id=LEAD, channel_id=CHANNEL)
    assert "couldn't check who is in" in h.fake.last("chat.postEphemeral").args["text"]
    # nor when Slack won't describe one of its members
    h.fake.add_channel("C0OURTEAM2", name="acme-team-two")
    h.fake.set_channel_members("C0OURTEAM2", [LEAD, "U0UNKNOWN"])
    h.fake.unknown_user("U0UNKNOWN")
    await h.command("internal C0OURTEAM2", user_id=LEAD, channel_id=CHANNEL)
    assert "couldn't check who is in" in h.fake.last("chat.postEphemeral").args["text"]
    async with h.db().unit_of_work() as session:
        assert (await session.scalar(select(Partnership))).internal_channel_id is None


async def test_the_start_form_offers_only_templates_asked_of_both_sides(
    harness: Harness,
) -> None:
    h = harness
    await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    view = h.fake.last("views.open").args["view"]
    [templates] = [b for b in view["blocks"] if b.get("block_id") == ids.TEMPLATE_BLOCK]
    offered = {option["value"] for option in templates["element"]["options"]}
    bank = h.services.bank
    assert offered == {t.id for t in bank.templates.values() if t.asked_of_both_sides}
    assert "self_check" not in offered and "reflection" not in offered


async def test_help_lists_our_side_subcommands(harness: Harness) -> None:
    reply = await harness.command("help", user_id=LEAD, channel_id=CHANNEL)
    text = reply.json()["text"]
    for usage in (
        "/partnership self-check [DAYS]",
        "/partnership internal [#CHANNEL|off]",
        "/partnership digest",
    ):
        assert f"`{usage}`" in text
    assert "Our side only" in text


@pytest.mark.parametrize("days", ["²", "0", "31", "3 days", "9" * 30])
async def test_a_self_check_length_that_is_not_a_number_of_days_gets_the_usage(
    harness: Harness, days: str
) -> None:
    h = harness
    await started_partnership(h)
    reply = await h.command(f"self-check {days}", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200
    said = reply.json()["text"] if reply.text else h.fake.last("chat.postEphemeral").args["text"]
    assert "1 to 30" in said, said
