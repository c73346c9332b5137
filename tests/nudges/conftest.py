"""A migrated database and helpers to make partnerships and meetings for nudge tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.db.engine import Database
from bot.db.models import Meeting, MeetingAttendee, Partnership

TEAM = "T0OURS"
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
async def db(database: tuple[str, str | None]) -> AsyncIterator[Database]:
    url, schema = database
    store = Database(url, schema=schema)
    await store.migrate()
    try:
        yield store
    finally:
        await store.dispose()


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env({"DATABASE_URL": "sqlite:///unused.db"})


async def add_meeting(
    db: Database,
    *,
    attendees: list[str],
    ends_at: datetime = START,
    channel_id: str = "C0PARTNER",
) -> Meeting:
    """A partnership (made once per channel) and a manual meeting with `attendees` loaded."""
    from sqlalchemy import select

    async with db.unit_of_work() as session:
        partnership = await session.scalar(
            select(Partnership).where(Partnership.channel_id == channel_id)
        )
        if partnership is None:
            partnership = Partnership(
                team_id=TEAM,
                channel_id=channel_id,
                name="Acme",
                created_by="ULEAD",
                created_at=START,
            )
            session.add(partnership)
            await session.flush()
        meeting = Meeting(
            partnership_id=partnership.id,
            title="Weekly",
            starts_at=ends_at - timedelta(hours=1),
            ends_at=ends_at,
            status="scheduled",
            source="manual",
            created_at=START,
            updated_at=START,
            attendees=[MeetingAttendee(user_id=user_id) for user_id in attendees],
        )
        session.add(meeting)
        await session.flush()
    return meeting
