"""Per workspace, when the next Slack send may start (table slack_pace), shared by every copy
of the app. The caller owns the transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import SlackPace
from bot.db.upsert import insert_for


async def _locked_next(*, session: AsyncSession, team_id: str, now: datetime) -> datetime:
    """The workspace's next free moment, its row locked until the transaction ends (FOR UPDATE
    on PostgreSQL; on SQLite the transaction's write lock, BEGIN IMMEDIATE, serialises all)."""
    await session.execute(
        insert_for(session, SlackPace)
        .values(team_id=team_id, next_at=now)
        .on_conflict_do_nothing(index_elements=["team_id"])
    )
    next_at = await session.scalar(
        select(SlackPace.next_at).where(SlackPace.team_id == team_id).with_for_update()
    )
    assert next_at is not None
    return next_at if next_at.tzinfo else next_at.replace(tzinfo=UTC)


async def take_slots(
    *,
    session: AsyncSession,
    team_id: str,
    now: datetime,
    spacing: timedelta,
    horizon: timedelta,
    count: int,
) -> tuple[datetime, int]:
    """Reserve up to `count` of the workspace's next sends, `spacing` apart, those that may
    start within `horizon`: returns (when the first may start, how many were reserved); the
    one after them may start `spacing` after the last. Returns (the next free moment, 0) and
    reserves nothing when that is further away."""
    first = max(now, await _locked_next(session=session, team_id=team_id, now=now))
    if first - now > horizon:
        return first, 0
    fit = int((horizon - (first - now)) / spacing) + 1  # the first always fits
    taken = max(1, min(count, fit))
    await session.execute(
        update(SlackPace)
        .where(SlackPace.team_id == team_id)
        .values(next_at=first + spacing * taken)
    )
    return first, taken


async def hold_until(*, session: AsyncSession, team_id: str, until: datetime) -> None:
    """No send to the workspace starts before `until` (Slack said to wait), from any copy."""
    next_at = await _locked_next(session=session, team_id=team_id, now=until)
    if next_at < until:
        await session.execute(
            update(SlackPace).where(SlackPace.team_id == team_id).values(next_at=until)
        )
