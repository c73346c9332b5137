"""A migrated database and helpers to make partnerships and meetings for nudge tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.db.engine import Database
from bot.db.models import Meeting
from bot.plumbing.clock import ManualClock
from bot.plumbing.config import Settings
from bot.services import Services
from bot.serving.bolt_app import build_client, prepare_services
from bot.usecases.nudges import schedule_reflections
from tests.support import seeding
from tests.support.harness import settings_for

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
    """seeding.add_meeting with the nudge tests' team and clock."""
    return await seeding.add_meeting(
        db, attendees=attendees, ends_at=ends_at, channel_id=channel_id, team_id=TEAM, now=START
    )


@pytest.fixture
async def services(database: tuple[str, str | None], fake_slack) -> AsyncIterator[Services]:
    """The real services on a ManualClock at START, talking to the fake Slack."""
    url, schema = database
    app_settings = settings_for(url, fake_slack, PARTNERCHECK_SLACK_RATE="1000")
    built = await prepare_services(
        app_settings,
        clock=ManualClock(START),
        client=build_client(app_settings),
        db=Database(app_settings.database_url, schema=schema),
    )
    try:
        yield built
    finally:
        await built.db.dispose()


async def plan_meeting(
    services: Services, *, attendees: list[str], ends_at: datetime, channel_id: str = "C0PARTNER"
) -> Meeting:
    """A meeting with its reflections scheduled, as the meetings use cases do it."""
    meeting = await add_meeting(
        services.db, attendees=attendees, ends_at=ends_at, channel_id=channel_id
    )
    async with services.db.unit_of_work() as session:
        await schedule_reflections(
            session,
            meeting=meeting,
            team_id=TEAM,
            settings=services.settings,
            now=services.clock.now(),
        )
    return meeting
