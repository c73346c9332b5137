"""Storage reads and writes behind a check's summary. The caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Check
from bot.domain.summary import AnswerFacts


async def answers_for_summary(*, session: AsyncSession, check_id: int) -> list[AnswerFacts]:
    """Every answer of the check in one statement, as plain facts (no ORM objects)."""
    rows = await session.execute(
        select(
            Answer.question_version_id, Answer.user_id, Answer.side, Answer.value, Answer.comment
        ).where(Answer.check_id == check_id)
    )
    return [AnswerFacts._make(row) for row in rows]


async def previous_summary(
    *,
    session: AsyncSession,
    partnership_id: int,
    template_id: str,
    check_id: int,
    started_before: datetime,
) -> dict[str, Any] | None:
    """The summary of the latest earlier check of the same template in this partnership."""
    return await session.scalar(
        select(Check.summary)
        .where(
            Check.partnership_id == partnership_id,
            Check.template_id == template_id,
            Check.id != check_id,
            Check.summary.is_not(None),
            Check.created_at <= started_before,
        )
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(1)
    )


async def store_summary(*, session: AsyncSession, check_id: int, summary: dict[str, Any]) -> bool:
    """Compare-and-set closed → summarised with the summary; False if someone already did."""
    result = await session.execute(
        update(Check)
        .where(Check.id == check_id, Check.status == "closed")
        .values(status="summarised", summary=summary)
    )
    return result.rowcount == 1


async def summary_of(*, session: AsyncSession, check_id: int) -> dict[str, Any] | None:
    return await session.scalar(select(Check.summary).where(Check.id == check_id))


async def latest_summary(*, session: AsyncSession, partnership_id: int) -> dict[str, Any] | None:
    return await session.scalar(
        select(Check.summary)
        .where(Check.partnership_id == partnership_id, Check.summary.is_not(None))
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(1)
    )


async def history(*, session: AsyncSession, partnership_id: int) -> list[Any]:
    """(id, template name, status, started, closed, summary) of every check, oldest first."""
    rows = await session.execute(
        select(
            Check.id,
            Check.template_name,
            Check.status,
            Check.created_at,
            Check.closed_at,
            Check.summary,
        )
        .where(Check.partnership_id == partnership_id)
        .order_by(Check.created_at, Check.id)
    )
    return list(rows.all())
