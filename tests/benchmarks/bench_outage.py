"""Answer clicks at concurrency 50 while the database is cut for 10 seconds, then restored.

    make bench ONLY=outage      (PostgreSQL too: BENCH_DATABASE_URL or TEST_DATABASE_URL)

SQLite is cut by another connection holding its write lock (BEGIN EXCLUSIVE); PostgreSQL by
another connection holding an ACCESS EXCLUSIVE lock on the answers table. The full app runs as
`partnercheck serve` builds it; the fake Slack runs in the same process so every confirmation
it received can be read back. Reported: requests sent, statuses, answers later than 3 s (goal
0), /healthz during the cut, and whether every click confirmed as saved ("✓ …") is in the
database.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor

import aiohttp
import asyncpg
from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import Answer
from bot.plumbing.config import normalise_database_url
from tests.benchmarks import targets
from tests.benchmarks.bench_front_door import LEAD, start_live_check
from tests.benchmarks.loadgen import Request, run_load
from tests.support import signing
from tests.support.fake_slack import FakeSlack

REQUESTS = int(os.environ.get("OUTAGE_REQUESTS", "4000"))
CONCURRENCY = 50
CUT_AFTER_SECONDS = 2.0
CUT_SECONDS = 10.0
CONFIRMED = "✓ "  # the answer's private note: "✓ Agree — change it …", "✓ Changed to …"
CHANNEL = "C0OUTAGE"


class Cut:
    def __init__(self, url: str, schema: str | None) -> None:
        self.url, self.schema = url, schema
        self._sqlite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None

    async def begin(self) -> None:
        if self.schema is None:
            # in a thread: waiting for the lock here must not stop the app's event loop
            self._sqlite = await asyncio.to_thread(self._sqlite_lock, self.url.split(":///", 1)[1])
            return
        raw = normalise_database_url(self.url).replace("postgresql+asyncpg://", "postgresql://")
        self._pg = await asyncpg.connect(raw)
        await self._pg.execute("BEGIN")
        await self._pg.execute(f'LOCK TABLE "{self.schema}".answers IN ACCESS EXCLUSIVE MODE')

    @staticmethod
    def _sqlite_lock(path: str) -> sqlite3.Connection:
        connection = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        connection.execute("BEGIN EXCLUSIVE")
        return connection

    async def end(self) -> None:
        if self._sqlite is not None:
            await asyncio.to_thread(self._sqlite.execute, "ROLLBACK")
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.execute("ROLLBACK")
            await self._pg.close()


def clicks(check_id: int, values: list[str], count: int) -> tuple[list[Request], dict[str, str]]:
    requests: list[Request] = []
    expected: dict[str, str] = {}
    for n in range(count):
        user, value = f"U0OUT{n}", values[n % len(values)]
        expected[user] = value
        body = signing.block_action(
            action_id=f"{ids.ANSWER}:{value}",
            value=f"{check_id}:0:{value}",
            user_id=user,
            channel_id=CHANNEL,
        )
        requests.append((body, signing.signed_headers(body)))
    return requests, expected


async def health_during_cut(url: str) -> list[tuple[int, float]]:
    health = url.replace("/slack/events", "/healthz")
    seen: list[tuple[int, float]] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            started = time.perf_counter()
            async with session.get(health) as response:
                await response.read()
            seen.append((response.status, (time.perf_counter() - started) * 1000))
            await asyncio.sleep(2)
    return seen


async def run(name: str, url: str, schema: str | None) -> None:
    async with FakeSlack() as fake:
        target = await targets.full_app(name, url, fake.base_url, schema=schema)
        try:
            assert target.services is not None
            check_id, values = await start_live_check(target.services, CHANNEL)
            requests, expected = clicks(check_id, values, REQUESTS)
            fake.set_channel_members(CHANNEL, [LEAD, *expected])  # a new person each click
            cut = Cut(url, schema)
            loop = asyncio.get_running_loop()
            with ProcessPoolExecutor(1) as pool:
                load = loop.run_in_executor(pool, run_load, target.url, requests, CONCURRENCY)
                await asyncio.sleep(CUT_AFTER_SECONDS)
                await cut.begin()
                health = asyncio.ensure_future(health_during_cut(target.url))
                await asyncio.sleep(CUT_SECONDS)
                await cut.end()
                result = await load
                probes = await health
            await target.services.background.drain()
            async with target.services.db.unit_of_work() as session:
                rows = await session.execute(
                    select(Answer.user_id, Answer.value).where(Answer.check_id == check_id)
                )
                stored = dict(rows.all())
        finally:
            await target.stop()
    confirmed = {
        str(call.args["user"])
        for call in fake.calls_to("chat.postEphemeral")
        if str(call.args.get("text", "")).startswith(CONFIRMED)
    }
    told_retry = sum(
        1
        for call in fake.calls_to("chat.postEphemeral")
        if "try again" in str(call.args.get("text", ""))
    )
    lost = [user for user in confirmed if stored.get(user) != expected[user]]
    slow = sum(1 for ms in result.latencies_ms if ms > 3000)
    print(
        f"-- {name}: {len(result.latencies_ms)} clicks at c={CONCURRENCY}, "
        f"database cut for {CUT_SECONDS:.0f} s after {CUT_AFTER_SECONDS:.0f} s"
    )
    print(f"statuses: {dict(sorted(result.statuses.items()))}")
    print(f"answered after more than 3 s: {slow}; slowest {max(result.latencies_ms):.0f} ms")
    print(f"/healthz during the cut: {[(s, round(ms)) for s, ms in probes]} (status, ms)")
    print(
        f"confirmed saved: {len(confirmed)}; told to try again: {told_retry}; "
        f"stored: {len(stored)}; confirmed but missing or wrong: {len(lost)}"
    )


async def main() -> None:
    await targets.on_each_backend(run, "outage.db")
