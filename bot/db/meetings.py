"""Storage of meetings, their attendees, signals, calendar feeds and recurring checks.

The caller owns the transaction; every function takes the session keyword-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import (
    CalendarFeed,
    CheckSchedule,
    Meeting,
    MeetingAttendee,
    Partnership,
    Signal,
)
from bot.db.upsert import insert_for

# ---------------------------------------------------------------- meetings


async def add_meeting(
    *,
    session: AsyncSession,
    partnership_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    attendee_ids: Iterable[str],
    created_by: str | None,
    now: datetime,
    source: str = "manual",
    external_uid: str | None = None,
) -> Meeting:
    meeting = Meeting(
        partnership_id=partnership_id,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        status="scheduled",
        source=source,
        external_uid=external_uid,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    meeting.attendees = [MeetingAttendee(user_id=u) for u in dict.fromkeys(attendee_ids)]
    session.add(meeting)
    await session.flush()
    return meeting


async def load_meeting(*, session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.attendees))
        .execution_options(populate_existing=True)
    )


async def meetings_between(
    *, session: AsyncSession, partnership_id: int, start: datetime, end: datetime, limit: int
) -> list[Meeting]:
    """Meetings (not deleted) starting in [start, end), soonest first, attendees loaded."""
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.partnership_id == partnership_id,
            Meeting.status != "deleted",
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
        )
        .options(selectinload(Meeting.attendees))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return list(rows)


async def calendar_meetings(
    *, session: AsyncSession, partnership_id: int, since: datetime, keys: Sequence[str]
) -> list[Meeting]:
    """Meetings read from the feed that start after `since`, or that carry one of `keys`."""
    conditions: list[Any] = [Meeting.starts_at >= since]
    if keys:
        conditions.append(Meeting.external_uid.in_(list(keys)))
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.partnership_id == partnership_id,
            Meeting.source == "calendar",
            Meeting.external_uid.is_not(None),
            or_(*conditions),
        )
        .options(selectinload(Meeting.attendees))
    )
    return list(rows)


async def set_meeting_status(
    *,
    session: AsyncSession,
    meeting_id: int,
    expected: str,
    status: str,
    by: str | None,
    now: datetime,
) -> bool:
    """Compare-and-set the status, noting who changed it (cancelled_by); False when it had
    already changed."""
    result = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.status == expected)
        .values(status=status, cancelled_by=by, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def add_signal(
    *,
    session: AsyncSession,
    partnership_id: int,
    meeting_id: int | None,
    kind: str,
    detail: dict[str, Any],
    occurred_at: datetime,
    now: datetime,
) -> None:
    session.add(
        Signal(
            partnership_id=partnership_id,
            meeting_id=meeting_id,
            kind=kind,
            detail=detail,
            occurred_at=occurred_at,
            created_at=now,
        )
    )


async def signal_kinds_of_meeting(*, session: AsyncSession, meeting_id: int) -> set[str]:
    rows = await session.scalars(select(Signal.kind).where(Signal.meeting_id == meeting_id))
    return set(rows)


async def signals_of(*, session: AsyncSession, partnership_id: int) -> list[Signal]:
    rows = await session.scalars(
        select(Signal).where(Signal.partnership_id == partnership_id).order_by(Signal.id)
    )
    return list(rows)


# ---------------------------------------------------------------- calendar feeds


async def feed_of(*, session: AsyncSession, partnership_id: int) -> CalendarFeed | None:
    return await session.get(CalendarFeed, partnership_id, populate_existing=True)


async def save_feed(
    *, session: AsyncSession, partnership_id: int, url: str, user_id: str, now: datetime
) -> None:
    """Follow `url` (replacing any earlier feed); the person who set it hears of its errors."""
    await session.execute(delete(CalendarFeed).where(CalendarFeed.partnership_id == partnership_id))
    session.add(
        CalendarFeed(
            partnership_id=partnership_id,
            url=url,
            added_by=user_id,
            last_polled_at=now,
            last_ok_at=now,
            last_error=None,
            error_reported=False,
            created_at=now,
        )
    )
    await session.flush()


async def drop_feed(*, session: AsyncSession, partnership_id: int) -> bool:
    result = await session.execute(
        delete(CalendarFeed).where(CalendarFeed.partnership_id == partnership_id)
    )
    return result.rowcount == 1


async def due_feeds(*, session: AsyncSession, polled_before: datetime) -> list[CalendarFeed]:
    rows = await session.scalars(
        select(CalendarFeed)
        .where(
            or_(CalendarFeed.last_polled_at.is_(None), CalendarFeed.last_polled_at <= polled_before)
        )
        .order_by(CalendarFeed.last_polled_at)
    )
    return list(rows)


async def claim_feed(*, session: AsyncSession, feed: CalendarFeed, now: datetime) -> bool:
    """Compare-and-set last_polled_at, so two processes never read the same feed at once."""
    previous = feed.last_polled_at
    condition = (
        CalendarFeed.last_polled_at.is_(None)
        if previous is None
        else CalendarFeed.last_polled_at == previous
    )
    result = await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.partnership_id == feed.partnership_id, condition)
        .values(last_polled_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def feed_worked(
    *, session: AsyncSession, partnership_id: int, url: str, now: datetime
) -> bool | None:
    """Record a good read; True when an error had been reported (so the lead hears it is
    fixed), None when the partnership no longer follows `url`."""
    feed = await feed_of(session=session, partnership_id=partnership_id)
    if feed is None or feed.url != url:
        return None
    was_reported = feed.error_reported
    feed.last_ok_at = now
    feed.last_error = None
    feed.error_reported = False
    return was_reported


async def feed_failed(*, session: AsyncSession, partnership_id: int, url: str, error: str) -> bool:
    """Record the error; True exactly once per run of failures (whoever wins reports it)."""
    await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.partnership_id == partnership_id, CalendarFeed.url == url)
        .values(last_error=error)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(CalendarFeed)
        .where(
            CalendarFeed.partnership_id == partnership_id,
            CalendarFeed.url == url,
            CalendarFeed.error_reported.is_(False),
        )
        .values(error_reported=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def unmark_reported(*, session: AsyncSession, partnership_id: int) -> None:
    """The report could not be delivered: try again on the next poll."""
    await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.partnership_id == partnership_id)
        .values(error_reported=False)
        .execution_options(synchronize_session=False)
    )


async def partnership(*, session: AsyncSession, partnership_id: int) -> Partnership | None:
    return await session.get(Partnership, partnership_id)


# ---------------------------------------------------------------- recurring checks


async def schedules_of(*, session: AsyncSession, partnership_id: int) -> list[CheckSchedule]:
    rows = await session.scalars(
        select(CheckSchedule)
        .where(CheckSchedule.partnership_id == partnership_id, CheckSchedule.active.is_(True))
        .order_by(CheckSchedule.next_due_at)
    )
    return list(rows)


async def save_schedule(
    *,
    session: AsyncSession,
    partnership_id: int,
    template_id: str,
    every: str,
    lead_user_id: str,
    next_due_at: datetime,
    now: datetime,
) -> None:
    """One schedule per partnership and template: setting it again replaces it."""
    statement = insert_for(session, CheckSchedule).values(
        partnership_id=partnership_id,
        template_id=template_id,
        every=every,
        mode="async",
        lead_user_id=lead_user_id,
        next_due_at=next_due_at,
        active=True,
        created_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["partnership_id", "template_id"],
            set_={
                "every": every,
                "lead_user_id": lead_user_id,
                "next_due_at": next_due_at,
                "active": True,
            },
        )
    )


async def stop_schedules(
    *, session: AsyncSession, partnership_id: int, template_id: str | None
) -> int:
    statement = update(CheckSchedule).where(
        CheckSchedule.partnership_id == partnership_id, CheckSchedule.active.is_(True)
    )
    if template_id is not None:
        statement = statement.where(CheckSchedule.template_id == template_id)
    result = await session.execute(
        statement.values(active=False).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


async def due_schedules(*, session: AsyncSession, now: datetime) -> list[CheckSchedule]:
    rows = await session.scalars(
        select(CheckSchedule)
        .where(CheckSchedule.active.is_(True), CheckSchedule.next_due_at <= now)
        .order_by(CheckSchedule.next_due_at)
    )
    return list(rows)


async def claim_schedule(
    *, session: AsyncSession, schedule_id: int, due_at: datetime, next_due_at: datetime
) -> bool:
    """Compare-and-set next_due_at: only the process that moves it on starts the check."""
    result = await session.execute(
        update(CheckSchedule)
        .where(
            CheckSchedule.id == schedule_id,
            CheckSchedule.active.is_(True),
            CheckSchedule.next_due_at == due_at,
        )
        .values(next_due_at=next_due_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
