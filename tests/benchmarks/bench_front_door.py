"""Server CPU time per answer click, against a Bolt app that only acknowledges.

    make bench ONLY=front_door      (PostgreSQL rows: set BENCH_DATABASE_URL or TEST_DATABASE_URL)

On a machine whose cores are shared (with the load generator, and with anything else running),
wall-clock figures swing from run to run; the CPU time the server's process spends per request
does not. So each run reads the process's utime + stime (os.times(), the same counters as
/proc/<pid>/stat) before the load and after the follow-ups have settled, and divides by the
requests. Every server runs in this process (tests/benchmarks/targets.py); the load generator
(loadgen.py) and the fake Slack Web API (fake_slack_server.py) run in processes of their own,
so the figure is the server's side only: verifying, routing, storing, confirming, refreshing.

Targets: a bare aiohttp endpoint that only verifies the signature; a default Bolt AsyncApp whose
listener only acknowledges (the reference: every ratio is against it, measured in the same
repetition); the app on SQLite and on PostgreSQL; and a hand-written Bolt + SQLAlchemy ORM app
doing the same job (tests/benchmarks/orm_app.py). The runs are interleaved — repetition by
repetition, concurrency by concurrency, target by target — so a busy spell of the machine hits
every target alike. After every run on an app the stored answers are compared with what was
sent: none lost, none duplicated, none wrong.

Environment: BENCH_REQUESTS (clicks a run, default 1000), BENCH_REPEATS (default 3),
BENCH_TARGETS (a comma list of target keys, default all).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.engine import Database
from bot.db.models import Answer
from bot.serving.server import keep_start_up_out_of_gc
from bot.usecases import checks
from tests.benchmarks import targets
from tests.benchmarks.fake_slack_server import RemoteFakeSlack
from tests.benchmarks.loadgen import LoadResult, Request, run_load
from tests.support import signing

CONCURRENCY = (10, 50)
REFERENCE = "bolt"
LEAD = "U0BENCHLEAD"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
WARMUP = 200
DRAIN_SECONDS = 60


class Workload:
    """Signed answer clicks for one run, a new person each; remembers what each chose."""

    def __init__(self, check_id: int, values: list[str], run: str, channel: str) -> None:
        self.check_id = check_id
        self.values = values
        self.run = run
        self.channel = channel
        self.expected: dict[str, str] = {}

    @staticmethod
    def user(run: str, n: int) -> str:
        return f"U{run}X{n}"

    def batch(self, count: int) -> list[Request]:
        out: list[Request] = []
        for n in range(1, count + 1):
            user = self.user(self.run, n)
            value = self.values[n % len(self.values)]
            self.expected[user] = value
            body = signing.block_action(
                action_id=f"{ids.ANSWER}:{value}",
                value=f"{self.check_id}:0:{value}",
                user_id=user,
                channel_id=self.channel,
            )
            out.append((body, signing.signed_headers(body)))
        return out


async def start_live_check(services: targets.Services, channel: str) -> tuple[int, list[str]]:
    form = checks.CheckForm(
        team_id="T0OURS",
        channel_id=channel,
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


async def verify(db: Database | None, workload: Workload, fake: RemoteFakeSlack) -> str:
    if db is None:
        return "-"
    stored = await verify_stored(db, workload)
    confirmed = await fake.confirmed()
    counts = [confirmed.get(user, 0) for user in workload.expected]
    unconfirmed = sum(1 for n in counts if n == 0)
    twice = sum(1 for n in counts if n > 1)
    if unconfirmed or twice:
        problem = f"UNCONFIRMED {unconfirmed} CONFIRMED TWICE {twice}"
        return problem if stored == "ok" else f"{stored} {problem}"
    return stored


async def verify_stored(db: Database, workload: Workload) -> str:
    users = list(workload.expected)
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        try:
            rows = await stored_answers(db, workload.check_id, users)
        except Exception as error:
            return f"could not read answers: {type(error).__name__}"
        stored = {user: value for user, value, _ in rows}
        duplicated = sum(count - 1 for *_, count in rows) + len(rows) - len(stored)
        lost = len(set(users) - set(stored))
        wrong = sum(1 for user, value in stored.items() if workload.expected[user] != value)
        if (lost == 0 and wrong == 0) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    if lost or duplicated or wrong:
        return f"LOST {lost} DUP {duplicated} WRONG {wrong}"
    return "ok"


async def stored_answers(
    db: Database, check_id: int, users: list[str]
) -> list[tuple[str, str | None, int]]:
    async with db.unit_of_work() as session:
        result = await session.execute(
            select(Answer.user_id, Answer.value, func.count())
            .where(Answer.check_id == check_id, Answer.user_id.in_(users))
            .group_by(Answer.user_id, Answer.value)
        )
        return [(user, value, count) for user, value, count in result.all()]


def cpu_seconds() -> float:
    """utime + stime of this process, all threads (what /proc/self/stat counts)."""
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True)
class Run:
    cpu_ms: float  # server CPU per request
    rate: float  # requests a second, acknowledged (wall clock: noisy here)
    p99_ms: float
    odd: dict[int, int]  # statuses other than 200
    answers: str  # "ok", "-" (nothing stored) or what went wrong


@dataclass
class Prepared:
    key: str
    target: targets.Target
    check_id: int
    values: list[str]
    channel: str
    runs: int = 0
    share: int = 1  # runs send REQUESTS // share clicks (the ORM app is slow; CPU is per click)

    def workload(self) -> Workload:
        self.runs += 1
        return Workload(self.check_id, self.values, f"{self.key}{self.runs}", self.channel)


async def measure(
    pool: ProcessPoolExecutor,
    prepared: Prepared,
    requests: int,
    concurrency: int,
    fake: RemoteFakeSlack,
) -> Run:
    loop = asyncio.get_running_loop()
    workload = prepared.workload()
    batch = workload.batch(requests)
    before = cpu_seconds()
    result: LoadResult = await loop.run_in_executor(
        pool, run_load, prepared.target.url, batch, concurrency
    )
    await prepared.target.settle()
    cpu = cpu_seconds() - before
    latencies = sorted(result.latencies_ms)
    return Run(
        cpu_ms=cpu * 1000 / requests,
        rate=len(latencies) / result.seconds,
        p99_ms=latencies[min(len(latencies) - 1, round(0.99 * len(latencies)))],
        odd={status: n for status, n in result.statuses.items() if status != 200},
        answers=await verify(prepared.target.db, workload, fake),
    )


Builder = Callable[[str, Path], Awaitable[Prepared]]
Builder3 = Callable[[str, str, str | None], Awaitable[Prepared]]
_schemas: list[Callable[[], Awaitable[None]]] = []  # how to drop the PostgreSQL schemas made


def builders(postgres_url: str | None, slack_url: str) -> dict[str, tuple[str, Builder]]:
    """Target key → (name, how to start it, with a started check in a channel of its own)."""

    async def fixed(key: str, start: Awaitable[targets.Target]) -> Prepared:
        return Prepared(key, await start, 1, ["1", "2", "3", "4", "5"], f"C0{key.upper()}")

    async def app(key: str, url: str, schema: str | None) -> Prepared:
        target = await targets.full_app(key, url, slack_url, schema=schema)
        assert target.services is not None
        channel = f"C0{key.upper()}"
        check_id, values = await start_live_check(target.services, channel)
        return Prepared(key, target, check_id, values, channel)

    async def orm(key: str, url: str, schema: str | None) -> Prepared:
        seeded = await app(key, url, schema)  # the app migrates and starts the check
        await seeded.target.stop()
        seeded.target = await targets.orm(key, url, slack_url, schema=schema)
        seeded.share = 5
        return seeded

    async def on_sqlite(build: Builder3, key: str, tmp: Path) -> Prepared:
        return await build(key, f"sqlite:///{tmp / key}.db", None)

    async def on_postgres(build: Builder3, key: str, _tmp: Path) -> Prepared:
        assert postgres_url
        schema, drop = await targets.postgres_schema(postgres_url)
        _schemas.append(drop)
        return await build(key, postgres_url, schema)

    out: dict[str, tuple[str, Builder]] = {
        "bare": ("bare aiohttp + signature", lambda k, _: fixed(k, targets.bare())),
        "bolt": ("Bolt ack-only", lambda k, _: fixed(k, targets.bolt(slack_url))),
    }
    for key, name, build in (("app", "app", app), ("orm", "Bolt + ORM app", orm)):
        out[f"{key}-sqlite"] = (f"{name}, SQLite", lambda k, t, b=build: on_sqlite(b, k, t))
        if postgres_url:
            out[f"{key}-pg"] = (f"{name}, PostgreSQL", lambda k, t, b=build: on_postgres(b, k, t))
    return out


def summarise(runs: list[Run], reference: list[Run]) -> str:
    cpu = [run.cpu_ms for run in runs]
    ratios = [run.cpu_ms / ref.cpu_ms for run, ref in zip(runs, reference, strict=True)]
    odd: dict[int, int] = {}
    for run in runs:
        for status, n in run.odd.items():
            odd[status] = odd.get(status, 0) + n
    answers = sorted({run.answers for run in runs})
    return (
        f"{statistics.median(run.rate for run in runs):>7.0f} "
        f"{statistics.median(run.p99_ms for run in runs):>7.1f} "
        f"{min(cpu):>7.2f} {statistics.median(cpu):>7.2f} "
        f"{min(ratios):>6.2f} {statistics.median(ratios):>6.2f}  "
        f"{'/'.join(answers)}{f' non-200 {odd}' if odd else ''}"
    )


HEADER = (
    f"{'target':<28} {'req/s':>7} {'p99 ms':>7} {'CPU ms/request':>15} {'× Bolt ack-only':>13}\n"
    f"{'':<28} {'median':>7} {'median':>7} {'min':>7} {'median':>7} {'min':>6} {'median':>6}"
    "  answers"
)


async def main() -> None:
    postgres_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    context = multiprocessing.get_context("spawn")
    started = datetime.now(UTC)
    results: dict[tuple[str, int], list[Run]] = {}
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            ProcessPoolExecutor(max_workers=1, mp_context=context) as pool,
        ):
            async with RemoteFakeSlack() as fake:
                known = builders(postgres_url, fake.base_url)
                chosen = os.environ.get("BENCH_TARGETS", "")
                keys = [k.strip() for k in chosen.split(",") if k.strip()] or list(known)
                if REFERENCE not in keys:
                    keys.insert(0, REFERENCE)
                prepared: dict[str, Prepared] = {}
                try:
                    for key in keys:
                        name, build = known[key]
                        prepared[key] = await build(key, Path(tmp))
                        prepared[key].target.name = name
                        runs = 1 + REPEATS * len(CONCURRENCY)
                        users = [
                            Workload.user(f"{key}{run}", n)
                            for run in range(1, runs + 1)
                            for n in range(1, max(REQUESTS, WARMUP) + 1)
                        ]
                        await fake.set_channel_members(prepared[key].channel, [LEAD, *users])
                        warm_up = await measure(
                            pool, prepared[key], WARMUP // prepared[key].share, 10, fake
                        )
                        print(f"  warmed up {name}: {warm_up.answers}", flush=True)
                    keep_start_up_out_of_gc()  # as `partnercheck serve` does once started
                    for repetition in range(1, REPEATS + 1):
                        for concurrency in CONCURRENCY:
                            for key in keys:
                                await fake.clear_calls()
                                each = prepared[key]
                                run = await measure(
                                    pool, each, REQUESTS // each.share, concurrency, fake
                                )
                                results.setdefault((key, concurrency), []).append(run)
                            print(f"  repetition {repetition} c={concurrency} done", flush=True)
                finally:
                    for each in prepared.values():
                        await each.target.stop()
    finally:
        for drop in _schemas:
            await drop()
    print(
        f"\nFront door CPU benchmark, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs: "
        f"{REQUESTS} answer clicks a run ({REQUESTS // 5} for the ORM app), "
        f"{REPEATS} interleaved repetitions; "
        f"server CPU (utime + stime) per request, and its ratio to Bolt ack-only's in the "
        f"same repetition"
    )
    if not postgres_url:
        print("(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    for concurrency in CONCURRENCY:
        print(f"\n[c={concurrency}]\n{HEADER}")
        reference = results[(REFERENCE, concurrency)]
        for key in keys:
            name = prepared[key].target.name
            print(f"{name:<28} {summarise(results[(key, concurrency)], reference)}")
