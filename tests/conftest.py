"""Shared fixtures: a fake Slack, a real database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.plumbing.config import normalise_database_url
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, tmp_path
) -> AsyncIterator[tuple[str, str | None]]:
    """(SQLAlchemy URL, schema): a fresh SQLite file, or a fresh schema in TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'partnercheck.db'}", None
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set, so the PostgreSQL variant is skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(raw)
    await connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield normalise_database_url(POSTGRES_URL), schema
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


@pytest.fixture
async def harness(
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> AsyncIterator[Harness]:
    url, schema = database
    app = await make_harness(url, fake_slack, schema=schema)
    try:
        yield app
        # every payload any test made the app send must pass Block Kit validation and limits
        app.assert_payloads_valid()
    finally:
        await app.stop()
