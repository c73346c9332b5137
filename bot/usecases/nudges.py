"""Reflection nudges for a meeting: schedule, move, cancel, and report their state.

These run inside the caller's transaction (the caller owns the session), so the meetings
use cases can create a meeting and its nudges atomically. Delivery is bot.background.delivery's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import nudges as cards
from bot.blocks.nudges import NudgeInfo
from bot.db.models import (
    Meeting,
    Partnership,
    PersonSettings,
    ReflectionRequest,
    ScheduledMessage,
)
from bot.db.upsert import insert_for
from bot.domain.nudge_timing import WorkingHours, next_working_slot
from bot.plumbing.config import Settings

NUDGE = "reflection_nudge"
REMINDER = "reflection_reminder"
REFLECTION_KINDS = (NUDGE, REMINDER)
# A meeting that ended longer ago than this gets no nudge (e.g. a calendar feed's history).
NUDGE_LOOKBACK = timedelta(days=2)
OPEN_STATUSES = ("pending", "claimed")
MEETING_CANCELLED = "meeting cancelled"  # why a cancelled meeting's messages were cancelled
INSERT_CHUNK = 500
T = TypeVar("T")


def nudge_info(request: ReflectionRequest, meeting: Meeting, partnership: Partnership) -> NudgeInfo:
    """What a reflection message (and the reflection form) says about its meeting."""
    return NudgeInfo(
        request_id=request.id,
        meeting_title=meeting.title,
        partnership_name=partnership.name,
        channel_id=partnership.channel_id,
        ended_at=meeting.ends_at,
    )


def nudge_key(request_id: int) -> str:
    return f"nudge:{request_id}"


def reminder_key(request_id: int) -> str:
    return f"reminder:{request_id}"


@dataclass(frozen=True)
class NudgeState:
    """One attendee's reflection for one meeting, as the lead sees it."""

    user_id: str
    request_status: str  # waiting, answered, skipped, cancelled
    message_status: str | None  # pending, claimed, sending, sent, failed, cancelled
    due_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    reminder_status: str | None

    @property
    def label(self) -> str:
        """waiting / sent / answered / skipped / failed / cancelled / opted out."""
        if self.request_status in ("answered", "skipped"):
            return self.request_status
        if self.request_status == "cancelled" or self.message_status == "cancelled":
            return "opted out" if self.last_error == OPTED_OUT else "cancelled"
        if self.message_status == "failed":
            return "failed"
        if self.message_status == "sent":
            return "sent"
        return "waiting"


OPTED_OUT = "opted out of nudges"


def nudge_due_at(meeting: Meeting, settings: Settings) -> datetime:
    return meeting.ends_at + settings.nudge_delay


