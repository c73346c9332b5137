"""Two or four copies of the dispatcher on one database keep PARTNERCHECK_SLACK_RATE together,
and every copy takes a share of the sends.

Measured on what the fake Slack recorded: the time each chat.postMessage arrived.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.background.delivery import Dispatcher, RunReport
from bot.db.engine import Database
from bot.db.models import ScheduledMessage
from bot.plumbing.clock import ManualClock
from bot.services import Services
from bot.serving.bolt_app import build_client, prepare_services
from tests.nudges.conftest import START, TEAM
from tests.support.fake_slack import FakeSlack
from tests.support.harness import settings_for
from tests.support.seeding import seed_due_reflections

RATE = 10  # sends per second per workspace
MESSAGES = 200
WINDOW = 1.0  # seconds


@pytest.fixture(params=[2, 4], ids=lambda n: f"{n}-copies")
async def copies(
    request: pytest.FixtureRequest, database: tuple[str, str | None], fake_slack: FakeSlack
) -> AsyncIterator[list[Services]]:
    url, schema = database
    settings = settings_for(url, fake_slack, PARTNERCHECK_SLACK_RATE=str(RATE))
    clock = ManualClock(START)
    built: list[Services] = []
    for _ in range(request.param):
        built.append(
            await prepare_services(
                settings,
                clock=clock,
                client=build_client(settings),
                db=Database(settings.database_url, schema=schema),
            )
        )
    try:
        yield built
    finally:
        for services in built:
            await services.db.dispose()


async def ticking(dispatcher: Dispatcher) -> RunReport:
    """Ticks of one copy until nothing due is waiting to be claimed; what they sent."""
    services = dispatcher.services
    total = RunReport()
    while True:
        total.sent += (await dispatcher.run_once()).sent
        async with services.db.reading() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(ScheduledMessage)
                .where(
                    ScheduledMessage.status == "pending",
                    ScheduledMessage.due_at <= services.clock.now(),
                )
            )
        if not left:
            return total


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(
        sum(1 for later in ordered[i:] if later < start + window) for i, start in enumerate(ordered)
    )


async def test_copies_together_keep_the_workspace_rate(
    copies: list[Services], fake_slack: FakeSlack
) -> None:
    people = [f"U{n:05d}" for n in range(MESSAGES)]
    first = copies[0]
    due = await seed_due_reflections(
        first, people=people, channel_id="C0PARTNER", ends_at=START, team_id=TEAM
    )
    assert due >= MESSAGES
    first.clock.advance(first.settings.nudge_delay + timedelta(minutes=1))  # type: ignore[attr-defined]
    dispatchers = [Dispatcher(services) for services in copies]  # as `serve` builds them
    reports = await asyncio.gather(*(ticking(dispatcher) for dispatcher in dispatchers))

    sent = fake_slack.delivered("chat.postMessage")
    assert Counter(call.args["channel"] for call in sent) == Counter(people)  # each exactly once
    assert all(report.sent > 0 for report in reports)  # every copy did send
    arrivals = [call.at for call in sent]
    span = max(arrivals) - min(arrivals)
    combined_rate = (len(arrivals) - 1) / span
    print(
        f"{len(copies)} copies: combined rate {combined_rate:.2f}/s with the setting at {RATE}/s, "
        f"sent per copy {[report.sent for report in reports]}"
    )
    # over the run, within the setting (sends start 1.02 / RATE apart; each copy pacing
    # itself alone would make this the setting times the copies)
    assert combined_rate <= RATE
    # arrival times wobble by the time each call takes (more on a loaded machine), so a one
    # second window may hold a few more than RATE × WINDOW; never the double
    assert most_in_any_window(arrivals, WINDOW) <= RATE * WINDOW + 3
