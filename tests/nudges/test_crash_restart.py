"""The real app (`python -m bot.cli serve`) is killed with SIGKILL in the middle of a batch of
nudges and started again: every nudge arrives exactly once.

Messages in flight at the kill (`sending`) may or may not have reached the fake. After the
restart the app asks the fake's conversations.history whether each one landed (its Slack
metadata names its row): found, it is recorded as sent; not found, it is sent again. Either
way each person gets their nudge once.

This test drives a real process, so it waits for it (polling the fake and the database
with a deadline); no assertion depends on timing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.background.delivery import SEND_LEASE
from bot.db.engine import Database
from bot.db.models import ScheduledMessage
from bot.plumbing.clock import SystemClock
from bot.plumbing.config import normalise_database_url
from bot.serving.bolt_app import build_client, prepare_services
from bot.usecases.nudges import NUDGE
from tests.conftest import POSTGRES_URL
from tests.support import signing
from tests.support.harness import settings_for
from tests.support.seeding import seed_due_reflections

COUNT = 300
CONCURRENCY = 16  # Dispatcher's default: the most rows that can be in flight at a kill
DEADLINE = SEND_LEASE.total_seconds() + 60


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own (the app process cannot be pointed at a schema)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set, so the PostgreSQL variant is skipped")
    raw = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    name = f"crash_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(raw)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield normalise_database_url(raw.rsplit("/", 1)[0] + "/" + name)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed(url: str, fake) -> None:
    settings = settings_for(url, fake)
    services = await prepare_services(
        settings, clock=SystemClock(), client=build_client(settings), db=Database(url)
    )
    try:
        made = await seed_due_reflections(
            services,
            people=[f"U{n:05d}" for n in range(COUNT)],
            channel_id="C0CRASH",
            ends_at=services.clock.now() - timedelta(hours=1),
            team_id="T0OURS",
        )
        assert made == COUNT
    finally:
        await services.db.dispose()


def start_app(url: str, fake, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "DATABASE_URL": url,
        "SLACK_API_BASE_URL": fake.base_url,
        "PARTNERCHECK_TICK_SECONDS": "0.2",
        "PARTNERCHECK_SLACK_RATE": "1000",
        "PARTNERCHECK_CLAIM_LEASE_SECONDS": "2",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port())],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )


async def wait_for(condition, what: str, process: subprocess.Popen[bytes]) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + DEADLINE
    while not await condition():
        if process.poll() is not None:
            raise AssertionError(f"the app exited ({process.returncode}) before {what}")
        if loop.time() > give_up:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def nudge_statuses(url: str) -> Counter[str]:
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            found = await session.execute(
                select(ScheduledMessage.status, func.count())
                .where(ScheduledMessage.kind == NUDGE)
                .group_by(ScheduledMessage.status)
            )
            return Counter(dict(found.all()))
    finally:
        await db.dispose()


async def test_killed_mid_batch_and_restarted_loses_nothing_and_sends_nothing_twice(
    database_url: str, fake_slack, tmp_path: Path
):
    await seed(database_url, fake_slack)
    fake_slack.message_clock = time.time  # the app runs on the real clock: so do Slack's ts
    fake_slack.delay_seconds = 0.05  # calls in flight when the kill comes
    log = tmp_path / "app.log"

    def posts() -> int:
        return len(fake_slack.calls_to("chat.postMessage"))

    first = start_app(database_url, fake_slack, log)
    try:

        async def some_sent() -> bool:
            return posts() >= COUNT // 3

        await wait_for(some_sent, "the first third of the nudges", first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = await nudge_statuses(database_url)
    assert at_kill["pending"] + at_kill["claimed"] > 0, f"the kill came too late: {at_kill}"

    fake_slack.delay_seconds = 0
    second = start_app(database_url, fake_slack, log)
    try:

        async def settled() -> bool:
            left = await nudge_statuses(database_url)
            return not any(left[s] for s in ("pending", "claimed", "sending", "unsure", "checking"))

        await wait_for(settled, "every nudge to be settled", second)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()

    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            rows = (
                await session.execute(
                    select(
                        ScheduledMessage.user_id,
                        ScheduledMessage.status,
                        ScheduledMessage.last_error,
                    ).where(ScheduledMessage.kind == NUDGE)
                )
            ).all()
    finally:
        await db.dispose()
    delivered = Counter(str(c.args["channel"]) for c in fake_slack.delivered("chat.postMessage"))
    statuses = Counter(status for _, status, _ in rows)
    assert len(rows) == COUNT and statuses == {"sent": COUNT}, statuses
    assert sorted(delivered) == sorted(user for user, _, _ in rows)  # nothing lost
    assert max(delivered.values()) == 1  # nothing twice
    checked = len(fake_slack.calls_to("conversations.history"))
    assert checked <= CONCURRENCY  # only the sends in flight at the kill needed a check
    print(f"at the kill {dict(at_kill)}; {checked} in-flight sends checked; all sent once")
