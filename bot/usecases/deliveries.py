"""Replays: a delivery Slack (or anyone) sends twice has no second effect."""

from __future__ import annotations

from datetime import timedelta

from bot.db import deliveries
from bot.services import Services

# Slack retries an event up to three times within about an hour; signatures go stale in 5 min.
KEEP_KEYS_FOR = timedelta(hours=2)


async def first_delivery(services: Services, key: str) -> bool:
    """True the first time `key` is seen, False for every replay."""
    async with services.db.unit_of_work() as session:
        return await deliveries.claim(session=session, key=key, now=services.clock.now())


async def prune_deliveries(services: Services) -> int:
    """Forget keys older than any retry or replay could be; returns how many."""
    async with services.db.unit_of_work() as session:
        return await deliveries.forget_before(
            session=session, moment=services.clock.now() - KEEP_KEYS_FOR
        )
