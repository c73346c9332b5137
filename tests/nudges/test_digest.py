"""The lead's digest of reflections: once a week, in the lead's working hours, only when
there is something new; notes quoted with their author only when shared with our team."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.db.models import Partnership, ScheduledMessage
from bot.usecases.digest import DIGEST, queue_weekly_digests
from bot.usecases.nudges import schedule_reflections
from tests.e2e.test_home import open_home
from tests.e2e.test_our_side_never_shared import click, dm_button, dms_to
from tests.support import seeding, signing
from tests.support.harness import Harness

CHANNEL = "C0PARTNER"
LEAD = "ULEAD"  # started the partnership (seeding), so its lead
ANN = "UANN"
TEAM = "T0OURS"


async def reflect(h: Harness, user: str, answers: dict[str, str], *, share: bool) -> None:
    """Open the reflection form from the DM and answer the questions named by id."""
    await click(h, dm_button(h, user, ids.REFLECT_NOW), user, channel="D" + user)
    view = h.fake.last("views.open").args["view"]
    questions = h.services.bank.template_questions("reflection")
    values: dict[str, Any] = {}
    for position, question in enumerate(questions):
        if question.id not in answers:
            continue
        raw = answers[question.id]
        element = signing.plain_input(raw) if question.kind == "text" else signing.radio(raw)
        values[f"q{position}"] = {ids.ASYNC_VALUE_INPUT: element}
    if share:
        values[ids.SHARE_BLOCK] = {ids.SHARE_INPUT: signing.checkboxes(["share"])}
    reply = await h.submit(
        ids.REFLECTION_VIEW, values, private_metadata=view["private_metadata"], user_id=user
    )
    assert reply.status == 200, reply.text


async def a_reflected_meeting(h: Harness) -> None:
    for user in (LEAD, ANN):
        h.fake.add_user(user, tz="Europe/London")
    meeting = await seeding.add_meeting(
        h.db(),
        attendees=[LEAD, ANN],
        ends_at=h.clock.now(),
        channel_id=CHANNEL,
        team_id=TEAM,
        now=h.clock.now(),
        title="<!here> Kickoff",
    )
    async with h.db().unit_of_work() as session:
        await schedule_reflections(
            session, meeting=meeting, team_id=TEAM, settings=h.services.settings, now=h.clock.now()
        )
    h.clock.advance(timedelta(minutes=31))
    await Dispatcher(h.services).run_once()
    await reflect(
        h,
        ANN,
        {
            "rf.value.outcome": "no_value",
            "rf.context.shifting": "shifting",
            "rf.next_time": "Bring a draft plan <@U0BOSS>",
            "rf.share_back": "Share the survey results",
        },
        share=True,
    )
    await reflect(
        h,
        LEAD,
        {"rf.value.outcome": "progressed", "rf.next_time": "PRIVATE-NOTE of the lead"},
        share=False,
    )


def digests_to(h: Harness, user: str) -> list[str]:
    return [
        json.dumps(c.args, ensure_ascii=False)
        for c in dms_to(h, user)
        if "Weekly digest" in json.dumps(c.args)
    ]


async def digest_rows(h: Harness) -> list[ScheduledMessage]:
    async with h.db().unit_of_work() as session:
        return list(
            await session.scalars(
                select(ScheduledMessage)
                .where(ScheduledMessage.kind == DIGEST)
                .order_by(ScheduledMessage.id)
            )
        )


async def test_weekly_digest_in_working_hours_once_and_only_when_new(harness: Harness) -> None:
    h = harness
    await a_reflected_meeting(h)
    # next Monday 03:00 in London: queued, but held until the lead's working hours
    h.clock.set(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    assert await queue_weekly_digests(h.services) == 1
    assert await queue_weekly_digests(h.services) == 0  # once a week, whoever asks
    await Dispatcher(h.services).run_once()
    assert digests_to(h, LEAD) == []
    [row] = await digest_rows(h)
    assert row.status == "pending" and row.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    h.clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))
    await Dispatcher(h.services).run_once()
    await Dispatcher(h.services).run_once()
    [digest] = digests_to(h, LEAD)
    assert "1 meeting held, 2 of 2 reflections answered" in digest
    assert "&lt;!here&gt; Kickoff" in digest and "<!here>" not in digest
    assert f"<@{ANN}>: Bring a draft plan &lt;@U0BOSS&gt;" in digest
    assert f"<@{ANN}>: Share the survey results" in digest
    assert "PRIVATE-NOTE" not in digest and "1 more note kept private" in digest
    assert "1 of 2 meetings judged" not in digest and "1 of 1 meeting judged" in digest
    assert "shifting" in digest
    assert digests_to(h, ANN) == []
    async with h.db().unit_of_work() as session:
        through = await session.scalar(select(Partnership.digest_through))
    assert through == datetime(2026, 11, 30, 9, 1, tzinfo=UTC)

    # a week with nothing new: queued, then dropped, and nobody is messaged
    h.clock.set(datetime(2026, 12, 7, 9, 30, tzinfo=UTC))
    assert await queue_weekly_digests(h.services) == 1
    await Dispatcher(h.services).run_once()
    assert len(digests_to(h, LEAD)) == 1
    assert (await digest_rows(h))[-1].last_error == "nothing new since the last digest"


async def test_digest_on_demand_and_to_the_internal_channel(harness: Harness) -> None:
    h = harness
    await a_reflected_meeting(h)
    reply = await h.command("digest", user_id=ANN, channel_id=CHANNEL)
    shown = json.dumps(reply.json(), ensure_ascii=False)
    assert reply.json()["response_type"] == "ephemeral"
    assert f"<@{ANN}>: Bring a draft plan" in shown and "PRIVATE-NOTE" not in shown

    h.fake.add_user("U0CLIENT", team_id="T0CLIENT")
    reply = await h.command("digest", user_id="U0CLIENT", channel_id=CHANNEL)
    assert "Only our side" in reply.json()["text"] and "Bring a draft" not in reply.text

    h.fake.add_channel("C0INTERNAL", name="acme-team")
    await h.command("internal <#C0INTERNAL|acme-team>", user_id=LEAD, channel_id=CHANNEL)
    h.clock.advance(timedelta(days=6))  # Monday, in working hours
    assert await queue_weekly_digests(h.services) == 1
    await Dispatcher(h.services).run_once()
    to_internal = [
        c
        for c in h.fake.calls_to("chat.postMessage")
        if c.args["channel"] == "C0INTERNAL" and "Weekly digest" in json.dumps(c.args)
    ]
    assert len(to_internal) == 1 and digests_to(h, LEAD) == []

    # the internal channel is shared with another organisation later: the lead's DM instead
    h.fake.add_channel("C0INTERNAL", name="acme-team", is_ext_shared=True)
    await a_reflected_meeting(h)
    h.clock.advance(timedelta(days=7))
    assert await queue_weekly_digests(h.services) == 1
    await Dispatcher(h.services).run_once()
    assert len(digests_to(h, LEAD)) == 1
    assert (
        len([c for c in h.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0INTERNAL"])
        == 2
    )
    assert not [
        c
        for c in h.fake.calls
        if c.args.get("channel") == CHANNEL and c.method in ("chat.postMessage", "chat.update")
    ]


async def test_reflection_form_shares_with_our_team_and_skips_comment_boxes(
    harness: Harness,
) -> None:
    h = harness
    await a_reflected_meeting(h)
    await click(h, dm_button(h, ANN, ids.REFLECT_NOW), ANN, channel="D" + ANN)
    view = h.fake.last("views.open").args["view"]
    block_ids = {b.get("block_id") for b in view["blocks"]}
    for position, question in enumerate(h.services.bank.template_questions("reflection")):
        has_box = ids.async_comment_block(position) in block_ids
        assert has_box == question.allow_comment, question.id
    [share] = [b for b in view["blocks"] if b.get("block_id") == ids.SHARE_BLOCK]
    option = share["element"]["options"][0]
    assert option["text"]["text"] == "Share with my team"
    assert "never shown to the client" in option["description"]["text"]


async def test_the_leads_home_tab_shows_the_digest_so_far(harness: Harness) -> None:
    """The App Home's our-side section carries the digest: only for the lead, with shared
    notes quoted by author and private ones left out."""
    h = harness
    await a_reflected_meeting(h)
    home = json.dumps(await open_home(h, LEAD), ensure_ascii=False)
    assert "Our side only: what you lead" in home
    assert "1 meeting held · 2 of 2 reflections answered · 1 judged of no value" in home
    assert f"<@{ANN}>: Bring a draft plan" in home and "PRIVATE-NOTE" not in home
    for other in (ANN, "U0CLIENT"):
        h.fake.add_user(other, team_id=TEAM if other == ANN else "T0CLIENT")
        shown = json.dumps(await open_home(h, other), ensure_ascii=False)
        assert "what you lead" not in shown and "Bring a draft plan" not in shown
