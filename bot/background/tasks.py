"""Work that follows an acknowledgement: tracked, bounded, and awaited before shutdown.

`spawn` runs a coroutine after the request has been answered; `coalesce` runs at most one
job per key at a time and, if asked again meanwhile, once more afterwards (the job re-reads
the latest state, so the latest state wins); with `every`, that once-more waits until `every`
seconds after the previous run started, so a busy key runs at most about once per `every`
(a counts refresh per question: Slack rate-limits chat.update anyway). `drain` returns when
nothing is pending: the server calls it on shutdown and the test harness after every request,
so no test sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

FOLLOW_UP_CONCURRENCY = 16


class Background:
    def __init__(
        self,
        concurrency: int = FOLLOW_UP_CONCURRENCY,
        *,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._concurrency = concurrency
        self._pause = pause  # tests pass a fake that records the wait
        self._gate: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._again: dict[str, bool] = {}

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str = "follow-up") -> None:
        task = asyncio.get_running_loop().create_task(self._run(work, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def coalesce(self, key: str, job: Callable[[], Awaitable[Any]], *, every: float = 0) -> None:
        if key in self._again:
            self._again[key] = True
            return
        self._again[key] = False
        self.spawn(self._repeat(key, job, every), name=key.split(":", 1)[0])

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _repeat(self, key: str, job: Callable[[], Awaitable[Any]], every: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                self._again[key] = False
                started = loop.time()
                await job()
                if not self._again[key]:
                    return
                wait = started + every - loop.time()
                if wait > 0:
                    await self._pause(wait)
        finally:
            del self._again[key]

    async def _run(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self._concurrency)
        async with self._gate:
            try:
                await work
            except Exception as error:
                log.error("Background %s failed: %s", name, type(error).__name__)
