"""Fixtures for meetings: the app with private calendar addresses allowed, a feed server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.checkflow import CHANNEL, CHANNEL_MEMBERS
from tests.meetings.feeds import FeedServer
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def app(database: tuple[str, str | None], fake_slack: FakeSlack) -> AsyncIterator[Harness]:
    """The harness, allowed to read calendars on 127.0.0.1 (the feed server)."""
    url, schema = database
    harness = await make_harness(
        url, fake_slack, schema=schema, PARTNERCHECK_CALENDAR_ALLOW_PRIVATE="true"
    )
    # setting a calendar or a repeating check is for our side in the channel
    fake_slack.set_channel_members(CHANNEL, CHANNEL_MEMBERS)
    try:
        yield harness
    finally:
        await harness.stop()
