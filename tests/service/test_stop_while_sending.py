"""`partnercheck serve` stopped (SIGTERM) while a long queue of due messages is being sent:
it sends the messages it holds, claims no more, and stops cleanly; what it did not claim is
left pending for the next copy or the next start, nothing is sent twice."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter

from sqlalchemy import func, select

from bot.db.engine import Database
from bot.db.models import ScheduledMessage
from bot.plumbing.clock import SystemClock
from bot.serving.bolt_app import build_client, prepare_services
from tests.service.conftest import app_env, partnercheck
from tests.service.test_slack_link import STARTED_WITHIN, Served, free_port
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import settings_for
from tests.support.seeding import seed_due_reflections

RATE = 20  # per second: 600 messages are 30 s of sends, longer than the stop's 20 s grace
MESSAGES = 600
TEAM = "T0OURS"


async def test_a_copy_stopped_while_sending_finishes_what_it_holds_and_claims_no_more(
    fresh_database_url: str,
) -> None:
    async with FakeSlack() as fake:
        settings = settings_for(fresh_database_url, fake)
        services = await prepare_services(
            settings,
            clock=SystemClock(),
            client=build_client(settings),
            db=Database(settings.database_url),
        )
        try:
            made = await seed_due_reflections(
                services,
                people=[f"U{n:05d}" for n in range(MESSAGES)],
                channel_id="C0STOP",
                ends_at=services.clock.now() - settings.nudge_delay,
                team_id=TEAM,
            )
            env = app_env(
                SLACK_BOT_TOKEN="xoxb-stop",
                SLACK_SIGNING_SECRET=signing.SIGNING_SECRET,
                SLACK_API_BASE_URL=fake.base_url,
                DATABASE_URL=fresh_database_url,
                PARTNERCHECK_SLACK_RATE=str(RATE),
                PARTNERCHECK_TICK_SECONDS="1",
                PORT=str(free_port()),
            )
            process = await asyncio.create_subprocess_exec(
                *partnercheck("serve"),
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            served = Served(process)
            try:
                await served.wait_for_line("Listening on port")
                async with asyncio.timeout(STARTED_WITHIN):
                    while len(fake.delivered("chat.postMessage")) < RATE:
                        await asyncio.sleep(0.1)
                took = await served.stop_with(signal.SIGTERM)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            print(f"stopped {took:.1f} s after SIGTERM while sending", file=sys.stderr)
            async with services.db.reading() as session:
                statuses = dict(
                    (
                        await session.execute(
                            select(ScheduledMessage.status, func.count())
                            .where(ScheduledMessage.due_at <= services.clock.now())
                            .group_by(ScheduledMessage.status)
                        )
                    ).all()
                )
        finally:
            await services.db.dispose()
        sent = fake.delivered("chat.postMessage")
    log = "".join(served.lines)
    assert "Stopped cleanly" in log and "Traceback" not in log
    assert "still running after" not in log and "unfinished" not in log
    assert max(Counter(call.args["channel"] for call in sent).values()) == 1
    # of the due messages, what it held is sent and recorded; what it never claimed waits
    assert set(statuses) == {"sent", "pending"}
    assert statuses["sent"] == len(sent) < made <= sum(statuses.values())
