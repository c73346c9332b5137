"""How fast the front door acknowledges Slack: four servers, concurrency 1, 10, 50 and 100.

    make bench ONLY=front_door      (PostgreSQL row: set BENCH_DATABASE_URL or TEST_DATABASE_URL)

Servers (tests/benchmarks/targets.py): a bare aiohttp endpoint that only verifies the
signature, a default Bolt AsyncApp whose listeners only acknowledge, and the full app on
SQLite and on PostgreSQL, each on 127.0.0.1. The load generator (loadgen.py) runs in a
separate process so it does not share the server's event loop, and so does the fake Slack Web
API the app talks to (fake_slack_server.py): the server's process pays for the app's side of
its follow-up calls (ephemeral confirmations, counts refreshes), not for Slack's side.

Workloads: `clicks` (answer buttons, a new person each time) and `mix` (80 % answer clicks,
10 % `/partnership help`, 10 % comment submissions). After every run on the full app the
stored answers are compared with what was sent: none lost, none duplicated, none wrong.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.models import Answer
from bot.usecases import checks
from tests.benchmarks import targets
from tests.benchmarks.fake_slack_server import RemoteFakeSlack
from tests.benchmarks.loadgen import LoadResult, Request, run_load
from tests.support import signing

CONCURRENCY = (1, 10, 50, 100)
CHANNEL = "C0BENCH"
LEAD = "U0BENCHLEAD"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
WARMUP = 100
DRAIN_SECONDS = 60


class Workload:
    """Signed requests for one run; remembers which answer each person should end up with."""

    def __init__(self, check_id: int, values: list[str], run: str) -> None:
        self.check_id = check_id
        self.values = values
        self.run = run
        self.expected: dict[str, str] = {}
        self._n = 0

    def click(self) -> Request:
        self._n += 1
        user = f"U{self.run}X{self._n}"
        value = self.values[self._n % len(self.values)]
        self.expected[user] = value
        body = signing.block_action(
            action_id=f"{ids.ANSWER}:{value}",
            value=f"{self.check_id}:0:{value}",
            user_id=user,
            channel_id=CHANNEL,
        )
        return body, signing.signed_headers(body)

    def command(self) -> Request:
        self._n += 1
        body = signing.slash_command("help", user_id=f"U{self.run}C{self._n}", channel_id=CHANNEL)
        return body, signing.signed_headers(body)

    def comment(self) -> Request:
        self._n += 1
        values = {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("a bench comment")}}
        body = signing.view_submission(
            callback_id=ids.COMMENT_VIEW,
            values=values,
            private_metadata=f"{self.check_id}:0",
            user_id=f"U{self.run}M{self._n}",
        )
        return body, signing.signed_headers(body)

    def batch(self, count: int, mix: bool) -> list[Request]:
        out: list[Request] = []
        for i in range(count):
            if mix and i % 10 == 8:
                out.append(self.command())
            elif mix and i % 10 == 9:
                out.append(self.comment())
            else:
                out.append(self.click())
        return out

    def users(self) -> list[str]:
        return [f"U{self.run}{kind}{n}" for n in range(1, REQUESTS + WARMUP + 2) for kind in "XM"]


async def start_live_check(services: targets.Services) -> tuple[int, list[str]]:
    form = checks.CheckForm(
        team_id="T0OURS",
        channel_id=CHANNEL,
        lead_user_id=LEAD,
        partnership_name="Bench × Client",
        template_id="partnership_check",
        client_user_ids=(),
        mode="live",
        deadline_at=None,
        anonymous=False,
    )
    check_id = await checks.start_check(services, form)
    assert check_id is not None
    first = services.bank.template_questions("partnership_check")[0]
    return check_id, [str(option.value) for option in first.options]


async def settle(target: targets.Target) -> None:
    """Wait until the app has finished the follow-ups of the run (confirmations, refreshes)."""
    services = target.services
    background = getattr(services, "background", None)
    if background is not None:
        await background.drain()


async def verify(target: targets.Target, workload: Workload) -> str:
    services = target.services
    if services is None:
        return "-"
    users = list(workload.expected)
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        try:
            rows = await stored_answers(services, workload.check_id, users)
        except Exception as error:  # the pre-change app could exhaust its pool
            return f"could not read answers: {type(error).__name__}"
        stored = {user: value for user, value, _ in rows}
        duplicated = sum(count - 1 for *_, count in rows) + len(rows) - len(stored)
        lost = len(set(users) - set(stored))
        wrong = sum(1 for user, value in stored.items() if workload.expected[user] != value)
        if (lost == 0 and wrong == 0) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)  # only the pre-change app stores answers after acknowledging
    if lost or duplicated or wrong:
        return f"LOST {lost} DUP {duplicated} WRONG {wrong}"
    return f"all {len(users)} stored"


async def stored_answers(
    services: targets.Services, check_id: int, users: list[str]
) -> list[tuple[str, str | None, int]]:
    async with services.db.unit_of_work() as session:
        result = await session.execute(
            select(Answer.user_id, Answer.value, func.count())
            .where(Answer.check_id == check_id, Answer.user_id.in_(users))
            .group_by(Answer.user_id, Answer.value)
        )
        return [(user, value, count) for user, value, count in result.all()]


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def measure(
    pool: ProcessPoolExecutor,
    target: targets.Target,
    workload: Workload,
    concurrency: int,
    mix: bool,
) -> tuple[LoadResult, str]:
    loop = asyncio.get_running_loop()
    warm = workload.batch(WARMUP, mix)
    await loop.run_in_executor(pool, run_load, target.url, warm, concurrency)
    await settle(target)
    count = REQUESTS // 4 if concurrency == 1 else REQUESTS
    result = await loop.run_in_executor(
        pool, run_load, target.url, workload.batch(count, mix), concurrency
    )
    await settle(target)
    return result, await verify(target, workload)


def row(name: str, concurrency: int, result: LoadResult, bare: float | None, note: str) -> str:
    latencies = sorted(result.latencies_ms)
    rate = len(latencies) / result.seconds
    ratio = f"{rate / bare:5.2f}" if bare else "    -"
    odd = {s: n for s, n in result.statuses.items() if s != 200}
    return (
        f"{name:<20} {concurrency:>4} {rate:>9.0f} {percentile(latencies, 0.5):>8.2f} "
        f"{percentile(latencies, 0.99):>8.2f} {latencies[-1]:>8.2f} {ratio:>7} "
        f"{odd or ''!s:>10}  {note}"
    )


HEADER = (
    f"{'target':<20} {'conc':>4} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
    f"{'÷ bare':>7} {'non-200':>10}  answers"
)


async def main() -> None:
    postgres_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    context = multiprocessing.get_context("spawn")
    builders: list[tuple[str, Callable]] = [
        ("bare", lambda fake, tmp: targets.bare()),
        ("bolt", lambda fake, tmp: targets.bolt(fake.base_url)),
        (
            "sqlite",
            lambda fake, tmp: targets.full_app(
                "full app, SQLite", f"sqlite:///{tmp / 'bench.db'}", fake.base_url, schema=None
            ),
        ),
    ]
    drops = []
    if postgres_url:
        schema, drop = await targets.postgres_schema(postgres_url)
        drops.append(drop)
        builders.append(
            (
                "postgres",
                lambda fake, tmp: targets.full_app(
                    "full app, PostgreSQL", postgres_url, fake.base_url, schema=schema
                ),
            )
        )
    results: dict[tuple[str, str, int], tuple[str, LoadResult, str]] = {}
    started = datetime.now(UTC)
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            ProcessPoolExecutor(max_workers=1, mp_context=context) as pool,
        ):
            async with RemoteFakeSlack() as fake:
                run_no = 0
                for key, build in builders:
                    target = await build(fake, Path(tmp))
                    check_id, values = 1, ["1", "2", "3", "4", "5"]
                    if target.services is not None:
                        check_id, values = await start_live_check(target.services)
                    # everyone this target's runs will use is in the channel from the start
                    everyone = [
                        user
                        for n in range(run_no + 1, run_no + 2 * len(CONCURRENCY) + 1)
                        for user in Workload(check_id, values, f"{n:02d}").users()
                    ]
                    await fake.set_channel_members(CHANNEL, [LEAD, *everyone])
                    try:
                        for workload_name in ("clicks", "mix"):
                            for concurrency in CONCURRENCY:
                                run_no += 1
                                workload = Workload(check_id, values, f"{run_no:02d}")
                                await fake.clear_calls()
                                result, note = await measure(
                                    pool, target, workload, concurrency, workload_name == "mix"
                                )
                                results[(workload_name, key, concurrency)] = (
                                    target.name,
                                    result,
                                    note,
                                )
                                print(
                                    f"  {target.name} {workload_name} c={concurrency}", flush=True
                                )
                    finally:
                        await target.stop()
    finally:
        for drop in drops:
            await drop()
    print(
        f"\nFront door benchmark, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"{REQUESTS} requests a run ({REQUESTS // 4} at concurrency 1), {WARMUP} warm-up"
    )
    if not postgres_url:
        print("(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    for workload_name in ("clicks", "mix"):
        print(f"\n[{workload_name}]\n{HEADER}")
        for key, _ in builders:
            for concurrency in CONCURRENCY:
                name, result, note = results[(workload_name, key, concurrency)]
                bare_result = results[(workload_name, "bare", concurrency)][1]
                bare = len(bare_result.latencies_ms) / bare_result.seconds
                print(row(name, concurrency, result, bare, note))
