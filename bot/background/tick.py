"""The in-process tick. The database says what is due; this only decides when to look."""

from __future__ import annotations

import asyncio
import functools
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
        # the job runs in a task of its own: stopping the scheduler cancels this wrapper, not
        # the job, which finishes its transaction (the server waits for it within its grace)
        task = asyncio.ensure_future(job())
        task.add_done_callback(functools.partial(_report, name))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            log.info("Scheduled job %s is finishing: the app is stopping", name)
        except Exception:
            pass  # reported by _report

    return run


def _report(name: str, task: asyncio.Future[object]) -> None:
    if task.cancelled():
        log.info("Scheduled job %s stopped with the app", name)
    elif (error := task.exception()) is not None:
        log.error("Scheduled job %s failed: %s", name, type(error).__name__, exc_info=error)
