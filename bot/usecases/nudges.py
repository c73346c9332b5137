"""Reflection nudges for a meeting: schedule, move, cancel, and report their state.

These run inside the caller's transaction (the caller owns the session), so the meetings
use cases can create a meeting and its nudges atomically. Delivery is bot.delivery's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import Meeting, ReflectionRequest, ScheduledMessage
from bot.db.upsert import insert_for

NUDGE = "reflection_nudge"
REMINDER = "reflection_reminder"
REFLECTION_KINDS = (NUDGE, REMINDER)
# A meeting that ended longer ago than this gets no nudge (e.g. a calendar feed's history).
NUDGE_LOOKBACK = timedelta(days=2)
OPEN_STATUSES = ("pending", "claimed")


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
    if meeting.status == "cancelled" or meeting.id is None:
        return 0
    due = nudge_due_at(meeting, settings)
    if due < now - NUDGE_LOOKBACK:
        return 0
    user_ids = sorted({attendee.user_id for attendee in meeting.attendees})
    if not user_ids:
        return 0
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
                for user_id in user_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["meeting_id", "user_id"])
    )
    requests = (
        await session.execute(
            select(ReflectionRequest.id, ReflectionRequest.user_id).where(
                ReflectionRequest.meeting_id == meeting.id,
                ReflectionRequest.user_id.in_(user_ids),
                ReflectionRequest.status == "waiting",
            )
        )
    ).all()
    if not requests:
        return 0
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
                for request_id, user_id in requests
            ]
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return max(result.rowcount or 0, 0)


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
            last_error="meeting cancelled",
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
