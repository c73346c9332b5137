"""Practice leads and retired questions, per workspace. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PracticeLead, RetiredQuestion
from bot.db.upsert import insert_for


async def add_lead(
    *, session: AsyncSession, team_id: str, user_id: str, by: str, now: datetime
) -> bool:
    """False when they already were one."""
    result = await session.execute(
        insert_for(session, PracticeLead)
        .values(team_id=team_id, user_id=user_id, added_by=by, added_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    )
    return (result.rowcount or 0) > 0


async def remove_lead(*, session: AsyncSession, team_id: str, user_id: str) -> bool:
    result = await session.execute(
        delete(PracticeLead).where(PracticeLead.team_id == team_id, PracticeLead.user_id == user_id)
    )
    return (result.rowcount or 0) > 0  # type: ignore[attr-defined]


async def leads(*, session: AsyncSession, team_id: str) -> list[PracticeLead]:
    return list(
        (
            await session.scalars(
                select(PracticeLead)
                .where(PracticeLead.team_id == team_id)
                .order_by(PracticeLead.added_at, PracticeLead.user_id)
            )
        ).all()
    )


async def is_lead(*, session: AsyncSession, team_id: str, user_id: str) -> bool:
    return await session.get(PracticeLead, (team_id, user_id)) is not None


async def retire(
    *, session: AsyncSession, team_id: str, question_id: str, by: str, now: datetime
) -> bool:
    result = await session.execute(
        insert_for(session, RetiredQuestion)
        .values(team_id=team_id, question_id=question_id, retired_by=by, retired_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "question_id"])
    )
    return (result.rowcount or 0) > 0


async def restore(*, session: AsyncSession, team_id: str, question_id: str) -> bool:
    result = await session.execute(
        delete(RetiredQuestion).where(
            RetiredQuestion.team_id == team_id, RetiredQuestion.question_id == question_id
        )
    )
    return (result.rowcount or 0) > 0  # type: ignore[attr-defined]


async def retired_ids(*, session: AsyncSession, team_id: str) -> frozenset[str]:
    return frozenset(
        (
            await session.scalars(
                select(RetiredQuestion.question_id).where(RetiredQuestion.team_id == team_id)
            )
        ).all()
    )
