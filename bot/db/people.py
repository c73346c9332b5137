"""People's names as Slack gave them, looked up once. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person
from bot.db.upsert import insert_for

NAME_MAX = 200


async def known(*, session: AsyncSession, user_ids: Collection[str]) -> dict[str, Person]:
    if not user_ids:
        return {}
    rows = await session.scalars(select(Person).where(Person.user_id.in_(list(user_ids))))
    return {person.user_id: person for person in rows.all()}


async def remember(
    *, session: AsyncSession, people: Sequence[tuple[str, str | None, str]], now: datetime
) -> None:
    """(user id, team id, name) of people looked up; one already known keeps its row."""
    if not people:
        return
    await session.execute(
        insert_for(session, Person)
        .values(
            [
                {"user_id": uid, "team_id": team, "name": name[:NAME_MAX], "resolved_at": now}
                for uid, team, name in people
            ]
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
