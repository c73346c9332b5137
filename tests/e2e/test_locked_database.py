"""The database held by another writer, with the production timeouts and request budget:
every request is still answered, the person is told to try again (never "Saved"), /healthz
says 503, and nothing is lost once the lock is gone. Outcomes only; nothing here is timed."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import select

from bot.db.models import Answer
from bot.plumbing.budget import Budget
from handlers.errors import DATABASE_TROUBLE, TOO_SLOW
from tests.conftest import POSTGRES_URL
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, press, start_check
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness


@pytest.fixture
async def production(
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> AsyncIterator[Harness]:
    url, schema = database
    h = await make_harness(url, fake_slack, schema=schema, budget=Budget())
    try:
        yield h
    finally:
        await h.stop()


class Lock:
    """Another writer holds the database: SQLite's write lock, or PostgreSQL's answers table."""

    def __init__(self, url: str, schema: str | None) -> None:
        self.url, self.schema = url, schema
        self._sqlite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None

    async def take(self) -> None:
        if self.schema is None:
            self._sqlite = sqlite3.connect(self.url.split(":///", 1)[1], isolation_level=None)
            self._sqlite.execute("BEGIN EXCLUSIVE")
            return
        assert POSTGRES_URL
        self._pg = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
        await self._pg.execute("BEGIN")
        await self._pg.execute(f'LOCK TABLE "{self.schema}".answers IN ACCESS EXCLUSIVE MODE')

    async def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.execute("ROLLBACK")
            await self._pg.close()


async def test_a_click_on_a_locked_database_is_told_to_try_again_and_nothing_is_lost(
    production: Harness, database: tuple[str, str | None]
) -> None:
    h = production
    await start_check(h)
    lock = Lock(*database)
    await lock.take()
    try:
        await press(h, answer_button(h, "4"))  # answered 200 (press asserts it)
        told = h.fake.last("chat.postEphemeral").args
        assert told["user"] == LEAD
        assert told["text"] == DATABASE_TROUBLE
        assert not any(  # the saved note ("✓ Agree — …") is never sent
            c.args.get("text", "").startswith("✓") for c in h.fake.calls_to("chat.postEphemeral")
        )
        if database[1] is None:  # SQLite: no one can write, so the app is not healthy
            assert h.client is not None
            health = await h.client.get("/healthz")
            assert health.status == 503
            reply = await h.command("schedule weekly", user_id=LEAD, channel_id=CHANNEL)
            assert reply.status == 200
            assert reply.json()["text"] in (DATABASE_TROUBLE, TOO_SLOW)
    finally:
        await lock.release()
    await h.settle()
    await press(h, answer_button(h, "2"))
    assert h.fake.last("chat.postEphemeral").args["text"].startswith("✓ ")  # saved
    async with h.db().unit_of_work() as session:
        values = list(await session.scalars(select(Answer.value).where(Answer.user_id == LEAD)))
    assert values == ["2"]
    assert h.client is not None
    assert (await h.client.get("/healthz")).status == 200
