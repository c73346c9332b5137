"""The load generator: runs in its own process so it does not share the server's event loop.

`run_load` is called through a ProcessPoolExecutor; it sends every prepared request once, with
`concurrency` requests in flight, and returns the wall time and each request's latency.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp

Request = tuple[str, dict[str, str]]  # (body, headers)


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]


def run_load(url: str, requests: list[Request], concurrency: int) -> LoadResult:
    return asyncio.run(_run(url, requests, concurrency))


async def _run(url: str, requests: list[Request], concurrency: int) -> LoadResult:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = iter(requests)
    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for body, headers in queue:
                started = time.perf_counter()
                async with session.post(url, data=body.encode(), headers=headers) as response:
                    await response.read()
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(seconds=seconds, latencies_ms=latencies, statuses=statuses)
