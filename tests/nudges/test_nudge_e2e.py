"""Through the front door: the nudge's buttons, the reflection form and /partnership settings,
with really signed requests to the real app and every payload checked as Block Kit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.db.models import ReflectionAnswer, ReflectionRequest, ScheduledMessage
from bot.usecases.nudges import schedule_reflections
from tests.nudges.conftest import TEAM, add_meeting
from tests.support import signing


async def _nudged(harness) -> int:
    services = harness.services
    harness.fake.add_user("UANN", tz="Europe/London")
    meeting = await add_meeting(services.db, attendees=["UANN"], ends_at=services.clock.now())
    async with services.db.unit_of_work() as session:
        await schedule_reflections(
            session, meeting=meeting, team_id=TEAM, settings=services.settings, now=meeting.ends_at
        )
    harness.clock.advance(timedelta(minutes=30))
    await Dispatcher(services).run_once()
    async with services.db.unit_of_work() as session:
        return (await session.scalar(select(ReflectionRequest))).id


async def test_reflect_now_saves_private_answers_and_shares_only_with_our_team(harness):
    request_id = await _nudged(harness)
    dm = harness.fake.last("chat.postMessage")
    assert dm.args["channel"] == "UANN"
    reply = await harness.click(
        ids.REFLECT_NOW, str(request_id), user_id="UANN", channel_id="DUANN"
    )
    assert reply.status == 200
    view = harness.fake.last("views.open").args["view"]
    assert view["callback_id"] == ids.REFLECTION_VIEW
    first = next(b for b in view["blocks"] if b.get("block_id") == "q0")
    free_text = first["element"]["type"] == "plain_text_input"
    answer = signing.plain_input("They worry about the launch date") if free_text else None
    values = {
        "q0": {
            ids.ASYNC_VALUE_INPUT: answer or signing.radio(first["element"]["options"][0]["value"])
        }
    }
    await harness.submit(
        ids.REFLECTION_VIEW, values, private_metadata=str(request_id), user_id="UANN"
    )
    async with harness.db().unit_of_work() as session:
        stored = (await session.scalars(select(ReflectionAnswer))).all()
        request = await session.get(ReflectionRequest, request_id)
        reminder = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.kind == "reflection_reminder")
        )
    assert [(a.shared, a.request_id) for a in stored] == [(False, request_id)]
    assert request.status == "answered"
    assert reminder.status == "cancelled"  # answering stops the reminder
    assert "private to you" in str(harness.fake.last("chat.update").args["blocks"])
    channel_posts = [
        c for c in harness.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0PARTNER"
    ]
    assert channel_posts == []  # private by default

    values[ids.SHARE_BLOCK] = {ids.SHARE_INPUT: signing.checkboxes(["share"])}
    await harness.submit(
        ids.REFLECTION_VIEW, values, private_metadata=str(request_id), user_id="UANN"
    )
    # sharing is with our team (the lead's digest), never a post in the client's channel
    assert "shared with our team" in str(harness.fake.last("chat.update").args["blocks"])
    async with harness.db().unit_of_work() as session:
        assert [a.shared for a in (await session.scalars(select(ReflectionAnswer))).all()] == [True]
    channel_posts = [c for c in harness.fake.calls if (c.args or {}).get("channel") == "C0PARTNER"]
    assert channel_posts == []
    harness.assert_payloads_valid()


async def test_only_the_person_asked_can_open_snooze_or_skip(harness):
    request_id = await _nudged(harness)
    await harness.click(ids.SKIP_NUDGE, str(request_id), user_id="UEVE", channel_id="DUEVE")
    refusal = harness.fake.last("chat.postEphemeral").args["text"]
    assert "Only <@UANN>" in refusal
    await harness.post(
        signing.block_action(
            action_id=ids.SNOOZE_NUDGE,
            selected_option_value=f"{request_id}:tomorrow",
            action_type="static_select",
            user_id="UANN",
            channel_id="DUANN",
        )
    )
    assert "Snoozed" in harness.fake.last("chat.update").args["text"]
    await harness.click(ids.SKIP_NUDGE, str(request_id), user_id="UANN", channel_id="DUANN")
    assert harness.fake.last("chat.update").args["text"].startswith("Skipped")
    async with harness.db().unit_of_work() as session:
        assert (await session.get(ReflectionRequest, request_id)).status == "skipped"
    harness.assert_payloads_valid()


async def test_settings_command_shows_and_changes_hours(harness):
    reply = await harness.command("settings hours 08:00-16:30", user_id="UANN")
    assert "08:00–16:30" in reply.json()["text"]
    reply = await harness.command("settings hours 17-9", user_id="UANN")
    assert "end after they start" in reply.json()["text"]
    reply = await harness.command("settings off", user_id="UANN")
    assert "*no* reflection nudges" in reply.json()["text"]
    reply = await harness.command("help")
    assert "/partnership settings" in reply.json()["text"]
