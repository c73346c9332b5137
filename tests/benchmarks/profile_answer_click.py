"""Where an answer click's time goes: `python -m tests.benchmarks.profile_answer_click`.

Starts the full app on SQLite with the fake Slack in a child process, sends 1000 signed clicks
at concurrency 10 from this process under cProfile, and prints the top N functions
(arguments: N, then the sort key, e.g. `40 tottime`; default cumulative).
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

import aiohttp

from tests.benchmarks import targets
from tests.benchmarks.bench_front_door import LEAD, Workload, start_live_check
from tests.benchmarks.fake_slack_server import RemoteFakeSlack

CLICKS = 1000
CHANNEL = "C0PROFILE"


async def run(tmp: Path, profiler: cProfile.Profile) -> None:
    async with RemoteFakeSlack() as fake:
        target = await targets.full_app(
            "sqlite", f"sqlite:///{tmp / 'p.db'}", fake.base_url, schema=None
        )
        assert target.services is not None
        check_id, values = await start_live_check(target.services, CHANNEL)
        workload = Workload(check_id, values, "P", CHANNEL)
        requests = workload.batch(CLICKS)
        await fake.set_channel_members(CHANNEL, [LEAD, *workload.expected])
        async with aiohttp.ClientSession() as session:
            queue = iter(requests)

            async def worker() -> None:
                for body, headers in queue:
                    async with session.post(target.url, data=body.encode(), headers=headers) as r:
                        await r.read()

            profiler.enable()
            await asyncio.gather(*(worker() for _ in range(10)))
            await target.services.background.drain()
            profiler.disable()
        await target.stop()


def main() -> None:
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), profiler))
    stats = pstats.Stats(profiler, stream=sys.stdout)
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    stats.sort_stats(sys.argv[2] if len(sys.argv) > 2 else "cumulative").print_stats(top)


if __name__ == "__main__":
    main()
