"""The fuzz run: 10,000+ correctly signed, hostile variations of every real payload shape.

    make bench ONLY=fuzz        (FUZZ_REQUESTS=20000 FUZZ_SEED=7 to change the run)

The full app (as `partnercheck serve` builds it, with a live check running) is sent
requests made by tests/support/mutations.py: wrong types, missing and extra keys, deep nesting,
huge arrays, one in ten left as Slack sends it. Goal: 0 answers of 5xx, 0 tracebacks (or error
lines) in the log, and no answer later than 3 seconds. It runs on SQLite, then on PostgreSQL
when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (in a schema of its own, dropped after).
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.benchmarks import targets
from tests.benchmarks.bench_front_door import LEAD, start_live_check
from tests.benchmarks.fake_slack_server import RemoteFakeSlack
from tests.benchmarks.loadgen import Request, run_load
from tests.support import signing
from tests.support.mutations import RandomChooser, mutate, real_requests

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "10000"))
SEED = int(os.environ.get("FUZZ_SEED", "10"))
CONCURRENCY = 10
BATCH = 2000  # signed just before sending, so no timestamp goes stale
CHANNEL = "C0FUZZ"


class Problems(logging.Handler):
    """Counts log lines with a traceback, and lines at ERROR, by message."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines = 0
        self.tracebacks = 0
        self.errors: Counter[str] = Counter()
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1
        if record.levelno >= logging.ERROR:
            self.errors[f"{record.name}: {record.getMessage()[:100]}"] += 1
        if record.exc_info:
            self.tracebacks += 1
            if len(self.first) < 5 and record.exc_info[2] is not None:
                last = traceback.extract_tb(record.exc_info[2])[-1]
                where = f"{last.filename.split('/')[-1]}:{last.lineno} ({last.line})"
                self.first.append(f"{record.getMessage()[:100]} at {where} {record.exc_info[1]!r}")


def requests(count: int, chooser: RandomChooser, check_id: int) -> list[Request]:
    shapes = real_requests(check_id=check_id, channel=CHANNEL, lead=LEAD)
    out: list[Request] = []
    for n in range(count):
        shape = chooser.choice(shapes)
        body = shape.body() if n % 10 == 0 else mutate(shape, chooser)
        out.append((body, signing.signed_headers(body)))
    return out


async def run(name: str, url: str, schema: str | None) -> None:
    problems = Problems()
    logging.getLogger().addHandler(problems)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    async with RemoteFakeSlack() as fake:
        await fake.set_channel_members(CHANNEL, [LEAD])
        target = await targets.full_app(f"full app, {name}", url, fake.base_url, schema=schema)
        try:
            assert target.services is not None
            check_id, _ = await start_live_check(target.services, CHANNEL)
            chooser = RandomChooser(SEED)
            loop = asyncio.get_running_loop()
            with ProcessPoolExecutor(1) as pool:
                for start in range(0, REQUESTS, BATCH):
                    batch = requests(min(BATCH, REQUESTS - start), chooser, check_id)
                    result = await loop.run_in_executor(
                        pool, run_load, target.url, batch, CONCURRENCY
                    )
                    statuses.update(result.statuses)
                    latencies += result.latencies_ms
            await target.services.background.drain()
            await asyncio.sleep(1)  # listeners Bolt runs after the acknowledgement
        finally:
            await target.stop()
    logging.getLogger().removeHandler(problems)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"-- {name} (load average {_load()})")
    print(f"requests sent: {sum(statuses.values())} (seed {SEED}, concurrency {CONCURRENCY})")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"5xx answers: {server_errors}")
    print(f"answered after more than 3 s: {sum(1 for ms in latencies if ms > 3000)}")
    print(f"slowest answer: {max(latencies):.0f} ms")
    print(f"log lines: {problems.lines}; with a traceback: {problems.tracebacks}")
    for line in problems.first:
        print(f"  {line}")
    print(f"lines at ERROR: {sum(problems.errors.values())}")
    for line, count in problems.errors.most_common():
        print(f"  {count} × {line}")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


async def main() -> None:
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    await targets.on_each_backend(run, "fuzz.db")
