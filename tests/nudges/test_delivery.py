"""Nudges through the real dispatcher, the real database and the fake Slack, on a ManualClock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.db.models import ReflectionRequest, ScheduledMessage
from bot.plumbing.errors import NotAllowed
from bot.services import Services
from bot.usecases import reflections
from bot.usecases.nudges import cancel_reflections, nudge_states
from bot.usecases.person_settings import change_settings
from tests.nudges.conftest import START, TEAM, plan_meeting

STEP = timedelta(minutes=15)


async def drive(
    services: Services, dispatcher: Dispatcher, *, hours: float, step: timedelta = STEP
) -> None:
    """Tick every `step` (15 minutes) of ManualClock time for `hours`."""
    end = services.clock.now() + timedelta(hours=hours)
    while services.clock.now() < end:
        await dispatcher.run_once()
        services.clock.advance(step)
    await dispatcher.run_once()


async def rows(services: Services) -> list[ScheduledMessage]:
    async with services.db.unit_of_work() as session:
        return list((await session.scalars(select(ScheduledMessage).order_by("id"))).all())


def dms_to(fake, user_id: str) -> list:
    return [c for c in fake.delivered("chat.postMessage") if c.args.get("channel") == user_id]


async def test_each_person_is_nudged_in_their_own_working_hours(services, fake_slack):
    people = {
        "ULONDON": ("Europe/London", datetime(2026, 11, 24, 10, 30, tzinfo=UTC)),
        "ULA": ("America/Los_Angeles", datetime(2026, 11, 24, 17, 0, tzinfo=UTC)),
        "UTOKYO": ("Asia/Tokyo", datetime(2026, 11, 25, 0, 0, tzinfo=UTC)),
        "UAUCKLAND": ("Pacific/Auckland", datetime(2026, 11, 24, 20, 0, tzinfo=UTC)),
    }
    for user_id, (tz, _) in people.items():
        fake_slack.add_user(user_id, tz=tz)
    await plan_meeting(services, attendees=list(people), ends_at=START)  # ends 10:00 UTC
    dispatcher = Dispatcher(services)
    await drive(services, dispatcher, hours=20)
    nudges = {r.user_id: r for r in await rows(services) if r.kind == "reflection_nudge"}
    for user_id, (_, expected) in people.items():
        assert nudges[user_id].status == "sent"
        assert nudges[user_id].sent_at == expected, user_id
        assert len(dms_to(fake_slack, user_id)) == 1
    sent = fake_slack.last("chat.postMessage").args
    actions = next(b for b in sent["blocks"] if b["type"] == "actions")["elements"]
    assert [e.get("action_id") for e in actions] == [
        "pc.reflect_now",
        "pc.snooze_nudge",
        "pc.skip_nudge",
    ]


async def test_weekend_nudge_waits_for_monday_across_the_clock_change(services, fake_slack):
    fake_slack.add_user("ULONDON", tz="Europe/London")
    fake_slack.add_user("UNY", tz="America/New_York")
    services.clock.set(datetime(2026, 10, 23, 17, 0, tzinfo=UTC))  # Friday 18:00 BST
    await plan_meeting(
        services, attendees=["ULONDON", "UNY"], ends_at=datetime(2026, 10, 23, 17, 0, tzinfo=UTC)
    )
    await drive(services, Dispatcher(services), hours=70)
    sent = {r.user_id: r.sent_at for r in await rows(services) if r.kind == "reflection_nudge"}
    # after the change on Sunday 25 October: London 09:00 GMT, New York still EDT until Nov 1
    assert sent == {
        "ULONDON": datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
        "UNY": datetime(2026, 10, 23, 17, 30, tzinfo=UTC),  # 13:30 EDT on Friday
    }
    # New York's reminder fell due on Saturday: it waits for Monday 09:00 EDT
    reminders = {
        r.user_id: r.sent_at
        for r in await rows(services)
        if r.kind != "reflection_nudge" and r.sent_at
    }
    assert reminders == {"UNY": datetime(2026, 10, 26, 13, 0, tzinfo=UTC)}
    assert Counter(c.args["channel"] for c in fake_slack.delivered("chat.postMessage")) == {
        "ULONDON": 1,
        "UNY": 2,
    }


async def test_one_reminder_only_and_none_after_skipping(services, fake_slack):
    fake_slack.add_user("UANN", tz="Europe/London")
    fake_slack.add_user("UBOB", tz="Europe/London")
    await plan_meeting(services, attendees=["UANN", "UBOB"], ends_at=START)
    dispatcher = Dispatcher(services)
    await drive(services, dispatcher, hours=1)
    assert len(dms_to(fake_slack, "UANN")) == len(dms_to(fake_slack, "UBOB")) == 1
    async with services.db.unit_of_work() as session:
        bob = await session.scalar(
            select(ReflectionRequest).where(ReflectionRequest.user_id == "UBOB")
        )
    await reflections.skip(services, request_id=bob.id, user_id="UBOB")
    await drive(services, dispatcher, hours=24 * 6, step=timedelta(hours=1))
    assert len(dms_to(fake_slack, "UANN")) == 2  # the nudge and its one reminder
    assert "only reminder" in str(dms_to(fake_slack, "UANN")[1].args["blocks"])
    assert len(dms_to(fake_slack, "UBOB")) == 1
    kinds = Counter((r.user_id, r.kind, r.status) for r in await rows(services))
    assert kinds == Counter(
        {
            ("UANN", "reflection_nudge", "sent"): 1,
            ("UANN", "reflection_reminder", "sent"): 1,
            ("UBOB", "reflection_nudge", "sent"): 1,
            ("UBOB", "reflection_reminder", "cancelled"): 1,
        }
    )


async def test_snooze_brings_the_nudge_back_in_working_hours_once(services, fake_slack):
    fake_slack.add_user("UTOKYO", tz="Asia/Tokyo")
    services.clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))  # 16:00 JST
    await plan_meeting(
        services, attendees=["UTOKYO"], ends_at=datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    )
    dispatcher = Dispatcher(services)
    await dispatcher.run_once()
    assert len(dms_to(fake_slack, "UTOKYO")) == 1
    async with services.db.unit_of_work() as session:
        request = await session.scalar(select(ReflectionRequest))
    services.clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=UTC))  # 17:30 JST
    until = await reflections.snooze(
        services, request_id=request.id, user_id="UTOKYO", choice="hour"
    )
    assert until == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 18:30 is after hours: 09:00
    again = await reflections.snooze(
        services, request_id=request.id, user_id="UTOKYO", choice="hour"
    )
    assert again == until
    await drive(services, dispatcher, hours=15.5)  # to Wednesday 00:00 UTC
    assert len(dms_to(fake_slack, "UTOKYO")) == 2
    assert "asked me to bring back" in str(dms_to(fake_slack, "UTOKYO")[1].args["blocks"])
    await drive(services, dispatcher, hours=24 * 3, step=timedelta(hours=1))
    assert len(dms_to(fake_slack, "UTOKYO")) == 2  # the snooze used up the one reminder


async def test_someone_else_cannot_snooze_or_answer_my_reflection(services, fake_slack):
    fake_slack.add_user("UANN")
    await plan_meeting(services, attendees=["UANN"], ends_at=START)
    async with services.db.unit_of_work() as session:
        request = await session.scalar(select(ReflectionRequest))
    with pytest.raises(NotAllowed, match="Only <@UANN>"):
        await reflections.snooze(services, request_id=request.id, user_id="UEVE", choice="hour")


async def test_cancelled_meeting_sends_nothing_and_reports_cancelled(services, fake_slack):
    fake_slack.add_user("UANN")
    meeting = await plan_meeting(services, attendees=["UANN"], ends_at=START)
    async with services.db.unit_of_work() as session:
        assert await cancel_reflections(session, meeting_id=meeting.id, now=START) == 1
    await drive(services, Dispatcher(services), hours=48, step=timedelta(hours=1))
    assert fake_slack.delivered("chat.postMessage") == []
    async with services.db.unit_of_work() as session:
        states = await nudge_states(session, meeting_ids=[meeting.id])
    assert [s.label for s in states[meeting.id]] == ["cancelled"]


async def test_opting_out_cancels_waiting_nudges_and_stops_new_ones(services, fake_slack):
    fake_slack.add_user("UANN")
    first = await plan_meeting(services, attendees=["UANN"], ends_at=START)
    view = await change_settings(services, user_id="UANN", team_id=TEAM, text="off")
    assert view.opted_out and view.cancelled == 1
    second = await plan_meeting(services, attendees=["UANN"], ends_at=START + timedelta(hours=1))
    await drive(services, Dispatcher(services), hours=48, step=timedelta(hours=1))
    assert fake_slack.delivered("chat.postMessage") == []
    async with services.db.unit_of_work() as session:
        states = await nudge_states(session, meeting_ids=[first.id, second.id])
    assert [states[m.id][0].label for m in (first, second)] == ["opted out", "opted out"]


async def test_working_hours_setting_moves_the_nudge(services, fake_slack):
    fake_slack.add_user("UANN", tz="Europe/London")
    await change_settings(services, user_id="UANN", team_id=TEAM, text="hours 13:00-17:00")
    await plan_meeting(services, attendees=["UANN"], ends_at=START)
    await drive(services, Dispatcher(services), hours=5)
    (nudge,) = [r for r in await rows(services) if r.kind == "reflection_nudge"]
    assert nudge.sent_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
