"""Running the app: HTTP or Socket Mode, the tick, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable

from aiohttp import log as web_log
from aiohttp import web

from bot.background.delivery import Dispatcher
from bot.background.tick import Job, Ticker
from bot.db.engine import MigrationFailed
from bot.plumbing.clock import Clock
from bot.plumbing.config import Settings
from bot.services import Services
from bot.serving.bolt_app import build_app, prepare_services
from bot.serving.slack_link import SocketModeLink, check_bot_token, until_stopped
from bot.serving.web_app import build_web_app
from bot.usecases.calendar import poll_calendars
from bot.usecases.checks import close_due_checks
from bot.usecases.deliveries import prune_deliveries
from bot.usecases.digest import queue_weekly_digests
from bot.usecases.person_data import prune_closed_checks
from bot.usecases.schedules import run_due_schedules
from bot.usecases.workspaces import delete_uninstalled_workspaces

log = logging.getLogger(__name__)

# the whole stop fits in this (compose's stop_grace_period is 30 s): requests in flight get
# up to REQUESTS_GRACE_SECONDS of it, follow-ups and background work what is left
SHUTDOWN_GRACE_SECONDS = 20
REQUESTS_GRACE_SECONDS = 10
GC_YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)


async def migrate_apart(settings: Settings) -> bool:
    """Bring the schema up to date with `partnercheck migrate` in a process of its own, so the
    serving process never loads Alembic and its templates (about 11 MB it would keep for
    nothing). Its log and any error go to this process's stderr; raises MigrationFailed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "migrate",
        env={**os.environ, "DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        code = await process.wait()
    except BaseException:  # stopped meanwhile: the migration stops too
        if process.returncode is None:
            process.terminate()
            await process.wait()
        raise
    if code != 0:
        raise MigrationFailed(code)
    return True


def keep_start_up_out_of_gc() -> None:
    """Everything alive once the app has started (modules, the question bank, SQLAlchemy's
    metadata and compiled statements, Bolt's listeners) lives as long as the process: it is
    moved out of the garbage collector's reach, so each full collection stops re-scanning it.
    Those scans were the app's CPU and latency spikes under load (`make bench
    ONLY=front_door` at c=50: runs with a p99 of 100 ms instead of 35 and about 20% more CPU
    a click)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def scheduled_jobs(
    services: Services, dispatcher: Dispatcher | None = None
) -> list[tuple[str, Job]]:
    """Every job the tick runs; each one asks the database what is due."""
    dispatcher = dispatcher or Dispatcher(services)
    return [
        ("close_due_checks", lambda: close_due_checks(services)),
        ("prune_deliveries", lambda: prune_deliveries(services)),
        ("deliver_scheduled_messages", dispatcher.run_once),
        ("poll_calendars", lambda: poll_calendars(services)),
        ("start_due_recurring_checks", lambda: run_due_schedules(services)),
        ("keep_closed_checks", lambda: prune_closed_checks(services)),
        ("queue_weekly_digests", lambda: queue_weekly_digests(services)),
        ("delete_uninstalled_workspaces", lambda: delete_uninstalled_workspaces(services)),
    ]


# Called with the web app before it starts, the services and the tick's jobs: a caller may add
# routes (the sandbox adds its page and its Slack); returns nothing.
Extension = Callable[[web.Application, Services, list[tuple[str, Job]]], None]


async def serve(
    settings: Settings,
    *,
    socket_mode: bool,
    port: int | None = None,
    host: str = "0.0.0.0",
    clock: Clock | None = None,
    extend: Extension | None = None,
    listening: Callable[[], None] | None = None,
    check_token: bool = True,
) -> None:
    """`clock`, `extend`, `listening` (called once the port answers) and `check_token=False`
    (its Slack answers on this very port, so it can't be asked before) are for the sandbox."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if not await until_stopped(migrate_apart(settings), stop):
        return
    services = await until_stopped(prepare_services(settings, clock=clock, migrate=False), stop)
    if services is None:
        return
    if check_token and not settings.oauth:  # OAuth installs bring their own tokens
        try:
            await check_bot_token(settings, services.slack)
        except BaseException:
            await services.close()
            await services.db.dispose()
            raise
    bolt = build_app(services)
    dispatcher = Dispatcher(services)
    jobs = scheduled_jobs(services, dispatcher)
    ticker = Ticker(settings.tick_seconds, jobs)

    web_app = build_web_app(bolt, services)
    if extend is not None:
        extend(web_app, services, jobs)
    keep_start_up_out_of_gc()
    runner = web.AppRunner(
        web_app,
        shutdown_timeout=REQUESTS_GRACE_SECONDS,
        access_log=web_log.access_logger if settings.access_log else None,
    )
    await runner.setup()
    socket_link: asyncio.Task[None] | None = None
    try:
        site = web.TCPSite(runner, host=host, port=port or settings.port)
        await site.start()
        log.info("Listening on port %d (POST /slack/events, GET /healthz)", port or settings.port)
        if socket_mode:
            socket_link = asyncio.create_task(SocketModeLink(bolt, services).run(stop))
        ticker.start()
        if listening is not None:
            listening()
        if socket_link is not None:
            await socket_link  # returns once stopped; a refused app token raises ConfigError
        await stop.wait()
        log.info("Stopping: finishing requests in flight")
    finally:
        stop.set()
        deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
        # the due messages in hand are sent; the rest stay for the next copy (or the next
        # start): a long queue would otherwise keep this copy sending past the grace
        dispatcher.stop()
        ticker.stop()
        if socket_link is not None:
            await asyncio.gather(socket_link, return_exceptions=True)
        await runner.cleanup()
        await services.answers.stop()  # clicks still queued are stored before we go
        try:  # confirmations and counts refreshes of the last requests
            await asyncio.wait_for(services.background.drain(), _left(loop, deadline))
        except TimeoutError:
            log.warning("Stopped with %d follow-ups unfinished", services.background.pending)
        await _drain(_left(loop, deadline))
        await services.close()
        await services.db.dispose()
        log.info("Stopped cleanly")


def _left(loop: asyncio.AbstractEventLoop, deadline: float) -> float:
    return max(0.1, deadline - loop.time())


async def _drain(seconds: float) -> None:
    """Let work that outlives its request (Bolt finishes listeners after the ack) complete."""
    others = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
    if not others:
        return
    _done, pending = await asyncio.wait(others, timeout=seconds)
    if pending:
        log.warning(
            "%d background tasks still running after %ss; stopping anyway", len(pending), seconds
        )
