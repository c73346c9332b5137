"""10,000 due nudges to the fake Slack (in a process of its own, as Slack is), which enforces
1 message per second per channel and a workspace-wide limit per rolling minute. Prints
throughput, lag p50/p99, duplicates, losses, the ratio to the time the workspace limit
allows and to the floor (messages / PARTNERCHECK_SLACK_RATE), and where the time beyond the
floor went (gaps between arrivals longer than 1 / rate).

Environment (all optional): BENCH_NUDGES (10000), BENCH_WORKSPACE_PER_MINUTE (4500),
BENCH_DATABASE_URL (default: a SQLite file in a temporary directory; a postgresql:// URL
runs in a fresh schema there). Everything listens on 127.0.0.1 only.

Time zones are known beforehand (as they are after a person's first nudge), so every Web
API call measured is a chat.postMessage.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
from sqlalchemy import func, select

from bot.background.delivery import Dispatcher
from bot.db.engine import Database
from bot.db.models import (
    ScheduledMessage,
)
from bot.plumbing.clock import SystemClock
from bot.plumbing.config import normalise_database_url
from bot.serving.bolt_app import prepare_services
from bot.usecases.nudges import NUDGE
from tests.benchmarks.fake_slack_server import RemoteFakeSlack
from tests.support.harness import settings_for
from tests.support.seeding import seed_due_reflections

TEAM = "T0OURS"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


async def seed(services, count: int) -> None:
    made = await seed_due_reflections(
        services,
        people=[f"U{n:06d}" for n in range(count)],
        channel_id="C0BENCH",
        ends_at=services.clock.now() - services.settings.nudge_delay,
        team_id=TEAM,
    )
    assert made == count, made


async def run(url: str, schema: str | None, count: int, per_minute: int) -> None:
    async with RemoteFakeSlack() as fake:  # in a process of its own, as Slack is
        # messages get real ts, so a check after a timeout can find them
        await fake.enforce_rate_limits(per_channel_per_second=1, workspace_per_minute=per_minute)
        settings = settings_for(url, fake, PARTNERCHECK_SLACK_RATE=str(per_minute / 60))
        services = await prepare_services(  # with the app's HTTP session, as when serving
            settings, clock=SystemClock(), db=Database(settings.database_url, schema=schema)
        )
        try:
            await seed(services, count)
            dispatcher = Dispatcher(services)
            started = time.monotonic()
            while True:
                await dispatcher.run_once()
                async with services.db.unit_of_work() as session:
                    open_rows = await session.scalar(
                        select(func.count()).where(
                            ScheduledMessage.kind == NUDGE,
                            ScheduledMessage.status.in_(
                                ("pending", "claimed", "sending", "unsure", "checking")
                            ),
                        )
                    )
                if not open_rows:
                    break
                await asyncio.sleep(0.2)  # a benchmark may wait; rows deferred by a 429
            async with services.db.unit_of_work() as session:
                rows = (
                    await session.execute(
                        select(
                            ScheduledMessage.user_id,
                            ScheduledMessage.status,
                            ScheduledMessage.due_at,
                            ScheduledMessage.sent_at,
                        ).where(ScheduledMessage.kind == NUDGE)
                    )
                ).all()
        finally:
            await services.close()
            await services.db.dispose()
        posts = await fake.calls_to("chat.postMessage")
        delivered = [call for call in posts if call.ok]
        per_channel = Counter(call.channel for call in delivered)
        first, last = min(c.at for c in delivered), max(c.at for c in delivered)
        elapsed = last - started
        sent = {user for user, status, _, _ in rows if status == "sent"}
        failed = sum(1 for _, status, _, _ in rows if status == "failed")
        duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
        losses = sum(1 for user, *_ in rows if user not in per_channel) + sum(
            1 for user in sent if per_channel.get(user, 0) == 0
        )
        lags = [(s - d).total_seconds() for _, status, d, s in rows if status == "sent" and s]
        windows = (count - 1) // per_minute
        allowed = windows * 60.0
        sustained = count / (per_minute / 60)
        print(f"database              {url.split(':', 1)[0]}")
        print(f"nudges                {count} due at once, each to its own DM channel")
        print(f"fake limits           1/s per channel, {per_minute}/min per workspace (rolling)")
        print(
            f"delivered             {len(delivered)} in {elapsed:.1f} s "
            f"(first after {first - started:.2f} s)"
        )
        print(f"throughput            {len(delivered) / elapsed:.1f} messages/s")
        print(
            f"lag p50 / p99         {percentile(lags, 0.5):.1f} s / {percentile(lags, 0.99):.1f} s"
        )
        print(f"duplicates            {duplicates}")
        print(f"losses                {losses}")
        print(f"failed rows           {failed}")
        print(f"429 answers           {sum(1 for c in posts if c.status == 429)}")
        if allowed:
            print(
                f"limit allows          {allowed:.0f} s at best (rolling minute: "
                f"{windows + 1} windows); ratio {elapsed / allowed:.3f}"
            )
        print(f"at the sustained rate {sustained:.0f} s; ratio {elapsed / sustained:.3f}")
        gaps(sorted(c.at for c in delivered), per_minute / 60, first - started)


def gaps(arrivals: list[float], rate: float, before_first: float) -> None:
    """Where the time beyond the floor went: the gaps between arrivals, against 1 / rate."""
    spacing = 1 / rate
    between = [b - a for a, b in itertools.pairwise(arrivals)]
    beyond = [gap - spacing for gap in between]
    long = [(gap, i) for i, gap in enumerate(between) if gap > 2 * spacing]
    print(
        f"beyond 1 / rate        {before_first:.2f} s before the first, "
        f"{sum(b for b in beyond if b > 0):.2f} s in gaps over 1 / rate "
        f"({sum(gap - spacing for gap, _ in long):.2f} s in {len(long)} gaps over twice it); "
        f"median gap × 1 / rate {percentile(between, 0.5) / spacing:.3f}"
    )
    for gap, i in sorted(long, reverse=True)[:8]:
        print(f"  gap {gap:.3f} s after message {i + 1}")


async def main() -> None:
    count = int(os.environ.get("BENCH_NUDGES", "10000"))
    per_minute = int(os.environ.get("BENCH_WORKSPACE_PER_MINUTE", "4500"))
    raw = os.environ.get("BENCH_DATABASE_URL")
    if raw and raw.startswith("postgres"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        connection = await asyncpg.connect(raw.replace("postgresql+asyncpg://", "postgresql://"))
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            await run(normalise_database_url(raw), schema, count, per_minute)
        finally:
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await connection.close()
        return
    with tempfile.TemporaryDirectory() as directory:
        url = raw or f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        await run(normalise_database_url(url), None, count, per_minute)


if __name__ == "__main__":
    asyncio.run(main())