async def schedule_reflections(
    session: AsyncSession, *, meeting: Meeting, team_id: str, settings: Settings, now: datetime
) -> int:
    """One request and one pending nudge per attendee (attendees loaded); returns how many new.

    Idempotent and safe against a concurrent caller: both inserts ignore existing rows.
    """
    if meeting.status in ("cancelled", "deleted") or meeting.id is None:
        return 0
    due = nudge_due_at(meeting, settings)
    if due < now - NUDGE_LOOKBACK:
        return 0
    user_ids = sorted({attendee.user_id for attendee in meeting.attendees})
    if not user_ids:
        return 0
    for chunk in _chunks(user_ids):
        await session.execute(
            insert_for(session, ReflectionRequest)
            .values(
                [
                    {
                        "meeting_id": meeting.id,
                        "user_id": user_id,
                        "status": "waiting",
                        "reminders_sent": 0,
                        "created_at": now,
                    }
                    for user_id in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["meeting_id", "user_id"])
        )
    requests = (
        await session.execute(
            select(ReflectionRequest.id, ReflectionRequest.user_id).where(
                ReflectionRequest.meeting_id == meeting.id,
                ReflectionRequest.status == "waiting",
            )
        )
    ).all()
    wanted = set(user_ids)
    made = 0
    for chunk in _chunks([(rid, uid) for rid, uid in requests if uid in wanted]):
        result = await session.execute(
            insert_for(session, ScheduledMessage)
            .values(
                [
                    {
                        "kind": NUDGE,
                        "dedupe_key": nudge_key(request_id),
                        "team_id": team_id,
                        "user_id": user_id,
                        "channel_id": None,
                        "reference_id": request_id,
                        "payload": {"meeting_id": meeting.id},
                        "due_at": due,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for request_id, user_id in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        made += max(result.rowcount or 0, 0)
    return made


def _chunks(items: list[T], size: int = INSERT_CHUNK) -> list[list[T]]:
    """Multi-row inserts in pieces: PostgreSQL takes at most 32,767 parameters a statement."""
    return [items[start : start + size] for start in range(0, len(items), size)]


async def reschedule_reflections(
    session: AsyncSession, *, meeting: Meeting, settings: Settings, now: datetime
) -> None:
    """The meeting moved: nudges not yet sent get the new due time; sent ones are left alone.

    A claimed row goes back to pending, so the dispatcher holding it loses its claim and
    never sends it at the old time.
    """
    await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.kind == NUDGE,
            ScheduledMessage.status.in_(OPEN_STATUSES),
            ScheduledMessage.reference_id.in_(_request_ids(meeting.id)),
        )
        .values(
            due_at=nudge_due_at(meeting, settings),
            status="pending",
            claimed_by=None,
            lease_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def cancel_reflections(session: AsyncSession, *, meeting_id: int, now: datetime) -> int:
    """Pending/claimed nudges and reminders of the meeting -> cancelled; waiting requests too."""
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.kind.in_(REFLECTION_KINDS),
            ScheduledMessage.status.in_(OPEN_STATUSES),
            ScheduledMessage.reference_id.in_(_request_ids(meeting_id)),
        )
        .values(
            status="cancelled",
            claimed_by=None,
            lease_until=None,
            last_error=MEETING_CANCELLED,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(ReflectionRequest)
        .where(ReflectionRequest.meeting_id == meeting_id, ReflectionRequest.status == "waiting")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


async def reinstate_reflections(
    session: AsyncSession, *, meeting: Meeting, settings: Settings, now: datetime
) -> None:
    """The cancelled meeting is back: what its cancellation stopped waits again, and its
    nudges are due at its (new) time. Messages stopped for another reason (someone opted
    out, answered, skipped) stay stopped; a meeting too long ago gets no nudge, as when new.
    """
    if nudge_due_at(meeting, settings) < now - NUDGE_LOOKBACK:
        return
    await session.execute(
        update(ReflectionRequest)
        .where(ReflectionRequest.meeting_id == meeting.id, ReflectionRequest.status == "cancelled")
        .values(status="waiting")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.kind.in_(REFLECTION_KINDS),
            ScheduledMessage.status == "cancelled",
            ScheduledMessage.last_error == MEETING_CANCELLED,
            ScheduledMessage.reference_id.in_(_request_ids(meeting.id)),
        )
        .values(status="pending", last_error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await reschedule_reflections(session, meeting=meeting, settings=settings, now=now)


async def nudge_states(
    session: AsyncSession, *, meeting_ids: list[int]
) -> dict[int, list[NudgeState]]:
    """Per meeting, each attendee's request and nudge state (for /partnership meetings)."""
    states: dict[int, list[NudgeState]] = {meeting_id: [] for meeting_id in meeting_ids}
    if not meeting_ids:
        return states
    requests = (
        await session.scalars(
            select(ReflectionRequest)
            .where(ReflectionRequest.meeting_id.in_(meeting_ids))
            .order_by(ReflectionRequest.meeting_id, ReflectionRequest.user_id)
        )
    ).all()
    messages: dict[tuple[str, int], ScheduledMessage] = {}
    if requests:
        rows = await session.scalars(
            select(ScheduledMessage).where(
                ScheduledMessage.kind.in_(REFLECTION_KINDS),
                ScheduledMessage.reference_id.in_([request.id for request in requests]),
            )
        )
        for row in rows:
            if row.reference_id is not None:
                messages[(row.kind, row.reference_id)] = row
    for request in requests:
        nudge = messages.get((NUDGE, request.id))
        reminder = messages.get((REMINDER, request.id))
        failed = reminder if reminder is not None and reminder.status == "failed" else nudge
        states[request.meeting_id].append(
            NudgeState(
                user_id=request.user_id,
                request_status=request.status,
                message_status=nudge.status if nudge else None,
                due_at=nudge.due_at if nudge else None,
                sent_at=nudge.sent_at if nudge else None,
                last_error=failed.last_error if failed else None,
                reminder_status=reminder.status if reminder else None,
            )
        )
    return states


def _request_ids(meeting_id: int) -> Select[tuple[int]]:
    return select(ReflectionRequest.id).where(ReflectionRequest.meeting_id == meeting_id)


# ---------------------------------------------------------------- preparing due messages


TZ_FRESH_FOR = timedelta(days=7)
TZ_UNKNOWN_RETRY = timedelta(minutes=5)


@dataclass(frozen=True)
class Send:
    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class Later:
    due_at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class Drop:
    reason: str


Decision = Send | Later | Drop


async def people_needing_tz(
    session: AsyncSession, *, user_ids: set[str], now: datetime
) -> set[str]:
    """Who has no time zone on record, or one older than a week."""
    if not user_ids:
        return set()
    known = await session.execute(
        select(PersonSettings.user_id, PersonSettings.tz, PersonSettings.tz_checked_at).where(
            PersonSettings.user_id.in_(user_ids)
        )
    )
    fresh = {
        user_id
        for user_id, tz, checked in known
        if tz and checked is not None and checked > now - TZ_FRESH_FOR
    }
    return user_ids - fresh


async def save_tz(
    session: AsyncSession, *, user_id: str, team_id: str | None, tz: str, now: datetime
) -> None:
    await session.execute(
        insert_for(session, PersonSettings)
        .values(
            user_id=user_id,
            team_id=team_id,
            tz=tz,
            tz_checked_at=now,
            **default_hours(),
            opted_out=False,
            updated_at=now,
        )
        .on_conflict_do_update(index_elements=["user_id"], set_={"tz": tz, "tz_checked_at": now})
    )


def default_hours() -> dict[str, str]:
    """The PersonSettings hours columns of someone who has not set theirs."""
    return dict(zip(("work_days", "work_start", "work_end"), WorkingHours().columns(), strict=True))


async def prepare(
    session: AsyncSession, *, rows: list[ScheduledMessage], now: datetime
) -> dict[int, Decision]:
    """For each claimed reflection row: send it now (and what), wait, or drop it (and why).
    Rows of other kinds (e.g. the digest) are left to their own use case."""
    rows = [row for row in rows if row.kind in REFLECTION_KINDS]
    request_ids = {row.reference_id for row in rows if row.reference_id is not None}
    requests = {
        request.id: request
        for request in await session.scalars(
            select(ReflectionRequest).where(ReflectionRequest.id.in_(request_ids))
        )
    }
    meeting_ids = {request.meeting_id for request in requests.values()}
    meetings = {
        meeting.id: (meeting, partnership)
        for meeting, partnership in await session.execute(
            select(Meeting, Partnership)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(Meeting.id.in_(meeting_ids))
        )
    }
    people = {
        person.user_id: person
        for person in await session.scalars(
            select(PersonSettings).where(
                PersonSettings.user_id.in_({row.user_id for row in rows if row.user_id})
            )
        )
    }
    decisions: dict[int, Decision] = {}
    for row in rows:
        request = requests.get(row.reference_id or -1)
        found = meetings.get(request.meeting_id) if request else None
        person = people.get(row.user_id or "")
        if request is None or found is None:
            decisions[row.id] = Drop("the meeting was deleted")
            continue
        meeting, partnership = found
        if meeting.status in ("cancelled", "deleted"):
            decisions[row.id] = Drop(f"meeting {meeting.status}")
        elif request.status != "waiting":
            decisions[row.id] = Drop(f"not needed: reflection {request.status}")
        elif person is not None and person.opted_out:
            decisions[row.id] = Drop(OPTED_OUT)
        elif (wait := wait_for_working_hours(person, now)) is not None:
            decisions[row.id] = wait
        else:
            info = nudge_info(request, meeting, partnership)
            if row.kind == NUDGE:
                text, blocks = cards.nudge_message(info)
            else:
                snoozed = bool((row.payload or {}).get("snoozed"))
                text, blocks = cards.reminder_message(info, snoozed=snoozed)
            decisions[row.id] = Send(text, blocks)
    return decisions


def wait_for_working_hours(person: PersonSettings | None, now: datetime) -> Later | None:
    """None when a message may reach the person now; else when to look again."""
    if person is None or not person.tz:
        return Later(now + TZ_UNKNOWN_RETRY, "time zone not known yet")
    hours = WorkingHours.stored(person.work_days, person.work_start, person.work_end)
    slot = next_working_slot(now, person.tz, hours)
    return Later(slot) if slot > now else None


async def record_sent(
    session: AsyncSession,
    *,
    sent: list[tuple[ScheduledMessage, str, str]],
    settings: Settings,
    now: datetime,
) -> None:
    """(row, DM channel, ts) per sent message: remember where each DM went, count reminders,
    and after a first nudge queue its one reminder (the dedupe key makes a second impossible).
    """
    reflection = [
        item
        for item in sent
        if item[0].kind in REFLECTION_KINDS and item[0].reference_id is not None
    ]
    if not reflection:
        return
    table = ReflectionRequest.__table__
    await session.execute(
        table.update()
        .where(table.c.id == bindparam("request_id"))
        .values(
            dm_channel_id=bindparam("channel"),
            message_ts=bindparam("ts"),
            reminders_sent=table.c.reminders_sent + bindparam("reminded"),
        ),
        [
            {
                "request_id": row.reference_id,
                "channel": channel,
                "ts": ts,
                "reminded": 1 if row.kind == REMINDER else 0,
            }
            for row, channel, ts in reflection
        ],
    )
    firsts = [row for row, _, _ in reflection if row.kind == NUDGE]
    if firsts:
        await session.execute(
            insert_for(session, ScheduledMessage)
            .values(
                [
                    {
                        "kind": REMINDER,
                        "dedupe_key": reminder_key(row.reference_id or 0),
                        "team_id": row.team_id,
                        "user_id": row.user_id,
                        "channel_id": None,
                        "reference_id": row.reference_id,
                        "payload": row.payload,
                        "due_at": now + settings.reminder_after,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for row in firsts
                ]
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
