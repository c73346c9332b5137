"""schedule / reschedule / cancel reflections and their states, the API the meetings side calls."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import ReflectionRequest, ScheduledMessage
from bot.usecases.nudges import (
    cancel_reflections,
    nudge_states,
    reschedule_reflections,
    schedule_reflections,
)
from tests.nudges.conftest import START, TEAM, add_meeting


async def _rows(db):
    async with db.unit_of_work() as session:
        return (await session.scalars(select(ScheduledMessage).order_by("id"))).all()


async def test_one_request_and_one_nudge_per_attendee_even_when_called_twice(db, settings):
    meeting = await add_meeting(db, attendees=["UANN", "UBOB"])
    async with db.unit_of_work() as session:
        first = await schedule_reflections(
            session, meeting=meeting, team_id=TEAM, settings=settings, now=START
        )
    async with db.unit_of_work() as session:
        again = await schedule_reflections(
            session, meeting=meeting, team_id=TEAM, settings=settings, now=START
        )
    assert (first, again) == (2, 0)
    rows = await _rows(db)
    assert [(r.user_id, r.status, r.kind) for r in rows] == [
        ("UANN", "pending", "reflection_nudge"),
        ("UBOB", "pending", "reflection_nudge"),
    ]
    assert all(r.due_at == START + settings.nudge_delay for r in rows)
    assert all(r.dedupe_key == f"nudge:{r.reference_id}" for r in rows)


async def test_meeting_long_past_gets_no_nudge(db, settings):
    meeting = await add_meeting(db, attendees=["UANN"], ends_at=START - timedelta(days=5))
    async with db.unit_of_work() as session:
        made = await schedule_reflections(
            session, meeting=meeting, team_id=TEAM, settings=settings, now=START
        )
    assert made == 0


async def test_moved_meeting_moves_pending_nudges_but_not_sent_ones(db, settings):
    meeting = await add_meeting(db, attendees=["UANN", "UBOB"])
    async with db.unit_of_work() as session:
        await schedule_reflections(
            session, meeting=meeting, team_id=TEAM, settings=settings, now=START
        )
        sent = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.user_id == "UBOB")
        )
        sent.status = "sent"
    meeting.ends_at = START + timedelta(days=1)
    async with db.unit_of_work() as session:
        await reschedule_reflections(session, meeting=meeting, settings=settings, now=START)
    rows = {r.user_id: r for r in await _rows(db)}
    assert rows["UANN"].due_at == START + timedelta(days=1) + settings.nudge_delay
    assert rows["UBOB"].due_at == START + settings.nudge_delay


async def test_cancel_stops_pending_nudges_and_waiting_requests_and_reports_states(db, settings):
    meeting = await add_meeting(db, attendees=["UANN", "UBOB"])
    other = await add_meeting(db, attendees=["UANN"])
    async with db.unit_of_work() as session:
        for each in (meeting, other):
            await schedule_reflections(
                session, meeting=each, team_id=TEAM, settings=settings, now=START
            )
    async with db.unit_of_work() as session:
        cancelled = await cancel_reflections(session, meeting_id=meeting.id, now=START)
        again = await cancel_reflections(session, meeting_id=meeting.id, now=START)
    assert (cancelled, again) == (2, 0)
    async with db.unit_of_work() as session:
        requests = (await session.scalars(select(ReflectionRequest))).all()
        states = await nudge_states(session, meeting_ids=[meeting.id, other.id, 999])
    assert sorted((r.meeting_id, r.status) for r in requests) == [
        (meeting.id, "cancelled"),
        (meeting.id, "cancelled"),
        (other.id, "waiting"),
    ]
    assert [(s.user_id, s.label) for s in states[meeting.id]] == [
        ("UANN", "cancelled"),
        ("UBOB", "cancelled"),
    ]
    assert [(s.user_id, s.label, s.message_status) for s in states[other.id]] == [
        ("UANN", "waiting", "pending")
    ]
    assert states[999] == []
