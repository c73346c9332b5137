"""The in-process tick. The database says what is due; this only decides when to look."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class Ticker:
    """Runs each job every `seconds`: one run at a time, missed runs coalesced."""

    def __init__(self, seconds: float, jobs: list[tuple[str, Job]]) -> None:
        self.seconds = seconds
        self.jobs = jobs
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone="UTC")
        for name, job in self.jobs:
            scheduler.add_job(
                _guarded(name, job),
                "interval",
                seconds=self.seconds,
                id=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=datetime.now(UTC),
            )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None


def _guarded(name: str, job: Job) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job()
        except asyncio.CancelledError:  # the app is stopping; leases hand its rows on
            log.info("Scheduled job %s stopped with the app", name)
        except Exception as error:
            log.error("Scheduled job %s failed: %s", name, type(error).__name__, exc_info=error)

    return run
