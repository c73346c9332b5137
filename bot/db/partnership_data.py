"""What each partnership holds, and deleting all of it. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Answer,
    CalendarFeed,
    Check,
    CheckSchedule,
    InstalledWorkspace,
    Meeting,
    NextStep,
    Partnership,
    ReflectionAnswer,
    ReflectionRequest,
    ScheduledMessage,
    Signal,
)
from bot.plumbing.workspace import current_team_id


@dataclass(frozen=True)
class StoredData:
    """How many rows of each kind a partnership holds."""

    checks: int
    answers: int
    next_steps: int
    meetings: int
    reflections: int  # requests to reflect on a meeting
    reflection_answers: int
    signals: int
    schedules: int
    calendar_feeds: int
    messages: int  # reflection messages sent or waiting to be sent


@dataclass(frozen=True)
class PartnershipLine:
    name: str
    channel_id: str
    team_id: str
    created_at: datetime
    checks: int
    last_check_at: datetime | None
    meetings: int


async def overview(*, session: AsyncSession) -> list[PartnershipLine]:
    """Every partnership, oldest first, with its checks and meetings counted (one statement)."""
    of_partnership = Check.partnership_id == Partnership.id
    rows = await session.execute(
        select(
            Partnership.name,
            Partnership.channel_id,
            Partnership.team_id,
            Partnership.created_at,
            _count(Check, of_partnership),
            select(func.max(Check.created_at)).where(of_partnership).scalar_subquery(),
            _count(Meeting, Meeting.partnership_id == Partnership.id),
        ).order_by(Partnership.created_at, Partnership.id)
    )
    return [PartnershipLine(*row) for row in rows]


async def stored_data(
    *, session: AsyncSession, partnership_id: int, message_kinds: Sequence[str]
) -> StoredData:
    """Everything the partnership holds, counted in one statement. `message_kinds` are the
    outbox kinds that carry a reflection request's id (reference_id)."""
    checks = select(Check.id).where(Check.partnership_id == partnership_id)
    meetings = select(Meeting.id).where(Meeting.partnership_id == partnership_id)
    requests = select(ReflectionRequest.id).where(ReflectionRequest.meeting_id.in_(meetings))
    row = (
        await session.execute(
            select(
                _count(Check, Check.partnership_id == partnership_id),
                _count(Answer, Answer.check_id.in_(checks)),
                _count(NextStep, NextStep.partnership_id == partnership_id),
                _count(Meeting, Meeting.partnership_id == partnership_id),
                _count(ReflectionRequest, ReflectionRequest.meeting_id.in_(meetings)),
                _count(ReflectionAnswer, ReflectionAnswer.request_id.in_(requests)),
                _count(Signal, Signal.partnership_id == partnership_id),
                _count(CheckSchedule, CheckSchedule.partnership_id == partnership_id),
                _count(CalendarFeed, CalendarFeed.partnership_id == partnership_id),
                _count(ScheduledMessage, _messages_of(requests, message_kinds)),
            )
        )
    ).one()
    return StoredData(*row)


async def delete_partnership(
    *, session: AsyncSession, partnership_id: int, message_kinds: Sequence[str]
) -> None:
    """The partnership and everything it holds.

    Its reflection messages (`message_kinds`) go first: the outbox refers to a reflection
    request by number, without a foreign key. The rest goes with the partnership, through the
    foreign keys' ON DELETE CASCADE.
    """
    meetings = select(Meeting.id).where(Meeting.partnership_id == partnership_id)
    requests = select(ReflectionRequest.id).where(ReflectionRequest.meeting_id.in_(meetings))
    await session.execute(
        delete(ScheduledMessage)
        .where(_messages_of(requests, message_kinds))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Partnership)
        .where(Partnership.id == partnership_id)
        .execution_options(synchronize_session=False)
    )


async def partnerships_matching(
    *, session: AsyncSession, channel_id: str | None, team_id: str | None
) -> list[Partnership]:
    """The partnership in `channel_id`, or every one (of `team_id` when given, else of the
    workspace the current work is for, if any), oldest first."""
    team_id = team_id or current_team_id()
    query = select(Partnership).order_by(Partnership.created_at, Partnership.id)
    if channel_id is not None:
        query = query.where(Partnership.channel_id == channel_id)
    if team_id is not None:
        query = query.where(Partnership.team_id == team_id)
    return list((await session.scalars(query)).all())


async def team_known(*, session: AsyncSession, team_id: str) -> bool:
    """Whether a partnership or an installation belongs to the workspace `team_id`."""
    held = select(Partnership.id).where(Partnership.team_id == team_id)
    installed = select(InstalledWorkspace.team_id).where(InstalledWorkspace.team_id == team_id)
    return bool(await session.scalar(select(held.exists() | installed.exists())))


async def next_steps_of(*, session: AsyncSession, partnership_id: int) -> list[NextStep]:
    return list(
        (
            await session.scalars(
                select(NextStep)
                .where(NextStep.partnership_id == partnership_id)
                .order_by(NextStep.created_at, NextStep.id)
            )
        ).all()
    )


def _messages_of(requests: Select[Any], kinds: Sequence[str]) -> ColumnElement[bool]:
    return ScheduledMessage.kind.in_(kinds) & ScheduledMessage.reference_id.in_(requests)


def _count(model: Any, condition: Any) -> ScalarSelect[int]:
    return select(func.count()).select_from(model).where(condition).scalar_subquery()
