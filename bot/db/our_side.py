"""Reads and writes for our side's own material: the partnership's lead, its internal
channel, and the reflections its weekly digest adds up. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.checks import latest_per_partnership
from bot.db.models import (
    Check,
    Meeting,
    Partnership,
    QuestionVersion,
    ReflectionRequest,
)
from bot.db.models import ReflectionAnswer as StoredAnswer
from bot.domain.digest import MeetingHeld, ReflectionAnswer

GONE_MEETINGS = ("cancelled", "deleted")


async def leads(
    *, session: AsyncSession, partnership_ids: Collection[int] | None = None
) -> dict[int, str]:
    """partnership id → its lead (whoever led its latest check, else whoever started it),
    for every partnership or those given (one statement)."""
    ranked = (
        select(
            Check.partnership_id,
            Check.lead_user_id,
            func.row_number()
            .over(
                partition_by=Check.partnership_id,
                order_by=(Check.created_at.desc(), Check.id.desc()),
            )
            .label("rank"),
        )
    ).subquery()
    query = select(
        Partnership.id, func.coalesce(ranked.c.lead_user_id, Partnership.created_by)
    ).outerjoin(ranked, (ranked.c.partnership_id == Partnership.id) & (ranked.c.rank == 1))
    if partnership_ids is not None:
        query = query.where(Partnership.id.in_(partnership_ids))
    rows = await session.execute(query)
    return {partnership_id: lead for partnership_id, lead in rows}


async def set_internal_channel(
    *, session: AsyncSession, partnership_id: int, channel_id: str | None
) -> None:
    await session.execute(
        update(Partnership)
        .where(Partnership.id == partnership_id)
        .values(internal_channel_id=channel_id)
        .execution_options(synchronize_session=False)
    )


async def partnership_and_lead(
    *, session: AsyncSession, check_id: int
) -> tuple[Partnership, str] | None:
    """The check's partnership and the check's lead (who gets its our-side summary)."""
    found = (
        await session.execute(
            select(Partnership, Check.lead_user_id)
            .join(Check, Check.partnership_id == Partnership.id)
            .where(Check.id == check_id)
        )
    ).first()
    return (found[0], found[1]) if found else None


async def latest_our_side_summaries(
    *, session: AsyncSession, partnership_ids: Collection[int]
) -> dict[int, tuple[dict, datetime]]:
    """Per partnership: the latest summary of a check asked of our side only, and when."""
    if not partnership_ids:
        return {}
    ranked = latest_per_partnership(
        Check.partnership_id.in_(partnership_ids),
        Check.ours_only.is_(True),
        Check.summary.is_not(None),
    )
    rows = await session.execute(
        select(Check.partnership_id, Check.summary, Check.closed_at, Check.created_at)
        .join(ranked, ranked.c.id == Check.id)
        .where(ranked.c.rank == 1)
    )
    return {
        row.partnership_id: (row.summary, row.closed_at or row.created_at)
        for row in rows
        if row.summary is not None
    }


# ---------------------------------------------------------------- the digest


async def meetings_held(
    *, session: AsyncSession, since: Mapping[int, datetime], until: datetime
) -> dict[int, list[MeetingHeld]]:
    """Per partnership (id → since): its meetings that ended in (since, until], oldest first,
    with their reflections counted. One statement however many partnerships."""
    found: dict[int, list[MeetingHeld]] = {partnership_id: [] for partnership_id in since}
    if not since:
        return found
    asked = func.count(ReflectionRequest.id).filter(ReflectionRequest.status != "cancelled")
    answered = func.count(ReflectionRequest.id).filter(ReflectionRequest.status == "answered")
    rows = await session.execute(
        select(Meeting.partnership_id, Meeting.title, Meeting.ends_at, asked, answered)
        .outerjoin(ReflectionRequest, ReflectionRequest.meeting_id == Meeting.id)
        .where(
            Meeting.partnership_id.in_(since),
            Meeting.ends_at > min(since.values()),
            Meeting.ends_at <= until,
            Meeting.status.not_in(GONE_MEETINGS),
        )
        .group_by(Meeting.id, Meeting.partnership_id, Meeting.title, Meeting.ends_at)
        .order_by(Meeting.ends_at, Meeting.id)
    )
    for partnership_id, title, ended_at, asked_n, answered_n in rows:
        if ended_at > since[partnership_id]:
            found[partnership_id].append(
                MeetingHeld(title=title, ended_at=ended_at, asked=asked_n, answered=answered_n)
            )
    return found


async def reflections_answered(
    *, session: AsyncSession, since: Mapping[int, datetime], until: datetime
) -> dict[int, list[ReflectionAnswer]]:
    """Per partnership (id → since): every answer of every reflection answered in
    (since, until], whichever meeting it was about. One statement."""
    found: dict[int, list[ReflectionAnswer]] = {partnership_id: [] for partnership_id in since}
    if not since:
        return found
    rows = await session.execute(
        select(
            Meeting.partnership_id,
            ReflectionRequest.answered_at,
            ReflectionRequest.meeting_id,
            ReflectionRequest.user_id,
            QuestionVersion.question_id,
            StoredAnswer.value,
            StoredAnswer.comment,
            StoredAnswer.shared,
        )
        .join(ReflectionRequest, ReflectionRequest.id == StoredAnswer.request_id)
        .join(Meeting, Meeting.id == ReflectionRequest.meeting_id)
        .join(QuestionVersion, QuestionVersion.id == StoredAnswer.question_version_id)
        .where(
            Meeting.partnership_id.in_(since),
            ReflectionRequest.status == "answered",
            ReflectionRequest.answered_at > min(since.values()),
            ReflectionRequest.answered_at <= until,
        )
        .order_by(ReflectionRequest.answered_at, ReflectionRequest.id, QuestionVersion.id)
    )
    for row in rows:
        if row.answered_at > since[row.partnership_id]:
            found[row.partnership_id].append(
                ReflectionAnswer(
                    meeting_id=row.meeting_id,
                    user_id=row.user_id,
                    question_id=row.question_id,
                    value=row.value,
                    comment=row.comment,
                    shared=bool(row.shared),
                )
            )
    return found


async def set_digest_through(
    *, session: AsyncSession, partnership_id: int, through: datetime
) -> None:
    """Only ever moves forward, so a late record of an older digest changes nothing."""
    await session.execute(
        update(Partnership)
        .where(
            Partnership.id == partnership_id,
            (Partnership.digest_through.is_(None)) | (Partnership.digest_through < through),
        )
        .values(digest_through=through)
        .execution_options(synchronize_session=False)
    )
