"""Storage of next steps. The caller owns the transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import NextStep
from bot.domain.next_steps import DONE, OPEN


async def add_step(
    *,
    session: AsyncSession,
    partnership_id: int,
    check_id: int,
    text: str,
    owner_user_id: str,
    due_date: date | None,
    created_by: str,
    now: datetime,
) -> NextStep:
    step = NextStep(
        partnership_id=partnership_id,
        check_id=check_id,
        text=text,
        owner_user_id=owner_user_id,
        due_date=due_date,
        status=OPEN,
        created_by=created_by,
        created_at=now,
    )
    session.add(step)
    await session.flush()
    return step


def _carried_into(partnership_id: int, check_id: int, started_at: datetime) -> ColumnElement[bool]:
    """Steps of earlier checks that were still open when this check started."""
    return and_(
        NextStep.partnership_id == partnership_id,
        or_(NextStep.check_id.is_(None), NextStep.check_id != check_id),
        NextStep.created_at <= started_at,
        or_(NextStep.status == OPEN, NextStep.done_at >= started_at),
    )


async def steps_carried_into(
    *, session: AsyncSession, partnership_id: int, check_id: int, started_at: datetime
) -> list[NextStep]:
    rows = await session.scalars(
        select(NextStep)
        .where(_carried_into(partnership_id, check_id, started_at))
        .order_by(NextStep.created_at, NextStep.id)
    )
    return list(rows)


async def steps_for_summary(
    *, session: AsyncSession, partnership_id: int, check_id: int, started_at: datetime
) -> list[NextStep]:
    """This check's new steps and the ones carried into it, in one statement."""
    rows = await session.scalars(
        select(NextStep)
        .where(
            or_(
                and_(NextStep.partnership_id == partnership_id, NextStep.check_id == check_id),
                _carried_into(partnership_id, check_id, started_at),
            )
        )
        .order_by(NextStep.created_at, NextStep.id)
    )
    return list(rows)


async def mark_done(*, session: AsyncSession, step_id: int, now: datetime) -> bool:
    """Compare-and-set open → done; False when it was already done (or does not exist)."""
    result = await session.execute(
        update(NextStep)
        .where(NextStep.id == step_id, NextStep.status == OPEN)
        .values(status=DONE, done_at=now)
    )
    return result.rowcount == 1


async def step(*, session: AsyncSession, step_id: int) -> NextStep | None:
    return await session.get(NextStep, step_id)
