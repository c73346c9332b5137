"""Fresh databases for tests that start real `partnercheck` processes.

A process cannot be handed a schema, so the PostgreSQL variant is a whole new database in the
server TEST_DATABASE_URL names, dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import BACKENDS, POSTGRES_URL

ROOT = Path(__file__).parents[2]


@pytest.fixture(params=BACKENDS)
async def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """DATABASE_URL of a database nobody has touched: a new SQLite file or PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'partnercheck.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set, so the PostgreSQL variant is skipped")
    name = f"pc_{uuid.uuid4().hex[:12]}"
    server = make_url(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"))
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def app_env(**settings: str) -> dict[str, str]:
    """The environment for a `partnercheck` child: ours minus Slack/database settings, plus
    `settings`."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DATABASE_", "PARTNERCHECK_", "LOG_"))
    }
    return {**clean, "PYTHONPATH": str(ROOT), **settings}


def partnercheck(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Children a test starts; any still running at the end are killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
