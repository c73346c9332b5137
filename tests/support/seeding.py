"""Filling storage at once for size tests and benchmarks: many answers, many due nudges."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.db.engine import Database
from bot.db.models import (
    Answer,
    Check,
    CheckQuestion,
    Meeting,
    MeetingAttendee,
    Partnership,
    PersonSettings,
    QuestionVersion,
)
from bot.services import Services
from bot.usecases.nudges import schedule_reflections

LONG_COMMENT = "<!channel> this needs <@U123> attention. " + "A long and thoughtful remark. " * 64


async def closed_check(
    db: Database,
    channel: str,
    *,
    questions: int,
    anonymous: bool,
    now: datetime,
    partnership_id: int | None = None,
) -> int:
    """A closed, not yet summarised check of the first `questions` question versions of the
    bank, in a new partnership in `channel` (or in the partnership `partnership_id`)."""
    async with db.unit_of_work() as session:
        versions = (await session.scalars(select(QuestionVersion.id).limit(questions))).all()
        if partnership_id is None:
            partnership = Partnership(
                team_id="T1", channel_id=channel, name="Acme", created_by="U1", created_at=now
            )
            session.add(partnership)
            await session.flush()
            partnership_id = partnership.id
        check = Check(
            partnership_id=partnership_id,
            template_id="partnership_check",
            template_name="Partnership check",
            lead_user_id="U0000",
            mode="live",
            anonymous=anonymous,
            status="closed",
            channel_id=channel,
            created_at=now,
            closed_at=now,
            questions=[
                CheckQuestion(position=i, question_version_id=v) for i, v in enumerate(versions)
            ],
        )
        session.add(check)
        await session.flush()
        return check.id


async def seed_answers(db: Database, check_id: int, *, people: int, now: datetime) -> int:
    """Everyone answers every question of the check (odd people on the client side).

    Every third person also leaves a long comment that tries to ping the channel.
    """
    async with db.unit_of_work() as session:
        questions = (
            await session.execute(
                select(QuestionVersion.id, QuestionVersion.kind, QuestionVersion.options)
                .join(CheckQuestion, CheckQuestion.question_version_id == QuestionVersion.id)
                .where(CheckQuestion.check_id == check_id)
            )
        ).all()
        rows: list[dict[str, Any]] = [
            {
                "check_id": check_id,
                "question_version_id": version_id,
                "user_id": f"U{person:04d}",
                "side": "client" if person % 2 else "ours",
                "value": _value(kind, options, person),
                "comment": LONG_COMMENT[: 200 + person * 7 % 1000] if person % 3 == 0 else None,
                "created_at": now,
                "updated_at": now,
            }
            for person in range(people)
            for version_id, kind, options in questions
        ]
        await session.execute(insert(Answer), rows)
    return len(rows)


def _value(kind: str, options: list[dict[str, Any]], person: int) -> str:
    if kind == "text":
        return f"Free-text answer from person {person}"
    values = [str(option["value"]) for option in options]
    return values[(person * 7) % len(values)]


async def add_meeting(
    db: Database,
    *,
    attendees: list[str],
    ends_at: datetime,
    channel_id: str,
    team_id: str,
    now: datetime,
    title: str = "Weekly",
) -> Meeting:
    """A partnership (made once per channel) and a manual meeting with `attendees` loaded."""
    async with db.unit_of_work() as session:
        partnership = await session.scalar(
            select(Partnership).where(Partnership.channel_id == channel_id)
        )
        if partnership is None:
            partnership = Partnership(
                team_id=team_id,
                channel_id=channel_id,
                name="Acme",
                created_by="ULEAD",
                created_at=now,
            )
            session.add(partnership)
            await session.flush()
        meeting = Meeting(
            partnership_id=partnership.id,
            title=title,
            starts_at=ends_at - timedelta(hours=1),
            ends_at=ends_at,
            status="scheduled",
            source="manual",
            created_at=now,
            updated_at=now,
            attendees=[MeetingAttendee(user_id=user_id) for user_id in attendees],
        )
        session.add(meeting)
        await session.flush()
    return meeting


async def seed_due_reflections(
    services: Services, *, people: list[str], channel_id: str, ends_at: datetime, team_id: str
) -> int:
    """A partnership and one meeting with `people` attending, who work round the clock (so
    working hours never hold a nudge back), and its reflections scheduled; how many."""
    now = services.clock.now()
    meeting = await add_meeting(
        services.db,
        attendees=people,
        ends_at=ends_at,
        channel_id=channel_id,
        team_id=team_id,
        now=now,
        title="Review",
    )
    async with services.db.unit_of_work() as session:
        session.add_all(
            PersonSettings(
                user_id=user_id,
                team_id=team_id,
                tz="UTC",
                tz_checked_at=now,
                work_days="0,1,2,3,4,5,6",
                work_start="00:00",
                work_end="23:59",
                opted_out=False,
                updated_at=now,
            )
            for user_id in people
        )
        await session.flush()
        return await schedule_reflections(
            session, meeting=meeting, team_id=team_id, settings=services.settings, now=now
        )
