"""The database locked or gone: the person is told to try again, we log an error, and the
app recovers on its own once the database is back."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import select

from bot.db.models import Answer
from handlers.errors import DATABASE_TROUBLE
from tests.conftest import POSTGRES_URL
from tests.e2e.checkflow import LEAD, answer_button, press, start_check
from tests.support import metrics
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness


@pytest.fixture
async def quick_harness(
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> AsyncIterator[Harness]:
    url, schema = database
    h = await make_harness(url, fake_slack, schema=schema, busy_timeout_ms=50)
    try:
        yield h
    finally:
        await h.stop()


class Outage:
    """Makes the test's database unusable and then usable again, as an operator might."""

    def __init__(self, url: str, schema: str | None) -> None:
        self.url, self.schema = url, schema
        self._sqlite: sqlite3.Connection | None = None

    async def begin(self) -> None:
        if self.schema is None:  # SQLite: another process holds the write lock
            path = self.url.split(":///", 1)[1]
            self._sqlite = sqlite3.connect(path, isolation_level=None)
            self._sqlite.execute("BEGIN EXCLUSIVE")
        else:  # PostgreSQL: the schema disappears
            await self._pg(f'ALTER SCHEMA "{self.schema}" RENAME TO "{self.schema}_away"')

    async def end(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        else:
            await self._pg(f'ALTER SCHEMA "{self.schema}_away" RENAME TO "{self.schema}"')

    async def _pg(self, statement: str) -> None:
        assert POSTGRES_URL
        connection = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


async def test_answers_during_an_outage_are_refused_politely_and_then_work(
    quick_harness: Harness, database: tuple[str, str | None], caplog: pytest.LogCaptureFixture
) -> None:
    h = quick_harness
    await start_check(h)
    await press(h, answer_button(h, "4"))
    outage = Outage(*database)
    errors = metrics.sample("partnercheck_database_errors_total")
    await outage.begin()
    try:
        caplog.set_level(logging.ERROR)
        await press(h, answer_button(h, "2"))
        assert metrics.sample("partnercheck_database_errors_total") > errors
        note = h.fake.last("chat.postEphemeral")
        assert note.args["text"] == DATABASE_TROUBLE
        assert note.args["user"] == LEAD
        assert any("Database unavailable" in r.getMessage() for r in caplog.records)
        reply = await h.command("help")  # Bolt's path: answered, not a 5xx
        assert reply.status == 200
    finally:
        await outage.end()
    await press(h, answer_button(h, "2"))
    assert h.fake.last("chat.postEphemeral").args["text"].startswith("✓ Changed to ")
    async with h.db().unit_of_work() as session:
        assert list(await session.scalars(select(Answer.value))) == ["2"]
    assert h.client is not None
    assert (await h.client.get("/healthz")).status == 200
