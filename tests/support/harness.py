"""The app under test: the real Bolt app behind the real front door, a fake Slack, real storage."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.async_app import AsyncApp

from bot.db.engine import Database
from bot.plumbing.budget import Budget
from bot.plumbing.clock import ManualClock
from bot.plumbing.config import Settings
from bot.services import Services
from bot.serving.bolt_app import build_app, prepare_services
from bot.serving.web_app import build_web_app
from questions.bank import Bank
from tests.support import signing
from tests.support.blockkit import check_call
from tests.support.fake_slack import FakeSlack

# Tests dispatch with process_before_response=True, so a request's time includes all of its
# follow-up work; on a busy test machine that must not turn into a "try again" answer. The
# tests of the budget itself pass Budget(), the production one.
TEST_BUDGET = Budget(answer_seconds=60, dispatch_seconds=60)
START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday morning


def settings_for(database_url: str, fake: FakeSlack, **extra: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "DATABASE_URL": database_url,
        "SLACK_API_BASE_URL": fake.base_url,
        **extra,
    }
    return Settings.from_env(env)


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Harness:
    """Sends really signed requests to POST /slack/events and exposes what the fake Slack saw."""

    def __init__(self, services: Services, bolt: AsyncApp, fake: FakeSlack, clock: ManualClock):
        self.services = services
        self.bolt = bolt
        self.fake = fake
        self.clock = clock
        self.client: TestClient | None = None

    async def start(self) -> None:
        self.client = TestClient(TestServer(build_web_app(self.bolt, self.services)))
        await self.client.start_server()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        await self.services.close()
        await self.services.db.dispose()

    async def post(self, body: str, headers: Mapping[str, str] | None = None) -> Reply:
        assert self.client is not None
        sent = dict(signing.signed_headers(body)) if headers is None else dict(headers)
        response = await self.client.post("/slack/events", data=body.encode(), headers=sent)
        reply = Reply(status=response.status, text=await response.text())
        await self.settle()
        return reply

    async def settle(self) -> None:
        """Wait for the follow-ups of what was sent (confirmations, counts refreshes)."""
        await self.services.background.drain()

    async def command(self, text: str = "", **kwargs: Any) -> Reply:
        return await self.post(signing.slash_command(text, **kwargs))

    async def click(self, action_id: str, value: str, **kwargs: Any) -> Reply:
        return await self.post(signing.block_action(action_id=action_id, value=value, **kwargs))

    async def submit(self, callback_id: str, values: dict[str, Any], **kwargs: Any) -> Reply:
        return await self.post(
            signing.view_submission(callback_id=callback_id, values=values, **kwargs)
        )

    def db(self) -> Database:
        return self.services.db

    def assert_payloads_valid(self) -> None:
        for call in self.fake.calls:
            check_call(call)


async def make_harness(
    database_url: str,
    fake: FakeSlack,
    *,
    schema: str | None = None,
    bank: Bank | None = None,
    busy_timeout_ms: int | None = None,
    budget: Budget = TEST_BUDGET,
    **env: str,
) -> Harness:
    """`schema`: PostgreSQL tests share one database, each test in a schema of its own."""
    settings = settings_for(database_url, fake, **env)
    clock = ManualClock(START)
    db_options = {} if busy_timeout_ms is None else {"busy_timeout_ms": busy_timeout_ms}
    services = await prepare_services(
        settings,
        clock=clock,
        bank=bank,
        db=Database(settings.database_url, schema=schema, **db_options),
        budget=budget,
    )
    bolt = build_app(services, process_before_response=True)
    harness = Harness(services, bolt, fake, clock)
    await harness.start()
    return harness
