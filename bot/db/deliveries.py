"""Keys of deliveries already handled (table seen_deliveries). The caller owns the transaction.

claim_many and forget serve the answer writer's batches, on a synchronous Connection.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import SeenDelivery
from bot.db.upsert import insert_for, insert_on


async def claim(*, session: AsyncSession, key: str, now: datetime) -> bool:
    """Record `key`; False when it was recorded before (the delivery is a replay)."""
    statement = insert_for(session, SeenDelivery).values(key=key, seen_at=now)
    result = await session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))
    return result.rowcount == 1


async def forget_before(*, session: AsyncSession, moment: datetime) -> int:
    result = await session.execute(delete(SeenDelivery).where(SeenDelivery.seen_at < moment))
    return result.rowcount or 0


def claim_many(*, connection: Connection, keys: Collection[str], now: datetime) -> set[str]:
    """Record each of `keys` in one statement; returns those not recorded before."""
    if not keys:
        return set()
    # executemany of a statement compiled once (SQLAlchemy sends it as one multi-row INSERT)
    result = connection.execute(
        _claim(connection.dialect.name), [{"key": key, "seen_at": now} for key in keys]
    )
    return set(result.scalars())


@functools.cache
def _claim(dialect: str) -> Any:
    return (
        insert_on(dialect, SeenDelivery)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(SeenDelivery.key)
    )


def forget(*, connection: Connection, keys: Collection[str]) -> None:
    """Un-record keys claimed in this transaction whose delivery was refused after all."""
    if keys:
        connection.execute(delete(SeenDelivery).where(SeenDelivery.key.in_(list(keys))))
