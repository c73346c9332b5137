"""Where an answer click's time goes: `python -m tests.benchmarks.profile_answer_click`.

Starts the full app on SQLite (or on PostgreSQL in a fresh schema, with PROFILE_DATABASE_URL)
with the fake Slack in a child process, sends 1000 signed clicks
at concurrency 10 from another child process while this (the server's) process runs under
cProfile, and prints the top N functions (arguments: N, then the sort key, e.g. `40 tottime`;
default cumulative).

With PROFILE_PYSPY=<file>, py-spy (pip install py-spy) samples every thread of this process
instead, into <file> as collapsed stacks (no cProfile: its per-call cost skews the picture
towards Python-level loops, and it sees only the event loop's thread, not SQLite's writer).
PROFILE_CLICKS sets the clicks (default 1000).
"""

from __future__ import annotations

import asyncio
import cProfile
import multiprocessing
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.benchmarks import targets
from tests.benchmarks.bench_front_door import LEAD, Workload, start_live_check
from tests.benchmarks.fake_slack_server import RemoteFakeSlack
from tests.benchmarks.loadgen import run_load

CLICKS = int(os.environ.get("PROFILE_CLICKS", "1000"))
PYSPY = os.environ.get("PROFILE_PYSPY")
WARMUP = 200  # caches filled, statements compiled: what a running app has
CHANNEL = "C0PROFILE"
CONCURRENCY = 10


async def run(tmp: Path, profiler: cProfile.Profile) -> None:
    async with RemoteFakeSlack() as fake:
        postgres_url = os.environ.get("PROFILE_DATABASE_URL")
        schema, drop = await targets.postgres_schema(postgres_url) if postgres_url else (None, None)
        url = postgres_url or f"sqlite:///{tmp / 'p.db'}"
        target = await targets.full_app("profiled", url, fake.base_url, schema=schema)
        assert target.services is not None
        check_id, values = await start_live_check(target.services, CHANNEL)
        workload = Workload(check_id, values, "P", CHANNEL)
        requests = workload.batch(WARMUP + CLICKS)
        await fake.set_channel_members(CHANNEL, [LEAD, *workload.expected])
        warm_up, requests = requests[:WARMUP], requests[WARMUP:]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(pool, run_load, target.url, warm_up, CONCURRENCY)
            await target.services.background.drain()
            sampler = _start_pyspy(PYSPY) if PYSPY else None
            profiler.enable() if sampler is None else None
            await loop.run_in_executor(pool, run_load, target.url, requests, CONCURRENCY)
            await target.services.background.drain()
            profiler.disable() if sampler is None else _stop(sampler)
        await target.stop()
        if drop is not None:
            await drop()


def _start_pyspy(out: str) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(os.getpid())]
    command += ["--format", "raw", "--rate", "250", "--threads", "--output", out]
    sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the load starts
    return sampler


def _stop(sampler: subprocess.Popen[bytes]) -> None:
    sampler.send_signal(signal.SIGINT)
    sampler.wait()


def main() -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU time: steady on a busy machine
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), profiler))
    if PYSPY:
        return
    stats = pstats.Stats(profiler, stream=sys.stdout)
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    stats.sort_stats(sys.argv[2] if len(sys.argv) > 2 else "cumulative").print_stats(top)


if __name__ == "__main__":
    main()
