"""Counting what a partnership holds, and deleting all of it and nothing else, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.db import partnership_data as store
from bot.db.models import (
    Base,
    CalendarFeed,
    CheckSchedule,
    NextStep,
    Partnership,
    ReflectionAnswer,
    ReflectionRequest,
    ScheduledMessage,
    Signal,
)
from bot.db.partnership_data import StoredData
from bot.services import Services
from bot.usecases.nudges import REFLECTION_KINDS
from tests.support.harness import Harness
from tests.support.seeding import closed_check, seed_answers, seed_due_reflections

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PEOPLE = 3  # attending the meeting, in each partnership


async def a_full_partnership(services: Services, channel: str) -> int:
    """A partnership with one of everything: a meeting whose reflections are scheduled (one
    answered), a closed check with answers, a next step, a warning sign, a repeating
    check and a calendar feed. Returns its id."""
    people = [f"U{channel}{i}" for i in range(PEOPLE)]
    await seed_due_reflections(
        services, people=people, channel_id=channel, ends_at=NOW, team_id="T1"
    )
    async with services.db.unit_of_work() as session:
        partnership = await session.scalar(
            select(Partnership).where(Partnership.channel_id == channel)
        )
        assert partnership is not None
        request = await session.scalar(
            select(ReflectionRequest).where(ReflectionRequest.user_id == people[0]).limit(1)
        )
        assert request is not None
        session.add_all(
            [
                ReflectionAnswer(
                    request_id=request.id,
                    question_version_id=1,
                    value="4",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                NextStep(
                    partnership_id=partnership.id,
                    text="Share the plan",
                    owner_user_id=people[1],
                    due_date=date(2026, 12, 1),
                    status="open",
                    created_by=people[0],
                    created_at=NOW,
                ),
                Signal(
                    partnership_id=partnership.id,
                    kind="meeting_cancelled",
                    detail={"title": "Review"},
                    occurred_at=NOW,
                    created_at=NOW,
                ),
                CheckSchedule(
                    partnership_id=partnership.id,
                    template_id="partnership_check",
                    every="month",
                    lead_user_id=people[0],
                    next_due_at=NOW + timedelta(days=30),
                    created_at=NOW,
                ),
                CalendarFeed(
                    partnership_id=partnership.id,
                    url="https://calendar.example.com/feed.ics",
                    added_by=people[0],
                    created_at=NOW,
                ),
            ]
        )
        partnership_id = partnership.id
    check_id = await closed_check(
        services.db,
        channel,
        questions=5,
        anonymous=False,
        now=NOW,
        partnership_id=partnership_id,
    )
    await seed_answers(services.db, check_id, people=4, now=NOW)
    return partnership_id


async def row_counts(services: Services) -> dict[str, int]:
    async with services.db.unit_of_work() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


async def held(services: Services, partnership_id: int) -> StoredData:
    async with services.db.unit_of_work() as session:
        return await store.stored_data(
            session=session, partnership_id=partnership_id, message_kinds=REFLECTION_KINDS
        )


async def test_deleting_a_partnership_takes_everything_it_holds_and_nothing_else(
    harness: Harness,
) -> None:
    services = harness.services
    doomed = await a_full_partnership(services, "C0DOOMED")
    kept = await a_full_partnership(services, "C0KEPT")
    counted = await held(services, doomed)
    assert counted == StoredData(
        checks=1,
        answers=4 * 5,
        next_steps=1,
        meetings=1,
        reflections=PEOPLE,
        reflection_answers=1,
        signals=1,
        schedules=1,
        calendar_feeds=1,
        messages=PEOPLE,
    )
    assert await held(services, kept) == counted
    before = await row_counts(services)

    async with services.db.unit_of_work() as session:
        await store.delete_partnership(
            session=session, partnership_id=doomed, message_kinds=REFLECTION_KINDS
        )

    after = await row_counts(services)
    gone = {
        table: before[table] - after[table] for table in before if before[table] != after[table]
    }
    assert gone == {
        "partnerships": 1,
        "checks": 1,
        "check_questions": 5,
        "answers": 20,
        "next_steps": 1,
        "meetings": 1,
        "meeting_attendees": PEOPLE,
        "reflection_requests": PEOPLE,
        "reflection_answers": 1,
        "signals": 1,
        "check_schedules": 1,
        "calendar_feeds": 1,
        "scheduled_messages": PEOPLE,
    }
    assert await held(services, kept) == counted  # the other partnership is untouched
    assert await held(services, doomed) == StoredData(*([0] * 10))
    async with services.db.unit_of_work() as session:
        orphans = await session.scalar(
            select(func.count())
            .select_from(ScheduledMessage)
            .where(ScheduledMessage.reference_id.not_in(select(ReflectionRequest.id)))
        )
    assert orphans == 0


async def test_the_overview_lists_every_partnership_with_its_checks_and_meetings(
    harness: Harness,
) -> None:
    services = harness.services
    async with services.db.unit_of_work() as session:
        assert await store.overview(session=session) == []
    await a_full_partnership(services, "C0FIRST")
    await a_full_partnership(services, "C0SECOND")
    async with services.db.unit_of_work() as session:
        lines = await store.overview(session=session)
    assert [line.channel_id for line in lines] == ["C0FIRST", "C0SECOND"]
    assert all(line.checks == 1 and line.meetings == 1 for line in lines)
    assert lines[0].last_check_at == NOW
